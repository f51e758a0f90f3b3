#!/bin/sh
# SPDX-License-Identifier: ISC
#
# netd_sweep: a start with 1,000 leftover tuns of this instance (a
# crashed run's: named and addressed as berth makes them, no stored
# container owns them) listens at once. hello answers within netd_start's
# 5 s (it took 18 s when the leftovers went before listen), hello and
# list keep answering within 1 s while the leftovers go in the
# background, a stored container's server stays reachable, and a create
# asking for a leftover's address gets it. The sweep ends with exactly
# the leftovers gone: the stored container's tun, the claimed one, a
# tun of the same shape outside the pool (another instance's) and one of
# another shape inside it stay. Then netd restarts with another pool:
# the stored entries, now outside it, are dropped and their tuns (their
# labels name them) removed, not leaked; the other instance's stays.
. "$(dirname "$0")/lib.sh"
need_netd
need_cmd curl ip
fresh_state
N=${BERTH_SWEEP_N:-1000}

# tun_of ADDR: the name berth gives the tun of an address.
tun_of() { printf 'bt%02x%02x%02x%02x' $(echo "$1" | tr . ' '); }

netd_start
A=$(ctl_ok create '{"name": "web"}' | jget 'j["ip"]')
TA=$(tun_of "$A")
PORT=$(free_port)
cd "$TMP"
bg_start "$TMP/http.log" /usr/bin/python3 -m http.server "$PORT" --bind "$A"
wait_for 5 curl -s -o /dev/null "http://$A:$PORT/" || fail "server down"
kill -KILL "$NETD_PID"
wait "$NETD_PID" 2>/dev/null || true

# The leftovers: POOL.100.1 ... (N of them), up, with their address, as
# a killed netd leaves them. Decoys: another instance's tun (outside the
# pool) and a tun of another shape holding no address.
OUTSIDE="192.0.2.$((slot % 250 + 1))"
DECOY_OUT=$(tun_of "$OUTSIDE")
DECOY_IN=$(tun_of "$POOL_NET.99.9" | tr a-f A-F | sed 's/^BT/bt/')
/usr/bin/python3 - "$POOL_NET" "$N" "$DECOY_OUT" "$DECOY_IN" \
    >"$TMP/add.batch" <<'PY'
import sys
a, b = map(int, sys.argv[1].split("."))
for i in range(int(sys.argv[2])):
    c, d = 100 + i // 250, 1 + i % 250
    n = "bt%02x%02x%02x%02x" % (a, b, c, d)
    print("tuntap add dev %s mode tun" % n)
    print("addr add %d.%d.%d.%d/32 dev %s" % (a, b, c, d, n))
    print("link set %s up" % n)
for n in sys.argv[3:]:
    print("tuntap add dev %s mode tun" % n)
PY
awk '/^tuntap/ {print "link del " $4}' "$TMP/add.batch" >"$TMP/del.batch"
at_exit "ip -force -batch $TMP/del.batch"
ip -batch "$TMP/add.batch" || fail "creating the leftovers"
LAST="$POOL_NET.$((100 + (N - 1) / 250)).$((1 + (N - 1) % 250))"
# left: how many leftovers are still there (not the claimed one).
claimed=none
left() { ip -o link show | grep " bt$(printf '%02x%02x' $(echo \
    "$POOL_NET" | tr . ' '))6[4-7]" | grep -vc " $claimed:" || true; }

t0=$(now_ms)
netd_start
note "answered $(( $(now_ms) - t0 )) ms after the start, $(left) of $N leftovers still there"

# While they go: hello and list within 1 s each, web reachable, a
# leftover's address can be had (its tun is claimed and made anew).
# ask: the longer of a hello's and a list's round trip, in ms (timed in
# the client, without its start).
ask() {
	PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 -c 'import sys, time
sys.path.insert(0, sys.argv[1])
from ctl import call
worst = 0
for op in ("hello", "list"):
    t = time.monotonic()
    r = call(sys.argv[2], op)
    assert r and r["ok"], (op, r)
    worst = max(worst, (time.monotonic() - t) * 1000)
print(int(worst))' "$ROOT/tests/integ" "$BERTH_SOCKET"
}
worst=0 rounds=0
while [ "$(left)" -gt 0 ]; do
	dt=$(ask) || fail "hello or list failed during the sweep"
	[ "$dt" -le $worst ] || worst=$dt
	curl -s -m 2 -o /dev/null "http://$A:$PORT/" ||
	    fail "web unreachable during the sweep"
	if [ "$claimed" = none ]; then
		ctl_ok create '{"name": "claim", "ip": "'"$LAST"'"}' >/dev/null
		claimed=$(tun_of "$LAST")
	fi
	rounds=$((rounds + 1))
	[ "$(now_ms)" -lt $((t0 + 120000)) ] || fail "the sweep is too slow"
	sleep 0.2
done
note "during the sweep: $rounds rounds, slowest hello/list $worst ms"
[ $worst -le 1000 ] || fail "a reply took $worst ms during the sweep"
note "swept $N after $(( $(now_ms) - t0 )) ms"
for t in "$TA" "$claimed" "$DECOY_OUT" "$DECOY_IN"; do
	ip link show dev "$t" >/dev/null 2>&1 || fail "$t was removed"
done
# No leftover of this pool remains but web's and claim's tuns.
n=$(ip -o link show | grep -c " bt$(printf '%02x%02x' $(echo "$POOL_NET" |
    tr . ' '))" || true)
[ "$n" -eq 2 ] || fail "$n tuns of the pool, expected web's and claim's"
names=$(ctl_ok list | jget '" ".join(sorted(c["name"] for c in j))')
[ "$names" = "claim web" ] || fail "list: $names"
curl -s -m 2 -o /dev/null "http://$A:$PORT/" || fail "web unreachable"

# Another pool: web and claim are outside it. Their tuns go; the other
# instance's (no label naming an entry) stays.
kill -KILL "$NETD_PID"
wait "$NETD_PID" 2>/dev/null || true
BERTH_POOL="10.$((248 + slot % 8)).0.0/16"
netd_start
[ "$(ctl_ok list | jget 'len(j)')" -eq 0 ] || fail "outside entries kept"
for t in "$TA" "$claimed"; do
	wait_for 10 sh -c "! ip link show dev $t >/dev/null 2>&1" ||
	    fail "the tun $t of a dropped entry leaked"
done
ip link show dev "$DECOY_OUT" >/dev/null 2>&1 ||
    fail "another instance's tun $DECOY_OUT was removed"
exit 0
