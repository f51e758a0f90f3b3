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

PY=/usr/bin/python3
outside_ns direct
netd_start
HP=$(free_port 0.0.0.0)
"$BERTH" run -d --name web -p "$HP:8000" -- \
    $PY -m http.server 8000 >/dev/null || fail "run web"
WEB=$(ctr_ip web)
wait_for 10 curl -sf "http://$WEB:8000/" || fail "web not up"

in_direct() { nft list set inet "$BERTH_NFT_TABLE" direct | grep -q "$WEB"; }
tx() { ctl_ok stats '{"name": "web"}' | jget 'j["web"]["tx_packets"]'; }
get() { curl -sf -m 5 "http://127.0.0.1:$HP/" >/dev/null; }
gets() { for _i in 1 2 3 4 5; do get || return 1; done; }
# direct_flat WHAT: five connections, none through netd's router
direct_flat() {
	_t=$(tx)
	gets || fail "$1: host -> 127.0.0.1:$HP"
	[ "$(tx)" -eq "$_t" ] || fail "$1: netd wrote $(($(tx) - _t)) packet(s) into web's tun"
}
# routed WHAT: five connections, every one through the router
routed() {
	_t=$(tx)
	gets || fail "$1: host -> 127.0.0.1:$HP"
	[ "$(tx)" -ge $((_t + 15)) ] ||
	    fail "$1: only $(($(tx) - _t)) packet(s) through netd's router"
}

# from_gw N: web logged N requests from the gateway, none from 127/8
from_gw() {
	[ "$("$BERTH" logs web 2>&1 | grep -c "^$GATEWAY ")" -eq "$1" ] &&
	    ! "$BERTH" logs web 2>&1 | grep -q "^127\."
}

wait_for 5 in_direct || fail "web never joined @direct"
g=$("$BERTH" logs web 2>&1 | grep -c "^$GATEWAY ")
direct_flat "idle router"
# The peer is the gateway, as through the router (snat on lo).
wait_for 5 from_gw $((g + 5)) ||
    fail "web's peers: $("$BERTH" logs web 2>&1 | tail -5 | cut -d' ' -f1)"
# Another host, through its veth: over lo too, its own address kept.
_t=$(tx)
ip netns exec "$OUT_NS" curl -sf -m 5 "http://$OUT_HOST_IP:$HP/" >/dev/null ||
    fail "outside -> $OUT_HOST_IP:$HP"
[ "$(tx)" -eq "$_t" ] || fail "outside: went through the router"
wait_for 5 sh -c "'$BERTH' logs web | tail -1 | grep -q '^$OUT_IP '" ||
    fail "web did not log the outside client $OUT_IP"
# What skipped the router is counted on the set's element.
nft list set inet "$BERTH_NFT_TABLE" direct |
    grep -q "$WEB counter packets [1-9]" ||
    fail "no counter: $(nft list set inet "$BERTH_NFT_TABLE" direct)"

# A capture: out of the set by the time the CLI says it captures.
capture_bg cap -w "$TMP/web.pcap" web
in_direct && fail "web still in @direct while a capture runs"
routed "capture"
capture_end cap
n=$(tshark -r "$TMP/web.pcap" -Y "ip.dst == $WEB && tcp.dstport == 8000 \
    && tcp.flags.syn == 1 && tcp.flags.ack == 0" 2>/dev/null | wc -l)
[ "$n" -eq 5 ] || fail "the capture saw $n SYN(s) to web, not 5"
wait_for 5 in_direct || fail "web not back in @direct after the capture"
direct_flat "after the capture"

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

# The escape hatch: netd again with BERTH_NETD_DIRECT=0 (same state).
kill -KILL "$NETD_PID"
wait "$NETD_PID" 2>/dev/null || true
export BERTH_NETD_DIRECT=0
netd_start
wait_for 10 get || fail "127.0.0.1:$HP after restart"
wait_for 5 sh -c "nft list set inet $BERTH_NFT_TABLE direct >/dev/null" ||
    fail "no @direct set after restart"
in_direct && fail "BERTH_NETD_DIRECT=0: web in @direct"
g=$("$BERTH" logs web 2>&1 | grep -c "^$GATEWAY ")
routed "BERTH_NETD_DIRECT=0"
wait_for 5 from_gw $((g + 5)) || fail "BERTH_NETD_DIRECT=0: web's peers"
echo "PASS $TNAME"
