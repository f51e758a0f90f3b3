#!/bin/sh
# SPDX-License-Identifier: ISC
#
# netd_biglist: `list` and `berth ps` past one frame (1 MiB): 40
# containers with 60 KiB of meta each (2.4 MiB) come back whole, in
# pages, and netd keeps answering other requests on the same connection
# in order. The brief form (list {"brief": true}, ps's table) too.
. "$(dirname "$0")/lib.sh"
need_netd
fresh_state
netd_start

/usr/bin/python3 - "$BERTH_SOCKET" <<'PY' || fail "creating"
import json, socket, struct, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
def send(op, args):
    p = json.dumps({"op": op, "args": args}).encode()
    s.sendall(struct.pack(">IHH", len(p), 1, 0) + p)
def recv():
    h = s.recv(8, socket.MSG_WAITALL)
    n = struct.unpack(">IHH", h)[0]
    return json.loads(s.recv(n, socket.MSG_WAITALL))
for i in range(40):
    send("create", {"name": "big%d" % i, "meta": {"command": ["x" * 60000]}})
    r = recv()
    assert r["ok"], r
# list then hello, pipelined: the pages, then hello's reply.
send("list", {})
send("hello", {})
got, pages = [], 0
while True:
    r = recv()
    pages += 1
    assert r["ok"], r
    got += r["data"]
    if not r.get("more"):
        break
assert len(got) == 40, len(got)
assert pages > 2, pages
assert recv()["data"]["containers"] == 40
print("pages", pages)
PY
n=$("$BERTH" ps -a --json | jget 'len(j)') || fail "berth ps"
[ "$n" -eq 40 ] || fail "berth ps -a lists $n of 40"
"$BERTH" ps -a | grep -c '^big' | grep -qx 40 || fail "berth ps -a (table)"
n=$(ctl_ok list | jget 'len(j)')
[ "$n" -eq 40 ] || fail "list: $n"
# The brief form (ps's table): its fields only, the command whole, in
# pages too; a brief that is not a bool is refused.
ctl_ok list '{"brief": true}' | jget 'all(sorted(c) == ["command", "ip",
    "name", "ports", "state"] and len(c["command"][0]) == 60000
    for c in j) and len(j) == 40' | grep -qx True ||
    fail "list brief: $(ctl_ok list '{"brief": true}' | head -c 300)"
ctl list '{"brief": 1}' | grep -q '"bad_args"' || fail "list brief: 1"
exit 0
