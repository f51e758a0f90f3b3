#!/bin/sh
# SPDX-License-Identifier: ISC
#
# berth capture with real traffic: a curl from container a to b's
# http.server, captured with -w FILE, read back by tshark: the TCP
# handshake with a's and b's addresses and ports; tcpdump -r reads the
# file without a warning; -w - | tshark -r - live; the filter
# "tcp port 6379" keeps only redis traffic; -c 10 ends after 10; the
# line listing names the containers.
. "$(dirname "$0")/lib.sh"
need_root
need_tun
need_cmd curl tshark tcpdump redis-server redis-cli

PY=/usr/bin/python3
netd_start
at_exit "'$BERTH' rm -f a b r"

"$BERTH" run -d --name a -- $PY -m http.server 8000 >/dev/null || fail "run a"
"$BERTH" run -d --name b -- $PY -m http.server 8000 >/dev/null || fail "run b"
"$BERTH" run -d --name r -- redis-server --port 6379 --save '' \
    --appendonly no >/dev/null || fail "run r"
A=$(ctr_ip a)
B=$(ctr_ip b)
R=$(ctr_ip r)
wait_for 10 curl -sf "http://$B:8000/" || fail "b: no answer"
wait_for 10 redis-cli -h "$R" ping || fail "r: no answer"

# 1. -w FILE, a curl a -> b, read back by tshark.
capture_bg f -w "$TMP/ab.pcap" b
"$BERTH" exec a -- curl -sf -m 5 "http://$B:8000/" >/dev/null || fail "a -> b"
capture_end f
grep -q "packets captured" "$TMP/f.err" || fail "no summary: $(cat "$TMP/f.err")"
tshark -r "$TMP/ab.pcap" -Y 'tcp.flags.syn==1' -T fields -e ip.src \
    -e tcp.srcport -e ip.dst -e tcp.dstport -e tcp.flags.ack \
    >"$TMP/syn" 2>"$TMP/tshark.err" || fail "tshark: $(cat "$TMP/tshark.err")"
note "handshake: $(tr '\n\t' '; ' <"$TMP/syn")"
grep -Eq "^$A	[0-9]+	$B	8000	(0|False)$" "$TMP/syn" ||
    fail "no SYN $A -> $B:8000: $(cat "$TMP/syn")"
grep -Eq "^$B	8000	$A	[0-9]+	(1|True)$" "$TMP/syn" ||
    fail "no SYN-ACK $B:8000 -> $A: $(cat "$TMP/syn")"
tshark -r "$TMP/ab.pcap" -Y 'http.request' -T fields -e http.request.uri \
    2>/dev/null | grep -q '^/$' || fail "no HTTP GET / in the capture"
# tcpdump reads it without a warning.
tcpdump -n -r "$TMP/ab.pcap" >"$TMP/td.out" 2>"$TMP/td.err" ||
    fail "tcpdump -r: $(cat "$TMP/td.err")"
grep -iv '^reading from file' "$TMP/td.err" | grep -q . &&
    fail "tcpdump -r warns: $(cat "$TMP/td.err")"
grep -q "$A\.[0-9]* > $B\.8000: Flags \[S\]" "$TMP/td.out" ||
    fail "tcpdump does not show the SYN: $(head -3 "$TMP/td.out")"

# 2. -w - piped into tshark, live.
( "$BERTH" capture b -w - -c 4 | tshark -r - -T fields -e ip.src \
    -e ip.dst >"$TMP/live" 2>/dev/null ) &
LIVE=$!
at_exit "kill $LIVE"
sleep 0.5
"$BERTH" exec a -- curl -sf -m 5 "http://$B:8000/" >/dev/null || fail "a -> b"
wait_for 10 sh -c "! kill -0 $LIVE" || fail "-w - | tshark did not end"
[ "$(wc -l <"$TMP/live")" -eq 4 ] || fail "tshark read $(wc -l <"$TMP/live") packets, not 4"
grep -q "^$A	$B$" "$TMP/live" || fail "live: nothing from $A to $B: $(cat "$TMP/live")"

# 3. A filter: only redis, though http runs beside it.
capture_bg filt -w "$TMP/redis.pcap" --all tcp port 6379
"$BERTH" exec a -- curl -sf -m 5 "http://$B:8000/" >/dev/null || fail "a -> b"
"$BERTH" exec a -- redis-cli -h "$R" set k v >/dev/null || fail "a -> redis"
capture_end filt
tshark -r "$TMP/redis.pcap" -T fields -e tcp.srcport -e tcp.dstport \
    >"$TMP/ports" 2>/dev/null || fail "tshark redis.pcap"
[ -s "$TMP/ports" ] || fail "the redis capture is empty"
grep -vq 6379 "$TMP/ports" && fail "non-redis packets: $(grep -v 6379 "$TMP/ports" | head -3)"
note "redis capture: $(wc -l <"$TMP/ports") packets, all port 6379"

# 4. -c 10 ends by itself after 10 packets.
capture_bg c10 -c 10 -w "$TMP/c10.pcap" b
for i in 1 2 3; do
	"$BERTH" exec a -- curl -sf -m 5 "http://$B:8000/" >/dev/null
done
wait_for 10 sh -c "! kill -0 $CAP_PID" || fail "-c 10 did not end"
n=$(tshark -r "$TMP/c10.pcap" 2>/dev/null | wc -l)
[ "$n" -eq 10 ] || fail "-c 10 wrote $n packets"
grep -q "^10 packets captured" "$TMP/c10.err" || fail "c10: $(cat "$TMP/c10.err")"

# 5. Lines, tcpdump -n style, with container names.
capture_bg txt -c 3 b
"$BERTH" exec a -- curl -sf -m 5 "http://$B:8000/" >/dev/null
wait_for 10 sh -c "! kill -0 $CAP_PID" || fail "text -c 3 did not end"
note "lines: $(head -1 "$TMP/txt.out")"
grep -Eq "^[0-9:.]+ a > b IP $A\.[0-9]+ > $B\.8000: Flags \[S\]" "$TMP/txt.out" ||
    fail "no SYN line: $(cat "$TMP/txt.out")"

# 6. Errors are clear and leave netd serving.
expect_fail 'no container or stack "nope"' "$BERTH" capture nope
expect_fail 'filter:' "$BERTH" capture b tcp port bogus
"$BERTH" ps >/dev/null || fail "netd is gone"
exit 0
