#!/bin/sh
# SPDX-License-Identifier: ISC
#
# Stacks that behave like compose: service names on the command line (in
# the stack's directory, with -f), run --stack and --net of a stack's
# network, up converges (leaves, creates, recreates), Ctrl-C rolls back
# (or --keep), networks scoped to their stack, healthchecks in parallel,
# down says what it did, hints fit the port, a port held on 0.0.0.0.
. "$(dirname "$0")/lib.sh"
need_root
need_tun
need_cmd curl nft redis-server redis-cli
PY=/usr/bin/python3
P1=$((19200 + slot * 10))

netd_start
mkdir -p "$TMP/rds"
cat >"$TMP/rds/berth.json" <<J
{"name": "rds",
 "networks": {"back": {"internal": true}},
 "services": {
  "primary": {"command": ["redis-server", "--port", "6379", "--save", "",
              "--protected-mode", "no"],
              "networks": ["back"], "ports": ["$P1:6379"],
              "healthcheck": {"tcp": 6379}},
  "replica": {"command": ["redis-server", "--port", "6379", "--save", "",
              "--protected-mode", "no", "--replicaof", "primary", "6379"],
              "networks": ["back"], "depends_on": ["primary"],
              "healthcheck": {"tcp": 6379}}}}
J
at_exit "cd '$TMP/rds' && BERTH_NO_AUTOSTART=1 '$BERTH' down"
cd "$TMP/rds"
"$BERTH" up >"$TMP/up1" 2>&1 || fail "up: $(cat "$TMP/up1")"
grep -q "^primary .*created" "$TMP/up1" || fail "up1: $(cat "$TMP/up1")"
grep -q "try: redis-cli -h 127.0.0.1 -p $P1 ping" "$TMP/up1" ||
    fail "hint for redis: $(cat "$TMP/up1")"
grep -q "curl" "$TMP/up1" && fail "curl hint for redis: $(cat "$TMP/up1")"
"$BERTH" net ls | grep -q '^rds-back ' || fail "network not scoped: $("$BERTH" net ls)"

# service names in the stack's directory
"$BERTH" exec replica -- redis-cli -h primary set k v >/dev/null ||
    fail "exec replica (a service name)"
wait_for 10 sh -c "[ \"\$('$BERTH' exec replica -- redis-cli get k)\" = v ]" ||
    fail "replication by name"
"$BERTH" logs replica | grep -qi 'primary' || fail "logs replica"
[ "$("$BERTH" inspect -f '{{.service}}' primary)" = primary ] || fail "inspect primary"
[ "$("$BERTH" port primary 6379)" = "0.0.0.0:$P1" ] || fail "port primary 6379"
cd /
expect_fail 'a service of stack "rds"' "$BERTH" logs replica
"$BERTH" -f "$TMP/rds/berth.json" logs replica >/dev/null || fail "-f FILE logs SERVICE"
cd "$TMP/rds"

# an ad-hoc container with the stack's bare names: --stack, or --net.
# --stack gives the names, not a network: on "default" alone it shares
# none with replica (rds-back), and netd refuses at once (issue 12).
[ "$("$BERTH" run --rm --stack rds --net rds-back -- redis-cli -h replica get k)" = v ] ||
    fail "run --stack: bare name"
"$BERTH" run --rm --stack rds -- redis-cli -h replica get k >"$TMP/ns" 2>&1 || true
grep -q "replica:6379: Connection refused" "$TMP/ns" ||
    fail "run --stack on default: $(cat "$TMP/ns")"
[ "$("$BERTH" run --rm --net rds-back -- redis-cli -h primary get k)" = v ] ||
    fail "run --net of the stack's network: bare name"

# up again: nothing changes
pid=$("$BERTH" inspect -f '{{.pid}}' primary)
"$BERTH" up >"$TMP/up2" 2>&1 || fail "second up: $(cat "$TMP/up2")"
grep -q "^primary .*running" "$TMP/up2" && grep -q "^replica .*running" "$TMP/up2" ||
    fail "second up: $(cat "$TMP/up2")"
[ "$("$BERTH" inspect -f '{{.pid}}' primary)" = "$pid" ] || fail "second up restarted primary"
# a removed service comes back, a stopped one starts, the rest stays
"$BERTH" rm -f rds-replica >/dev/null
"$BERTH" up >"$TMP/up3" 2>&1 || fail "up after rm: $(cat "$TMP/up3")"
grep -q "^replica .*created" "$TMP/up3" || fail "up3: $(cat "$TMP/up3")"
[ "$("$BERTH" inspect -f '{{.pid}}' primary)" = "$pid" ] || fail "up3 touched primary"
"$BERTH" stop replica >/dev/null
"$BERTH" up >"$TMP/up4" 2>&1 || fail "up after stop: $(cat "$TMP/up4")"
grep -q "^replica .*started" "$TMP/up4" || fail "up4: $(cat "$TMP/up4")"
# a changed service is recreated
sed 's/"--replicaof"/"--maxclients", "77", "--replicaof"/' berth.json >b2 && mv b2 berth.json
rpid=$("$BERTH" inspect -f '{{.pid}}' replica)
"$BERTH" up --json >"$TMP/up5" 2>&1 || fail "up after a change: $(cat "$TMP/up5")"
$PY -c 'import json,sys
d={s["service"]: s["action"] for s in json.load(open(sys.argv[1]))}
assert d == {"primary": "running", "replica": "recreated"}, d' "$TMP/up5" ||
    fail "up5: $(cat "$TMP/up5")"
[ "$("$BERTH" inspect -f '{{.pid}}' replica)" != "$rpid" ] || fail "not recreated"
[ "$("$BERTH" exec replica -- redis-cli config get maxclients | tail -1)" = 77 ] ||
    fail "recreated replica runs the old command"

# another stack's "back" (not internal) is its own network
cat >"$TMP/other.json" <<'J'
{"name": "oth", "networks": {"back": {}},
 "services": {"s": {"command": ["sleep", "30"], "networks": ["back"]}}}
J
"$BERTH" up -f "$TMP/other.json" >/dev/null || fail "up other"
"$BERTH" net ls --json | $PY -c 'import json,sys
d={n["name"]: n["internal"] for n in json.load(sys.stdin)}
assert d["rds-back"] is True and d["oth-back"] is False, d' || fail "net ls: $("$BERTH" net ls)"
"$BERTH" down -f "$TMP/other.json" >"$TMP/down" || fail "down other"
grep -qx "removed container oth-s" "$TMP/down" && grep -qx "removed network oth-back" "$TMP/down" ||
    fail "down says: $(cat "$TMP/down")"
# the same name of another kind is refused, not joined
"$BERTH" net create --internal oth-back >/dev/null
expect_fail 'exists and is internal' "$BERTH" up -f "$TMP/other.json"
"$BERTH" net rm oth-back >/dev/null

# healthchecks in parallel: three services healthy after 3 s each (redis
# starts in milliseconds: the time is the sleep). berth up says it waits
# for a start still failing its healthcheck after 2 s: a sleep of 2 s
# left that to a race between redis's start and a probe 100 ms apart.
cat >"$TMP/par.json" <<'J'
{"name": "par", "services": {
 "a": {"command": ["sh", "-c", "sleep 3; exec redis-server --port 7000 --save ''"],
       "healthcheck": {"tcp": 7000, "interval_ms": 100, "retries": 200}},
 "b": {"command": ["sh", "-c", "sleep 3; exec redis-server --port 7000 --save ''"],
       "healthcheck": {"tcp": 7000, "interval_ms": 100, "retries": 200}},
 "c": {"command": ["sh", "-c", "sleep 3; exec redis-server --port 7000 --save ''"],
       "healthcheck": {"tcp": 7000, "interval_ms": 100, "retries": 200}},
 "d": {"command": ["sleep", "30"], "depends_on": ["a", "b", "c"]}}}
J
t0=$(now_ms)
"$BERTH" up -f "$TMP/par.json" >"$TMP/par" 2>&1 || fail "up par: $(cat "$TMP/par")"
dt=$(( $(now_ms) - t0 ))
note "three 3 s healthchecks: up took $dt ms (one after another: >= 9000)"
[ $dt -lt 6000 ] || fail "healthchecks not in parallel: $dt ms"
grep -q "waiting for" "$TMP/par" || fail "no progress for a slow start: $(cat "$TMP/par")"
"$BERTH" down -f "$TMP/par.json" >/dev/null

# Ctrl-C during up: what it started is removed, and it says so
cat >"$TMP/slow.json" <<'J'
{"name": "slow", "services": {
 "fast": {"command": ["sleep", "60"]},
 "never": {"command": ["sleep", "60"], "depends_on": ["fast"],
           "healthcheck": {"tcp": 9, "interval_ms": 100, "retries": 1000}}}}
J
for keep in "" --keep; do
	"$BERTH" up $keep -f "$TMP/slow.json" >"$TMP/slow.out" 2>&1 &
	upid=$!
	wait_for 10 sh -c "'$BERTH' ps | grep -q '^slow-never '" || fail "slow: never started"
	kill -INT $upid
	set +e
	wait $upid
	rc=$?
	set -e
	[ $rc -eq 130 ] || fail "Ctrl-C: exit $rc: $(cat "$TMP/slow.out")"
	if [ -z "$keep" ]; then
		grep -q "interrupted; removing 2 container(s) this run started: slow-fast slow-never" \
		    "$TMP/slow.out" || fail "Ctrl-C message: $(cat "$TMP/slow.out")"
		"$BERTH" ps -a | grep -q '^slow-' && fail "Ctrl-C left: $("$BERTH" ps -a)"
	else
		grep -q "interrupted; --keep: leaving 2" "$TMP/slow.out" ||
		    fail "Ctrl-C --keep message: $(cat "$TMP/slow.out")"
		[ "$("$BERTH" ps -q | grep -c '^slow-')" -eq 2 ] || fail "--keep removed"
		"$BERTH" down -f "$TMP/slow.json" >/dev/null
	fi
done

# a port held on 0.0.0.0 is named so, one on 127.0.0.1 too
bg_start "$TMP/l1" $PY -c "import socket,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('0.0.0.0', $((P1 + 1)))); s.listen(); time.sleep(60)"
bg_start "$TMP/l2" $PY -c "import socket,time
s=socket.socket(); s.bind(('127.0.0.1', $((P1 + 2)))); s.listen(); time.sleep(60)"
# both listening before either is tried (python starts in ~50 ms)
wait_for 5 sh -c "ss -ltn | grep -q ':$((P1 + 1)) ' &&
    ss -ltn | grep -q ':$((P1 + 2)) '"
expect_fail "in use on this host (0.0.0.0)" "$BERTH" run -p $((P1 + 1)):80 -- true
expect_fail "in use on this host (127.0.0.1)" "$BERTH" run -p $((P1 + 2)):80 -- true

"$BERTH" down >"$TMP/down" || fail "down"
grep -qx "removed network rds-back" "$TMP/down" || fail "down: $(cat "$TMP/down")"
[ "$("$BERTH" ps -aq | wc -l)" -eq 0 ] || fail "down left $("$BERTH" ps -aq)"
cd /
netd_kill "$NETD_PID"
[ -z "$(leftovers)" ] || fail "left behind: $(leftovers)"
