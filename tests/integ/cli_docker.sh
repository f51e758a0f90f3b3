#!/bin/sh
# SPDX-License-Identifier: ISC
#
# The docker habits: ps -q/--format, inspect -f, logs --tail/-t/--since,
# run/exec -it on a real pty, --env-file, --network, --hostname,
# --restart, -v into a rootfs, start/restart/kill/top/stats, port NAME
# PORT, logs of a foreground run, rootfs of a static binary.
. "$(dirname "$0")/lib.sh"
need_root
need_tun
need_cmd curl nft cc
PY=/usr/bin/python3
P1=$((19100 + slot * 10))

netd_start

"$BERTH" run -d --name web -p "$P1:8000" -- $PY -m http.server 8000 >/dev/null ||
    fail "run web"
"$BERTH" run -d --name idle -- sleep 60 >/dev/null
"$BERTH" run --name done -- sh -c 'echo one; echo two; echo three' \
    >"$TMP/fg" || fail "foreground run"
W=$(ctr_ip web)
wait_for 10 curl -sf "http://$W:8000/" || fail "web unreachable"

# run sends hello and create together (pipelined): a create netd refuses
# still fails cleanly, with netd's reason and exit 1, nothing run, the
# holder of the name untouched; the next run works.
expect_fail 'name "idle" is taken' "$BERTH" run --rm --name idle -- \
    touch "$TMP/ran"
[ ! -e "$TMP/ran" ] || fail "refused create: the command ran"
"$BERTH" ps -q | grep -qx idle || fail "refused create: idle is gone"
rc=0; "$BERTH" run --rm --name rm1 -- sh -c 'exit 3' || rc=$?
[ "$rc" -eq 3 ] || fail "--rm run: exit $rc, expected 3"
"$BERTH" ps -aq | grep -qx rm1 && fail "--rm (pipelined delete): rm1 left"

# ps -q, -aq, --format
[ "$("$BERTH" ps -q | sort | tr '\n' ' ')" = "idle web " ] ||
    fail "ps -q: $("$BERTH" ps -q)"
[ "$("$BERTH" ps -aq | sort | tr '\n' ' ')" = "done idle web " ] ||
    fail "ps -aq: $("$BERTH" ps -aq)"
"$BERTH" ps --format '{{.Names}}:{{.ip}}' | grep -qx "web:$W" ||
    fail "ps --format: $("$BERTH" ps --format '{{.Names}}:{{.ip}}')"
"$BERTH" ps -a --format 'table {{.Names}}\t{{.Status}}' >"$TMP/tab"
head -1 "$TMP/tab" | grep -q "^NAMES	STATUS$" || fail "table header: $(head -1 "$TMP/tab")"
grep -q "^done	exited (0)$" "$TMP/tab" || fail "table: $(cat "$TMP/tab")"
expect_fail 'only {{.field}}' "$BERTH" ps --format '{{range .ports}}x{{end}}'

# inspect -f
[ "$("$BERTH" inspect -f '{{.ip}}' web)" = "$W" ] || fail "inspect -f .ip"
[ "$("$BERTH" inspect -f '{{.NetworkSettings.IPAddress}}' web)" = "$W" ] ||
    fail "inspect -f NetworkSettings.IPAddress"
[ "$("$BERTH" inspect -f '{{json .ports}}' web)" = "[\"$P1:8000/tcp\"]" ] ||
    fail "inspect -f json: $("$BERTH" inspect -f '{{json .ports}}' web)"
[ "$("$BERTH" inspect --format '{{.meta.command}}' idle)" = "[sleep 60]" ] ||
    fail "inspect nested: $("$BERTH" inspect --format '{{.meta.command}}' idle)"
expect_fail 'no such container' "$BERTH" inspect -f '{{.ip}}' nope

# logs of a foreground run; --tail, -n, -t, --since
[ "$(cat "$TMP/fg" | tr '\n' ' ')" = "one two three " ] || fail "fg output"
[ "$("$BERTH" logs done | tr '\n' ' ')" = "one two three " ] ||
    fail "logs of a foreground run: $("$BERTH" logs done)"
[ "$("$BERTH" logs --tail 2 done | tr '\n' ' ')" = "two three " ] ||
    fail "logs --tail 2: $("$BERTH" logs --tail 2 done)"
[ "$("$BERTH" logs -n 1 done)" = "three" ] || fail "logs -n 1"
[ -z "$("$BERTH" logs -n 0 done)" ] || fail "logs -n 0"
"$BERTH" logs -t done | head -1 |
    grep -Eq '^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-9:]{8}\.[0-9]{3}Z one$' ||
    fail "logs -t: $("$BERTH" logs -t done)"
[ "$("$BERTH" logs --since 1h done | wc -l)" -eq 3 ] || fail "--since 1h"
[ "$("$BERTH" logs --since 2099-01-01T00:00:00Z done | wc -l)" -eq 0 ] ||
    fail "--since in the future"
expect_fail 'duration' "$BERTH" logs --since yesterday done
expect_fail 'number of lines' "$BERTH" logs --tail x done

# a real pty: -t alone, -it typed into, exec -it
[ "$("$BERTH" run --rm -t -- sh -c 'test -t 1 && echo tty' | tr -d '\r')" = tty ] ||
    fail "run -t: no terminal"
[ "$("$BERTH" run --rm -- sh -c 'test -t 1 || echo pipe')" = pipe ] ||
    fail "run without -t has a terminal"
set +e
$PY "$ROOT/tests/integ/pty_drive.py" 'echo typed-$((6*7)); exit 3\n' \
    "$BERTH" run --rm -it -- sh >"$TMP/it" 2>&1
rc=$?
set -e
[ $rc -eq 3 ] || fail "run -it: exit $rc: $(cat "$TMP/it")"
grep -q 'typed-42' "$TMP/it" || fail "run -it output: $(cat "$TMP/it")"
$PY "$ROOT/tests/integ/pty_drive.py" 'tty; exit\n' \
    "$BERTH" exec -it idle sh >"$TMP/eit" 2>&1 || fail "exec -it: $(cat "$TMP/eit")"
grep -q '/dev/pts/' "$TMP/eit" || fail "exec -it: no pty: $(cat "$TMP/eit")"
expect_fail 'not a TTY' "$BERTH" run -it -- true </dev/null

# --env-file, --network, --hostname
printf '# comment\nA=1\n\nB=two words\nFROMENV\n' >"$TMP/env"
[ "$(FROMENV=x "$BERTH" run --rm --env-file "$TMP/env" -- sh -c 'echo "$A|$B|$FROMENV"')" = "1|two words|x" ] ||
    fail "--env-file"
printf 'bad line\n' >"$TMP/badenv"
expect_fail 'badenv:1' "$BERTH" run --env-file "$TMP/badenv" -- true
"$BERTH" net create nb >/dev/null
"$BERTH" run -d --name onnet --network nb -- sleep 30 >/dev/null
"$BERTH" inspect -f '{{.networks}}' onnet | grep -qx '\[nb\]' || fail "--network"
[ "$("$BERTH" run --rm --hostname box -- hostname)" = box ] || fail "--hostname"
[ "$(hostname)" != box ] || fail "the host's name changed"

# port NAME PORT
[ "$("$BERTH" port web 8000)" = "0.0.0.0:$P1" ] || fail "port web 8000"
[ "$("$BERTH" port web 8000/tcp)" = "0.0.0.0:$P1" ] || fail "port 8000/tcp"
expect_fail 'no public port' "$BERTH" port web 9999

# top, stats
"$BERTH" top web | grep -q 'http.server 8000' || fail "top: $("$BERTH" top web)"
"$BERTH" top web | head -1 | grep -q '^UID .*PID .*CMD' || fail "top header"
"$BERTH" top --json web | $PY -c 'import json,sys
d=json.load(sys.stdin); assert len(d) == 1 and "http.server" in d[0]["cmd"], d' ||
    fail "top --json: $("$BERTH" top --json web)"
"$BERTH" stats --no-stream web | grep -Eq '^web +[0-9.]+ +[0-9.]+[KMG]iB +1$' ||
    fail "stats: $("$BERTH" stats --no-stream web)"
"$BERTH" stats --json | $PY -c 'import json,sys
d={c["name"]: c for c in json.load(sys.stdin)}
assert d["web"]["pids"] == 1 and d["web"]["mem_bytes"] > 1000000, d' ||
    fail "stats --json"
expect_fail 'not running' "$BERTH" top done

# stop, start (same address, server back), restart (new pid), kill
"$BERTH" stop -t 5 web >/dev/null
"$BERTH" start web >/dev/null || fail "start web"
[ "$(ctr_ip web)" = "$W" ] || fail "start: address changed"
wait_for 10 curl -sf "http://127.0.0.1:$P1/" || fail "start: server not back"
pid1=$("$BERTH" inspect -f '{{.pid}}' web)
"$BERTH" restart -t 5 web >/dev/null || fail "restart"
pid2=$("$BERTH" inspect -f '{{.pid}}' web)
[ "$pid1" != "$pid2" ] || fail "restart: same pid"
wait_for 10 curl -sf "http://$W:8000/" || fail "restart: server not back"
"$BERTH" kill -s TERM web >/dev/null || fail "kill -s TERM"
wait_for 5 sh -c "'$BERTH' ps -a | grep -q '^web .*exited'" || fail "kill: still running"
expect_fail 'no such signal' "$BERTH" kill -s NOPE idle
expect_fail 'not running' "$BERTH" kill web
"$BERTH" start done >/dev/null
wait_for 5 sh -c "[ \$('$BERTH' logs done | wc -l) -eq 6 ]" ||
    fail "start of a finished container: logs $("$BERTH" logs done)"

# --restart
"$BERTH" run -d --name flaky --restart on-failure:2 -- \
    sh -c 'echo attempt; exit 1' >/dev/null
wait_for 10 sh -c "[ \$('$BERTH' logs flaky | wc -l) -eq 3 ]" ||
    fail "on-failure:2: $("$BERTH" logs flaky | wc -l) runs"
wait_for 5 sh -c "'$BERTH' ps -a | grep -q '^flaky .*exited (1)'" ||
    fail "on-failure: not exited"
sleep 1
[ "$("$BERTH" logs flaky | wc -l)" -eq 3 ] || fail "on-failure:2 ran more"
"$BERTH" run -d --name always --restart always -- sh -c 'echo up; sleep 0.2' >/dev/null
wait_for 10 sh -c "[ \$('$BERTH' logs always | wc -l) -ge 3 ]" || fail "always"
"$BERTH" stop always >/dev/null
n=$("$BERTH" logs always | wc -l)
sleep 1.5
[ "$("$BERTH" logs always | wc -l)" -eq "$n" ] || fail "always: restarted after stop"
expect_fail 'on-failure' "$BERTH" run --restart sometimes -- true
expect_fail 'conflict' "$BERTH" run --rm --restart always -- true

# -v into a rootfs (a static binary needs no ldd), read only with :ro
printf 'int main(int c, char **v) { char b[64]; int n; int f;\n' >"$TMP/cat.c"
cat >"$TMP/cat.c" <<'C'
#include <fcntl.h>
#include <unistd.h>
int main(int c, char **v) { char b[256]; ssize_t n; int f;
	if (c > 2) return open(v[2], O_WRONLY | O_CREAT, 0644) == -1 ? 9 : 0;
	if ((f = open(v[1], O_RDONLY)) == -1) return 8;
	while ((n = read(f, b, sizeof(b))) > 0) write(1, b, n);
	return 0; }
C
cc -static -o "$TMP/scat" "$TMP/cat.c" || skip "no static libc"
"$BERTH" rootfs build "$TMP/rfs" -- "$TMP/scat" >/dev/null || fail "rootfs of a static binary"
mkdir -p "$TMP/vol"
echo from-the-host >"$TMP/vol/x"
[ "$("$BERTH" run --rm --rootfs "$TMP/rfs" -v "$TMP/vol:/data" -- "$TMP/scat" /data/x)" = from-the-host ] ||
    fail "-v: file not seen"
"$BERTH" run --rm --rootfs "$TMP/rfs" -v "$TMP/vol:/data" -- "$TMP/scat" - /data/new ||
    fail "-v: cannot write"
[ -e "$TMP/vol/new" ] || fail "-v: write did not reach the host"
set +e
"$BERTH" run --rm --rootfs "$TMP/rfs" -v "$TMP/vol:/data:ro" -- "$TMP/scat" - /data/ro
rc=$?
set -e
[ $rc -eq 9 ] || fail "-v :ro: write allowed (exit $rc)"
grep -q "$TMP/vol" /proc/mounts && fail "-v: a mount leaked to the host"
expect_fail 'needs --rootfs' "$BERTH" run -v "$TMP/vol:/data" -- true
expect_fail 'HOSTDIR' "$BERTH" run -v data:/data -- true

# net rm says what it did
"$BERTH" rm -f onnet >/dev/null
[ "$("$BERTH" net rm nb)" = nb ] || fail "net rm prints nothing"

netd_kill "$NETD_PID"
[ -z "$(leftovers)" ] || fail "left behind: $(leftovers)"
