#!/bin/sh
# SPDX-License-Identifier: ISC
#
# netd_journal: a create, a change (started, exited) and a delete go to
# the state journal (STATE_DIR/state.journal), not to a new snapshot:
# state.json keeps its inode; a network writes a snapshot. Then a client creates containers,
# reports a process for each and deletes older ones while netd is killed
# with SIGKILL five times in the middle of it; after each restart every
# container whose create was answered (and whose delete was not asked)
# is back with its address, and the process of every answered "started",
# and none whose delete was answered; so are the containers made before.
# A clean stop leaves a snapshot and no journal. No snapshot found an
# entry that changed without being marked for the journal.
. "$(dirname "$0")/lib.sh"
need_netd
fresh_state
SNAP=$BERTH_STATE_DIR/state.json
JOURNAL=$BERTH_STATE_DIR/state.journal
inode() { stat -c %i "$1"; }

netd_start
ctl_ok create '{"name": "first"}' >/dev/null
i0=$(inode "$SNAP")
[ -s "$JOURNAL" ] || fail "no journal after a create"
j0=$(wc -c <"$JOURNAL")
for i in 1 2 3 4 5; do
	ctl_ok create '{"name": "j'"$i"'"}' >/dev/null
done
ctl_ok started '{"name": "j1", "pid": '"$$"', "pid_start": '"$(pid_start $$)"'}' >/dev/null
ctl_ok exited '{"name": "j3", "exit_code": 7}' >/dev/null
ctl_ok delete '{"name": "j2"}' >/dev/null
[ "$(inode "$SNAP")" = "$i0" ] ||
    fail "a create or delete replaced the snapshot"
j1=$(wc -c <"$JOURNAL")
[ "$j1" -gt "$j0" ] || fail "the journal did not grow ($j0 -> $j1)"
n=$(state_print | jget '" ".join(c["name"] for c in j["containers"])')
[ "$n" = "first j1 j3 j4 j5" ] || fail "the state holds: $n"
state_print | jget '[c for c in j["containers"] if c["name"] == "j1"][0]["pid"]' |
    grep -qx "$$" || fail "the started pid is not in the state"
state_print | jget '[c for c in j["containers"] if c["name"] == "j3"][0]["exit_code"]' |
    grep -qx 7 || fail "the exit code is not in the state"
ctl_ok net_create '{"name": "jnet"}' >/dev/null
[ "$(inode "$SNAP")" != "$i0" ] || fail "a network did not write a snapshot"
grep -q '"jnet"' "$SNAP" || fail "the snapshot lacks the network"

# The churn: one log line per request, "OP NAME ok|refused|lost [IP]".
sleep 600 &
HOLDER=$!
at_exit "kill $HOLDER"
HSTART=$(pid_start $HOLDER)
/usr/bin/python3 - "$BERTH_SOCKET" "$TMP/stop" "$HOLDER" "$HSTART" \
    "$ROOT/tests/integ" >"$TMP/churn.log" 2>&1 <<'PY' &
import os, sys, time
path, stop, pid, start = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
sys.path.insert(0, sys.argv[5])
from ctl import call as ctl_call
def call(op, args):
    try:
        return ctl_call(path, op, args)
    except (OSError, ValueError):
        return None
i = 0
while not os.path.exists(stop):
    i += 1
    todo = [("create", "k%d" % i, {"name": "k%d" % i})]
    if i > 1:
        todo.append(("started", "k%d" % (i - 1), {"name": "k%d" % (i - 1),
                     "pid": pid, "pid_start": start}))
    if i > 20:
        todo.append(("delete", "k%d" % (i - 20), {"name": "k%d" % (i - 20)}))
    for op, name, args in todo:
        r = call(op, args)
        how = "lost" if r is None else "ok" if r.get("ok") else "refused"
        ip = (r.get("data") or {}).get("ip", "") if r else ""
        print(op, name, how, ip, flush=True)
        if r is None:
            time.sleep(0.05)
    time.sleep(0.01)
PY
CHURN=$!
at_exit "touch $TMP/stop"

# check: what netd lists agrees with every answered request.
check() {
	ctl_ok list >"$TMP/list"
	/usr/bin/python3 - "$TMP/churn.log" "$TMP/list" "$HOLDER" <<'PY'
import json, sys
log, lst, pid = sys.argv[1], sys.argv[2], int(sys.argv[3])
reqs = {}
for line in open(log):
    p = line.split()
    if len(p) >= 3:
        reqs.setdefault(p[1], []).append((p[0], p[2], p[3] if len(p) > 3 else ""))
have = {c["name"]: c for c in json.load(open(lst))}
fixed = {"first", "j1", "j3", "j4", "j5"}
bad = ["%s lost" % n for n in fixed if n not in have]
have = {n: c for n, c in have.items() if n not in fixed}
for name, rs in reqs.items():
    ops = {(op, how) for op, how, _ in rs}
    if ("delete", "ok") in ops:
        if name in have:
            bad.append("%s deleted but listed" % name)
        continue
    if any(op == "delete" for op, _, _ in rs) or ("create", "ok") not in ops:
        continue                      # a delete in flight, or no create
    ip = [ip for op, how, ip in rs if (op, how) == ("create", "ok")][0]
    c = have.get(name)
    if c is None:
        bad.append("%s lost" % name)
    elif c["ip"] != ip:
        bad.append("%s has %s, was created with %s" % (name, c["ip"], ip))
    elif ("started", "ok") in ops and c.get("pid") != pid:
        bad.append("%s lost its process (%s)" % (name, c.get("pid")))
bad += ["%s never asked for" % n for n in have if n not in reqs]
if bad:
    print("; ".join(bad))
    sys.exit(1)
print("%d containers" % (len(have) + len(fixed)))
PY
}

for k in 1 2 3 4 5; do
	sleep "$(/usr/bin/python3 -c 'import random; print(random.uniform(0.4, 1.2))')"
	kill -KILL "$NETD_PID"
	wait "$NETD_PID" 2>/dev/null || true
	netd_start
	grep -q "damaged\|degraded" "$TMP/netd.log" &&
	    fail "kill $k: netd starts degraded: $(grep damaged "$TMP/netd.log")"
	sleep 0.2
done
touch "$TMP/stop"
wait "$CHURN" || true
check >"$TMP/verdict" 2>&1 || fail "after 5 kills: $(cat "$TMP/verdict")"
note "$(cat "$TMP/verdict"), $(grep -c . "$TMP/churn.log") requests"
# The same after one more kill with the churn stopped.
kill -KILL "$NETD_PID"
wait "$NETD_PID" 2>/dev/null || true
netd_start
check >"$TMP/verdict" 2>&1 ||
    fail "after the last kill: $(cat "$TMP/verdict")"

kill -TERM "$NETD_PID"
wait "$NETD_PID" 2>/dev/null || true
[ -e "$JOURNAL" ] && fail "a journal after a clean stop"
grep -q '"jnet"' "$SNAP" || fail "the snapshot lacks the network"
grep "was not marked" "$TMP/netd.log" &&
    fail "a change that no journal append would have written"
exit 0
