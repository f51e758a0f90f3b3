#!/bin/sh
# SPDX-License-Identifier: ISC
#
# Link emulation, delay and jitter: UDP round trips between two
# containers through `berth link set a b --delay 20ms` take 40 ms
# (median, +-5), jitter widens the spread and keeps the order (reorder
# does not), `link ls` counts what it delayed, and rm gives the plain
# path back.
. "$(dirname "$0")/lib.sh"
need_netd

PY=/usr/bin/python3
PORT=5392
PROBE="$ROOT/tests/integ/udp_probe.py"
udp_pair $PORT

# stats FILE: "median p10 p90" of the numbers in FILE (lost ones fail).
stats() {
	grep -q lost "$1" && fail "lost round trips: $(grep -c lost "$1")"
	$PY -c 'import sys
v = sorted(float(x) for x in open(sys.argv[1]))
q = lambda f: v[min(len(v) - 1, int(f * len(v)))]
print("%.2f %.2f %.2f" % (q(0.5), q(0.1), q(0.9)))' "$1"
}
rtt() { "$BERTH" exec a -- $PY "$PROBE" rtt "$B" $PORT "$1" "$2" >"$3" ||
    fail "probe: $(cat "$3")"; }
# burst: 300 datagrams 1 ms apart; prints "inversions replies", where
# an inversion is a reply that came after a higher-numbered one.
burst() {
	"$BERTH" exec a -- $PY "$PROBE" burst "$B" $PORT 300 1 >"$TMP/burst" ||
	    fail "burst"
	$PY -c 'import sys
v = [int(x) for x in open(sys.argv[1]).read().split()]
print(sum(1 for i in range(1, len(v)) if v[i] < v[i - 1]), len(v))' \
	    "$TMP/burst"
}

rtt 30 10 "$TMP/plain"
read -r med0 lo0 hi0 <<EOF2
$(stats "$TMP/plain")
EOF2
note "plain: median $med0 ms (p10 $lo0, p90 $hi0)"

"$BERTH" link set a b --delay 20ms || fail "link set"
rtt 50 10 "$TMP/delay"
read -r med lo hi <<EOF2
$(stats "$TMP/delay")
EOF2
note "--delay 20ms: median $med ms (p10 $lo, p90 $hi)"
$PY -c "import sys; sys.exit(0 if 35 <= $med <= 45 else 1)" ||
    fail "median round trip $med ms, expected 40 +- 5"
"$BERTH" link ls | grep -q 'a <-> b.*delay 20ms' ||
    fail "link ls: $("$BERTH" link ls)"
delayed=$("$BERTH" link ls --json | jget 'j["links"][0]["counters"]["delayed"]')
[ "$delayed" -ge 100 ] || fail "delayed counter $delayed, expected >= 100"

# Jitter: a wider spread, and order kept for a burst 1 ms apart.
"$BERTH" link set a b --delay 20ms --jitter 8ms || fail "link set jitter"
rtt 50 10 "$TMP/jitter"
read -r medj loj hij <<EOF2
$(stats "$TMP/jitter")
EOF2
note "--jitter 8ms: median $medj ms (p10 $loj, p90 $hij)"
$PY -c "import sys; sys.exit(0 if ($hij - $loj) > ($hi - $lo) + 4 else 1)" ||
    fail "jitter did not widen the spread: $loj..$hij vs $lo..$hi"
read -r inv n <<EOF2
$(burst)
EOF2
note "jitter, 300 packets 1 ms apart: $n back, $inv out of order"
[ "$n" -ge 290 ] || fail "only $n of 300 came back"
[ "$inv" -eq 0 ] || fail "$inv replies out of order"

# ... and --reorder lets them overtake: the check above can fail.
"$BERTH" link set a b --delay 20ms --jitter 8ms --reorder ||
    fail "link set reorder"
read -r inv n <<EOF2
$(burst)
EOF2
note "--reorder: $n back, $inv out of order"
[ "$inv" -ge 10 ] || fail "--reorder: only $inv out of order"

# rm: the plain path again, and no hook left to count.
"$BERTH" link rm a b || fail "link rm"
"$BERTH" link ls --json | jget 'len(j["links"])' | grep -qx 0 ||
    fail "link still listed"
rtt 20 5 "$TMP/plain2"
read -r med2 lo2 hi2 <<EOF2
$(stats "$TMP/plain2")
EOF2
$PY -c "import sys; sys.exit(0 if $med2 < 10 else 1)" ||
    fail "after rm: median $med2 ms"

# Errors: clear, and netd stays up.
expect_fail 'no such container' "$BERTH" link set a nope --delay 1ms
expect_fail 'not a duration' "$BERTH" link set a b --delay 20
expect_fail 'two different' "$BERTH" link set a a --delay 1ms
expect_fail 'no pair link' "$BERTH" link rm a b
"$BERTH" link ls >/dev/null || fail "netd gone after bad input"
exit 0
