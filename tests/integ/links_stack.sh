#!/bin/sh
# SPDX-License-Identifier: ISC
#
# A stack file's links: applied by `berth up` between the services'
# containers (a pair with delay_ms: 40 ms round trips; one service cut
# off with down: reject), gone with `berth down`; a bad link refused
# before anything starts.
. "$(dirname "$0")/lib.sh"
need_netd

PY=/usr/bin/python3
PORT=5396
netd_start

cat >"$TMP/bad.json" <<J
{"name": "lk", "services": {"a": {"command": ["sleep", "30"]}},
 "links": [{"service": "a", "rate": "fast"}]}
J
expect_fail 'links\[0\].rate' "$BERTH" up -f "$TMP/bad.json"
[ "$("$BERTH" ps -a | wc -l)" -eq 1 ] || fail "a bad file left containers"

cat >"$TMP/lk.json" <<J
{"name": "lk",
 "services": {
  "echo": {"command": ["$PY", "$ROOT/tests/integ/udp_echo.py", "serve",
                       "$PORT"]},
  "cli": {"command": ["sleep", "600"]},
  "lone": {"command": ["$PY", "$ROOT/tests/integ/tcp_chat.py", "serve",
                       "$PORT"]}},
 "links": [
  {"between": ["cli", "echo"], "delay_ms": 20, "seed": 5},
  {"service": "lone", "down": "reject"}]}
J
at_exit "BERTH_NO_AUTOSTART=1 '$BERTH' down -f '$TMP/lk.json'"
"$BERTH" up -f "$TMP/lk.json" >"$TMP/up" 2>&1 || fail "up: $(cat "$TMP/up")"
"$BERTH" link ls >"$TMP/ls"
grep -q 'lk-cli <-> lk-echo .*delay 20ms' "$TMP/ls" || fail "ls: $(cat "$TMP/ls")"
grep -q 'lk-lone (all) .*down reject' "$TMP/ls" || fail "ls: $(cat "$TMP/ls")"
E=$(ctr_ip lk-echo)
L=$(ctr_ip lk-lone)
wait_for 10 sh -c "'$BERTH' logs lk-echo | grep -q ready" || fail "echo not up"
"$BERTH" exec lk-cli -- $PY "$ROOT/tests/integ/udp_probe.py" rtt "$E" $PORT \
    30 10 >"$TMP/rtt" || fail "probe"
med=$($PY -c 'import sys
v = sorted(float(x) for x in open(sys.argv[1]))
print(v[len(v) // 2])' "$TMP/rtt")
note "stack link delay_ms 20: median round trip $med ms"
$PY -c "import sys; sys.exit(0 if 35 <= $med <= 45 else 1)" ||
    fail "median $med ms, expected 40 +- 5"
set -- $($PY "$ROOT/tests/integ/tcp_chat.py" connect "$L" $PORT 2)
[ "$1" = EHOSTUNREACH ] || fail "host -> lone (down: reject): $*"

"$BERTH" down -f "$TMP/lk.json" >/dev/null || fail "down"
"$BERTH" link ls --json | jget 'len(j["links"])' | grep -qx 0 ||
    fail "down left links: $("$BERTH" link ls)"
exit 0
