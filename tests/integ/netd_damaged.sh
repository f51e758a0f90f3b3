#!/bin/sh
# SPDX-License-Identifier: ISC
#
# netd_damaged: a state file netd cannot use (empty, truncated, garbage,
# wrong types, [], {"containers": "x"}, a directory, a FIFO, damaged
# entries, a damaged line of the journal) costs no container: netd keeps
# the file (state.json.bad, state.journal.bad),
# keeps every tun, starts degraded, rebuilds the containers from the
# kernel (the tun names the address, its label the container), and
# berth doctor explains. A torn last line of the journal (a crash in
# the middle of its write) is dropped and is no damage. A stored entry
# dropped at start (a second container of one name) does not leak its
# tun.
. "$(dirname "$0")/lib.sh"
need_netd
need_cmd curl
fresh_state
STATE=$BERTH_STATE_DIR/state.json
JOURNAL=$BERTH_STATE_DIR/state.journal

netd_start
A=$(ctl_ok create '{"name": "web"}' | jget 'j["ip"]')
B=$(ctl_ok create '{"name": "db"}' | jget 'j["ip"]')
TA=$(ctl_ok inspect '{"name": "web"}' | jget 'j["tun"]')
TB=$(ctl_ok inspect '{"name": "db"}' | jget 'j["tun"]')
PORT=$(free_port)
cd "$TMP"
bg_start "$TMP/http.log" /usr/bin/python3 -m http.server "$PORT" --bind "$A"
wait_for 5 curl -s -o /dev/null "http://$A:$PORT/" || fail "server down"

# doctor_degraded KIND: berth doctor explains the degraded start.
doctor_degraded() {
	set +e
	BERTH_NO_AUTOSTART=1 "$BERTH" doctor >"$TMP/doc" 2>&1
	set -e
	grep -q "FAIL netd runs degraded: the state file was damaged" \
	    "$TMP/doc" || fail "$1: doctor: $(cat "$TMP/doc")"
}

# damage KIND: replace the state file of a killed netd.
damage() {
	rm -rf "$STATE"
	case $1 in
	empty) : >"$STATE";;
	truncated) printf '{"version": 1, "containers": [{"name": "web", "ip' >"$STATE";;
	garbage) head -c 3000 /dev/urandom >"$STATE";;
	types) echo '{"containers": [{"name": 7, "ip": [], "tun": {}}]}' >"$STATE";;
	array) echo '[]' >"$STATE";;
	notlist) echo '{"containers": "x"}' >"$STATE";;
	dir) mkdir "$STATE";;
	fifo) mkfifo "$STATE";;
	esac
}

for kind in empty truncated garbage types array notlist dir fifo; do
	kill -KILL "$NETD_PID"
	wait "$NETD_PID" 2>/dev/null || true
	rm -rf "$STATE".bad*
	damage $kind
	netd_start
	ctl_ok hello | jget 'j.get("degraded", "")' | grep -q "damaged" ||
	    fail "$kind: hello does not say degraded: $(ctl hello)"
	[ -e "$STATE.bad" ] || fail "$kind: the damaged file was not kept"
	for t in "$TA" "$TB"; do
		ip link show "$t" >/dev/null 2>&1 || fail "$kind: tun $t removed"
	done
	names=$(ctl_ok list | jget '" ".join(sorted(c["name"] + "=" + c["ip"] for c in j))')
	[ "$names" = "db=$B web=$A" ] ||
	    fail "$kind: not rebuilt from the kernel: $names"
	curl -s -m 2 -o /dev/null "http://$A:$PORT/" ||
	    fail "$kind: the server is not reachable"
	doctor_degraded "$kind"
	note "$kind: ok"
done

# The journal: a torn last line is dropped, netd is not degraded.
kill -KILL "$NETD_PID"
wait "$NETD_PID" 2>/dev/null || true
rm -rf "$STATE".bad* "$JOURNAL".bad*
[ -s "$JOURNAL" ] || fail "no journal"
printf '{"put":{"name":"torn","ip":"10.' >>"$JOURNAL"
netd_start
[ -z "$(ctl_ok hello | jget 'j.get("degraded", "")')" ] ||
    fail "torn: degraded: $(ctl hello)"
grep -q "dropping its torn last line" "$TMP/netd.log" ||
    fail "torn: no warning in the log"
[ -e "$JOURNAL.bad" ] && fail "torn: the journal was kept as damaged"
names=$(ctl_ok list | jget '" ".join(sorted(c["name"] + "=" + c["ip"] for c in j))')
[ "$names" = "db=$B web=$A" ] || fail "torn: $names"
note "torn journal: ok"

# A damaged line before the last: kept, degraded, nothing lost.
kill -KILL "$NETD_PID"
wait "$NETD_PID" 2>/dev/null || true
printf 'garbage\n{"del":"nobody"}\n' >>"$JOURNAL"
netd_start
ctl_ok hello | jget 'j.get("degraded", "")' | grep -q "damaged" ||
    fail "journal: hello does not say degraded: $(ctl hello)"
[ -e "$JOURNAL.bad" ] || fail "journal: the damaged file was not kept"
grep -q garbage "$JOURNAL.bad" || fail "journal: the kept file is not the damaged one"
for t in "$TA" "$TB"; do
	ip link show "$t" >/dev/null 2>&1 || fail "journal: tun $t removed"
done
names=$(ctl_ok list | jget '" ".join(sorted(c["name"] + "=" + c["ip"] for c in j))')
[ "$names" = "db=$B web=$A" ] || fail "journal: $names"
curl -s -m 2 -o /dev/null "http://$A:$PORT/" ||
    fail "journal: the server is not reachable"
doctor_degraded journal
note "damaged journal: ok"

# A stored second container of one name: dropped, and its tun removed.
kill -KILL "$NETD_PID"
wait "$NETD_PID" 2>/dev/null || true
/usr/bin/python3 - "$STATE" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
for c in s["containers"]:
    if c["name"] == "db":
        c["name"] = "web"
s["containers"].sort(key=lambda c: c["tun"] != sys.argv[0])
json.dump(s, open(sys.argv[1], "w"))
PY
netd_start
n=$(ctl_ok list | jget 'len(j)')
[ "$n" -eq 1 ] || fail "two of one name: $n containers"
KEPT=$(ctl_ok inspect '{"name": "web"}' | jget 'j["tun"]')
for t in "$TA" "$TB"; do
	[ "$t" = "$KEPT" ] && continue
	ip link show "$t" >/dev/null 2>&1 && fail "the dropped entry's tun $t leaked"
done
exit 0
