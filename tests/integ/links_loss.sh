#!/bin/sh
# SPDX-License-Identifier: ISC
#
# Link emulation, losses: 10 % loss one way over 2,000 UDP datagrams
# lands within 7-13 %; the same seed loses the same datagrams, another
# seed others; --loss-corr makes bursts; --duplicate doubles datagrams;
# --corrupt makes the receiving kernel drop them (checksum errors).
. "$(dirname "$0")/lib.sh"
need_netd

PY=/usr/bin/python3
PORT=5393
PROBE="$ROOT/tests/integ/udp_probe.py"
udp_pair $PORT

# burst N OUT: N datagrams a -> b 0.5 ms apart; the replies' numbers.
burst() {
	"$BERTH" exec a -- $PY "$PROBE" burst "$B" $PORT "$1" 0.5 >"$2" ||
	    fail "burst"
}
# missing N FILE: the numbers below N that never came back, sorted.
missing() {
	$PY -c 'import sys
got = set(int(x) for x in open(sys.argv[2]).read().split())
print(" ".join(str(i) for i in range(int(sys.argv[1])) if i not in got))' \
	    "$1" "$2"
}
count() { wc -w <"$1" | tr -d ' '; }

burst 2000 "$TMP/plain"
n=$(count "$TMP/plain")
note "no link: $n of 2000 back"
[ "$n" -ge 1990 ] || fail "without a link only $n of 2000 came back"

"$BERTH" link set --from a --to b --loss 10% --seed 7 || fail "link set"
burst 2000 "$TMP/s7"
missing 2000 "$TMP/s7" >"$TMP/m7"
lost=$(count "$TMP/m7")
note "--loss 10%: $lost of 2000 lost"
[ "$lost" -ge 140 ] && [ "$lost" -le 260 ] ||
    fail "$lost of 2000 lost, expected 7-13 %"
counted=$("$BERTH" link ls --json | jget 'j["links"][0]["counters"]["loss"]')
[ "$counted" -eq "$lost" ] || fail "link ls counts $counted losses, $lost seen"

# The same seed again (set restarts the generator): the same losses.
"$BERTH" link set --from a --to b --loss 10% --seed 7 || fail "link set"
burst 2000 "$TMP/s7b"
missing 2000 "$TMP/s7b" >"$TMP/m7b"
cmp -s "$TMP/m7" "$TMP/m7b" || fail "seed 7 lost other datagrams the second time"
"$BERTH" link set --from a --to b --loss 10% --seed 8 || fail "link set"
burst 2000 "$TMP/s8"
missing 2000 "$TMP/s8" >"$TMP/m8"
cmp -s "$TMP/m7" "$TMP/m8" && fail "seeds 7 and 8 lost the same datagrams"
# Without --seed, the seed in use is listed, and replays.
"$BERTH" link set --from a --to b --loss 10% || fail "link set"
seed=$("$BERTH" link ls --json | jget 'j["links"][0]["seed"]')
burst 1000 "$TMP/r1"
"$BERTH" link set --from a --to b --loss 10% --seed "$seed" || fail "set seed"
burst 1000 "$TMP/r2"
[ "$(missing 1000 "$TMP/r1")" = "$(missing 1000 "$TMP/r2")" ] ||
    fail "the listed seed $seed did not replay"

# Gilbert: about the same loss, in bursts (mean run > 2; independent ~1.1).
"$BERTH" link set --from a --to b --loss 10% --loss-corr 75% --seed 3 ||
    fail "link set corr"
burst 2000 "$TMP/ge"
runs=$(missing 2000 "$TMP/ge" | $PY -c 'import sys
m = [int(x) for x in sys.stdin.read().split()]
runs = sum(1 for i, x in enumerate(m) if i == 0 or m[i - 1] != x - 1)
print("%d %.2f" % (len(m), len(m) / max(runs, 1)))')
note "--loss 10% --loss-corr 75%: lost, mean burst: $runs"
set -- $runs
[ "$1" -ge 100 ] && [ "$1" -le 340 ] || fail "correlated loss lost $1"
$PY -c "import sys; sys.exit(0 if $2 > 2 else 1)" || fail "bursts of $2"

# Duplicates: each copy is echoed.
"$BERTH" link set --from a --to b --duplicate 50% --seed 1 || fail "dup"
burst 1000 "$TMP/dup"
n=$(count "$TMP/dup")
note "--duplicate 50%: $n replies to 1000"
[ "$n" -ge 1350 ] && [ "$n" -le 1650 ] || fail "$n replies with duplicates"

# Corruption: delivered with a bad checksum, dropped by b's kernel.
csum() { awk '/^Udp:/ { if (h) print $8; h = 1 }' /proc/net/snmp; }
c0=$(csum)
"$BERTH" link set --from a --to b --corrupt 100% || fail "corrupt"
burst 200 "$TMP/bad"
c1=$(csum)
n=$(count "$TMP/bad")
note "--corrupt 100%: $n of 200 back; InCsumErrors +$((c1 - c0))"
[ "$n" -eq 0 ] || fail "$n corrupted datagrams were taken"
[ $((c1 - c0)) -ge 100 ] || fail "InCsumErrors rose by $((c1 - c0)) only"
"$BERTH" link ls --json | jget 'j["links"][0]["counters"]["corrupted"]' |
    grep -qx 200 || fail "corrupted counter"
exit 0
