#!/bin/sh
# SPDX-License-Identifier: ISC
#
# netd_soak: a crash soak. Two clients create and delete containers
# without pause (churn.py) while netd is killed with SIGKILL 10 times,
# 0.5-2 s apart, and started again each time. At the end nothing is
# lost (every container whose create was answered and that nobody asked
# to delete is listed; none whose delete was answered is) and nothing
# leaked (berth ps, the tuns, the nft set and the local routes name the
# same addresses). BERTH_SOAK_KILLS sets the number of kills.
. "$(dirname "$0")/lib.sh"
need_netd
fresh_state
KILLS=${BERTH_SOAK_KILLS:-10}

netd_start
t0=$(now_ms)
WORKERS=""
for w in 1 2; do
	bg_start "$TMP/churn$w.log" /usr/bin/python3 "$ROOT/tests/integ/churn.py" \
	    "$BERTH_SOCKET" "$w" "$TMP/stop"
	WORKERS="$WORKERS $BG_PID"
done
# Stop the churn first at exit, then netd's cleanup runs.
at_exit "touch $TMP/stop"
k=0
while [ $k -lt $KILLS ]; do
	# 0.5 to 2 s of churn against a serving netd.
	sleep "$(/usr/bin/python3 -c 'import random; print(random.uniform(0.5, 2))')"
	kill -KILL "$NETD_PID"
	wait "$NETD_PID" 2>/dev/null || true
	k=$((k + 1))
	netd_start
done
sleep 1
touch "$TMP/stop"
# They end after their request in flight (at most 5 s each).
wait $WORKERS || true
ms=$(( $(now_ms) - t0 ))
cat "$TMP/churn1.log" "$TMP/churn2.log" >"$TMP/churn.log"

/usr/bin/python3 - "$TMP/churn.log" "$BERTH_SOCKET" "$ROOT" <<'PY' >"$TMP/verdict" || fail "$(cat "$TMP/verdict")"
import json, subprocess, sys
log, sock, root = sys.argv[1:4]
last = {}                     # name -> (op, how) of its last request
ops = {"create": {"ok": 0, "refused": 0, "lost": 0},
       "delete": {"ok": 0, "refused": 0, "lost": 0}}
for line in open(log):
    p = line.split()
    if len(p) != 3:
        continue
    op, name, how = p
    ops[op][how] += 1
    last.setdefault(name, []).append((op, how))
r = json.loads(subprocess.run(["/usr/bin/python3", root + "/tests/integ/ctl.py",
    sock, "list"], capture_output=True, text=True).stdout)
listed = {c["name"] for c in r["data"]}
lost = [n for n, h in last.items() if h == [("create", "ok")] and n not in listed]
undead = [n for n, h in last.items() if ("delete", "ok") in h and n in listed]
stray = [n for n in listed if n not in last]
print("creates %(ok)d ok, %(refused)d refused, %(lost)d unanswered;" %
    ops["create"], "deletes %(ok)d ok, %(refused)d refused, %(lost)d "
    "unanswered;" % ops["delete"], "%d listed at the end" % len(listed))
if lost or undead or stray:
    print("lost: %s; deleted but listed: %s; never asked for: %s" %
        (lost, undead, stray))
    sys.exit(1)
PY
note "$KILLS kills in $ms ms: $(cat "$TMP/verdict")"
t1=$(now_ms)
expect_consistent "after $KILLS kills" 120
note "ps = tuns = nft set = local routes $(( $(now_ms) - t1 )) ms after the churn stopped ($(( $(views | head -1 | wc -w) - 1 )) containers)"
exit 0
