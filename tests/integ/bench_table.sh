#!/bin/sh
# SPDX-License-Identifier: ISC
#
# bench_table: bench/record.sh's figures measured in rounds and bench/all's
# table of them, on canned numbers (no bench runs, no root).
#   - rounds_record keeps the median value and baseline, the median of the
#     per-round ratios (not the ratio of the medians) and their range;
#   - record without rounds writes no range, as before;
#   - a round whose baseline is 0 (its measurement failed) gives the
#     medians and "NA" for the ratios, a line on stderr, no traceback,
#     and a record without a ratio;
#   - bench/all -t writes bench.md and bench.json from a run's
#     records.jsonl and runs.tsv: the range column where there are rounds,
#     old records (no range fields) as before, a failed bench listed;
#   - bench/all without names leaves out a bench marked "by name only"
#     and runs it when named.
. "$(dirname "$0")/lib.sh"
need_cmd /usr/bin/python3

OUT=$TMP/out
mkdir -p "$OUT"
export BENCH_RECORD=$OUT/records.jsonl
. "$ROOT/bench/record.sh"

# Ratios 1, 2 and 0.75: their median is 1; the medians' ratio is 20/10 = 2.
printf '10\n20\n30\n' >"$TMP/v"
printf '10\n10\n40\n' >"$TMP/b"
[ "$(rounds_stat "$TMP/v" "$TMP/b")" = "20 10 1.000 0.750 2.000 3" ] ||
    fail "rounds_stat: $(rounds_stat "$TMP/v" "$TMP/b")"
printf '1\n' >"$TMP/short"
rounds_stat "$TMP/v" "$TMP/short" >/dev/null 2>&1 &&
    fail "rounds_stat took 3 values against 1 baseline"
printf '10\n20\n' >"$TMP/v0"
printf '10\n0\n' >"$TMP/b0"
rounds_stat "$TMP/v0" "$TMP/b0" >"$TMP/rs0" 2>"$TMP/rs0.err" ||
    fail "rounds_stat on a baseline of 0: $(cat "$TMP/rs0.err")"
[ "$(cat "$TMP/rs0")" = "15 5 NA NA NA 2" ] ||
    fail "rounds_stat on a baseline of 0: $(cat "$TMP/rs0")"
[ "$(cat "$TMP/rs0.err")" = "rounds_stat: a baseline of 0 in round 2: no ratio" ] ||
    fail "rounds_stat on a baseline of 0 said: $(cat "$TMP/rs0.err")"
rounds_record t "rounds figure" Gb/s "direct loopback" ">= 0.9x" "$TMP/v" "$TMP/b"
record t "plain figure" 5 ms "unshare" 2.5 "<= 2x"
rounds_record t "zero figure" Gb/s "direct loopback" ">= 0.9x" "$TMP/v0" \
    "$TMP/b0" 2>/dev/null || fail "rounds_record on a baseline of 0"
# a record as the benches wrote them before rounds
echo '{"bench": "old", "figure": "old figure", "value": 3.0, "unit": "ms",' \
    '"baseline": "", "baseline_value": 0.0, "ratio": null, "aim": ""}' \
    >>"$BENCH_RECORD"
printf 't\tok\t3\nold\tfailed (exit 1)\t1\n' >"$OUT/runs.tsv"

/usr/bin/python3 - "$BENCH_RECORD" <<'P' || fail "records.jsonl"
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
a, b, z = r[0], r[1], r[2]
assert (a["value"], a["baseline_value"], a["ratio"]) == (20, 10, 1), a
assert (a["ratio_min"], a["ratio_max"], a["rounds"]) == (0.75, 2, 3), a
assert b["ratio"] == 2 and "rounds" not in b, b
assert (z["value"], z["baseline_value"], z["ratio"]) == (15, 5, None), z
assert "rounds" not in z and "ratio_min" not in z, z
P

"$ROOT/bench/all" -t -o "$OUT" >"$TMP/all.out" 2>&1 ||
    { cat "$TMP/all.out" >&2; fail "bench/all -t failed"; }
md=$OUT/bench.md
grep -q "| ratio's range |" "$md" || fail "no range column: $(cat "$md")"
grep -qF '| t | rounds figure | 20 Gb/s | direct loopback: 10 Gb/s | 1.00x | 0.75-2.00x (3 rounds) | >= 0.9x |' "$md" ||
    fail "rounds row: $(cat "$md")"
grep -qF '| t | plain figure | 5 ms | unshare: 2.5 ms | 2.00x |  | <= 2x |' "$md" ||
    fail "plain row: $(cat "$md")"
grep -qF '| t | zero figure | 15 Gb/s | direct loopback: 5 Gb/s | - |  | >= 0.9x |' "$md" ||
    fail "zero baseline row: $(cat "$md")"
grep -qF '| old | old figure | 3 ms |  | - |  |  |' "$md" ||
    fail "old row: $(cat "$md")"
grep -q '^Not measured: old (failed (exit 1))' "$md" ||
    fail "failed bench not listed: $(cat "$md")"
/usr/bin/python3 - "$OUT/bench.json" <<'P' || fail "bench.json"
import json, sys
j = json.load(open(sys.argv[1]))
assert [f["figure"] for f in j["figures"]] == ["rounds figure",
    "plain figure", "zero figure", "old figure"], j["figures"]
assert j["figures"][0]["rounds"] == 3
assert j["runs"][1]["status"] == "failed (exit 1)"
assert j["machine"]["cpus"]
P
# -t reads the run's records; it must not empty them
[ "$(wc -l <"$BENCH_RECORD")" -eq 4 ] || fail "bench/all -t rewrote records"

# Without names, bench/all runs every bench but those marked "by name
# only"; named, those run too. A copy of bench/all beside two canned
# benches (no records).
mkdir -p "$TMP/tree/bench"
cp "$ROOT/bench/all" "$TMP/tree/bench/all"
printf '#!/bin/sh\necho fast\n' >"$TMP/tree/bench/fast"
printf '#!/bin/sh\n# bench/all: by name only\necho slow\n' \
    >"$TMP/tree/bench/slow"
chmod +x "$TMP/tree/bench/fast" "$TMP/tree/bench/slow"
"$TMP/tree/bench/all" -o "$TMP/o1" >"$TMP/all.out" 2>&1 ||
    { cat "$TMP/all.out" >&2; fail "bench/all (canned) failed"; }
[ "$(cut -f1 "$TMP/o1/runs.tsv")" = fast ] ||
    fail "bench/all ran: $(cut -f1 "$TMP/o1/runs.tsv" | tr '\n' ' ')"
"$TMP/tree/bench/all" -o "$TMP/o2" slow >"$TMP/all.out" 2>&1 ||
    { cat "$TMP/all.out" >&2; fail "bench/all slow failed"; }
[ "$(cut -f1,2 "$TMP/o2/runs.tsv")" = "$(printf 'slow\tok')" ] ||
    fail "bench/all slow: $(cat "$TMP/o2/runs.tsv")"
echo "PASS bench_table"
