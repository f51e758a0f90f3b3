#!/bin/sh
# SPDX-License-Identifier: ISC
#
# netd_startkill: a restart interrupted at any point loses nothing. netd
# is killed (SIGKILL) 0 to 320 ms into its start: while it loads the
# state, starts degraded from a damaged state file (every other round
# of the first nine, each followed by a normal start: the damaged file
# is replaced only once the rebuilt state is written), sweeps leftover
# tuns (50 made before each of the next four), loads the firewall,
# listens. Then `berth ps` is interrupted (SIGINT to its process group,
# as Ctrl-C does) while it auto-starts netd. After all that, the next
# command has every container back with its name and address, a server
# still answers, the leftovers are gone, and berth ps, the tuns, the nft
# set and the local routes agree.
. "$(dirname "$0")/lib.sh"
need_netd
need_cmd curl setsid
fresh_state
STATE=$BERTH_STATE_DIR/state.json

netd_start
for i in $(seq 20); do
	ctl_ok create '{"name": "c'"$i"'"}' >/dev/null
done
A=$(ctl_ok create '{"name": "web"}' | jget 'j["ip"]')
PORT=$(free_port)
cd "$TMP"
bg_start "$TMP/http.log" /usr/bin/python3 -m http.server "$PORT" --bind "$A"
wait_for 5 curl -s -o /dev/null "http://$A:$PORT/" || fail "server down"
expect_consistent "before"
names() { ctl_ok list | jget '" ".join(sorted(c["name"] + "=" + c["ip"] for c in j))'; }
WANT=$(names)

# Leftovers for each start's sweep: 50 tuns of the pool nobody stored.
/usr/bin/python3 - "$POOL_NET" >"$TMP/add.batch" <<'PY'
import sys
a, b = map(int, sys.argv[1].split("."))
for d in range(1, 51):
    n = "bt%02x%02x%02x%02x" % (a, b, 200, d)
    print("tuntap add dev %s mode tun" % n)
    print("addr add %d.%d.200.%d/32 dev %s" % (a, b, d, n))
PY
awk '/^tuntap/ {print "link del " $4}' "$TMP/add.batch" >"$TMP/del.batch"
at_exit "ip -force -batch $TMP/del.batch"

# start_kill MS: start netd, SIGKILL it MS milliseconds later.
start_kill() {
	"$NETD" -d -s "$BERTH_SOCKET" --pool "$BERTH_POOL" \
	    --state-dir "$BERTH_STATE_DIR" --prefix "$BERTH_PREFIX" \
	    --table "$BERTH_TABLE" >>"$TMP/netd.log" 2>&1 &
	_p=$!
	at_exit "kill -KILL $_p"
	sleep "$(echo "$1" | awk '{print $1 / 1000}')"
	kill -KILL "$_p"
	wait "$_p" 2>/dev/null || true
}

kill -KILL "$NETD_PID"
wait "$NETD_PID" 2>/dev/null || true
round=0
for ms in 0 2 5 10 20 40 80 160 320; do
	round=$((round + 1))
	[ $((round % 2)) -eq 1 ] && echo '{"containers": "x"}' >"$STATE"
	start_kill $ms
done
# A whole start (a degraded one, if the last kill came before the
# rebuilt state was written), so that the leftovers below are swept,
# not adopted.
netd_start
[ "$(names)" = "$WANT" ] || fail "after the degraded starts: $(names)"
kill -KILL "$NETD_PID"
wait "$NETD_PID" 2>/dev/null || true
for ms in 5 20 80 320; do
	ip -force -batch "$TMP/add.batch" >/dev/null 2>&1 || true
	start_kill $ms
done

# Ctrl-C of a command that auto-starts netd: SIGINT to the command's
# process group (setsid makes it one) 10 to 300 ms in. A netd that got
# as far as serving is killed again, so the next round starts anew.
for ms in 10 50 120 300; do
	setsid "$BERTH" ps >/dev/null 2>&1 &
	c=$!
	sleep "$(echo "$ms" | awk '{print $1 / 1000}')"
	kill -INT -- "-$c" 2>/dev/null || true
	wait "$c" 2>/dev/null || true
	if wait_for 3 netd_answers; then
		p=$(ctl hello | jget 'j["data"]["pid"]')
		kill -KILL "$p"
		wait_for 5 sh -c "! kill -0 $p" || fail "netd $p lives on"
	fi
done

# The next command recovers everything.
BERTH_NO_AUTOSTART= "$BERTH" ps >/dev/null || fail "berth ps after the kills"
berth_autostarted
got=$(names)
[ "$got" = "$WANT" ] || fail "containers changed:
want: $WANT
got:  $got"
curl -s -m 2 -o /dev/null "http://$A:$PORT/" || fail "web unreachable"
wait_for 30 sh -c "! ip -o link show | grep -q ' bt$(printf '%02x%02x' \
    $(echo "$POOL_NET" | tr . ' '))c8'" || fail "leftovers stay"
expect_consistent "after the interrupted restarts"
exit 0
