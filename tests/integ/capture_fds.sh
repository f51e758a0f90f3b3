#!/bin/sh
# SPDX-License-Identifier: ISC
#
# A capture is freed when its client goes: 200 captures started and
# stopped (Ctrl-C, SIGKILL, closed pipe in turn) while traffic flows,
# and netd holds as many fds as before and still routes.
. "$(dirname "$0")/lib.sh"
need_root
need_tun
need_cmd curl

PY=/usr/bin/python3
netd_start
at_exit "'$BERTH' rm -f a b"
"$BERTH" run -d --name a -- $PY -m http.server 8000 >/dev/null || fail "run a"
"$BERTH" run -d --name b -- $PY -m http.server 8000 >/dev/null || fail "run b"
A=$(ctr_ip a)
B=$(ctr_ip b)
wait_for 10 curl -sf -o /dev/null "http://$B:8000/" || fail "b: no answer"
fds() { ls /proc/"$NETD_PID"/fd | wc -l; }

# Traffic all along: the host fetches from a and b in a loop.
( while :; do curl -s -o /dev/null "http://$A:8000/"; \
    curl -s -o /dev/null "http://$B:8000/"; done ) &
LOAD=$!
at_exit "kill $LOAD"
sleep 0.3
fd0=$(fds)
for i in $(seq 200); do
	# Each capture's own line, never the one before it: the shell
	# truncates err only in the child, so the wait could pass at once
	# and the SIGINT reach the CLI before its handler (lost; it hung).
	rm -f "$TMP/err"
	case $((i % 3)) in
	0)	"$BERTH" capture b -w /dev/null 2>"$TMP/err" &
		P=$!
		wait_for 5 grep -q "^berth capture: " "$TMP/err" ||
		    fail "capture $i: $(cat "$TMP/err")"
		kill -INT $P
		wait $P || fail "capture $i: exit $? on SIGINT";;
	1)	"$BERTH" capture --all tcp 2>"$TMP/err" >/dev/null &
		P=$!
		wait_for 5 grep -q "^berth capture: " "$TMP/err" ||
		    fail "capture $i: $(cat "$TMP/err")"
		kill -KILL $P
		wait $P || true;;
	2)	# The reader takes one line and goes.
		"$BERTH" capture a 2>/dev/null | head -1 >/dev/null ||
		    fail "capture $i | head";;
	esac
done
wait_for 10 sh -c "[ \$(ls /proc/$NETD_PID/fd | wc -l) -le $fd0 ]" ||
    fail "netd holds $(fds) fds after 200 captures, $fd0 before"
note "netd fds: $fd0 before, $(fds) after 200 captures"
kill $LOAD
curl -sf -o /dev/null "http://$B:8000/" || fail "netd no longer routes"
exit 0
