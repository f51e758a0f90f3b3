#!/bin/sh
# SPDX-License-Identifier: ISC
#
# Checksum offload on the tuns (tun_linux.c): netd opens them with a
# virtio_net_hdr and TUN_F_CSUM, so TCP segments cross the router with
# their checksum still to be computed (CHECKSUM_PARTIAL), and nobody
# computes it. Checked with real traffic: `ip -d link` says vnet_hdr on;
# tcpdump on b's tun sees the segments netd wrote with a checksum that
# is not yet right (as on lo), while 32 MiB fetched with curl from the
# host and from container a arrive intact (sha256), as does a transfer
# through a link with an mtu (the MSS clamp leaves a partial checksum
# alone); a capture holds the IP packets without the header's bytes.
# Then netd again with BERTH_NETD_TUN_CSUM=0: complete checksums on the
# same persistent tuns, and the same transfers.
. "$(dirname "$0")/lib.sh"
need_netd
need_cmd curl tcpdump tshark sha256sum
# The router's datapath: with nothing to decide, these flows would skip
# it over lo (the direct path, router_direct.sh).
export BERTH_NETD_DIRECT=0

PY=/usr/bin/python3
mkdir -p "$TMP/www"
head -c 33554432 /dev/urandom >"$TMP/www/blob"
SUM=$(sha256sum <"$TMP/www/blob" | cut -d' ' -f1)

# fetch WHO: 32 MiB from b, from the host or from container a; intact.
fetch() {
	if [ "$1" = host ]; then
		curl -sf -m 30 "http://$B:8000/blob"
	else
		"$BERTH" exec a -- curl -sf -m 30 "http://$B:8000/blob"
	fi | sha256sum | cut -d' ' -f1 >"$TMP/sum"
	[ "$(cat "$TMP/sum")" = "$SUM" ] || fail "$1 -> b: the blob arrived damaged ($MODE)"
}

# round: containers a and b, the transfers, what tcpdump sees on b's tun.
round() {
	"$BERTH" run -d --name b -- $PY -m http.server -d "$TMP/www" 8000 \
	    >/dev/null || fail "run b"
	"$BERTH" run -d --name a -- sleep 600 >/dev/null || fail "run a"
	B=$(ctr_ip b)
	TUN_B=$("$BERTH" inspect b | jget 'j[0]["tun"] if isinstance(j, list) else j["tun"]')
	wait_for 10 curl -sf "http://$B:8000/" || fail "b: no answer"
	ip -d link show dev "$TUN_B" | grep -q 'vnet_hdr on' ||
	    fail "$TUN_B: no vnet_hdr: $(ip -d link show dev "$TUN_B")"

	tcpdump -l -nn -vv -i "$TUN_B" -c 20 'tcp dst port 8000 and ' \
	    'tcp[tcpflags] & tcp-push != 0' >"$TMP/dump" 2>"$TMP/dump.err" &
	DUMP=$!
	wait_for 5 grep -q "listening on" "$TMP/dump.err" ||
	    fail "tcpdump: $(cat "$TMP/dump.err")"
	capture_bg cap -w "$TMP/$MODE.pcap" b
	fetch host
	fetch a
	capture_end cap
	for _i in $(seq 20); do
		kill -0 $DUMP 2>/dev/null || break
		"$BERTH" exec a -- curl -sf -m 5 "http://$B:8000/" >/dev/null ||
		    fail "a -> b: no answer ($MODE)"
	done
	kill $DUMP 2>/dev/null || true
	wait $DUMP || true
	bad=$(grep -c 'incorrect' "$TMP/dump" || true)
	all=$(grep -c 'cksum' "$TMP/dump" || true)
	note "$MODE: $bad of $all segments to b with a checksum left to compute"
	[ "$all" -gt 0 ] || fail "tcpdump saw nothing: $(cat "$TMP/dump.err")"
	if [ "$MODE" = offload ]; then
		[ "$bad" -gt 0 ] || fail "no partial checksum: offload is off"
	else
		[ "$bad" -eq 0 ] || fail "partial checksums with offload off"
	fi

	# The capture: IP packets, nothing in front (a vnet header would
	# make every frame 10 bytes longer than its IP packet), big ones too.
	tshark -r "$TMP/$MODE.pcap" -T fields -e frame.len -e ip.len \
	    -e ip.version >"$TMP/lens" 2>"$TMP/tshark.err" ||
	    fail "tshark: $(cat "$TMP/tshark.err")"
	awk '$1 != $2 || $3 != 4 { bad++ } $2 > 60000 { big++ }
	    END { exit !(NR > 0 && bad == 0 && big > 0) }' "$TMP/lens" ||
	    fail "capture: frames that are not whole IP packets, or no 64 KiB one: $(sort "$TMP/lens" | uniq -c | head)"

	# Through a link with an mtu: the clamped SYN is partial too.
	"$BERTH" link set a b --mtu 1400 || fail "link set"
	fetch a
	"$BERTH" link ls --json | jget 'j["links"][0]["counters"]["mss_clamped"]' |
	    grep -qx 2 || fail "the SYNs were not clamped"
	"$BERTH" link rm a b >/dev/null || fail "link rm"
	"$BERTH" rm -f a b >/dev/null
}

MODE=offload
netd_start
round
netd_kill "$NETD_PID"
MODE=complete
export BERTH_NETD_TUN_CSUM=0
netd_start
round
exit 0
