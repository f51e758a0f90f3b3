#!/bin/sh
# SPDX-License-Identifier: ISC
#
# The address survives exec and fork chains: sh -c 'exec python3 ...',
# a server started in the background of a shell, one started by python
# subprocess through sh, and one whose environment was wiped (env -i):
# all listen on the container's address only.
. "$(dirname "$0")/lib.sh"
need_root
need_tun
need_cmd curl ss

PY=/usr/bin/python3
netd_start
at_exit "'$BERTH' rm -f c d"

"$BERTH" run -d --name c -- sh -c "exec $PY -m http.server 8001" \
    >/dev/null || fail "run c"
"$BERTH" run -d --name d -- sh -c "$PY -m http.server 8002 &
env -i $PY -m http.server 8003 &
$PY -c 'import subprocess; subprocess.run([\"sh\", \"-c\", \"exec $PY -m http.server 8004\"])' &
wait" >/dev/null || fail "run d"
C=$(ctr_ip c)
D=$(ctr_ip d)
check() {	# IP PORT
	wait_for 10 curl -sf "http://$1:$2/" || fail "nothing answers $1:$2"
	ss -Hltn "sport = :$2" >"$TMP/ss"
	grep -Eq "[ [](::ffff:)?$1\]?:$2 " "$TMP/ss" ||
	    fail ":$2 is not on $1: $(cat "$TMP/ss")"
	[ "$(grep -c . "$TMP/ss")" -eq 1 ] ||
	    fail "more than one listener on :$2: $(cat "$TMP/ss")"
}
check "$C" 8001
for p in 8002 8003 8004; do
	check "$D" $p
done
# a client in the chain leaves from the container address too
"$BERTH" exec c -- sh -c "exec sh -c 'curl -sf -m 5 http://$D:8002/'" \
    >/dev/null || fail "c -> d through sh -c"
wait_for 5 sh -c "'$BERTH' logs d | grep -Eq '^(::ffff:)?$C - '" ||
    fail "d did not log c ($C)"
exit 0
