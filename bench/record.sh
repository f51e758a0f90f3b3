# SPDX-License-Identifier: ISC
#
# bench/record.sh: sourced by the benchmarks. record() appends one figure
# as a JSON line to $BENCH_RECORD (set by bench/all); without it, it does
# nothing, so a bench run by hand only prints its own table.
#
#   record BENCH FIGURE VALUE UNIT BASELINE BASELINE_VALUE [AIM [RATIO
#       [RATIO_MIN RATIO_MAX ROUNDS]]]
#
# BASELINE names what VALUE is compared with, measured in the same run
# ("direct loopback", "socat", ...); the ratio is VALUE / BASELINE_VALUE.
# AIM is text ("ratio >= 0.9", "<= 10 ms"), shown as it is. RATIO, when
# given, is the bench's own ratio (e.g. a median of per-round ratios);
# RATIO_MIN and RATIO_MAX the range of those ROUNDS per-round ratios.
#
# rounds_stat VALUES BASES: a figure measured in rounds, each round's
# value (file VALUES, one a line) taken beside that round's baseline
# (file BASES, the same order). Prints "VALUE BASE RATIO MIN MAX ROUNDS":
# the median value, the median baseline, the median of the per-round
# ratios value/baseline and their range; where a round's baseline is 0
# (its measurement failed), RATIO MIN MAX are "NA", said on stderr, and
# the figure is recorded without a ratio (bench/all shows "-").
# rounds_record BENCH FIGURE UNIT BASELINE AIM VALUES BASES records those
# (record above).
#
# rotate N WORD...: the words from the (N mod count)th on, then those
# before it: round N's order of the paths, so that none always runs
# first or last in its round.

record() {
	[ -n "${BENCH_RECORD:-}" ] || return 0
	/usr/bin/python3 - "$@" >>"$BENCH_RECORD" <<'P'
import json, sys
a = sys.argv[1:] + [""] * 11
v = float(a[2])
b = float(a[5]) if a[5] else 0.0
r = {"bench": a[0], "figure": a[1], "value": v,
     "unit": a[3], "baseline": a[4], "baseline_value": b,
     "ratio": None if a[7] == "NA" else float(a[7]) if a[7] else (
         round(v / b, 3) if b else None),
     "aim": a[6]}
if a[10] and a[7] != "NA":
    r.update({"ratio_min": float(a[8]), "ratio_max": float(a[9]),
              "rounds": int(a[10])})
print(json.dumps(r))
P
}

rounds_stat() {
	/usr/bin/python3 - "$1" "$2" <<'P'
import statistics, sys
v, b = ([float(l) for l in open(f) if l.strip()] for f in sys.argv[1:3])
if not v or len(v) != len(b):
    sys.exit("rounds_stat: %d values, %d baselines" % (len(v), len(b)))
z = [str(i + 1) for i, y in enumerate(b) if y == 0]
if z:
    sys.stderr.write("rounds_stat: a baseline of 0 in round %s: no ratio\n"
                     % ", ".join(z))
    print("%.4g %.4g NA NA NA %d" % (statistics.median(v),
          statistics.median(b), len(v)))
    sys.exit(0)
r = [x / y for x, y in zip(v, b)]
print("%.4g %.4g %.3f %.3f %.3f %d" % (statistics.median(v),
      statistics.median(b), statistics.median(r), min(r), max(r), len(r)))
P
}

rounds_record() {
	_rs=$(rounds_stat "$6" "$7") || return 1
	set -- "$1" "$2" "$3" "$4" "$5" $_rs
	# $6 value, $7 baseline, $8 ratio, $9 min, ${10} max, ${11} rounds
	record "$1" "$2" "$6" "$3" "$4" "$7" "$5" "$8" "$9" "${10}" "${11}"
}

rotate() {
	_n=$(( $1 % ($# - 1) ))
	shift
	_i=0 _h="" _t=""
	for _w in "$@"; do
		if [ $_i -lt $_n ]; then _h="$_h $_w"; else _t="$_t $_w"; fi
		_i=$((_i + 1))
	done
	echo $_t $_h
}
