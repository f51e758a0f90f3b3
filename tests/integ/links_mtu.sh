#!/bin/sh
# SPDX-License-Identifier: ISC
#
# Link emulation, mtu and TCP: through `berth link set a b --mtu 1400`
# the router lowers the MSS option of SYN and SYN-ACK to 1360, so both
# ends of a real TCP transfer (iperf3) agree on it: tcpdump on b's tun
# sees the SYN arrive with "mss 1360", ss shows no socket of the flow
# with an MSS above 1360, the transfer runs at full speed and no packet
# is dropped as too big (the entry's "mtu" counter stays 0). Without
# the clamp Linux TCP stalls there (the kernel keeps the path MTU on the
# sender's own route, not on berth's).
. "$(dirname "$0")/lib.sh"
need_netd
need_cmd iperf3 ss tcpdump

PORT=5395
iperf_pair $PORT
TUN_B=$("$BERTH" inspect b | jget 'j[0]["tun"] if isinstance(j, list) else j["tun"]')

"$BERTH" link set a b --mtu 1400 || fail "link set"

# The SYNs b receives, as tcpdump decodes them.
tcpdump -l -nn -v -i "$TUN_B" -c 4 \
    "tcp port $PORT and tcp[tcpflags] & tcp-syn != 0" >"$TMP/syn" \
    2>"$TMP/tcpdump.err" &
DUMP=$!
at_exit "kill $DUMP"
wait_for 5 grep -q "listening on" "$TMP/tcpdump.err" ||
    fail "tcpdump: $(cat "$TMP/tcpdump.err")"

# ss while the transfer runs: the MSS of every socket of the flow.
"$BERTH" exec a -- timeout 30 iperf3 -c "$B" -p $PORT -t 4 -J \
    >"$TMP/ip.json" &
IPERF=$!
: >"$TMP/ss"
for _i in $(seq 30); do
	ss -tin "( dport = :$PORT or sport = :$PORT )" >>"$TMP/ss" 2>&1
	kill -0 $IPERF 2>/dev/null || break
	sleep 0.1
done
wait $IPERF || fail "iperf3 through --mtu 1400: $(tail -5 "$TMP/ip.json")"
mbit=$(jget '"%.1f" % (j["end"]["sum_received"]["bits_per_second"] / 1e6)' \
    <"$TMP/ip.json")
note "--mtu 1400: $mbit Mbit/s"
/usr/bin/python3 -c "import sys; sys.exit(0 if $mbit > 20 else 1)" ||
    fail "only $mbit Mbit/s through --mtu 1400"

mss=$(grep -o ' mss:[0-9]*' "$TMP/ss" | cut -d: -f2 | sort -n | uniq | tr '\n' ' ')
note "socket MSS seen by ss: $mss"
[ -n "$mss" ] || fail "ss saw no socket of the flow: $(head -20 "$TMP/ss")"
for m in $mss; do
	[ "$m" -le 1360 ] || fail "a socket with MSS $m over an mtu of 1400"
done
wait_for 5 sh -c "[ \$(grep -c 'mss 1360' '$TMP/syn') -ge 2 ]" ||
    fail "b did not get SYNs with mss 1360: $(cat "$TMP/syn")"
grep 'mss [0-9]*' -o "$TMP/syn" | grep -qv 'mss 1360' &&
    fail "a SYN with another MSS: $(cat "$TMP/syn")"

"$BERTH" link ls --json >"$TMP/ls.json"
c() { jget "j['links'][0]['counters']['$1']" <"$TMP/ls.json"; }
note "counters: mss_clamped $(c mss_clamped), mtu drops $(c mtu)"
[ "$(c mss_clamped)" -ge 4 ] || fail "mss_clamped $(c mss_clamped), expected >= 4"
[ "$(c mtu)" -eq 0 ] || fail "$(c mtu) packets dropped as over the mtu"
exit 0
