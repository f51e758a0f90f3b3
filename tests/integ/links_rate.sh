#!/bin/sh
# SPDX-License-Identifier: ISC
#
# Link emulation, rate: iperf3 (TCP) between two containers through
# `berth link set a b --rate 10mbit` measures 8-10.5 Mbit/s; without the
# link it is far above. A tiny queue drops the excess and counts it.
. "$(dirname "$0")/lib.sh"
need_netd
need_cmd iperf3

PORT=5394
iperf_pair $PORT

# iperf SECONDS: the receiver's Mbit/s, a to b.
iperf() {
	"$BERTH" exec a -- iperf3 -c "$B" -p $PORT -t "$1" -J >"$TMP/ip.json" ||
	    fail "iperf3: $(tail -5 "$TMP/ip.json")"
	jget '"%.2f" % (j["end"]["sum_received"]["bits_per_second"] / 1e6)' \
	    <"$TMP/ip.json"
}

base=$(iperf 2)
note "no link: $base Mbit/s"
"$BERTH" link set a b --rate 10mbit || fail "link set"
r=$(iperf 5)
note "--rate 10mbit: $r Mbit/s (baseline $base)"
/usr/bin/python3 -c "import sys; sys.exit(0 if 8 <= $r <= 10.5 else 1)" ||
    fail "$r Mbit/s through a 10mbit link"
/usr/bin/python3 -c "import sys; sys.exit(0 if $base > 50 else 1)" ||
    fail "baseline only $base Mbit/s"
"$BERTH" link ls | grep -q 'rate 10mbit' || fail "link ls"

# A queue of 2 packets: the excess is dropped and counted.
"$BERTH" link set a b --rate 10mbit --queue 2 || fail "link set queue"
iperf 2 >/dev/null
full=$("$BERTH" link ls --json | jget 'j["links"][0]["counters"]["queue_full"]')
note "--queue 2: $full dropped"
[ "$full" -gt 0 ] || fail "no queue drops with a 2-packet queue"
exit 0
