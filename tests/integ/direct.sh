# SPDX-License-Identifier: ISC
#
# tests/integ/direct.sh: the direct path's tests, sourced by
# ports_direct.sh and ports_proxy_direct.sh after lib.sh and netd_start.
# direct_web starts container web ($WEB) on host port $HP; DIRECT_IO is
# the jget expression of web's packets through netd's router that they
# count (tx, or tx + rx), ROUTED_MIN how many five connections put
# through it at least.

# direct_web HOSTADDR PUBLISH: web, an HTTP server, published as
# "PUBLISH" with $HP, a free port on HOSTADDR, in place of HP
direct_web() {
	HP=$(free_port "$1")
	"$BERTH" run -d --name web -p "$(echo "$2" | sed "s/HP/$HP/")" -- \
	    /usr/bin/python3 -m http.server 8000 >/dev/null || fail "run web"
	WEB=$(ctr_ip web)
	wait_for 10 curl -sf "http://$WEB:8000/" || fail "web not up"
}

# in_set SET ADDR: ADDR is an element of @SET; set_packets SET ADDR: its
# counter's packets (0 when it is not in the set)
in_set() {
	nft list set inet "$BERTH_NFT_TABLE" "$1" | grep -q "[ 	]$2 "
}
set_packets() {
	nft list set inet "$BERTH_NFT_TABLE" "$1" |
	    sed -n "s/.*[ 	]$2 counter packets \([0-9]*\).*/\1/p" |
	    grep . || echo 0
}
in_direct() { in_set direct "$WEB"; }
io() { ctl_ok stats '{"name": "web"}' | jget "$DIRECT_IO"; }
get() { curl -sf -m 5 "http://127.0.0.1:$HP/" >/dev/null; }
gets() { for _i in 1 2 3 4 5; do get || return 1; done; }
# direct_flat WHAT: five connections, none through netd's router
direct_flat() {
	_t=$(io)
	gets || fail "$1: host -> 127.0.0.1:$HP"
	[ "$(io)" -eq "$_t" ] ||
	    fail "$1: $(($(io) - _t)) packet(s) of web's through the router"
}
# routed WHAT: five connections, every one through the router
routed() {
	_t=$(io)
	gets || fail "$1: host -> 127.0.0.1:$HP"
	[ "$(io)" -ge $((_t + ROUTED_MIN)) ] ||
	    fail "$1: only $(($(io) - _t)) packet(s) through netd's router"
}
# from_gw N: web logged at least N requests from the gateway, none from
# 127/8 (at least: the line of a request answered just before the count
# may be written just after it)
from_gw() {
	[ "$("$BERTH" logs web 2>&1 | grep -c "^$GATEWAY ")" -ge "$1" ] &&
	    ! "$BERTH" logs web 2>&1 | grep -q "^127\."
}

# direct_capture: a capture of web ($TMP/web.pcap) takes it out of the
# set by the time the CLI says it captures; it holds 5 SYNs to web;
# web is back in the set after it
direct_capture() {
	capture_bg cap -w "$TMP/web.pcap" web
	in_direct && fail "web still in @direct while a capture runs"
	routed "capture"
	capture_end cap
	_n=$(tshark -r "$TMP/web.pcap" -Y "ip.dst == $WEB && \
	    tcp.dstport == 8000 && tcp.flags.syn == 1 && tcp.flags.ack == 0" \
	    2>/dev/null | wc -l)
	[ "$_n" -eq 5 ] || fail "the capture saw $_n SYN(s) to web, not 5"
	wait_for 5 in_direct || fail "web not back in @direct after the capture"
	direct_flat "after the capture"
}

# direct_off: the escape hatch, netd again with BERTH_NETD_DIRECT=0
# (same state): web out of the set, on the router, the gateway its peer
direct_off() {
	kill -KILL "$NETD_PID"
	wait "$NETD_PID" 2>/dev/null || true
	export BERTH_NETD_DIRECT=0
	netd_start
	wait_for 10 get || fail "127.0.0.1:$HP after restart"
	wait_for 5 sh -c "nft list set inet $BERTH_NFT_TABLE direct >/dev/null" ||
	    fail "no @direct set after restart"
	in_direct && fail "BERTH_NETD_DIRECT=0: web in @direct"
	_g=$("$BERTH" logs web 2>&1 | grep -c "^$GATEWAY ")
	routed "BERTH_NETD_DIRECT=0"
	wait_for 5 from_gw $((_g + 5)) || fail "BERTH_NETD_DIRECT=0: web's peers"
}
