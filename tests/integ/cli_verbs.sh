#!/bin/sh
# SPDX-License-Identifier: ISC
#
# Every verb through the real build/bin/berth, success and failure paths;
# netd auto-start; ten parallel runs; nothing left after netd stops.
. "$(dirname "$0")/lib.sh"
need_root
need_tun
need_cmd curl nft

PY=/usr/bin/python3

# netd is not running: the first command starts it (and only one).
"$BERTH" ps >/dev/null || fail "ps did not auto-start netd"
berth_autostarted
[ "$(pgrep -fc -- "--prefix $BERTH_PREFIX ")" -eq 1 ] ||
    fail "expected exactly one netd for prefix $BERTH_PREFIX"

# run -d, inspect, curl the server at its address
"$BERTH" run -d --name a -- $PY -m http.server 8000 >"$TMP/name" ||
    fail "run -d failed"
[ "$(cat "$TMP/name")" = a ] || fail "run -d printed $(cat "$TMP/name")"
A=$(ctr_ip a)
wait_for 10 curl -sf "http://$A:8000/" || fail "server in a unreachable"

# duplicate name, duplicate address, bad port spec, unknown container
expect_fail 'name "a"' "$BERTH" run -d --name a -- true
expect_fail "$A" "$BERTH" run -d --name b --ip "$A" -- true
expect_fail '0:80' "$BERTH" run -d --name c -p 0:80 -- true
expect_fail '65536' "$BERTH" run -d --name c -p 65536:80 -- true
expect_fail 'no such container' "$BERTH" inspect nope
expect_fail 'no such container' "$BERTH" stop nope
expect_fail 'no such container' "$BERTH" rm nope
expect_fail 'no such container' "$BERTH" logs nope
expect_fail 'no such container' "$BERTH" exec nope -- true
expect_fail '--name' "$BERTH" run --name 'A"b' -- true
expect_fail 'KEY=VALUE' "$BERTH" run -e 'no equals' -- true
expect_fail 'not in the pool' "$BERTH" run --ip 10.9.9.9 -- true
expect_fail 'unknown verb' "$BERTH" frobnicate

# a command that cannot be executed: clear error, nothing left behind
if "$BERTH" run --name gone -- /nonexistent/cmd 2>"$TMP/err"; then
	fail "running /nonexistent/cmd succeeded"
fi
grep -q '/nonexistent/cmd' "$TMP/err" || fail "no message: $(cat "$TMP/err")"
expect_fail 'no such container' "$BERTH" inspect gone

# foreground run returns the status; --rm removes the container
set +e
"$BERTH" run --rm --name fg -- sh -c 'exit 42'
rc=$?
set -e
[ $rc -eq 42 ] || fail "foreground exit status $rc, expected 42"
expect_fail 'no such container' "$BERTH" inspect fg

# SIGINT reaches the process
"$BERTH" run --name sig -- $PY -c 'import signal, sys, time
signal.signal(signal.SIGINT, lambda *a: sys.exit(7))
print("ready", flush=True)
time.sleep(30)' >"$TMP/sig.out" 2>&1 &
spid=$!
at_exit "kill $spid"
wait_for 10 grep -q ready "$TMP/sig.out" || fail "sig: never ready"
kill -INT $spid
set +e
wait $spid
rc=$?
set -e
[ $rc -eq 7 ] || fail "SIGINT: exit $rc, expected 7"
"$BERTH" ps -a | grep -q '^sig .*exited (7)' || fail "ps -a: $("$BERTH" ps -a)"
"$BERTH" rm sig >/dev/null

# logs, exec, ps, port, stop, rm
curl -sf "http://$A:8000/" >/dev/null
wait_for 5 sh -c "'$BERTH' logs a | grep -q 'GET / '" || fail "logs: no GET"
[ "$("$BERTH" exec a -- sh -c 'echo hi')" = hi ] || fail "exec output"
set +e
"$BERTH" exec a -- sh -c 'exit 3'
rc=$?
set -e
[ $rc -eq 3 ] || fail "exec exit $rc"
"$BERTH" ps | grep -q "^a .*$A .*running" || fail "ps: $("$BERTH" ps)"
# ps's table comes from the brief list: a running one's pid and start
# time there are the whole object's
[ "$(ctl_ok list '{"brief": true}' | jget '[(c["pid"], c["pid_start"])
    for c in j if c["name"] == "a"]')" = "$(ctl_ok list | jget '[(c["pid"],
    c["pid_start"]) for c in j if c["name"] == "a"]')" ] ||
    fail "list brief: $(ctl_ok list '{"brief": true}')"
"$BERTH" ps --json | $PY -c 'import json,sys; d=json.load(sys.stdin); assert d[0]["name"]=="a"' ||
    fail "ps --json"
expect_fail 'is running' "$BERTH" rm a
"$BERTH" stop -t 5 a >/dev/null || fail "stop a"
"$BERTH" ps | grep -q '^a ' && fail "a still listed as running"
"$BERTH" ps -a | grep -q '^a .*exited' || fail "ps -a after stop"
# the address stays a's until rm
expect_fail "$A" "$BERTH" run -d --name b --ip "$A" -- true
"$BERTH" rm a >/dev/null || fail "rm a"
expect_fail 'no such container' "$BERTH" inspect a

# a process that died unseen (its monitor killed first) is "exited (?)"
"$BERTH" run -d --name dead -- sleep 60 >/dev/null
P=$("$BERTH" inspect dead | $PY -c 'import json,sys; print(json.load(sys.stdin)[0]["pid"])')
M=$(ps -o ppid= -p "$P" | tr -d ' ')
kill -KILL "$M" "$P"
wait_for 2 sh -c "! kill -0 $P" || fail "dead: still alive"
"$BERTH" ps -a | grep -q '^dead .*exited (?)' ||
    fail "ps -a for a dead process: $("$BERTH" ps -a | grep dead)"
"$BERTH" inspect dead | grep -q '"state": "exited"' || fail "inspect dead"
"$BERTH" rm dead >/dev/null

# port: every mapping, ranges and a host address included
"$BERTH" run -d --name pp -p 127.0.0.1:19000-19001:9000-9001/udp \
    -p 19002:9002 -- sleep 30 >/dev/null || fail "run pp"
"$BERTH" port pp >"$TMP/port"
grep -qx '9000-9001/udp -> 127.0.0.1:19000-19001' "$TMP/port" &&
    grep -qx '9002/tcp -> 0.0.0.0:19002' "$TMP/port" ||
    fail "berth port: $(cat "$TMP/port")"
"$BERTH" rm -f pp >/dev/null

# networks
"$BERTH" net create --internal backnet >/dev/null || fail "net create"
"$BERTH" net ls | grep -q '^backnet .*yes' || fail "net ls"
expect_fail 'backnet' "$BERTH" net create backnet
"$BERTH" net rm backnet >/dev/null || fail "net rm"

# ten parallel runs: all listed, distinct addresses
for i in 0 1 2 3 4 5 6 7 8 9; do
	"$BERTH" run -d --name p$i -- sleep 60 >/dev/null 2>"$TMP/p$i.err" &
done
wait
for i in 0 1 2 3 4 5 6 7 8 9; do
	[ -s "$TMP/p$i.err" ] && fail "p$i: $(cat "$TMP/p$i.err")"
done
n=$("$BERTH" ps --json | $PY -c 'import json,sys
d=[c for c in json.load(sys.stdin) if c["name"].startswith("p")]
assert len(set(c["ip"] for c in d)) == len(d)
print(len(d))')
[ "$n" = 10 ] || fail "parallel: $n containers listed, expected 10"
"$BERTH" rm -f p0 p1 p2 p3 p4 p5 p6 p7 p8 p9 >/dev/null || fail "rm -f"

"$BERTH" doctor >"$TMP/doctor" || fail "doctor: $(cat "$TMP/doctor")"
"$BERTH" --version | grep -q '^berth ' || fail "--version"
"$BERTH" run --help | grep -q 'usage: berth run' || fail "run --help"
# A verb's unknown or missing subcommand: named, usage, exit 1.
for v in net policy link; do
	if "$BERTH" $v bogus >"$TMP/sub" 2>&1; then fail "$v bogus succeeded"; fi
	grep -q "unknown subcommand \"bogus\"" "$TMP/sub" &&
	    grep -q "usage: berth $v" "$TMP/sub" || fail "$v bogus: $(cat "$TMP/sub")"
	if "$BERTH" $v >"$TMP/sub" 2>&1; then fail "$v without subcommand"; fi
	grep -q "usage: berth $v" "$TMP/sub" || fail "$v: $(cat "$TMP/sub")"
done

# stop netd: nothing of this instance is left, local rule present
netd_kill "$NETD_PID"
[ -z "$(leftovers)" ] || fail "left behind: $(leftovers)"
has_local_rule || fail "no lookup local rule"
