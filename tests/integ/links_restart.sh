#!/bin/sh
# SPDX-License-Identifier: ISC
#
# Link entries outlive a restart of netd: `link set a b --delay 20ms`
# and an entry of b's own are in the state file; after kill -9 and a
# new netd on the same state, `link ls` lists both with the same
# profiles and a UDP round trip a -> b still takes 40 ms (+-5). `link rm`
# is saved too: after the next restart only b's entry is left.
. "$(dirname "$0")/lib.sh"
need_netd
fresh_state

PY=/usr/bin/python3
PORT=5393
PROBE="$ROOT/tests/integ/udp_probe.py"
udp_pair $PORT

# median_rtt N: the median of N round trips a -> b, in ms.
median_rtt() {
	"$BERTH" exec a -- $PY "$PROBE" rtt "$B" $PORT "$1" 10 >"$TMP/rtt" ||
	    fail "probe: $(cat "$TMP/rtt")"
	grep -q lost "$TMP/rtt" && fail "lost round trips: $(cat "$TMP/rtt")"
	$PY -c 'import sys
v = sorted(float(x) for x in open(sys.argv[1]))
print("%.2f" % v[len(v) // 2])' "$TMP/rtt"
}
in_40() { $PY -c "import sys; sys.exit(0 if 35 <= $1 <= 45 else 1)"; }
profiles() {
	"$BERTH" link ls --json | jget 'json.dumps(sorted((l["kind"], l["a"],
l.get("b", ""), json.dumps(l["profile"], sort_keys=True)) for l in j["links"]))'
}
# restart: kill -9 netd (its state file stays) and start a new one.
restart() {
	kill -KILL "$NETD_PID"
	wait "$NETD_PID" 2>/dev/null || true
	netd_start
}

"$BERTH" link set a b --delay 20ms --seed 7 || fail "link set a b"
"$BERTH" link set b --rate 1gbit || fail "link set b"
med=$(median_rtt 30)
note "before the restart: median $med ms"
in_40 "$med" || fail "median round trip $med ms before the restart"
before=$(profiles)
links_stored() { state_print | grep -q '"links": *\[{'; }
wait_for 5 links_stored || fail "no links in the state file: $(state_print)"

restart
after=$(profiles)
[ "$after" = "$before" ] || fail "entries after the restart: $after, were $before"
"$BERTH" link ls | grep -q 'a <-> b.*delay 20ms' ||
    fail "link ls: $("$BERTH" link ls)"
med=$(median_rtt 30)
note "after the restart: median $med ms"
in_40 "$med" || fail "median round trip $med ms after the restart, expected 40 +- 5"

"$BERTH" link rm a b || fail "link rm"
restart
n=$("$BERTH" link ls --json | jget 'len(j["links"])')
[ "$n" -eq 1 ] || fail "$n entries after rm and a restart, expected 1"
"$BERTH" link ls --json | jget 'j["links"][0]["a"]' | grep -qx b ||
    fail "the entry left is not b's: $("$BERTH" link ls)"
med=$(median_rtt 20)
$PY -c "import sys; sys.exit(0 if $med < 10 else 1)" ||
    fail "after rm and a restart: median $med ms"
exit 0
