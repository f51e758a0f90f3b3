#!/bin/sh
# SPDX-License-Identifier: ISC
#
# netd_unreach: a connection to a pool address that no container owns
# fails at once (netd answers with ICMP host unreachable), in under
# 500 ms, instead of timing out; so does one to a deleted container.
# (Typically 5-50 ms; the bound stays under TCP's first SYN retransmit,
# 1 s, and leaves room for curl's own start on a loaded machine.)
. "$(dirname "$0")/lib.sh"
need_netd
fresh_state
need_cmd curl

netd_start
A=$(ctl_ok create '{"name": "a"}' | jget 'j["ip"]')
DEAD="$POOL_NET.3.33"

# curl_fast ADDR [CURL-ARGS]: curl must fail with "couldn't connect"
# (7) well before its own 5 s timeout, and in under 500 ms.
curl_fast() {
	_a=$1; shift
	_t0=$(now_ms)
	set +e
	curl -s -m 5 -o /dev/null "$@" "http://$_a:8000/"
	_rc=$?
	set -e
	_ms=$(( $(now_ms) - _t0 ))
	note "curl $* $_a: exit $_rc in $_ms ms"
	[ "$_rc" -eq 7 ] || fail "curl to $_a: exit $_rc, expected 7"
	[ "$_ms" -lt 500 ] || fail "curl to $_a took $_ms ms"
}

sent0=$(ctl_ok hello | jget 'j["router"]["icmp_sent"]')
curl_fast "$DEAD"
curl_fast "$DEAD" --interface "$A"
sent=$(ctl_ok hello | jget 'j["router"]["icmp_sent"]')
[ "$sent" -ge $((sent0 + 2)) ] || fail "icmp_sent $sent0 -> $sent"
noroute=$(ctl_ok stats '{"name": "a"}' | jget 'j["a"]["drop_noroute"]')
[ "$noroute" -ge 1 ] || fail "A's drop_noroute: $noroute"

# Ping gets "Destination Host Unreachable" at once, too.
if command -v ping >/dev/null 2>&1; then
	out=$(ping -c 1 -W 2 "$DEAD" 2>&1 || true)
	echo "$out" | grep -qi "unreachable" || fail "ping: $out"
fi

# A deleted container's address behaves the same.
ctl_ok delete '{"name": "a"}' >/dev/null
curl_fast "$A"
exit 0
