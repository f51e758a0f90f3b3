#!/bin/sh
# SPDX-License-Identifier: ISC
#
# netd_stop: after SIGTERM (and after the "shutdown" request) no link,
# address, rule, route or nft table of the instance is left, the host
# still has its "lookup local" rule, and host settings are restored
# when no other netd runs. `--cleanup` removes what a SIGKILL left.
. "$(dirname "$0")/lib.sh"
need_netd
fresh_state
need_cmd nft

SETTINGS="net.ipv4.ip_forward net.ipv4.tcp_early_demux net.ipv4.tcp_tw_reuse"
settings() { for s in $SETTINGS; do sysctl -n "$s"; done | tr '\n' ' '; }
others() { [ -s /var/run/berth/host.json ]; }

# check_clean WHAT: nothing of ours left.
check_clean() {
	_l=$(leftovers)
	[ -z "$_l" ] || fail "$1: left behind: $_l"
	ip -o addr show | grep -q " $POOL_NET\." &&
	    fail "$1: addresses left: $(ip -o addr show | grep " $POOL_NET\.")"
	has_local_rule || fail "$1: the host has no lookup local rule"
	[ "$(ip rule show | grep -c 'lookup local')" -eq 1 ] ||
	    fail "$1: local rules: $(ip rule show | grep 'lookup local')"
	if ! others; then
		[ "$(settings)" = "$orig" ] ||
		    fail "$1: settings $(settings), were $orig"
		ip rule show | grep -q "^0:.*lookup local" ||
		    fail "$1: the local rule is not back at preference 0"
	fi
}

others || orig=$(settings)
others && orig=""
[ -n "$orig" ] || note "another netd runs: settings are not checked"

# 1. SIGTERM.
netd_start
ctl_ok create '{"name": "a", "ports": ["'"$((21000 + slot))"':80"]}' >/dev/null
ctl_ok create '{"name": "b"}' >/dev/null
ctl_ok net_create '{"name": "back", "internal": true}' >/dev/null
[ -n "$(leftovers)" ] || fail "netd made nothing?"
kill -TERM "$NETD_PID"
wait "$NETD_PID" 2>/dev/null || true
check_clean "after SIGTERM"
# Networks are kept, containers are not; a clean stop leaves a
# snapshot and no journal.
state_print >"$TMP/state"
grep -q '"name": "a"' "$TMP/state" && fail "container a still in the state file"
grep -q '"name": "back"' "$TMP/state" || fail "network lost: $(cat "$TMP/state")"
[ -e "$BERTH_STATE_DIR/state.journal" ] && fail "a journal after a clean stop"
grep -q '"back"' "$BERTH_STATE_DIR/state.json" || fail "network not in the snapshot"

# 2. The shutdown request.
netd_start
ctl_ok create '{"name": "c"}' >/dev/null
ctl_ok shutdown >/dev/null
for _i in $(seq 100); do kill -0 "$NETD_PID" 2>/dev/null || break; sleep 0.05; done
kill -0 "$NETD_PID" 2>/dev/null && fail "netd still runs after shutdown"
check_clean "after shutdown"

# 3. SIGKILL leaves everything; --cleanup removes it.
netd_start
ctl_ok create '{"name": "d"}' >/dev/null
kill -KILL "$NETD_PID"
wait "$NETD_PID" 2>/dev/null || true
[ -n "$(leftovers)" ] || fail "nothing left after SIGKILL?"
"$NETD" --cleanup -s "$BERTH_SOCKET" --pool "$BERTH_POOL" \
    --state-dir "$BERTH_STATE_DIR" --prefix "$BERTH_PREFIX" \
    --table "$BERTH_TABLE" || fail "--cleanup failed"
check_clean "after --cleanup"
[ -e "$BERTH_SOCKET" ] && fail "the dead socket is still there"

# 4. SIGKILL while hundreds of tuns are being destroyed: the lock
# outlives the process for a while, and --cleanup at once waits for it
# (it refused before, "another berth-netd uses this state directory",
# and left every tun, rule and table).
netd_start
cat >"$TMP/bulk.py" <<'P'
import socket, sys
sys.path.insert(0, sys.argv[1])
from ctl import frame, recv_reply
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[2])
for op in ("create", "delete"):
    s.sendall(b"".join(frame({"op": op, "args": {"name": "m%d" % i}})
                       for i in range(400)))
    for i in range(400):
        r = recv_reply(s)
        if r is None or not r.get("ok"):
            sys.exit("%s m%d: %r" % (op, i, r))
P
PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 "$TMP/bulk.py" "$ROOT/tests/integ" \
    "$BERTH_SOCKET" || fail "400 creates and deletes"
# As netd_kill does: SIGTERM, and SIGKILL while it is stopping.
kill -TERM "$NETD_PID"
sleep 1
kill -KILL "$NETD_PID" 2>/dev/null || true
"$NETD" --cleanup -s "$BERTH_SOCKET" --pool "$BERTH_POOL" \
    --state-dir "$BERTH_STATE_DIR" --prefix "$BERTH_PREFIX" \
    --table "$BERTH_TABLE" || fail "--cleanup right after a SIGKILL failed"
check_clean "after a SIGKILL amid 400 deletes and --cleanup"
exit 0
