#!/bin/sh
# SPDX-License-Identifier: ISC
#
# Two unmodified `python3 -m http.server 8000` (default bind) in
# containers a and b: both start, each listens on its own address only
# and answers curl from the host there; from a, curl to b, and b's log
# names a's address as the client.
. "$(dirname "$0")/lib.sh"
need_root
need_tun
need_cmd curl ss

PY=/usr/bin/python3
netd_start
at_exit "'$BERTH' rm -f a b"

"$BERTH" run -d --name a -- $PY -m http.server 8000 >/dev/null ||
    fail "run a"
"$BERTH" run -d --name b -- $PY -m http.server 8000 >/dev/null ||
    fail "run b"
A=$(ctr_ip a)
B=$(ctr_ip b)
[ "$A" != "$B" ] || fail "a and b share $A"
wait_for 10 curl -sf "http://$A:8000/" || fail "a: no answer at $A:8000"
wait_for 10 curl -sf "http://$B:8000/" || fail "b: no answer at $B:8000"

# Each on its own address, none on a wildcard (which would collide).
ss -Hltn 'sport = :8000' >"$TMP/ss"
for ip in "$A" "$B"; do
	grep -Eq "[ [](::ffff:)?$ip\]?:8000 " "$TMP/ss" ||
	    fail "nothing listens on $ip:8000: $(cat "$TMP/ss")"
done
if grep -Eq ' (0\.0\.0\.0|\*|\[::\]):8000 ' "$TMP/ss"; then
	fail "a wildcard listener on :8000: $(cat "$TMP/ss")"
fi

# a -> b: b sees a's address.
"$BERTH" exec a -- curl -sf -m 5 "http://$B:8000/" >/dev/null ||
    fail "a cannot reach b"
wait_for 5 sh -c "'$BERTH' logs b | grep -Eq '^(::ffff:)?$A - '" ||
    fail "b did not log a ($A) as the client: $("$BERTH" logs b | tail -3)"
# ... and b -> a likewise.
"$BERTH" exec b -- curl -sf -m 5 "http://$A:8000/" >/dev/null ||
    fail "b cannot reach a"
wait_for 5 sh -c "'$BERTH' logs a | grep -Eq '^(::ffff:)?$B - '" ||
    fail "a did not log b ($B) as the client"
exit 0
