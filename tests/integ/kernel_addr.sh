#!/bin/sh
# SPDX-License-Identifier: ISC
#
# The address, enforced by the kernel (cgroup BPF), for binaries the
# interposer never sees: two Go HTTP servers (raw system calls) on :8080
# in two containers, each at its own address; a Go 127.0.0.1 listener
# reachable only inside its container; a gcc -static server and client
# using syscall(SYS_bind/connect); a dynamic program with env -u
# LD_PRELOAD. Binding another container's address or a host address
# fails with EADDRNOTAVAIL. Each container's processes are in its own
# cgroup, removed with the container.
. "$(dirname "$0")/lib.sh"
need_root
need_tun
need_cmd curl ss
RAW=$HELPERS/rawnet_linux
[ -x "$RAW" ] || skip "build/tests/helpers/rawnet_linux is not built"
file "$RAW" | grep -q 'statically linked' || fail "rawnet is not static"
go_helper
netd_start
need_kernel
at_exit "'$BERTH' rm -f a b c d"
# :8080 as in the issue, unless a host wildcard listener holds it (a
# container's ADDR:P collides with the host's 0.0.0.0:P, as in Linux)
free_port() {
	if ss -Hltn "sport = :$1" | grep -q .; then
		echo "$2"
	else
		echo "$1"
	fi
}
P=$(free_port 8080 $((18080 + slot)))
LP=$(free_port 8081 $((18180 + slot)))
SP=$(free_port 9000 $((19000 + slot)))
"$BERTH" doctor >"$TMP/doctor" 2>&1 || true
grep -q 'enforced by the kernel (cgroup BPF)' "$TMP/doctor" ||
    fail "doctor does not say so: $(cat "$TMP/doctor")"

"$BERTH" run -d --name a -- "$GOSERVE" serve a $P $LP >/dev/null ||
    fail "run a"
"$BERTH" run -d --name b -- "$GOSERVE" serve b $P $LP >/dev/null ||
    fail "run b"
A=$(ctr_ip a)
B=$(ctr_ip b)
wait_for 10 curl -sf "http://$A:$P/" || fail "a: no answer at $A:$P"
wait_for 10 curl -sf "http://$B:$P/" || fail "b: no answer at $B:$P"
[ "$(curl -s "http://$A:$P/")" = "a $GATEWAY" ] ||
    fail "a at $A: $(curl -s "http://$A:$P/")"
[ "$(curl -s "http://$B:$P/")" = "b $GATEWAY" ] ||
    fail "b at $B: $(curl -s "http://$B:$P/")"

# Each on its own address (the Go servers' [::]:8080 became
# [::ffff:ADDR]:8080), none on a wildcard or on the host's 127.0.0.1.
ss -Hltn "sport = :$P or sport = :$LP" >"$TMP/ss"
for ip in "$A" "$B"; do
	grep -Eq "[ [](::ffff:)?$ip\]?:$P " "$TMP/ss" ||
	    fail "nothing on $ip:$P: $(cat "$TMP/ss")"
	grep -Eq " $ip:$LP " "$TMP/ss" ||
	    fail "127.0.0.1:$LP not on $ip: $(cat "$TMP/ss")"
done
grep -Eq " (0\.0\.0\.0|\*|\[::\]|127\.0\.0\.1):($P|$LP) " "$TMP/ss" &&
    fail "a wildcard or host-loopback listener: $(cat "$TMP/ss")"

# Own localhost: a's 127.0.0.1:$LP answers inside a only.
[ "$("$BERTH" exec a -- "$GOSERVE" get http://127.0.0.1:$LP/)" = \
    "a local" ] || fail "a cannot reach its own 127.0.0.1:$LP"
[ "$("$BERTH" exec b -- "$GOSERVE" get http://127.0.0.1:$LP/)" = \
    "b local" ] || fail "b's 127.0.0.1:$LP is not b's"
curl -s -m 2 http://127.0.0.1:$LP/ >/dev/null &&
    fail "the host's 127.0.0.1:$LP answers"
# a -> b: b sees a's address (the unbound Go client left from A).
[ "$("$BERTH" exec a -- "$GOSERVE" get "http://$B:$P/")" = "b $A" ] ||
    fail "a -> b: b did not see $A"

# gcc -static, raw syscall(SYS_bind) to 0.0.0.0, and a raw connect.
"$BERTH" run -d --name c -- "$RAW" serve $SP >/dev/null || fail "run c"
"$BERTH" run -d --name d -- sleep 600 >/dev/null || fail "run d"
C=$(ctr_ip c)
D=$(ctr_ip d)
wait_for 10 sh -c "ss -Hltn 'sport = :$SP' | grep -q ' $C:$SP '" ||
    fail "static server not on $C:$SP: $(ss -Hltn 'sport = :$SP')"
[ "$("$BERTH" exec d -- "$RAW" get "$C" $SP)" = "you are $D" ] ||
    fail "static client d -> c: not seen as $D"
[ "$("$BERTH" exec d -- "$RAW" get 127.0.0.1 $SP 2>&1)" != \
    "you are $D" ] || fail "d's 127.0.0.1:$SP reached c"
# own localhost, and the program still sees 127.0.0.1 as its peer
got=$("$BERTH" exec c -- env -u LD_PRELOAD /usr/bin/python3 -c '
import socket; s = socket.create_connection(("127.0.0.1", '"$SP"'))
print(s.getpeername()[0], s.recv(64).decode().strip())')
[ "$got" = "127.0.0.1 you are $C" ] ||
    fail "c to its own 127.0.0.1:$SP: $got"
# UDP likewise: the server on 127.0.0.1 is on D, the client's datagram
# leaves from D, its reply seems to come from 127.0.0.1 (recvmsg4)
got=$("$BERTH" exec d -- env -u LD_PRELOAD /usr/bin/python3 -c '
import socket
srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
srv.bind(("127.0.0.1", 0)); port = srv.getsockname()[1]
cli = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); cli.settimeout(3)
cli.sendto(b"x", ("127.0.0.1", port))
data, peer = srv.recvfrom(64); srv.sendto(data, peer)
data, frm = cli.recvfrom(64)
print(srv.getsockname()[0], peer[0], frm[0])')
[ "$got" = "$D $D 127.0.0.1" ] || fail "UDP own localhost in d: $got"
[ "$("$BERTH" exec d -- "$RAW" bind 0.0.0.0 0 | cut -d: -f1)" = "$D" ] ||
    fail "raw bind 0.0.0.0 in d: not $D"
[ "$("$BERTH" exec d -- "$RAW" bind 127.0.0.1 0 | cut -d: -f1)" = "$D" ] ||
    fail "raw bind 127.0.0.1 in d: not $D"
# env -u LD_PRELOAD: a dynamic program without the interposer.
got=$("$BERTH" exec d -- env -u LD_PRELOAD /usr/bin/python3 -c '
import socket; s = socket.socket(); s.bind(("0.0.0.0", 0))
print(s.getsockname()[0])')
[ "$got" = "$D" ] || fail "env -u LD_PRELOAD: python3 bound $got, not $D"

# Another container's address, the gateway, a host address: refused.
HOSTIP=$(ip -4 -o addr show scope global | awk '{print $4}' |
    cut -d/ -f1 | grep -v "^$POOL_NET\." | head -1)
for ip in "$A" "$GATEWAY" ${HOSTIP:+"$HOSTIP"}; do
	for how in "" "env -u LD_PRELOAD"; do
		set +e
		# shellcheck disable=SC2086
		"$BERTH" exec d -- $how "$RAW" bind "$ip" 7000 \
		    >"$TMP/out" 2>"$TMP/err"
		rc=$?
		set -e
		[ $rc -ne 0 ] || fail "d bound $ip: $(cat "$TMP/out")"
		grep -q 'EADDRNOTAVAIL' "$TMP/err" ||
		    fail "bind $ip: $(cat "$TMP/err")"
	done
done
"$BERTH" inspect d | jget 'j[0]["kernel"]["refused"]' >"$TMP/n"
[ "$(cat "$TMP/n")" -ge 4 ] || fail "refusals not counted: $(cat "$TMP/n")"

# The cgroups: each container's own, gone with the container.
CG=$(awk '/ - cgroup2 / { print $5; exit }' /proc/self/mountinfo)
CGD="$CG/berth-$BERTH_PREFIX"
PID=$("$BERTH" inspect c | jget 'j[0]["pid"]')
grep -q "^0::/berth-$BERTH_PREFIX/c$" "/proc/$PID/cgroup" ||
    fail "c's process is in $(grep '^0::' "/proc/$PID/cgroup")"
[ -d "$CGD/d" ] || fail "no cgroup $CGD/d"
"$BERTH" rm -f d >/dev/null
[ ! -d "$CGD/d" ] || fail "$CGD/d outlived its container"
exit 0
