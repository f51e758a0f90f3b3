#!/bin/sh
# SPDX-License-Identifier: ISC
#
# A chaos test as a user would write it: a redis primary and replica in
# two containers; `berth partition` between them makes the replica
# report its link down and miss writes; `berth heal` and it catches up.
# The host still reaches both throughout (only the pair is cut).
. "$(dirname "$0")/lib.sh"
need_netd
need_cmd redis-server redis-cli

PORT=6390
netd_start
at_exit "'$BERTH' rm -f rp rr"
mkdir -p "$TMP/p" "$TMP/r"
"$BERTH" run -d --name rp -- redis-server --port $PORT --save '' \
    --protected-mode no --appendonly no --dir "$TMP/p" --repl-ping-replica-period 1 \
    >/dev/null || fail "run primary"
P=$(ctr_ip rp)
"$BERTH" run -d --name rr -- redis-server --port $PORT --save '' \
    --protected-mode no --appendonly no --dir "$TMP/r" --replicaof "$P" $PORT \
    --repl-timeout 3 >/dev/null || fail "run replica"
R=$(ctr_ip rr)

link_status() {
	redis-cli -h "$R" -p $PORT info replication |
	    sed -n 's/^master_link_status:\([a-z]*\).*/\1/p'
}
status_is() { [ "$(link_status)" = "$1" ]; }
replica_has() { [ "$(redis-cli -h "$R" -p $PORT get "$1")" = "$2" ]; }

wait_for 20 status_is up || fail "replica never synced: $(link_status); $("$BERTH" logs rr | tail -5) $("$BERTH" logs rp | tail -5)"
redis-cli -h "$P" -p $PORT set k1 v1 >/dev/null || fail "set k1"
wait_for 10 replica_has k1 v1 || fail "k1 did not replicate"

"$BERTH" partition rp rr || fail "partition"
t0=$(now_ms)
wait_for 30 status_is down || fail "replica still says $(link_status)"
note "partitioned: replica reports the link down after $(( $(now_ms) - t0 )) ms"
redis-cli -h "$P" -p $PORT set k2 v2 >/dev/null || fail "primary unreachable"
sleep 1
replica_has k2 v2 && fail "k2 crossed the partition"
status_is down || fail "link came up during the partition"
"$BERTH" link ls --json | jget 'j["links"][0]["counters"]["down"]' >"$TMP/d"
[ "$(cat "$TMP/d")" -gt 0 ] || fail "no packets counted as dropped by down"

"$BERTH" heal || fail "heal"
t0=$(now_ms)
wait_for 30 replica_has k2 v2 || fail "the replica did not catch up"
wait_for 10 status_is up || fail "link not up after heal: $(link_status)"
note "healed: caught up after $(( $(now_ms) - t0 )) ms"
exit 0
