#!/bin/sh
# SPDX-License-Identifier: ISC
#
# Each container has its own localhost: a server on 127.0.0.1:PORT in a
# answers a's client at 127.0.0.1:PORT (and [::1]:PORT); b's client at
# 127.0.0.1:PORT does not reach it, nor does the host's, nor anyone at
# a's address; a's client still reaches a host server on 127.0.0.2.
. "$(dirname "$0")/lib.sh"
need_root
need_tun
need_cmd curl ss

PY=/usr/bin/python3
PORT=$(free_port 0.0.0.0)
netd_start
at_exit "'$BERTH' rm -f a b"

"$BERTH" run -d --name a -- $PY -m http.server $PORT --bind 127.0.0.1 \
    >/dev/null || fail "run a"
"$BERTH" run -d --name b -- sleep 600 >/dev/null || fail "run b"
A=$(ctr_ip a)
# a's 127.0.0.1 is a's own loopback address (127.B.C.D of A.B.C.D), so
# the server is not on A, where other containers could reach it
LO=$("$BERTH" exec a -- sh -c 'echo $BERTH_LOOPBACK')
[ "$LO" = "127.${A#*.}" ] || fail "a's loopback address: '$LO' for $A"
wait_for 10 "$BERTH" exec a -- curl -sf "http://127.0.0.1:$PORT/" ||
    fail "a's server is not up"
ss -Hltn "sport = :$PORT" | grep -q " $LO:$PORT " ||
    fail "a's 127.0.0.1 server is not on $LO: $(ss -Hltn "sport = :$PORT")"
if curl -sf -m 5 "http://$A:$PORT/" >/dev/null 2>&1; then
	fail "a's localhost server is reachable at its address $A"
fi

"$BERTH" exec a -- curl -sf -m 5 "http://127.0.0.1:$PORT/" >/dev/null ||
    fail "a's client does not reach a's localhost server"
"$BERTH" exec a -- curl -sf -m 5 -g "http://[::1]:$PORT/" >/dev/null ||
    fail "a's client does not reach it at [::1]"
"$BERTH" exec a -- curl -sf -m 5 "http://localhost:$PORT/" >/dev/null ||
    fail "a's client does not reach it at localhost"
if "$BERTH" exec b -- curl -sf -m 5 "http://127.0.0.1:$PORT/" \
    >/dev/null 2>&1; then
	fail "b's client reached a's localhost server"
fi
if curl -sf -m 5 "http://127.0.0.1:$PORT/" >/dev/null 2>&1; then
	fail "the host reached a's localhost server at 127.0.0.1"
fi
# as in docker, the server sees its own container's client as 127.0.0.1
"$BERTH" logs a | grep -Eq "^(::ffff:)?127\.0\.0\.1 - " ||
    fail "a's server did not log 127.0.0.1: $("$BERTH" logs a | tail -2)"
# Other 127/8 addresses are the host's: a client in a reaches a host
# server on 127.0.0.2 (it used to hang: its socket was bound to the
# container address first, and the answer had no way back).
PORT2=$(free_port 127.0.0.2)
bg_start "$TMP/lo2.log" $PY -m http.server "$PORT2" --bind 127.0.0.2
wait_for 10 curl -sf "http://127.0.0.2:$PORT2/" || fail "127.0.0.2 server"
"$BERTH" exec a -- curl -sf -m 5 "http://127.0.0.2:$PORT2/" >/dev/null ||
    fail "a's client does not reach the host's 127.0.0.2"
exit 0
