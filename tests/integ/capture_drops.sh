#!/bin/sh
# SPDX-License-Identifier: ISC
#
# berth capture --drops: a connection from container a to a pool address
# nobody owns is refused by netd (no route, ICMP unreachable). Without
# --drops the refused SYN is not in the capture; with --drops -w it is,
# in pcapng, with "berth: dropped: noroute" as its comment (tshark
# frame.comment); the line listing marks it [dropped: noroute].
. "$(dirname "$0")/lib.sh"
need_root
need_tun
need_cmd curl tshark

PY=/usr/bin/python3
netd_start
at_exit "'$BERTH' rm -f a"
"$BERTH" run -d --name a -- $PY -m http.server 8000 >/dev/null || fail "run a"
A=$(ctr_ip a)
DEAD="$POOL_NET.3.33"

refused() {
	set +e
	"$BERTH" exec a -- curl -s -m 5 -o /dev/null "http://$DEAD:8000/"
	_rc=$?
	set -e
	[ "$_rc" -eq 7 ] || fail "curl to $DEAD: exit $_rc, expected 7 (refused)"
}

capture_bg plain -w "$TMP/plain.pcap" a
P0=$CAP_PID
capture_bg drops -w "$TMP/drops.pcapng" --drops a
P1=$CAP_PID
capture_bg lines --drops a
P2=$CAP_PID
refused
CAP_PID=$P0 capture_end plain
CAP_PID=$P1 capture_end drops
CAP_PID=$P2 capture_end lines

n=$(tshark -r "$TMP/plain.pcap" -Y "ip.dst==$DEAD" 2>/dev/null | wc -l)
[ "$n" -eq 0 ] || fail "without --drops, $n refused packets were captured"

file "$TMP/drops.pcapng" | grep -qi pcapng || fail "--drops -w is not pcapng: $(file "$TMP/drops.pcapng")"
tshark -r "$TMP/drops.pcapng" -Y "ip.dst==$DEAD && tcp.flags.syn==1" \
    -T fields -e ip.src -e tcp.dstport -e frame.comment >"$TMP/syn" \
    2>"$TMP/tshark.err" || fail "tshark: $(cat "$TMP/tshark.err")"
note "refused: $(head -1 "$TMP/syn")"
grep -q "^$A	8000	berth: dropped: noroute$" "$TMP/syn" ||
    fail "no refused SYN with its reason: $(cat "$TMP/syn")"

grep -Eq "^[0-9:.]+ a > - IP $A\.[0-9]+ > $DEAD\.8000: Flags \[S\].* \[dropped: noroute\]$" \
    "$TMP/lines.out" || fail "no [dropped: noroute] line: $(cat "$TMP/lines.out")"
exit 0
