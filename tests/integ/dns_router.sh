#!/bin/sh
# SPDX-License-Identifier: ISC
#
# dns_router: a container's UDP queries to netd's DNS on the gateway
# are answered by the router itself (netd/dnssrv_pkt.c), without the
# round trip through the gateway tun and the server's socket: the
# kernel counts no packet written into the gateway tun for them. And
# nothing else changes: names, NXDOMAIN, PTR and TCP answer as before;
# a capture on the container sees each query and its answer; a link
# delay on the container delays them; a policy that refuses the
# container's DNS still refuses it, and the container next to it still
# resolves.
. "$(dirname "$0")/lib.sh"
need_root
need_tun
need_cmd dig tcpdump
netd_start
at_exit "'$BERTH' rm -f a b"

"$BERTH" run -d --name a -- sleep 600 >/dev/null || fail "run a"
"$BERTH" run -d --name b -- sleep 600 >/dev/null || fail "run b"
A=$(ctr_ip a)
B=$(ctr_ip b)
# What netd wrote into the gateway tun: the kernel's receive counter.
gw_rx() { cat "/sys/class/net/${BERTH_PREFIX}0/statistics/rx_packets"; }
qa() { "$BERTH" exec a -- dig +time=2 +tries=1 @"$GATEWAY" "$@"; }

[ "$(qa +short b.berth)" = "$B" ] || fail "a: b.berth: $(qa b.berth)"

# 1. 50 queries from a: answered, and none went through the gateway
# tun (each would be one packet there, and its answer another).
before=$(gw_rx)
got=$("$BERTH" exec a -- sh -c "for i in \$(seq 50); do
	dig +short +time=2 +tries=1 @$GATEWAY b.berth; done" | grep -c "^$B$")
after=$(gw_rx)
[ "$got" -eq 50 ] || fail "50 queries, $got answers"
note "gateway tun: $((after - before)) packets for 50 queries"
[ $((after - before)) -lt 25 ] ||
    fail "$((after - before)) packets through the gateway tun"

# 2. The answers are the server's.
qa nope.berth | grep -q "status: NXDOMAIN" || fail "nope.berth: $(qa nope.berth)"
[ "$(qa +short -x "$B")" = "b.berth." ] || fail "PTR $B: $(qa -x "$B")"
[ "$(qa +short +tcp b.berth)" = "$B" ] || fail "TCP: $(qa +tcp b.berth)"
[ "$(qa +short host.berth)" = "$GATEWAY" ] || fail "host.berth"

# 3. A capture on a sees the query and the answer.
capture_bg c -w "$TMP/dns.pcap" a "udp port 53"
[ "$(qa +short b.berth)" = "$B" ] || fail "b.berth under capture"
capture_end c
tcpdump -n -r "$TMP/dns.pcap" >"$TMP/td" 2>/dev/null || fail "tcpdump -r"
grep -q "$A\.[0-9]* > $GATEWAY\.53: .* A? b.berth" "$TMP/td" ||
    fail "no query in the capture: $(cat "$TMP/td")"
grep -q "$GATEWAY\.53 > $A\.[0-9]*: .* A $B" "$TMP/td" ||
    fail "no answer in the capture: $(cat "$TMP/td")"

# 4. A link delay on a delays the query and the answer.
"$BERTH" link set a --delay 100ms || fail "link set"
t0=$(now_ms)
[ "$(qa +short b.berth)" = "$B" ] || fail "b.berth with a delay"
t=$(( $(now_ms) - t0 ))
note "query with 100 ms each way: $t ms"
[ $t -ge 200 ] || fail "a delayed query took $t ms"
"$BERTH" link rm a || fail "link rm"

# 5. Policy: a's DNS refused, b's not.
"$BERTH" policy add a host udp/53 reject >/dev/null || fail "policy add"
qa b.berth >"$TMP/dig" 2>&1 && fail "a resolved b.berth: $(cat "$TMP/dig")"
grep -q "status: NOERROR" "$TMP/dig" && fail "a got an answer"
[ "$("$BERTH" exec b -- dig +short +time=2 +tries=1 @"$GATEWAY" a.berth)" = \
    "$A" ] || fail "b no longer resolves"
exit 0
