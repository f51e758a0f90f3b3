#!/bin/sh
# SPDX-License-Identifier: ISC
#
# The direct path of published ports (nft set @direct, docs/netd.md):
# while netd's router would only forward, a published port's packets to
# a container go over lo and netd writes nothing into the container's
# tun (its tx counter stays flat); the server still sees the gateway for
# a 127.0.0.1 client and the real address of another host. From the
# answer to `berth capture`, `berth link set` or `berth policy add` on,
# the packets cross the router again: the capture sees them, the policy
# refuses. BERTH_NETD_DIRECT=0 keeps every packet on the router.
. "$(dirname "$0")/lib.sh"
need_netd
need_cmd curl tshark

outside_ns direct
netd_start
DIRECT_IO='j["web"]["tx_packets"]'
ROUTED_MIN=15
. "$(dirname "$0")/direct.sh"
direct_web 0.0.0.0 HP:8000

wait_for 5 in_direct || fail "web never joined @direct"
g=$("$BERTH" logs web 2>&1 | grep -c "^$GATEWAY ")
direct_flat "idle router"
# The peer is the gateway, as through the router (snat on lo).
wait_for 5 from_gw $((g + 5)) ||
    fail "web's peers: $("$BERTH" logs web 2>&1 | tail -5 | cut -d' ' -f1)"
# Another host, through its veth: over lo too, its own address kept.
_t=$(io)
ip netns exec "$OUT_NS" curl -sf -m 5 "http://$OUT_HOST_IP:$HP/" >/dev/null ||
    fail "outside -> $OUT_HOST_IP:$HP"
[ "$(io)" -eq "$_t" ] || fail "outside: went through the router"
wait_for 5 sh -c "'$BERTH' logs web | tail -1 | grep -q '^$OUT_IP '" ||
    fail "web did not log the outside client $OUT_IP"
# What skipped the router is counted on the set's element.
nft list set inet "$BERTH_NFT_TABLE" direct |
    grep -q "$WEB counter packets [1-9]" ||
    fail "no counter: $(nft list set inet "$BERTH_NFT_TABLE" direct)"

# A capture: out of the set by the time the CLI says it captures.
direct_capture

# A link: out of the set when `link set` returns.
"$BERTH" link set web --delay 1ms || fail "link set"
in_direct && fail "web still in @direct with a link"
routed "link"
"$BERTH" link rm web || fail "link rm"
wait_for 5 in_direct || fail "web not back in @direct after link rm"
direct_flat "after link rm"

# A policy: refused from the answer on, host and other hosts alike.
R=$("$BERTH" policy add '*' web tcp/8000 reject | tr -dc 0-9) ||
    fail "policy add"
in_direct && fail "web still in @direct with a rule"
get && fail "policy: host -> 127.0.0.1:$HP not refused"
ip netns exec "$OUT_NS" curl -sf -m 5 "http://$OUT_HOST_IP:$HP/" \
    >/dev/null 2>&1 && fail "policy: outside -> $HP not refused"
"$BERTH" policy rm "$R" >/dev/null || fail "policy rm"
wait_for 5 in_direct || fail "web not back in @direct after policy rm"
direct_flat "after policy rm"

# The escape hatch: netd again with BERTH_NETD_DIRECT=0.
direct_off
echo "PASS $TNAME"
