#!/bin/sh
# SPDX-License-Identifier: ISC
#
# No spoofing, enforced by the kernel: a root container's raw socket
# (IP_HDRINCL, gcc -static) sends UDP with forged sources (another
# container, the gateway, a host address, an unused pool address); the
# cgroup egress program drops and counts every one, while a packet with
# the container's own source arrives (s and b in @peers: over lo, the
# direct path, docs/netd.md). An --internal container without
# the interposer (env -u LD_PRELOAD, a static binary, a raw socket with
# the host's source) cannot reach the outside netns; a container of the
# default network can (so the check can fail).
. "$(dirname "$0")/lib.sh"
need_root
need_tun
need_cmd curl ip
RAW=$HELPERS/rawnet_linux
[ -x "$RAW" ] || skip "build/tests/helpers/rawnet_linux is not built"
PY=/usr/bin/python3
PORT=5392
N=20
netd_start
need_kernel
at_exit "'$BERTH' rm -f b c s i o"

"$BERTH" run -d --name b -- $PY "$ROOT/tests/integ/udp_echo.py" serve \
    $PORT >/dev/null || fail "run b"
"$BERTH" run -d --name c -- sleep 600 >/dev/null || fail "run c"
"$BERTH" run -d --user root --name s -- sleep 600 >/dev/null ||
    fail "run s"
B=$(ctr_ip b)
C=$(ctr_ip c)
S=$(ctr_ip s)
wait_for 10 sh -c "'$BERTH' logs b | grep -q ready" || fail "b not up"
# Nothing to decide: s reaches b over lo (nft @peers, docs/netd.md), and
# the egress program holds the forged sources there as on the router.
for a in "$B" "$S"; do
	wait_for 5 sh -c "nft list set inet $BERTH_NFT_TABLE peers |
	    grep -q '[ 	]$a '" || fail "$a not in @peers"
done
HOSTIP=$(ip -4 -o addr show scope global | awk '{print $4}' |
    cut -d/ -f1 | grep -v "^$POOL_NET\." | head -1)
UNUSED=$POOL_NET.0.250

nsrc=0
for src in "$C" "$GATEWAY" ${HOSTIP:+"$HOSTIP"} "$UNUSED"; do
	nsrc=$((nsrc + 1))
	"$BERTH" exec --user root s -- "$RAW" spoof "$src" "$B" $PORT $N \
	    >"$TMP/out" 2>&1 || fail "spoof from $src: $(cat "$TMP/out")"
	note "forged $src: $(cat "$TMP/out")"
done
# the control: its own source goes through
"$BERTH" exec --user root s -- "$RAW" spoof "$S" "$B" $PORT 1 >/dev/null
wait_for 5 sh -c "'$BERTH' logs b | grep -q '^from $S:4444'" ||
    fail "s's own packet did not reach b: $("$BERTH" logs b | tail -3)"
sleep 0.3
for src in "$C" "$GATEWAY" ${HOSTIP:+"$HOSTIP"} "$UNUSED"; do
	if "$BERTH" logs b | grep -q "^from $src:4444"; then
		fail "b received a packet forged from $src"
	fi
done
got=$("$BERTH" inspect s | jget 'j[0]["kernel"]["spoofed"]')
[ "$got" -eq $((nsrc * N)) ] ||
    fail "spoofed packets counted: $got, sent $((nsrc * N))"
note "$got forged packets dropped and counted"

# --internal without the interposer: nothing reaches the outside.
outside_ns kspoof
ip netns exec "$OUT_NS" $PY -m http.server 8000 --bind "$OUT_IP" \
    >"$TMP/out.log" 2>&1 &
at_exit "kill $!"
ip netns exec "$OUT_NS" $PY "$ROOT/tests/integ/udp_echo.py" serve $PORT \
    >"$TMP/udp.log" 2>&1 &
at_exit "kill $!"
"$BERTH" net create --internal inet >/dev/null || fail "net create"
at_exit "'$BERTH' net rm inet"
"$BERTH" run -d --name i --net inet -- sleep 600 >/dev/null || fail "run i"
"$BERTH" run -d --name o -- sleep 600 >/dev/null || fail "run o"
wait_for 10 ip netns exec "$OUT_NS" curl -sf "http://$OUT_IP:8000/" ||
    fail "the outside server did not start"
"$BERTH" exec o -- env -u LD_PRELOAD curl -sf -m 5 "http://$OUT_IP:8000/" \
    >/dev/null || fail "o (not internal) cannot reach the outside"
if "$BERTH" exec i -- env -u LD_PRELOAD curl -sf -m 3 \
    "http://$OUT_IP:8000/" >/dev/null 2>&1; then
	fail "internal i reached the outside without the interposer"
fi
set +e
"$BERTH" exec i -- "$RAW" get "$OUT_IP" 8000 >"$TMP/out" 2>"$TMP/err"
rc=$?
set -e
[ $rc -ne 0 ] && grep -q ENETUNREACH "$TMP/err" ||
    fail "static client in i: $(cat "$TMP/out" "$TMP/err")"
"$BERTH" run --rm --user root --net inet --name ir -- "$RAW" spoof \
    "${HOSTIP:-$OUT_HOST_IP}" "$OUT_IP" $PORT 5 >/dev/null ||
    fail "raw spoof in an internal container"
"$BERTH" run --rm --user root --name or -- "$RAW" spoof "$OUT_HOST_IP" \
    "$OUT_IP" $PORT 5 >/dev/null || fail "raw spoof in o"
sleep 0.3
grep -q '^from' "$TMP/udp.log" &&
    fail "raw packets reached the outside: $(cat "$TMP/udp.log")"
# the outside saw o's one request only (a GET), nothing from i
[ "$(grep -c 'GET /' "$TMP/out.log")" -eq 2 ] ||
    fail "outside server log: $(cat "$TMP/out.log")"
exit 0
