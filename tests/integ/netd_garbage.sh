#!/bin/sh
# SPDX-License-Identifier: ISC
#
# netd_garbage: garbage, truncated, oversized, wrong-version and other
# malformed messages get an error reply and a disconnect; bad requests
# get an error reply; netd keeps serving everyone, including a client
# that stays connected throughout; peers without permission are refused.
. "$(dirname "$0")/lib.sh"
need_netd
fresh_state

netd_start
RAW="/usr/bin/python3 $ROOT/tests/integ/netd_raw.py $BERTH_SOCKET"

# A client that stays connected across all of it (python, one socket).
/usr/bin/python3 - "$BERTH_SOCKET" >"$TMP/steady.out" 2>&1 <<'PY' &
import json, socket, struct, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
def call(op):
    p = json.dumps({"op": op, "args": {}}).encode()
    s.sendall(struct.pack(">IHH", len(p), 1, 0) + p)
    h = s.recv(8, socket.MSG_WAITALL)
    n = struct.unpack(">IHH", h)[0]
    return json.loads(s.recv(n, socket.MSG_WAITALL))
ok = 0
for i in range(40):
    ok += call("hello")["ok"]
    time.sleep(0.05)
print("steady", ok)
PY
STEADY=$!
at_exit "kill $STEADY"

# case NAME WORDS: the reply is an error mentioning WORDS, and netd
# closed the connection.
bad_frame() {
	_out=$($RAW "$1") || fail "$1: client failed"
	note "$1: $_out"
	echo "$_out" | jget 'j["reply"]["ok"]' | grep -q False ||
	    fail "$1: not an error reply: $_out"
	echo "$_out" | jget 'j["reply"]["error"]' | grep -qi "$2" ||
	    fail "$1: error lacks '$2': $_out"
	echo "$_out" | jget 'j["closed"]' | grep -q True ||
	    fail "$1: connection not closed: $_out"
	ctl hello | jget 'j["ok"]' | grep -q True ||
	    fail "netd stopped serving after $1"
}
bad_frame garbage "version"
bad_frame truncated "truncated"
bad_frame oversized "length"
bad_frame version "version 99"
bad_frame notobject "not a JSON object"
bad_frame badjson "not JSON"
bad_frame binary "not JSON"
bad_frame "hex:0000000000010000" "length"

# Well-framed but wrong requests: an error, the connection stays.
bad_request() {
	_out=$($RAW "$1") || fail "$1: client failed"
	echo "$_out" | jget 'j["reply"]["error"]' | grep -qi "$2" ||
	    fail "$1: error lacks '$2': $_out"
	echo "$_out" | jget 'j["closed"]' | grep -q False ||
	    fail "$1: connection closed: $_out"
}
bad_request noop "op"
out=$(ctl no_such_op)
echo "$out" | grep -q 'unknown operation' || fail "unknown op: $out"
for args in '{"name": 5}' '{"name": "A;B"}' '{"name": "ok", "ip": "1.2.3"}' \
    '{"name": "ok", "networks": "x"}' '{"name": "ok", "ports": ["x"]}' \
    '{"name": "ok", "meta": [1]}' '{"name": "ok", "networks": ["nope"]}'; do
	ctl create "$args" | jget 'j["ok"]' | grep -q False ||
	    fail "create $args succeeded"
done
ctl started '{"name": "x", "pid": "no"}' | grep -q '"ok": false' ||
    fail "started with a bad pid"

# Many clients that connect and vanish without a word.
for _i in $(seq 50); do
	/usr/bin/python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.send(b"\0\0\0")' \
	    "$BERTH_SOCKET" || fail "connect $_i"
done

# A peer that is neither root nor in the group is refused.
if command -v setpriv >/dev/null 2>&1; then
	chmod 0666 "$BERTH_SOCKET"
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
	    $RAW hex: 2>&1 || true)
	chmod 0660 "$BERTH_SOCKET"
	echo "$out" | grep -q "access denied" || fail "uid 65534: $out"
fi

wait "$STEADY" || true
grep -q "steady 40" "$TMP/steady.out" ||
    fail "the steady client was disturbed: $(cat "$TMP/steady.out")"
kill -0 "$NETD_PID" || fail "netd died"
ctl_ok create '{"name": "after"}' >/dev/null
exit 0
