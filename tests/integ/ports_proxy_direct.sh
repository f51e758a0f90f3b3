#!/bin/sh
# SPDX-License-Identifier: ISC
#
# The direct path of ,proxy ports (docs/netd.md): while a container is
# in @direct, netd's proxy reaches it over lo (its socket's mark, the
# flow's ct mark), so netd's router neither reads nor writes any of the
# proxied connection's packets (web's rx and tx counters stay flat);
# web still sees the gateway as its peer. From the answer to `berth
# capture` on, both directions cross the router again: the capture sees
# each connection's SYN and SYN-ACK; a policy refuses them.
# BERTH_NETD_DIRECT=0 keeps them on the router.
. "$(dirname "$0")/lib.sh"
need_netd
need_cmd curl tshark

netd_start
DIRECT_IO='j["web"]["tx_packets"] + j["web"]["rx_packets"]'
ROUTED_MIN=30
. "$(dirname "$0")/direct.sh"
direct_web 127.0.0.1 127.0.0.1:HP:8000,proxy

wait_for 5 in_direct || fail "web never joined @direct"
wait_for 10 get || fail "proxy port not up"
g=$("$BERTH" logs web 2>&1 | grep -c "^$GATEWAY ")
direct_flat "idle router"
wait_for 5 from_gw $((g + 5)) ||
    fail "web's peers: $("$BERTH" logs web 2>&1 | tail -5 | cut -d' ' -f1)"

# A capture: both directions back on the router from its answer on.
direct_capture
n=$(tshark -r "$TMP/web.pcap" -Y "ip.src == $WEB && tcp.srcport == 8000 \
    && tcp.flags.syn == 1 && tcp.flags.ack == 1" 2>/dev/null | wc -l)
[ "$n" -eq 5 ] || fail "the capture saw $n SYN-ACK(s) from web, not 5"

# A policy: the proxy's connections refused from the answer on.
R=$("$BERTH" policy add '*' web tcp/8000 reject | tr -dc 0-9) ||
    fail "policy add"
in_direct && fail "web still in @direct with a rule"
get && fail "policy: 127.0.0.1:$HP (proxy) not refused"
"$BERTH" policy rm "$R" >/dev/null || fail "policy rm"
wait_for 5 in_direct || fail "web not back in @direct after policy rm"
direct_flat "after policy rm"

# The escape hatch: netd again with BERTH_NETD_DIRECT=0.
direct_off
echo "PASS $TNAME"
