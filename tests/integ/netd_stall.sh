#!/bin/sh
# SPDX-License-Identifier: ISC
#
# netd_stall: nobody can stall the control socket. 256 idle connections
# do not lock root out (the longest idle one is closed for root); a
# group member may hold at most 64 and leaves slots for root; a silent
# connection is closed after the idle timeout (BERTH_NETD_IDLE_MS).
. "$(dirname "$0")/lib.sh"
need_netd
need_cmd setpriv
fresh_state
getent group nogroup >/dev/null || skip "needs the group nogroup"

BERTH_NETD_IDLE_MS=3000 netd_start -g nogroup
M1="setpriv --reuid=65534 --regid=65534 --clear-groups"

# hold N: open N connections, print how many netd accepted (a refused
# one gets an error reply and EOF), then keep them until stdin closes.
cat >"$TMP/hold.py" <<'PY'
import json, select, socket, struct, sys, time
path, n = sys.argv[1], int(sys.argv[2])
socks, refused, why = [], 0, ""
for i in range(n):
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    socks.append(s)
time.sleep(0.5)
for s in socks:
    r, _, _ = select.select([s], [], [], 0)
    if r:
        d = s.recv(65536)
        if d:
            why = json.loads(d[8:])["error"]
        refused += 1
print(n - refused, why, flush=True)
sys.stdin.read()
PY
chmod 0755 "$TMP" "$TMP/hold.py"

# A member's 70: 64 are served.
mkfifo "$TMP/m1.in"
$M1 /usr/bin/python3 "$TMP/hold.py" "$BERTH_SOCKET" 70 <"$TMP/m1.in" \
    >"$TMP/m1.out" 2>&1 &
M1PID=$!
at_exit "kill $M1PID"
exec 7>"$TMP/m1.in"
wait_for 5 test -s "$TMP/m1.out" || fail "member holder"
read -r got why <"$TMP/m1.out"
[ "$got" -eq 64 ] || fail "member holds $got connections: $why"
echo "$why" | grep -q "too many connections from uid 65534" ||
    fail "refusal: $why"

# Root's 256 on top: the socket is full, and still root gets in.
mkfifo "$TMP/r.in"
/usr/bin/python3 "$TMP/hold.py" "$BERTH_SOCKET" 256 <"$TMP/r.in" \
    >"$TMP/r.out" 2>&1 &
RPID=$!
at_exit "kill $RPID"
exec 8>"$TMP/r.in"
wait_for 5 test -s "$TMP/r.out" || fail "root holder"
note "root holder: $(cat "$TMP/r.out")"
# (Root's arrivals closed the member's idle ones to make room.)
# A member is not let in while the socket is full; root is.
out=$($M1 /usr/bin/python3 "$ROOT/tests/integ/ctl.py" "$BERTH_SOCKET" hello 2>&1 ||
    true)
echo "$out" | grep -q "too many" || fail "member let in when full: $out"
ctl hello | jget 'j["ok"]' | grep -q True || fail "root is locked out"

# The idle timeout (3 s) empties it: after it, a member gets in again.
# Polled, not slept: on a loaded machine the idle walk may come late.
member_in() {
	$M1 /usr/bin/python3 "$ROOT/tests/integ/ctl.py" "$BERTH_SOCKET" \
	    hello 2>&1 | grep -q '"ok": true'
}
sleep 3
wait_for 10 member_in || fail "idle clients not closed: $($M1 \
    /usr/bin/python3 "$ROOT/tests/integ/ctl.py" "$BERTH_SOCKET" hello 2>&1)"
exec 7>&- 8>&-
kill -0 "$NETD_PID" || fail "netd died"
exit 0
