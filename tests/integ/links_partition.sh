#!/bin/sh
# SPDX-License-Identifier: ISC
#
# Partitions: `berth partition a b` makes a new connection time out
# (drop) and an open one stall; `berth heal` lets the same connection go
# on. With --reject a connect fails at once (ICMP admin-prohibited ->
# EHOSTUNREACH) and the open connection still survives. Traffic to a
# third container is not cut. Isolating a container alone cuts all its
# traffic, the host's too.
. "$(dirname "$0")/lib.sh"
need_netd

PY=/usr/bin/python3
PORT=5395
CHAT="$ROOT/tests/integ/tcp_chat.py"
netd_start
at_exit "'$BERTH' rm -f a b c"
chmod 755 "$TMP"
for n in b c; do
	"$BERTH" run -d --name $n -- $PY "$CHAT" serve $PORT >/dev/null ||
	    fail "run $n"
done
"$BERTH" run -d --name a -- sleep 600 >/dev/null || fail "run a"
B=$(ctr_ip b)
C=$(ctr_ip c)
wait_for 10 sh -c "'$BERTH' logs b | grep -q ready" || fail "b not up"
wait_for 10 sh -c "'$BERTH' logs c | grep -q ready" || fail "c not up"

# conn HOST SECS: "result seconds" of one connect from a.
conn() { "$BERTH" exec a -- $PY "$CHAT" connect "$1" $PORT "$2"; }
# talk_start: a long connection a -> b, "ok1" once it is open.
talk_start() {
	rm -f "$TMP/cut"
	bg_start "$TMP/talk" "$BERTH" exec a -- $PY "$CHAT" talk "$B" $PORT \
	    "$TMP/cut"
	TALK=$BG_PID
	wait_for 10 grep -q ok1 "$TMP/talk" || fail "talk: $(cat "$TMP/talk")"
}

set -- $(conn "$B" 2)
[ "$1" = connected ] || fail "before the partition: $*"

# Drop: the open connection stalls, a new one times out, c is fine.
talk_start
"$BERTH" partition a b || fail "partition"
touch "$TMP/cut"
set -- $(conn "$B" 2)
note "partitioned (drop): connect $*"
[ "$1" = timeout ] || fail "connect through a partition: $*"
set -- $(conn "$C" 2)
[ "$1" = connected ] || fail "a -> c cut too: $*"
grep -q ok2 "$TMP/talk" && fail "the open connection got through"
"$BERTH" link ls | grep -q 'a <-> b.*down' || fail "link ls: $("$BERTH" link ls)"
"$BERTH" heal || fail "heal"
wait_for 20 grep -q ok2 "$TMP/talk" || fail "after heal: $(cat "$TMP/talk")"
note "healed: the same connection went on ($(grep ok2 "$TMP/talk"))"
wait "$TALK" || true
"$BERTH" link ls --json | jget 'len(j["links"])' | grep -qx 0 ||
    fail "heal left an entry with nothing to do"

# Reject: connect fails at once; the open connection survives it.
talk_start
"$BERTH" partition a b --reject || fail "partition --reject"
touch "$TMP/cut"
set -- $(conn "$B" 5)
note "partitioned (reject): connect $*"
[ "$1" = EHOSTUNREACH ] || fail "connect through a reject partition: $*"
/usr/bin/python3 -c "import sys; sys.exit(0 if $2 < 1 else 1)" ||
    fail "refusal took $2 s"
sleep 1
"$BERTH" heal a b || fail "heal a b"
wait_for 20 grep -q ok2 "$TMP/talk" || fail "after heal: $(cat "$TMP/talk")"
set -- $(conn "$B" 2)
[ "$1" = connected ] || fail "after heal: $*"

# A partition keeps the entry's other impairments; heal only lifts it.
"$BERTH" link set a b --delay 5ms || fail "link set"
"$BERTH" partition a b || fail "partition over a delay"
"$BERTH" link ls | grep -q 'down delay 5ms' || fail "$("$BERTH" link ls)"
"$BERTH" heal a b || fail "heal"
"$BERTH" link ls | grep -q 'a <-> b  *delay 5ms' || fail "$("$BERTH" link ls)"
"$BERTH" link rm a b || fail "link rm"

# One container alone: everything it sends or receives, host included.
"$BERTH" partition b --reject || fail "partition b"
set -- $(conn "$B" 2)
[ "$1" = EHOSTUNREACH ] || fail "a -> isolated b: $*"
$PY "$CHAT" connect "$B" $PORT 2 | grep -q EHOSTUNREACH ||
    fail "host -> isolated b got through"
"$BERTH" heal b || fail "heal b"
set -- $(conn "$B" 2)
[ "$1" = connected ] || fail "after heal b: $*"

expect_fail 'not partitioned' "$BERTH" heal a b
expect_fail 'no such container' "$BERTH" partition a nope
exit 0
