#!/bin/sh
# SPDX-License-Identifier: ISC
#
# policy_k8s: Kubernetes NetworkPolicy through real traffic, in the style
# of Kubernetes' network-policy e2e tests: deny-all ingress, allow from
# one label on one port, ipBlock with except, egress only, the union of
# two policies. Each case loads its objects as stack "k8s" and checks
# `berth matrix` (real TCP connects): no mismatch with the evaluator,
# and the observed truth table is the expected one. More cases are unit
# tests (tests/unit/test_policy.c).
. "$(dirname "$0")/lib.sh"
need_netd
fresh_state
need_cmd curl python3

netd_start
mk() {	# NAME STACK SERVICE LABELS-JSON
	ctl_ok create "{\"name\": \"$1\", \"stack\": \"$2\", \"service\": \"$3\", \"meta\": {\"labels\": $4}}" |
	    jget 'j["ip"]'
}
WEB=$(mk k8s-web k8s web '{"app": "web", "role": "frontend"}')
API=$(mk k8s-api k8s api '{"app": "api"}')
DB=$(mk k8s-db k8s db '{"app": "db"}')
CLI=$(mk cli other cli '{"app": "client"}')
for ip in "$WEB" "$API" "$DB" "$CLI"; do
	bg_start "$TMP/http-$ip.log" python3 -m http.server --bind "$ip" 8000
	wait_for 5 curl -sf -o /dev/null "http://$ip:8000/" || fail "server $ip"
done

NP='"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy"'
# check NAME ENTRIES ROW-web ROW-api ROW-db ROW-cli: Y reached, N refused.
check() {
	_name=$1 _entries=$2; shift 2
	ctl_ok policy_load "{\"stack\": \"k8s\", \"entries\": $_entries}" >/dev/null
	set +e
	"$BERTH" matrix -p 8000 --json >"$TMP/m.json" 2>"$TMP/m.err"
	_rc=$?
	set -e
	[ $_rc -eq 0 ] || fail "$_name: matrix exit $_rc: $(cat "$TMP/m.err")
$(jget '"\n".join("%s -> %s: %s, expected %s" % (p["from"], p["to"], p["observed"], p["expected"]) for p in j["probes"] if not p["match"])' <"$TMP/m.json")"
	_got=$(jget '" ".join("".join("." if s == d else ("Y" if [p for p in j["probes"] if p["from"] == s and p["to"] == d][0]["observed"] == "allow" else "N") for d in ["k8s-web", "k8s-api", "k8s-db", "cli"]) for s in ["k8s-web", "k8s-api", "k8s-db", "cli"])' <"$TMP/m.json")
	[ "$_got" = "$*" ] || fail "$_name: observed $_got, expected $*"
	_host=$(jget '"".join("Y" if p["observed"] == "allow" else "N" for p in j["probes"] if p["from"] == "host")' <"$TMP/m.json")
	[ "$_host" = YYYY ] || fail "$_name: the host (the node) was refused: $_host"
	note "$_name: $_got"
}

check none '[]' \
    .YYY Y.YY YY.Y YYY.
check deny-all "[{$NP, \"metadata\": {\"name\": \"deny-all\"}, \"spec\": {\"podSelector\": {}}}]" \
    .NNY N.NY NN.Y NNN.
check db-from-frontend "[{$NP, \"metadata\": {\"name\": \"db\"}, \"spec\": {
    \"podSelector\": {\"matchLabels\": {\"app\": \"db\"}},
    \"ingress\": [{\"from\": [{\"podSelector\": {\"matchLabels\": {\"role\": \"frontend\"}}}],
                   \"ports\": [{\"protocol\": \"TCP\", \"port\": 8000}]}]}}]" \
    .YYY Y.NY YY.Y YYN.
check ipblock-except "[{$NP, \"metadata\": {\"name\": \"db\"}, \"spec\": {
    \"podSelector\": {\"matchLabels\": {\"app\": \"db\"}},
    \"ingress\": [{\"from\": [{\"ipBlock\": {\"cidr\": \"$POOL_NET.0.0/16\",
                                           \"except\": [\"$WEB/32\"]}}]}]}}]" \
    .YNY Y.YY YY.Y YYY.
check egress-only "[{$NP, \"metadata\": {\"name\": \"web-out\"}, \"spec\": {
    \"podSelector\": {\"matchLabels\": {\"app\": \"web\"}}, \"policyTypes\": [\"Egress\"],
    \"egress\": [{\"to\": [{\"podSelector\": {\"matchLabels\": {\"app\": \"db\"}}}],
                  \"ports\": [{\"port\": 7000, \"endPort\": 9000}]}]}}]" \
    .NYN Y.YY YY.Y YYY.
check union "[{$NP, \"metadata\": {\"name\": \"api-from-web\"}, \"spec\": {
    \"podSelector\": {\"matchLabels\": {\"app\": \"api\"}},
    \"ingress\": [{\"from\": [{\"podSelector\": {\"matchLabels\": {\"app\": \"web\"}}}]}]}},
  {$NP, \"metadata\": {\"name\": \"api-from-other\"}, \"spec\": {
    \"podSelector\": {\"matchLabels\": {\"app\": \"api\"}},
    \"ingress\": [{\"from\": [{\"namespaceSelector\": {\"matchLabels\": {\"name\": \"other\"}}}]}]}}]" \
    .YYY Y.YY YN.Y YYY.
"$BERTH" policy explain k8s-db k8s-api:8000 | grep -q 'NetworkPolicy k8s/api-from-web isolates k8s-api for ingress' ||
    fail "explain: $("$BERTH" policy explain k8s-db k8s-api:8000)"
"$BERTH" policy explain cli k8s-api:8000 | grep -q '^allow (by networkpolicy k8s/api-from-other)' ||
    fail "explain: $("$BERTH" policy explain cli k8s-api:8000)"

# A hostile object is refused whole, with the field named; the loaded
# ones stay.
r=$(ctl policy_load "{\"stack\": \"k8s\", \"entries\": [{$NP, \"metadata\": {\"name\": \"x\"}, \"spec\": {\"podSelector\": {}, \"ingress\": [{\"ports\": [{\"port\": \"http\"}]}]}}]}")
printf '%s' "$r" | grep -q 'policy\[0\].spec.ingress\[0\].ports\[0\].port: named ports' ||
    fail "hostile: $r"
[ "$(ctl_ok policy_list | jget 'len(j["networkpolicies"])')" -eq 2 ] ||
    fail "a refused load changed the policy"
