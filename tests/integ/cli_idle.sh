#!/bin/sh
# SPDX-License-Identifier: ISC
#
# cli_idle: a foreground run that outlives netd's idle time. netd closes
# the CLI's connection while the process runs (BERTH_NETD_IDLE_MS, which
# the CLI reads too: it reuses a connection for half of it); "started"'s
# reply is still read from it, and "exited" and "delete" go out on a new
# one: no warning, the status is the process's, --rm holds, and a run
# without --rm is left exited with its status. A short run's exited and
# delete reach netd before its process is reaped: the container's
# cgroup (kernel enforcement) is removed all the same.
. "$(dirname "$0")/lib.sh"
need_root
need_tun

export BERTH_NETD_IDLE_MS=600 BERTH_NO_AUTOSTART=1
netd_start

rc=0
"$BERTH" run --rm --name idle1 -- sh -c 'sleep 1.5; exit 3' \
    2>"$TMP/err" || rc=$?
[ "$rc" -eq 3 ] || fail "exit $rc, expected 3: $(cat "$TMP/err")"
[ ! -s "$TMP/err" ] || fail "run past netd's idle time: $(cat "$TMP/err")"
"$BERTH" ps -aq | grep -qx idle1 && fail "--rm: idle1 left"

rc=0
"$BERTH" run --name idle2 -- sh -c 'sleep 1.5; exit 5' \
    2>"$TMP/err" || rc=$?
[ "$rc" -eq 5 ] || fail "exit $rc, expected 5: $(cat "$TMP/err")"
[ ! -s "$TMP/err" ] || fail "run past netd's idle time: $(cat "$TMP/err")"
"$BERTH" ps -a --json >"$TMP/ps"
/usr/bin/python3 - "$TMP/ps" <<'PY' || fail "idle2: $(cat "$TMP/ps")"
import json, sys
c = [c for c in json.load(open(sys.argv[1])) if c["name"] == "idle2"]
sys.exit(0 if len(c) == 1 and c[0]["status"] == "exited (5)" else 1)
PY

"$BERTH" run --rm --name idle3 -- true 2>"$TMP/err" ||
    fail "run --rm: $(cat "$TMP/err")"
[ ! -s "$TMP/err" ] || fail "run --rm: $(cat "$TMP/err")"
if [ "$(ctl hello | jget 'j["data"].get("enforce")')" = cgroup-bpf ]; then
	grep "cgroup.*stays" "$TMP/netd.log" &&
	    fail "a container's cgroup was left"
	cg=$(grep -o 'programs on [^ ]*' "$TMP/netd.log" | head -1 |
	    sed 's/programs on //')
	[ -n "$cg" ] || fail "no cgroup in the log: $(cat "$TMP/netd.log")"
	[ ! -e "$cg/idle3" ] || fail "idle3's cgroup $cg/idle3 left"
else
	note "no kernel enforcement: the cgroup is not checked"
fi
exit 0
