#!/bin/sh
# SPDX-License-Identifier: ISC
#
# netd_nft_session: container changes go through one long-lived `nft -i`
# (docs/netd.md, Containers): 60 pipelined creates start no nft process
# each and their elements are all in the set soon after; a session
# killed with SIGKILL is logged and counted, the whole table is loaded
# again and the next change starts a new one, so the set ends up holding
# exactly the containers netd holds. After 30 pipelined deletes, hello's
# teardown.pending and firewall.pending come down to 0 (what bench/start
# waits for), the set holding the rest. The session is where changes
# go when netd's own nfnetlink batches cannot be had (netd_nfnetlink
# tests those); BERTH_NETD_NFNETLINK=0 sends them there.
. "$(dirname "$0")/lib.sh"
need_netd
fresh_state
need_cmd nft
export BERTH_NETD_NFNETLINK=0

netd_start
# set_count: elements in the containers' set.
set_count() {
	nft list set inet "$BERTH_NFT_TABLE" ctrs 2>/dev/null |
	    grep -o "$POOL_NET\.[0-9]*\.[0-9]*" | sort -u | wc -l
}
set_is() { [ "$(set_count)" -eq "$1" ]; }

ctl_ok create '{"name": "first"}' >/dev/null
wait_for 10 set_is 1 || fail "first not in the set: $(set_count)"
p0=$(fw processes)
S1=$(fw session_pid)
[ "$S1" -gt 0 ] || fail "no nft session: $(ctl hello)"
grep -q nft "/proc/$S1/cmdline" || fail "session $S1 is not nft"

# 60 creates on one connection, written before any reply is read.
/usr/bin/python3 - "$BERTH_SOCKET" "$ROOT/tests/integ" <<'P' ||
import socket, sys
sys.path.insert(0, sys.argv[2])
from ctl import frame, recv_reply
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"".join(frame({"op": "create", "args": {"name": "m%d" % i}})
                   for i in range(60)))
sys.exit(0 if all(recv_reply(s)["ok"] for i in range(60)) else 1)
P
    fail "pipelined creates"
wait_for 10 set_is 61 || fail "set has $(set_count) of 61 after the creates"
[ "$(fw processes)" -eq "$p0" ] ||
    fail "nft processes started by 60 creates: $(($(fw processes) - p0))"
[ "$(fw session_pid)" -eq "$S1" ] || fail "the session changed"
[ "$(fw failures)" -eq 0 ] || fail "failed batches: $(ctl hello)"

# The session dies: netd says so, loads everything, starts a new one.
kill -KILL "$S1"
wait_for 10 grep -q "fw_session_died: nft (pid $S1)" "$TMP/netd.log" ||
    fail "the death was not logged: $(tail -5 "$TMP/netd.log")"
[ "$(fw restarts)" -eq 1 ] || fail "restarts: $(fw restarts)"
ctl_ok delete '{"name": "m0"}' >/dev/null
ctl_ok create '{"name": "after"}' >/dev/null
wait_for 10 set_is 61 || fail "set has $(set_count) of 61 after the restart"
S2=$(fw session_pid)
[ "$S2" -gt 0 ] && [ "$S2" -ne "$S1" ] || fail "no new session: $S2"
nft list set inet "$BERTH_NFT_TABLE" ctrs | grep -q '"after"' ||
    fail "the change after the restart is not in the set"

# 30 deletes on one connection; netd settles: no tun left to destroy,
# no nft batch unanswered.
/usr/bin/python3 - "$BERTH_SOCKET" "$ROOT/tests/integ" <<'P' ||
import socket, sys
sys.path.insert(0, sys.argv[2])
from ctl import frame, recv_reply
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"".join(frame({"op": "delete", "args": {"name": "m%d" % i}})
                   for i in range(1, 31)))
sys.exit(0 if all(recv_reply(s)["ok"] for i in range(30)) else 1)
P
    fail "pipelined deletes"
td() { ctl hello | jget 'j["data"]["teardown"]["pending"]'; }
settled() { [ "$(td)" -eq 0 ] && [ "$(fw pending)" -eq 0 ]; }
wait_for 20 settled || fail "not settled: teardown $(td), nft $(fw pending)"
set_is 31 || fail "set has $(set_count) of 31 after the deletes"
kill -0 "$NETD_PID" || fail "netd died"
exit 0
