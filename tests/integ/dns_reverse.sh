#!/bin/sh
# SPDX-License-Identifier: ISC
#
# dns_reverse: reverse lookups from a container are answered by netd,
# at once: gethostbyaddr() and getnameinfo() of a container's address
# (netd's hosts block in /etc/hosts may answer it first, as glibc reads
# files before DNS), of its own loopback 127.B.C.D and of the gateway
# give their berth names; another 127/8 address is "not found" without waiting. glibc
# sends these queries where the interposer's port-53 redirect never
# sees them, so they used to wait on the host's resolvers (python's
# http.server looks up the address it listens on: 10 s per start).
. "$(dirname "$0")/lib.sh"
need_root
need_tun
need_cmd /usr/bin/python3

PY=/usr/bin/python3
netd_start
at_exit "'$BERTH' rm -f rv"
"$BERTH" run -d --name rv -- sleep 600 >/dev/null || fail "run rv"
A=$(ctr_ip rv)
LO=$("$BERTH" exec rv -- sh -c 'echo $BERTH_LOOPBACK')
[ -n "$LO" ] || fail "rv has no own loopback address"

# ask ADDR: "name|seconds" from gethostbyaddr, "-|seconds" if not found
ask() {
	"$BERTH" exec rv -- $PY -c '
import socket, sys, time
t = time.monotonic()
try:
    n = socket.gethostbyaddr(sys.argv[1])[0]
except socket.herror:
    n = "-"
print("%s|%.1f" % (n, time.monotonic() - t))' "$1"
}
# the answers come from netd at once: nothing may take a resolver timeout
check() {
	out=$(ask "$1") || fail "lookup of $1: $out"
	[ "${out%|*}" = "$2" ] || fail "gethostbyaddr($1): '${out%|*}', expected $2"
	awk -v t="${out#*|}" 'BEGIN { exit !(t < 2.5) }' ||
	    fail "gethostbyaddr($1) took ${out#*|} s"
}
check "$A" rv.berth
check "$LO" rv.berth
check "$GATEWAY" host.berth
check 127.9.9.9 -
# /etc/hosts keeps its precedence
check 127.0.0.1 localhost

out=$("$BERTH" exec rv -- $PY -c '
import socket, sys
try:
    socket.getnameinfo(("127.9.9.9", 80), socket.NI_NAMEREQD)
    req = "found"
except socket.gaierror:
    req = "noname"
print(socket.getnameinfo((sys.argv[1], 80), 0)[0],
      socket.getnameinfo(("127.9.9.9", 80), 0)[0], req)' "$LO") ||
    fail "getnameinfo: $out"
[ "$out" = "rv.berth 127.9.9.9 noname" ] || fail "getnameinfo: '$out'"
exit 0
