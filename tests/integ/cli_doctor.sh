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

# Leftovers of a netd killed with SIGKILL: reported, then removed.
netd_start
"$BERTH" run -d --name left -- sleep 60 >/dev/null
LEFT=$("$BERTH" inspect left | /usr/bin/python3 -c \
    'import json,sys; print(json.load(sys.stdin)[0]["pid"])')
kill -KILL "$NETD_PID"
wait "$NETD_PID" 2>/dev/null || true
kill "$LEFT"
set +e
BERTH_NO_AUTOSTART=1 "$BERTH" doctor >"$TMP/d3" 2>&1
rc=$?
set -e
[ $rc -eq 1 ] && grep -q 'FAIL.*leftovers' "$TMP/d3" ||
    fail "leftovers not reported (exit $rc): $(cat "$TMP/d3")"
BERTH_NO_AUTOSTART=1 "$BERTH" doctor --repair >"$TMP/d4" 2>&1 ||
    fail "--repair: $(cat "$TMP/d4")"
[ -z "$(leftovers)" ] || fail "left behind after --repair: $(leftovers)"
has_local_rule || fail "no lookup local rule"
