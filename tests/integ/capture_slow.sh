#!/bin/sh
# SPDX-License-Identifier: ISC
#
# A capture whose reader never reads (berth capture --all -w - | sleep)
# does not slow other traffic: a 64 MB download from container b to a
# runs at least half as fast as without it (figures printed; the aim is
# no measurable cost), netd's queue for it stays bounded and counts what
# it lost, and when the reader goes the CLI ends and netd frees the
# capture (its fd count is back where it was).
. "$(dirname "$0")/lib.sh"
need_root
need_tun
need_cmd curl

PY=/usr/bin/python3
netd_start
at_exit "'$BERTH' rm -f a b"
mkdir "$TMP/www"
head -c 64000000 /dev/zero >"$TMP/www/big"
"$BERTH" run -d --name a -- $PY -m http.server 8000 >/dev/null || fail "run a"
"$BERTH" run -d --name b -- $PY -m http.server 8000 -d "$TMP/www" \
    >/dev/null || fail "run b"
B=$(ctr_ip b)
wait_for 10 curl -sf -o /dev/null "http://$B:8000/" || fail "b: no answer"

fds() { ls /proc/"$NETD_PID"/fd | wc -l; }
# best_of N: the fastest of N downloads, in MB/s.
best_of() {
	_best=0
	for _i in $(seq "$1"); do
		_s=$("$BERTH" exec a -- curl -sf -m 60 -o /dev/null \
		    -w '%{speed_download}' "http://$B:8000/big") ||
		    fail "download failed"
		_best=$(echo "$_s $_best" | awk '{print ($1 > $2) ? $1 : $2}')
	done
	echo "$_best" | awk '{printf "%.1f", $1 / 1e6}'
}

base=$(best_of 3)
ls -l /proc/"$NETD_PID"/fd >"$TMP/fd0"
fd0=$(fds)
"$BERTH" capture --all -w - 2>"$TMP/slow.err" | sleep 120 &
PIPE=$!
at_exit "kill $PIPE"
wait_for 5 sh -c "[ \$(ls /proc/$NETD_PID/fd | wc -l) -gt $fd0 ]" ||
    fail "the capture did not start: $(cat "$TMP/slow.err")"
slow=$(best_of 3)
ratio=$(echo "$slow $base" | awk '{printf "%.2f", $1 / $2}')
note "64 MB b -> a: $base MB/s without a capture, $slow MB/s with a" \
    "reader that never reads: ratio $ratio"
awk -v r="$ratio" 'BEGIN { exit !(r >= 0.5) }' ||
    fail "a slow reader slowed traffic: ratio $ratio"

# The reader goes: the CLI ends (closed pipe), netd frees the capture.
CLI=$(pgrep -P $$ -f "capture --all -w -" || true)
kill "$PIPE"
wait_for 10 sh -c "[ \$(ls /proc/$NETD_PID/fd | wc -l) -eq $fd0 ]" ||
    fail "netd holds $(fds) fds after the capture, $fd0 before: $(ls -l /proc/$NETD_PID/fd | diff "$TMP/fd0" -) CLI=$CLI $(ps -ef | grep "captur[e]")"
[ -z "$CLI" ] || wait_for 5 sh -c "! kill -0 $CLI" ||
    fail "the CLI did not end when its reader went"
exit 0
