#!/bin/sh
# SPDX-License-Identifier: ISC
#
# berth up / ps / logs / exec / down on examples/demo.json; a bad stack
# file; a healthcheck that never passes; nothing left afterwards.
. "$(dirname "$0")/lib.sh"
need_root
need_tun
need_cmd curl redis-server redis-cli

netd_start

# A bad stack file: refused before anything starts, field named.
cat >"$TMP/bad.json" <<'J'
{"services": {"web": {"command": ["true"], "ports": ["80:80", "0:1"]}}}
J
expect_fail 'services.web.ports\[1\]' "$BERTH" up -f "$TMP/bad.json"
echo '{"services": {"web": {"command": ["true"], "portz": []}}}' \
    >"$TMP/bad2.json"
expect_fail 'services.web.portz: unknown key' "$BERTH" up -f "$TMP/bad2.json"
echo 'not json' >"$TMP/bad3.json"
expect_fail 'not a valid JSON' "$BERTH" up -f "$TMP/bad3.json"
[ "$("$BERTH" ps -a | wc -l)" -eq 1 ] || fail "bad files left containers"

# The demo, on a host port nobody holds (a running demo has 8080).
HP=$(free_port 0.0.0.0)
sed -e "s|\"8080:8000\"|\"$HP:8000\"|" \
    -e "s|\"workdir\": \"demo/|\"workdir\": \"$ROOT/examples/demo/|" \
    "$ROOT/examples/demo.json" >"$TMP/demo.json"
DEMO=$TMP/demo.json
at_exit "BERTH_NO_AUTOSTART=1 '$BERTH' down -f '$DEMO'"
"$BERTH" up -f "$DEMO" >"$TMP/up" 2>&1 ||
    fail "up: $(cat "$TMP/up")"
grep -q "try: curl http://127.0.0.1:$HP/" "$TMP/up" || fail "no hint: $(cat "$TMP/up")"
for s in cache api web; do
	"$BERTH" ps | grep -q "^demo-$s .*running" || fail "ps: no demo-$s"
done
WEB=$(ctr_ip demo-web)
API=$(ctr_ip demo-api)
CACHE=$(ctr_ip demo-cache)
[ "$WEB" != "$API" ] || fail "web and api share an address"
curl -sf "http://$WEB:8000/" | grep -q '<h1>web</h1>' || fail "web page"
curl -sf "http://$API:8000/" | grep -q '<h1>api</h1>' || fail "api page"
[ "$(redis-cli -h "$CACHE" ping)" = PONG ] || fail "cache ping"
curl -sf "http://127.0.0.1:$HP/" | grep -q '<h1>web</h1>' ||
    fail "published port $HP"
# web and api reach each other by address; web's server logs api's address
"$BERTH" exec demo-api -- curl -sf "http://$WEB:8000/" >/dev/null ||
    fail "api -> web"
wait_for 5 sh -c "'$BERTH' logs demo-web | grep -q '^$API '" ||
    fail "web did not log api's address: $("$BERTH" logs demo-web | tail -3)"
"$BERTH" down -f "$DEMO" >/dev/null || fail "down"
[ "$("$BERTH" ps -a | wc -l)" -eq 1 ] || fail "down left: $("$BERTH" ps -a)"

# A healthcheck that never passes: named, logs shown, all removed.
cat >"$TMP/sick.json" <<'J'
{"name": "sick",
 "services": {
  "ok": {"command": ["sleep", "30"]},
  "bad": {"command": ["sh", "-c", "echo starting up; sleep 30"],
          "depends_on": ["ok"],
          "healthcheck": {"tcp": 9, "interval_ms": 50, "retries": 10}}}}
J
expect_fail 'service bad' "$BERTH" up -f "$TMP/sick.json"
grep -q 'starting up' "$TMP/err" || fail "no log lines: $(cat "$TMP/err")"
[ "$("$BERTH" ps -a | wc -l)" -eq 1 ] || fail "failed up left: $("$BERTH" ps -a)"

netd_kill "$NETD_PID"
[ -z "$(leftovers)" ] || fail "left behind: $(leftovers)"
has_local_rule || fail "no lookup local rule"
