#!/bin/sh
# SPDX-License-Identifier: ISC
#
# netd_restart: kill -9 netd while a container's server runs, start
# netd again: the same server process, never restarted, answers again
# within 1 s, and no kernel object exists twice.
. "$(dirname "$0")/lib.sh"
need_netd
fresh_state
need_cmd curl nft

# The first netd's parent is a sleep that never reaps it: once killed, it
# stays a zombie while the next one starts.
mkdir -p "$BERTH_STATE_DIR"
sh -c '"$@" >>"$0/netd.log" 2>&1 & echo $! >"$0/netd.pid"; exec sleep 600' \
    "$TMP" "$NETD" -d -s "$BERTH_SOCKET" --pool "$BERTH_POOL" \
    --state-dir "$BERTH_STATE_DIR" --prefix "$BERTH_PREFIX" \
    --table "$BERTH_TABLE" &
REAPER=$!
at_exit "kill $REAPER"
wait_for 5 test -s "$TMP/netd.pid" || fail "netd did not start"
NETD_PID=$(cat "$TMP/netd.pid")
at_exit "netd_kill $NETD_PID"
wait_for 5 test -S "$BERTH_SOCKET" || fail "netd did not start"
A=$(ctl_ok create '{"name": "a", "ports": ["'"$((20000 + slot))"':8000"]}' |
    jget 'j["ip"]')
B=$(ctl_ok create '{"name": "b"}' | jget 'j["ip"]')
PORT=$((18200 + slot))
cd "$TMP"
bg_start "$TMP/http.log" /usr/bin/python3 -m http.server $PORT --bind "$A"
SERVER=$BG_PID
ctl_ok started '{"name": "a", "pid": '"$SERVER"', "pid_start": '"$(pid_start "$SERVER")"'}' >/dev/null
wait_for 5 curl -s -o /dev/null "http://$A:$PORT/" || fail "server down"
kill -0 "$SERVER" || fail "the server exited: $(cat "$TMP/http.log")"

# objects: one line per kernel object of this instance, sorted.
objects() {
	leftovers
	ip -o addr show | awk '{print "addr " $2 " " $4}' |
	    grep -E " $POOL_NET\." || true
	ip rule show | grep -c "lookup local" | sed 's/^/local-rules /'
	nft list table inet "$BERTH_NFT_TABLE" 2>/dev/null |
	    grep -c "^table" | sed 's/^/nft-tables /'
	nft list set inet "$BERTH_NFT_TABLE" ctrs 2>/dev/null |
	    grep -o "$POOL_NET\.[0-9.]*" | sed 's/^/ctr-elem /' || true
}
wait_for 5 sh -c "nft list set inet $BERTH_NFT_TABLE ctrs | grep -q $B"
objects | sort >"$TMP/before"

kill -KILL "$NETD_PID"
OLD=$NETD_PID
# Not reaped yet: the old netd is a zombie while the new one starts (a
# zombie is not a running netd).
wait_for 2 grep -q '^State:.*Z' "/proc/$OLD/status" ||
    fail "the killed netd is not a zombie"
kill -0 "$SERVER" || fail "the server died with netd"

t0=$(now_ms)
netd_start
wait_for 1 curl -s -m 1 -o /dev/null "http://$A:$PORT/" ||
    fail "the server did not answer within 1 s of the restart"
note "answered $(( $(now_ms) - t0 )) ms after the restart began"
kill -0 "$SERVER" || fail "the server is not the same process"
body=$(curl -s -m 2 --interface "$B" "http://$A:$PORT/") ||
    fail "B cannot reach A after the restart"

objects | sort >"$TMP/after"
if ! diff -u "$TMP/before" "$TMP/after" >&2; then
	fail "kernel objects changed across the restart"
fi
# Each object once: no duplicate lines, one nft table, one local rule.
[ -z "$(uniq -d "$TMP/after")" ] || fail "duplicates: $(uniq -d "$TMP/after")"
grep -q "^local-rules 1$" "$TMP/after" || fail "local rules: $(cat "$TMP/after")"
grep -q "^nft-tables 1$" "$TMP/after" || fail "nft: $(cat "$TMP/after")"
[ "$(grep -c "^rule " "$TMP/after")" -eq 2 ] ||
    fail "policy rules: $(grep "^rule " "$TMP/after")"
[ "$(grep -c "^route " "$TMP/after")" -eq 1 ] ||
    fail "routes: $(grep "^route " "$TMP/after")"
[ "$(grep -c "^link " "$TMP/after")" -eq 3 ] ||
    fail "links: $(grep "^link " "$TMP/after")"

# The containers came back as they were, with what the CLI reported.
ctl_ok inspect '{"name": "a"}' >"$TMP/a.json"
jget 'j["state"], j["pid"], j["ports"]' <"$TMP/a.json" |
    grep -q "running $SERVER \['$((20000 + slot)):8000/tcp'\]" ||
    fail "a after restart: $(cat "$TMP/a.json")"

# A crashed run's orphan: a tun of our pool nobody stored is removed.
ip tuntap add dev "bt$(printf '%02x%02x%02x%02x' $(echo "$POOL_NET.9.9" |
    tr . ' '))" mode tun
kill -KILL "$NETD_PID"
wait "$NETD_PID" 2>/dev/null || true
netd_start
# netd answers once its sweep ran (netd_start waits for an answer, not
# for the socket file, which the killed netd left); wait for the link
# to go all the same, rather than look once.
ORPHAN="bt$(printf '%02x%02x%02x%02x' $(echo "$POOL_NET.9.9" | tr . ' '))"
wait_for 5 sh -c "! ip link show dev $ORPHAN >/dev/null 2>&1" ||
    fail "the orphan tun was not removed"
exit 0
