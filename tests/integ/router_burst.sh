#!/bin/sh
# SPDX-License-Identifier: ISC
#
# A burst on the router loses nothing: with two networks in use, the
# pool's own traffic crosses netd's router, and every pool-bound packet
# the host sends waits in the gateway tun's queue for it. `berth matrix`
# opens 256 connections at once (their SYNs and SYN-ACKs queue there
# together); the tun's default queue, 500 packets, dropped some, and a
# dropped SYN read as "drop" where the policy allows (bench/policy saw
# 23-106 of 1,200 probes a run). Three matrices of 20 containers x 3
# ports, nothing refused: every probe connects, and the gateway tun
# drops nothing.
. "$(dirname "$0")/lib.sh"
need_netd
fresh_state

netd_start
ctl_ok net_create '{"name": "other"}' >/dev/null
ctl_ok create '{"name": "o1", "networks": ["other"]}' >/dev/null
addrs=""
for i in $(seq 1 20); do
	ip=$(ctl_ok create "{\"name\": \"m$i\", \"stack\": \"mb\"}" |
	    jget 'j["ip"]')
	addrs="$addrs $ip"
done
cat >"$TMP/listen.py" <<'PY'
import selectors, socket, sys
sel = selectors.DefaultSelector()
for a in sys.argv[1:]:
    for p in (7001, 7002, 7003):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((a, p))
        s.listen(1024)
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
print("ready", flush=True)
while True:
    for k, _ in sel.select():
        try:
            k.fileobj.accept()[0].close()
        except BlockingIOError:
            pass
PY
# shellcheck disable=SC2086 # addrs are words
bg_start "$TMP/listen.log" python3 "$TMP/listen.py" $addrs
wait_for 5 grep -q ready "$TMP/listen.log" || fail "listeners: $(cat "$TMP/listen.log")"
gw=${BERTH_PREFIX}0
txdrops() {
	ip -s link show "$gw" | awk '/TX:/ { getline; print $4 }'
}
d0=$(txdrops)
for r in 1 2 3; do
	# exit 1 on a mismatch: the count below says how many
	"$BERTH" matrix --stack mb -p 7001 -p 7002 -p 7003 --json \
	    >"$TMP/m$r.json" 2>"$TMP/m$r.err" || :
	[ -s "$TMP/m$r.json" ] || fail "matrix $r: $(cat "$TMP/m$r.err")"
	bad=$(jget 'sum(1 for p in j["probes"] if p["observed"] != "allow")' \
	    <"$TMP/m$r.json")
	n=$(jget 'j["count"]' <"$TMP/m$r.json")
	[ "$n" -ge 1200 ] || fail "matrix $r: $n probes"
	[ "$bad" -eq 0 ] || fail "matrix $r: $bad of $n probes not connected"
done
[ "$(txdrops)" -eq "$d0" ] ||
    fail "the gateway tun dropped $(($(txdrops) - d0)) packet(s)"
echo "PASS $TNAME"
