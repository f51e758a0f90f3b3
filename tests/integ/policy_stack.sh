#!/bin/sh
# SPDX-License-Identifier: ISC
#
# policy_stack: the demo's front and back networks isolate (inside the
# containers, through the interposer); a 5-service stack's rules,
# labels and NetworkPolicy objects load with `up` and go with `down`
# (net:NAME is the stack's network, STACK-NAME);
# `berth matrix` probes it, matches what explain expects, and flags a
# planted mismatch with exit 1; hostile stack policy is refused with the
# field named.
. "$(dirname "$0")/lib.sh"
need_root
need_tun
need_cmd redis-server python3
[ -x "$NETD" ] || skip "build/bin/berth-netd is not built"
fresh_state
netd_start

PROBE="$ROOT/tests/integ/probe.py"

# The demo: web (front), api (front, back), cache (back, internal).
at_exit "BERTH_NO_AUTOSTART=1 '$BERTH' down -f '$ROOT/examples/demo.json'"
"$BERTH" up -f "$ROOT/examples/demo.json" >"$TMP/up" 2>&1 ||
    fail "up: $(cat "$TMP/up")"
CACHE=$(ctr_ip demo-cache)
WEB=$(ctr_ip demo-web)
r=$("$BERTH" exec demo-api -- python3 "$PROBE" - "$CACHE" 6379 2)
[ "${r% *}" = open ] || fail "api -> cache: $r"
r=$("$BERTH" exec demo-web -- python3 "$PROBE" - "$CACHE" 6379 2)
[ "${r% *}" = refused ] || fail "web -> cache: $r, expected refused"
[ "${r#* }" -lt 100 ] || fail "web -> cache refused after ${r#* } ms"
r=$("$BERTH" exec demo-cache -- python3 "$PROBE" - "$WEB" 8000 2)
[ "${r% *}" = refused ] || fail "cache -> web: $r, expected refused"
# cache is internal: not the host's published port either.
r=$("$BERTH" exec demo-cache -- python3 "$PROBE" - "$GATEWAY" 8080 2)
[ "${r% *}" != open ] || fail "cache -> host:8080 open"
"$BERTH" down -f "$ROOT/examples/demo.json" >/dev/null || fail "down"

# Hostile policy in a stack: refused before anything starts.
cat >"$TMP/bad.json" <<'J'
{"name": "bad", "services": {"a": {"command": ["sleep", "9"]}},
 "policy": [{"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
   "metadata": {"name": "x"}, "spec": {"podSelector": {},
   "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/8",
   "except": ["192.168.0.0/16"]}}]}]}}]}
J
expect_fail 'policy\[0\].spec.ingress\[0\].from\[0\].ipBlock.except\[0\]' \
    "$BERTH" up -f "$TMP/bad.json"
echo '{"name": "bad", "services": {"a": {"command": ["sleep", "9"], "labels": {"app": "x y"}}}}' >"$TMP/bad2.json"
expect_fail 'services.a.labels.app' "$BERTH" up -f "$TMP/bad2.json"
[ "$("$BERTH" ps -a | wc -l)" -eq 1 ] || fail "bad files left containers"

# Five services, mixed rules, a NetworkPolicy.
cat >"$TMP/mx.json" <<J
{"name": "mx",
 "networks": {"a": {}, "b": {}},
 "services": {
  "web":   {"command": ["python3", "-m", "http.server", "8000"], "networks": ["a"],
            "labels": {"app": "web"}, "healthcheck": {"tcp": 8000}},
  "admin": {"command": ["python3", "-m", "http.server", "8000"], "networks": ["a"],
            "labels": {"app": "admin"}, "healthcheck": {"tcp": 8000}},
  "api":   {"command": ["python3", "-m", "http.server", "8000"], "networks": ["a", "b"],
            "labels": {"app": "api"}, "healthcheck": {"tcp": 8000}},
  "db":    {"command": ["python3", "-m", "http.server", "8000"], "networks": ["b"],
            "labels": {"app": "db"}, "healthcheck": {"tcp": 8000}},
  "cache": {"command": ["python3", "-m", "http.server", "8000"], "networks": ["b"],
            "labels": {"app": "cache"}, "healthcheck": {"tcp": 8000}}
 },
 "policy": [
  {"from": "web", "to": "api", "ports": ["tcp/8000"], "action": "allow"},
  {"from": "admin", "to": "api", "action": "drop"},
  {"from": "label:app=api", "to": "cache", "action": "reject"},
  {"from": "net:b", "to": "web", "action": "reject"},
  {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
   "metadata": {"name": "db-from-api"},
   "spec": {"podSelector": {"matchLabels": {"app": "db"}},
            "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "api"}}}],
                         "ports": [{"port": 8000}]}]}}
 ]}
J
at_exit "BERTH_NO_AUTOSTART=1 '$BERTH' down -f '$TMP/mx.json'"
"$BERTH" up -f "$TMP/mx.json" >"$TMP/up" 2>&1 || fail "up mx: $(cat "$TMP/up")"
"$BERTH" policy ls >"$TMP/ls"
[ "$(grep -cE ' mx( |$)' "$TMP/ls")" -eq 5 ] || fail "ls: $(cat "$TMP/ls")"
# the stack's net:b is netd's network mx-b
grep -q ' net:mx-b ' "$TMP/ls" || fail "net:b not mx-b: $(cat "$TMP/ls")"

set +e
"$BERTH" matrix -f "$TMP/mx.json" --json >"$TMP/m.json" 2>"$TMP/m.err"
rc=$?
"$BERTH" matrix -f "$TMP/mx.json" >"$TMP/m.txt" 2>&1
set -e
note "$(tail -1 "$TMP/m.txt")"
[ $rc -eq 0 ] || fail "matrix exit $rc: $(cat "$TMP/m.txt" "$TMP/m.err")"
# cell FROM TO: the observed verdict of FROM -> TO:8000.
cell() {
	jget "[p['observed'] for p in j['probes'] if p['from'] == '$1' and p['to'] == '$2'][0]" <"$TMP/m.json"
}
[ "$(cell mx-web mx-api)" = allow ] || fail "web -> api: $(cell mx-web mx-api)"
[ "$(cell mx-api mx-web)" = reject ] || fail "api -> web (net:b): $(cell mx-api mx-web)"
[ "$(cell mx-admin mx-api)" = drop ] || fail "admin -> api: $(cell mx-admin mx-api)"
[ "$(cell mx-api mx-cache)" = reject ] || fail "api -> cache: $(cell mx-api mx-cache)"
[ "$(cell mx-web mx-db)" = reject ] || fail "web -> db (networks): $(cell mx-web mx-db)"
[ "$(cell mx-api mx-db)" = allow ] || fail "api -> db: $(cell mx-api mx-db)"
[ "$(cell mx-cache mx-db)" = reject ] || fail "cache -> db (NetworkPolicy): $(cell mx-cache mx-db)"
[ "$(cell host mx-db)" = allow ] || fail "host -> db (the node): $(cell host mx-db)"
[ "$(cell host mx-web)" = allow ] || fail "host -> web: $(cell host mx-web)"
[ "$(jget 'j["count"]' <"$TMP/m.json")" -eq 25 ] ||
    fail "probes: $(jget 'j["count"]' <"$TMP/m.json"), expected 5x4 + 5 from the host"

# A planted mismatch: db's server goes, policy still says api reaches it.
kill "$(jget '[c["pid"] for c in j if c["name"] == "mx-db"][0]' <<E
$("$BERTH" ps -a --json)
E
)"
sleep 0.3
set +e
"$BERTH" matrix -f "$TMP/mx.json" -p 8000 >"$TMP/m2.txt" 2>&1
rc=$?
set -e
[ $rc -eq 1 ] || fail "matrix with a mismatch: exit $rc: $(cat "$TMP/m2.txt")"
grep -q '^mismatch: mx-api -> mx-db:8000: observed reject, expected allow' \
    "$TMP/m2.txt" || fail "mismatch not named: $(cat "$TMP/m2.txt")"

"$BERTH" down -f "$TMP/mx.json" >/dev/null || fail "down mx"
[ "$(ctl_ok policy_list | jget 'len(j["rules"]) + len(j["networkpolicies"])')" -eq 0 ] ||
    fail "down left policy: $("$BERTH" policy ls)"
