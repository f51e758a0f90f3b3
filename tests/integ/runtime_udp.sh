#!/bin/sh
# SPDX-License-Identifier: ISC
#
# UDP: an echo server in b (bound to 0.0.0.0) answers a client in a
# that never binds; the reply comes from b's address, and b saw a's.
. "$(dirname "$0")/lib.sh"
need_root
need_tun

PY=/usr/bin/python3
# not 5353: other tests publish that one, and a host port's DNAT
# catches that port on every local address
PORT=5391
netd_start
at_exit "'$BERTH' rm -f a b"

"$BERTH" run -d --name b -- $PY "$ROOT/tests/integ/udp_echo.py" serve $PORT \
    >/dev/null || fail "run b"
B=$(ctr_ip b)
wait_for 10 sh -c "'$BERTH' logs b | grep -q ready" || fail "b not up"

cat >"$TMP/client.py" <<'P'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
s.sendto(b"hi", (sys.argv[1], int(sys.argv[2])))
data, addr = s.recvfrom(65535)
print(data.decode(), addr[0], s.getsockname()[0])
P
chmod 644 "$TMP/client.py"
chmod 755 "$TMP"
"$BERTH" run --rm --name a -- $PY "$TMP/client.py" "$B" $PORT >"$TMP/out" ||
    fail "the client in a got no answer: $(cat "$TMP/out")"
read -r msg from local <"$TMP/out" || fail "no output"
[ "$msg" = "echo:hi" ] || fail "answer \"$msg\""
[ "$from" = "$B" ] || fail "the reply came from $from, not b ($B)"
A=$local
case $A in "$POOL_NET".*) ;; *) fail "a's socket is on $A";; esac
wait_for 5 sh -c "'$BERTH' logs b | grep -q '^from $A:'" ||
    fail "b did not see a's address $A: $("$BERTH" logs b | tail -2)"
exit 0
