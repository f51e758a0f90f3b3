#!/bin/sh
# SPDX-License-Identifier: ISC
#
# berth doctor: reports a missing "lookup local" rule and leftovers of a
# crashed netd; --repair restores the rule and removes the leftovers.
# The missing rule is staged inside a network namespace of the test's
# own, so the host keeps its rule throughout.
. "$(dirname "$0")/lib.sh"
need_root
need_tun
need_cmd ip nft

NS="berth-doctor-$slot"
ip netns add "$NS"
at_exit "ip netns del $NS"
ip -n "$NS" link set lo up
ip -n "$NS" rule del pref 0 lookup local
ip -n "$NS" rule show | grep -q 'lookup local' && fail "could not stage"
set +e
BERTH_NO_AUTOSTART=1 ip netns exec "$NS" "$BERTH" doctor >"$TMP/d1" 2>&1
rc=$?
set -e
[ $rc -eq 1 ] || fail "doctor without the local rule: exit $rc"
grep -q 'FAIL.*lookup local' "$TMP/d1" || fail "not reported: $(cat "$TMP/d1")"
BERTH_NO_AUTOSTART=1 ip netns exec "$NS" "$BERTH" doctor --repair \
    >"$TMP/d2" 2>&1 || true
ip -n "$NS" rule show | grep -q '^0:.*lookup local' ||
    fail "--repair did not restore the rule: $(cat "$TMP/d2")"

# After kill -9 with a container running: doctor sees it, says the next
# command restarts netd, and --repair restarts netd, which adopts it;
# nothing is removed.
netd_start
"$BERTH" run -d --name keep -- sleep 600 >/dev/null
KEEP=$("$BERTH" inspect keep | /usr/bin/python3 -c \
    'import json,sys; print(json.load(sys.stdin)[0]["pid"])')
at_exit "kill $KEEP"
TUN=$("$BERTH" inspect keep | /usr/bin/python3 -c \
    'import json,sys; print(json.load(sys.stdin)[0]["tun"])')
kill -KILL "$NETD_PID"
wait "$NETD_PID" 2>/dev/null || true
set +e
BERTH_NO_AUTOSTART=1 "$BERTH" doctor >"$TMP/d3" 2>&1
rc=$?
set -e
note "doctor after kill -9: $(cat "$TMP/d3")"
grep -q "1 container, 1 with a running process: the next command restarts netd" \
    "$TMP/d3" || fail "doctor does not see the running container: $(cat "$TMP/d3")"
grep -q 'FAIL' "$TMP/d3" && fail "doctor calls adoptable state a problem (exit $rc)"
BERTH_NO_AUTOSTART=1 "$BERTH" doctor --repair >"$TMP/d4" 2>&1 ||
    fail "--repair: $(cat "$TMP/d4")"
grep -q "restarted netd" "$TMP/d4" || fail "--repair: $(cat "$TMP/d4")"
berth_autostarted
kill -0 "$KEEP" || fail "the container's process died"
ip link show "$TUN" >/dev/null 2>&1 || fail "--repair removed the tun $TUN"
"$BERTH" ps | grep -q "keep.*running" || fail "keep is not running: $("$BERTH" ps)"
"$BERTH" rm -f keep >/dev/null
# (netd writes its state just after the reply)
no_ctrs() { state_print | /usr/bin/python3 -c 'import json,sys
sys.exit(len(json.load(sys.stdin)["containers"]))'; }
wait_for 5 no_ctrs || fail "state still holds keep"

# Leftovers of a netd killed with SIGKILL and no containers: reported,
# then removed.
kill -KILL "$NETD_PID"
for _i in $(seq 100); do kill -0 "$NETD_PID" 2>/dev/null || break; sleep 0.05; done
set +e
BERTH_NO_AUTOSTART=1 "$BERTH" doctor >"$TMP/d5" 2>&1
rc=$?
set -e
[ $rc -eq 1 ] && grep -q 'FAIL.*leftovers' "$TMP/d5" ||
    fail "leftovers not reported (exit $rc): $(cat "$TMP/d5")"
BERTH_NO_AUTOSTART=1 "$BERTH" doctor --repair >"$TMP/d6" 2>&1 ||
    fail "--repair: $(cat "$TMP/d6")"
[ -z "$(leftovers)" ] || fail "left behind after --repair: $(leftovers)"
has_local_rule || fail "no lookup local rule"
