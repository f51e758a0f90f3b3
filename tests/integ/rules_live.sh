#!/bin/sh
# SPDX-License-Identifier: ISC
#
# The rules netd loads are the rules the dry run prints: a stack is
# brought up on an instance with its own prefix, pool and table (lib.sh
# sets BERTH_PREFIX, BERTH_POOL, BERTH_TABLE), then `berth rules` (live,
# from netd), `berth-netd -n` (from the state file) and
# `berth rules --dry-run` (from the stack file) must print the same text,
# nft and pf, policy filters included; and what nft holds carries the
# instance's mark and the policy.
. "$(dirname "$0")/lib.sh"
need_root
need_tun
need_cmd nft

netd_start
SETS=$ROOT/tests/helpers/direct_sets.awk

P=$((31000 + slot * 10))
cat >"$TMP/rl.json" <<J
{"name": "rl",
 "networks": {"back": {"internal": true}},
 "services": {
  "web": {"command": ["sleep", "600"], "ip": "$POOL_NET.0.7",
          "ports": ["$P:80", "127.0.0.1:$((P + 1))-$((P + 3)):81-83/udp",
                    "$((P + 4)):84,proxy"]},
  "db": {"command": ["sleep", "600"], "ip": "$POOL_NET.0.3",
         "networks": ["back"], "ports": ["127.0.0.1:$((P + 5)):5432"]},
  "app": {"command": ["sleep", "600"], "ip": "$POOL_NET.0.5",
          "networks": ["back", "default"], "labels": {"app": "app"}}},
 "policy": [
  {"from": "web", "to": "outside", "ports": ["tcp/25"], "action": "reject"},
  {"from": "net:back", "to": "192.0.2.0/24", "action": "drop"},
  {"from": "*", "to": "host", "ports": ["tcp/5432"], "action": "reject"},
  {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
   "metadata": {"name": "app-out"},
   "spec": {"podSelector": {"matchLabels": {"app": "app"}},
            "policyTypes": ["Egress"],
            "egress": [{"to": [{"ipBlock": {"cidr": "198.51.100.0/24",
                                            "except": ["198.51.100.9/32"]}}],
                        "ports": [{"port": 443}]}]}}]}
J
at_exit "BERTH_NO_AUTOSTART=1 '$BERTH' down -f '$TMP/rl.json'"
"$BERTH" up -f "$TMP/rl.json" >"$TMP/up" 2>&1 || fail "up: $(cat "$TMP/up")"

"$BERTH" rules --format nft >"$TMP/netd.nft" || fail "rules (live)"
"$BERTH" rules --dry-run -f "$TMP/rl.json" --format nft >"$TMP/dry.nft" ||
    fail "rules --dry-run"
# netd fills the direct path's sets, the dry run leaves them empty: the
# host reaches web and app over lo (their rules and NetworkPolicy decide
# only their flows to other containers), db is internal, and the
# internal network keeps @peers empty.
awk -f "$SETS" "$TMP/netd.nft" >"$TMP/live.nft"
diff -u "$TMP/live.nft" "$TMP/dry.nft" >"$TMP/diff" ||
    fail "live and dry-run nft differ: $(cat "$TMP/diff")"
sets=$(awk -v sets=1 -f "$SETS" "$TMP/netd.nft" | tr '\n' ' ')
[ "$sets" = "direct $POOL_NET.0.5 rl-app direct $POOL_NET.0.7 rl-web " ] ||
    fail "the direct path's sets: $sets"
grep -q "meta mark set $(printf '0x%x' "$BERTH_TABLE")" "$TMP/dry.nft" ||
    fail "the dry run does not mark with table $BERTH_TABLE"
grep -q "on \"${BERTH_PREFIX}0\"" "$TMP/dry.nft" ||
    fail "the dry run does not name the gateway ${BERTH_PREFIX}0"
# What the kernel holds carries the same mark.
nft list table inet "$BERTH_NFT_TABLE" |
    grep -q "meta mark set $(printf '0x%08x' "$BERTH_TABLE")" ||
    fail "nft holds another mark"

# The policy for what does not cross the router is in the kernel too.
nft list chain inet "$BERTH_NFT_TABLE" policy_egress >"$TMP/pol" ||
    fail "no policy_egress chain"
grep -q "ip saddr $POOL_NET.0.7 fib daddr type != local tcp dport 25 .*reject with tcp reset comment \"rule 1 of stack rl\"" \
    "$TMP/pol" || fail "rule 1 not in policy_egress: $(cat "$TMP/pol")"
grep -q "networkpolicy rl/app-out" "$TMP/pol" ||
    fail "NetworkPolicy not in policy_egress: $(cat "$TMP/pol")"

# berth-netd -n: the same path from the state file, loading nothing.
for fmt in nft pf; do
	"$NETD" -n --format "$fmt" --state-dir "$BERTH_STATE_DIR" \
	    --pool "$BERTH_POOL" --prefix "$BERTH_PREFIX" \
	    --table "$BERTH_TABLE" --egress en0 >"$TMP/netd.$fmt" ||
	    fail "berth-netd -n --format $fmt"
	awk -f "$SETS" "$TMP/netd.$fmt" >"$TMP/n.$fmt"
	"$BERTH" rules --dry-run -f "$TMP/rl.json" --format "$fmt" \
	    --egress en0 >"$TMP/d.$fmt" || fail "dry run $fmt --egress en0"
	diff -u "$TMP/n.$fmt" "$TMP/d.$fmt" >"$TMP/diff" ||
	    fail "berth-netd -n and the dry run differ ($fmt): $(cat "$TMP/diff")"
done
# A table that is not a number says so.
if "$NETD" -n --table hc >/dev/null 2>"$TMP/err"; then
	fail "berth-netd took --table hc"
fi
grep -q -- '--table "hc": a number is wanted' "$TMP/err" ||
    fail "--table hc: $(cat "$TMP/err")"
[ -n "${KEEP_STATE:-}" ] && state_print >"$KEEP_STATE"

"$BERTH" down -f "$TMP/rl.json" >/dev/null || fail "down"
netd_kill "$NETD_PID"
[ -z "$(leftovers)" ] || fail "left behind: $(leftovers)"
has_local_rule || fail "no lookup local rule"
