#!/bin/sh
# SPDX-License-Identifier: ISC
#
# netd_create: what create refuses (with the messages of
# docs/protocol.md), that a refused create leaves nothing behind, that
# the nft table follows containers and ports, networks, and how long a
# create takes.
. "$(dirname "$0")/lib.sh"
need_netd
fresh_state
need_cmd nft

netd_start
P1=$((22000 + slot * 10))
P2=$((P1 + 1))
P3=$((P1 + 2))

# refuse JSON-ARGS PATTERN [CODE]: create fails with an error matching
# PATTERN and, if given, the machine-readable code CODE.
refuse() {
	_r=$(ctl create "$1")
	printf '%s\n' "$_r" | jget 'j["ok"]' | grep -q False ||
	    fail "accepted: $1"
	printf '%s\n' "$_r" | jget 'j["error"]' | grep -q -- "$2" ||
	    fail "create $1: error lacks '$2': $_r"
	[ -z "${3:-}" ] || [ "$(echo "$_r" | jget 'j["code"]')" = "$3" ] ||
	    fail "create $1: code is not $3: $_r"
}

A=$(ctl_ok create '{"name": "a", "ports": ["'$P1':80"]}' | jget 'j["ip"]')
links0=$(ip -o link show | grep -c ' bt[0-9a-f]\{8\}')

refuse '{"name": "a"}' 'name "a" is taken' exists
refuse '{"name": "b", "ip": "'"$A"'"}' "address $A is taken by \"a\"" conflict
refuse '{"name": "b", "ip": "10.9.0.1"}' \
    "address 10.9.0.1 is not in the pool $BERTH_POOL"
refuse '{"name": "b", "ip": "'"$GATEWAY"'"}' "gateway"
# a terminal escape in an address is quoted, not echoed
refuse '{"name": "b", "ip": "10.0.0.\u001b[2J"}' \
    'bad address "10\.0\.0\.\\x1b\[2J"'
refuse '{"name": "b", "ports": ["'$P1':81"]}' \
    "host port $P1/tcp is already published by \"a\"" conflict
refuse '{"name": "b", "ports": ["'$P2':81", "'$P2':82"]}' "published twice" \
    bad_args
refuse '{"name": "b", "networks": ["nope"]}' 'no such network "nope"' \
    not_found
refuse '{"name": "B"}' 'container name' bad_args
# The op's schema, before anything changes.
refuse '{"name": 7}' 'name must be a string' bad_args
refuse '{"name": "b", "colour": "red"}' 'create: unknown argument "colour"' \
    bad_args
refuse '{}' 'a container name is needed' bad_args
[ "$(ctl delete '{"name": "nobody"}' | jget 'j["code"]')" = not_found ] ||
    fail "delete of nobody: not not_found"
[ "$(ctl frobnicate | jget 'j["code"]')" = unknown_op ] ||
    fail "unknown op: not unknown_op"
refuse '{"name": "b", "ports": ["1.2.3.4:'$P2':80"]}' "not an address"

# A host listener on the port: refused.
bg_start "$TMP/listen.log" /usr/bin/python3 -c 'import socket,sys,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(); print("up", flush=True)
time.sleep(60)' "$P3"
wait_for 5 grep -q up "$TMP/listen.log" || fail "listener did not start"
refuse '{"name": "b", "ports": ["'$P3':80"]}' "host port $P3/tcp is in use"
# ... but a container's own server on its address is no conflict.
cd "$TMP"
bg_start "$TMP/http.log" /usr/bin/python3 -m http.server "$P2" --bind "$A"
wait_for 5 sh -c "ss -ltn | grep -q '$A:$P2'" || fail "server on A"
ctl_ok create '{"name": "c", "ports": ["'$P2':80"]}' >/dev/null

# None of the refused creates left an interface behind.
links=$(ip -o link show | grep -c ' bt[0-9a-f]\{8\}')
[ "$links" -eq $((links0 + 1)) ] || fail "links: $links0 -> $links"
n=$(ctl_ok list | jget 'len(j)')
[ "$n" -eq 2 ] || fail "list: $n"

# The nft table follows (changes are applied asynchronously).
has_elem() { nft list table inet "$BERTH_NFT_TABLE" | grep -q "$1"; }
wait_for 5 has_elem "tcp . $P1 comment \"a\" : $A . 80" ||
    fail "port of a not in nft: $(nft list table inet "$BERTH_NFT_TABLE")"
ctl_ok delete '{"name": "a"}' >/dev/null
wait_for 5 sh -c "! nft list table inet $BERTH_NFT_TABLE | grep -q '$A'" ||
    fail "a still in nft"
ctl rules | jget 'j["data"]["text"]' | grep -q "tcp . $P2" ||
    fail "rules lacks c's port"

# Networks: internal ones make "nonat" containers; in use: not removed.
ctl_ok net_create '{"name": "back", "internal": true}' >/dev/null
ctl net_create '{"name": "back"}' | grep -q 'exists' || fail "net twice"
D=$(ctl_ok create '{"name": "d", "networks": ["back"]}' | jget 'j["ip"]')
wait_for 5 sh -c "nft list set inet $BERTH_NFT_TABLE nonat | grep -q '$D'" ||
    fail "d not in nonat"
ctl net_delete '{"name": "back"}' | jget 'j["error"]' | grep -q 'in use by "d"' ||
    fail "net_delete of a used network"
ctl net_delete '{"name": "default"}' | grep -q '"ok": false' ||
    fail "default network deleted"
ctl_ok delete '{"name": "d"}' >/dev/null
ctl_ok net_delete '{"name": "back"}' >/dev/null
n=$(ctl_ok net_list | jget 'len(j)')
[ "$n" -eq 1 ] || fail "net_list: $n"

# started / exited / meta round trip.
ctl_ok create '{"name": "e", "meta": {"command": ["x"], "rm": true}}' \
    >/dev/null
bg_start /dev/null sleep 600
E_PID=$BG_PID
ctl started '{"name": "e", "pid": '"$E_PID"', "pid_start": 5}' |
    grep -q '"ok": false' || fail "started with a wrong start time"
ctl_ok started '{"name": "e", "pid": '"$E_PID"', "pid_start": '"$(pid_start "$E_PID")"'}' |
    jget 'j["state"]' | grep -q running || fail "started"
ctl_ok exited '{"name": "e", "exit_code": 3}' | jget 'j["state"], j["exit_code"], j["meta"]["rm"]' |
    grep -q "exited 3 True" || fail "exited"

# Create latency: what `berth run` pays netd (not a gate, a figure),
# 20 creates and deletes on one connection.
/usr/bin/python3 - "$BERTH_SOCKET" >"$TMP/lat" <<'PY' || fail "latency run"
import json, socket, struct, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
def call(op, args):
    p = json.dumps({"op": op, "args": args}).encode()
    s.sendall(struct.pack(">IHH", len(p), 1, 0) + p)
    n = struct.unpack(">IHH", s.recv(8, socket.MSG_WAITALL))[0]
    r = json.loads(s.recv(n, socket.MSG_WAITALL))
    assert r["ok"], r
for op in ("create", "delete"):
    t = time.perf_counter()
    for i in range(20):
        call(op, {"name": "l%d" % i})
    print("%s %.1f ms" % (op, (time.perf_counter() - t) * 1000 / 20))
PY
note "each, on one connection: $(tr '\n' ' ' <"$TMP/lat")"
exit 0
