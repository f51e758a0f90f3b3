#!/bin/sh
# SPDX-License-Identifier: ISC
#
# A SIGINT or SIGTERM stops berth capture at once, whenever it comes:
# captures of an idle container (no record ever comes), each signalled
# 0-300 ms after it says it runs, every one ends within 1 s, exits 0
# and prints its summary. BERTH_TEST_CAPTURE_PAUSE_MS=150 (a test hook
# of cmd_capture.c) pauses the CLI between its look at the stop flag
# and its wait for netd, so that about half the signals fall in that
# moment, where they once waited for the next record (for ever here).
. "$(dirname "$0")/lib.sh"
need_root
need_tun

netd_start
at_exit "'$BERTH' rm -f idle"
"$BERTH" run -d --name idle -- sleep 1000 >/dev/null || fail "run idle"

export BERTH_TEST_CAPTURE_PAUSE_MS=150
late=0
for i in $(seq 24); do
	sig=INT
	[ $((i % 4)) -eq 0 ] && sig=TERM
	ms=$(( (i * 13) % 300 ))
	capture_bg c idle
	sleep "$(printf '0.%03d' $ms)"
	kill -$sig "$CAP_PID"
	t0=$(now_ms)
	hung=0
	while kill -0 "$CAP_PID" 2>/dev/null; do
		[ $(( $(now_ms) - t0 )) -lt 1000 ] || {
			late=$((late + 1))
			hung=1
			note "capture $i: SIG$sig $ms ms after its start:" \
			    "still running 1 s later"
			kill -KILL "$CAP_PID"
			break
		}
		sleep 0.01
	done
	rc=0
	wait "$CAP_PID" || rc=$?
	[ $hung -eq 1 ] && continue
	[ $rc -eq 0 ] || fail "capture $i: exit $rc on SIG$sig: $(cat "$TMP/c.err")"
	grep -q "^0 packets captured" "$TMP/c.err" ||
	    fail "capture $i: no summary: $(cat "$TMP/c.err")"
done
[ $late -eq 0 ] || fail "$late of 24 captures did not stop within 1 s"
exit 0
