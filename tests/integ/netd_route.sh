#!/bin/sh
# SPDX-License-Identifier: ISC
#
# netd_route: two containers made through the control socket; a server on
# A's address answers the host and B (curl --interface B) through netd's
# router, and the router's counters saw those packets; each tun is up
# with its MTU, alias, sysctls and local route.
. "$(dirname "$0")/lib.sh"
need_netd
fresh_state
need_cmd curl

# The router's datapath: with nothing to decide, these flows would skip
# it over lo (the direct path, router_direct.sh).
export BERTH_NETD_DIRECT=0
netd_start
A=$(ctl_ok create '{"name": "a"}' | jget 'j["ip"]')
B=$(ctl_ok create '{"name": "b", "ip": "'"$POOL_NET"'.0.77"}' | jget 'j["ip"]')
[ "$B" = "$POOL_NET.0.77" ] || fail "requested address not honoured: $B"
[ "$A" != "$B" ] || fail "A and B got the same address"
note "A=$A B=$B"

# The tuns hold the addresses.
ip -o addr show | grep -q "inet $A/32" || fail "no interface holds $A"
ip -o addr show | grep -q "inet $B/32" || fail "no interface holds $B"

# What one netlink request sets up with the link (route_iface_setup):
# up, the MTU, the alias that names the container, the IPv4 sysctls;
# and IPv6 off (its one /proc write). The gateway tun: route_localnet.
# sysctl IF KEY WANT: net.ipv4.conf.IF.KEY (ipv6 for disable_ipv6)
sysctl_is() {
	_f=/proc/sys/net/ipv4/conf/$1/$2
	[ "$2" = disable_ipv6 ] && _f=/proc/sys/net/ipv6/conf/$1/$2
	[ "$(cat "$_f")" = "$3" ] || fail "$1: $2 is $(cat "$_f"), not $3"
}
ATUN=$(ip -o addr show | awk -v a="$A/32" '$4 == a { print $2 }')
[ -n "$ATUN" ] || fail "no tun for $A"
ip -o link show "$ATUN" | grep -q "[<,]UP[,>]" || fail "$ATUN is not up"
[ "$(cat "/sys/class/net/$ATUN/ifalias")" = "berth:a" ] ||
    fail "$ATUN alias: '$(cat "/sys/class/net/$ATUN/ifalias")'"
sysctl_is "$ATUN" accept_local 1
sysctl_is "$ATUN" rp_filter 0
sysctl_is "$ATUN" disable_ipv6 1
sysctl_is "$ATUN" route_localnet 0
ip -6 addr show dev "$ATUN" | grep -q inet6 && fail "$ATUN has IPv6"
[ "$(cat "/sys/class/net/$ATUN/mtu")" = "$(cat "/sys/class/net/${BERTH_PREFIX}0/mtu")" ] ||
    fail "$ATUN: MTU $(cat "/sys/class/net/$ATUN/mtu") is not the gateway's"
ip route show table local "$A" | grep -q "src $GATEWAY.*mtu" ||
    fail "local route of $A: $(ip route show table local "$A")"
sysctl_is "${BERTH_PREFIX}0" accept_local 1
sysctl_is "${BERTH_PREFIX}0" rp_filter 0
sysctl_is "${BERTH_PREFIX}0" route_localnet 1
[ "$(cat "/sys/class/net/${BERTH_PREFIX}0/ifalias")" = "" ] ||
    fail "the gateway tun has an alias"

PORT=$((18100 + slot))
mkdir -p "$TMP/www" && echo "hello from a" >"$TMP/www/index.html"
cd "$TMP/www"
bg_start "$TMP/http.log" /usr/bin/python3 -m http.server $PORT --bind "$A"
wait_for 5 curl -s -o /dev/null "http://$A:$PORT/" ||
    fail "server on $A did not come up: $(cat "$TMP/http.log")"
kill -0 "$BG_PID" || fail "the server exited: $(cat "$TMP/http.log")"

before=$(ctl_ok stats '{"name": "a"}' | jget 'j["a"]["tx_packets"]')
body=$(curl -s -m 5 "http://$A:$PORT/") || fail "curl from the host failed"
[ "$body" = "hello from a" ] || fail "host got: $body"
body=$(curl -s -m 5 --interface "$B" "http://$A:$PORT/") ||
    fail "curl from B failed"
[ "$body" = "hello from a" ] || fail "B got: $body"

# The server saw the host as the gateway and B as B.
grep -q "^$GATEWAY - " "$TMP/http.log" ||
    fail "host request not from the gateway: $(cat "$TMP/http.log")"
grep -q "^$B - " "$TMP/http.log" ||
    fail "request from B not seen as B: $(cat "$TMP/http.log")"

# Counters: A received the requests, B sent one and got the answer.
stats=$(ctl_ok stats)
a_tx=$(echo "$stats" | jget 'j["a"]["tx_packets"]')
a_rx=$(echo "$stats" | jget 'j["a"]["rx_packets"]')
b_tx=$(echo "$stats" | jget 'j["b"]["tx_packets"]')
b_rx=$(echo "$stats" | jget 'j["b"]["rx_packets"]')
note "a tx=$a_tx rx=$a_rx b tx=$b_tx rx=$b_rx"
[ "$a_tx" -ge $((before + 6)) ] || fail "A's tx did not grow: $before -> $a_tx"
[ "$a_rx" -ge 6 ] || fail "A's rx: $a_rx"
[ "$b_rx" -ge 3 ] || fail "B's rx: $b_rx"
[ "$b_tx" -ge 3 ] || fail "B's tx: $b_tx"
bytes=$(echo "$stats" | jget 'j["a"]["tx_bytes"]')
[ "$bytes" -gt 200 ] || fail "A's tx_bytes: $bytes"
drops=$(echo "$stats" | jget 'j["a"]["drop_malformed"] + j["a"]["drop_full"]')
[ "$drops" -eq 0 ] || fail "drops on A: $stats"

# inspect carries the same counters; list has both.
ctl_ok inspect '{"name": "a"}' | jget 'j["stats"]["tx_packets"]' |
    grep -qv '^0$' || fail "inspect has no counters"
n=$(ctl_ok list | jget 'len(j)')
[ "$n" -eq 2 ] || fail "list: $n containers"

# Delete B: its address and tun go, A keeps serving.
ctl_ok delete '{"name": "b"}' >/dev/null
ip -o addr show | grep -q "inet $B/32" && fail "$B still assigned"
curl -s -m 5 -o /dev/null "http://$A:$PORT/" || fail "A stopped answering"
exit 0
