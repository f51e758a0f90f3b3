# SPDX-License-Identifier: ISC
#
# bench/record.sh: sourced by the benchmarks. record() appends one figure
# as a JSON line to $BENCH_RECORD (set by bench/all); without it, it does
# nothing, so a bench run by hand only prints its own table.
#
#   record BENCH FIGURE VALUE UNIT BASELINE BASELINE_VALUE [AIM [RATIO]]
#
# BASELINE names what VALUE is compared with, measured in the same run
# ("direct loopback", "socat", ...); the ratio is VALUE / BASELINE_VALUE.
# AIM is text ("ratio >= 0.9", "<= 10 ms"), shown as it is. RATIO, when
# given, is the bench's own ratio (e.g. a median of per-round ratios).

record() {
	[ -n "${BENCH_RECORD:-}" ] || return 0
	/usr/bin/python3 - "$@" >>"$BENCH_RECORD" <<'P'
import json, sys
a = sys.argv[1:] + [""] * 8
v = float(a[2])
b = float(a[5]) if a[5] else 0.0
print(json.dumps({"bench": a[0], "figure": a[1], "value": v,
                  "unit": a[3], "baseline": a[4], "baseline_value": b,
                  "ratio": float(a[7]) if a[7] else (round(v / b, 3) if b else None),
                  "aim": a[6]}))
P
}
