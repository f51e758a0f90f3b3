#!/bin/sh
# SPDX-License-Identifier: ISC
#
# A foreground run does not wait for netd's reply to "started" before it
# copies the process's output and waits for it: through a proxy that
# holds that reply back 2 s, a process that writes more than a pipe
# holds has finished before the reply goes; the reply is still read,
# and a failed "started" is still reported (the run's status is the
# process's, and --rm removes the container); a process is not reaped
# before netd has checked its pid for "started" (a request held back 1 s
# still finds it); exited and delete follow started before its reply is
# read, and the requests of a run go out in three writes. The
# interposer alone
# (BERTH_NETD_BPF=0): netd's join checks that the pid is its caller's
# child, which the proxy is not.
. "$(dirname "$0")/lib.sh"
need_root
need_tun
PY=/usr/bin/python3

export BERTH_NETD_BPF=0
netd_start
PROXY=$TMP/proxy.sock

proxy() {
	bg_start "$TMP/proxy.out" $PY "$ROOT/tests/integ/ctlproxy.py" \
	    "$PROXY" "$BERTH_SOCKET" started "$1" "$2" "$TMP/released"
	wait_for 5 test -S "$PROXY" || fail "proxy did not start"
}

proxy 2 pass
BERTH_SOCKET=$PROXY BERTH_NO_AUTOSTART=1 "$BERTH" run --rm --name pl1 -- \
    sh -c "head -c 300000 /dev/zero; date +%s%3N >$TMP/done" \
    >"$TMP/out" || fail "run through the proxy failed"
[ "$(wc -c <"$TMP/out")" -eq 300000 ] || fail "output: $(wc -c <"$TMP/out") bytes"
rel=$(awk '$1 == "released" {print $2}' "$TMP/released")
done=$(cat "$TMP/done")
[ "$done" -lt "$rel" ] ||
    fail "the process ended at $done, after started's reply ($rel)"
"$BERTH" ps -aq | grep -qx pl1 && fail "--rm: pl1 left"
kill "$BG_PID"
wait_for 5 sh -c "! kill -0 $BG_PID" || true
rm -f "$PROXY" "$TMP/released"

# started reaches netd late (held 1 s): the process has long exited,
# and must not be reaped before netd has checked its pid.
proxy 1 request
BERTH_SOCKET=$PROXY BERTH_NO_AUTOSTART=1 "$BERTH" run --rm --name pl3 -- \
    true 2>"$TMP/err" || fail "run with a late started: $(cat "$TMP/err")"
[ ! -s "$TMP/err" ] || fail "run with a late started: $(cat "$TMP/err")"
kill "$BG_PID"
wait_for 5 sh -c "! kill -0 $BG_PID" || true
rm -f "$PROXY" "$TMP/released"

# exited and delete go out behind started before its reply is read
# (held 1 s here), the process exited and not reaped yet: one round
# trip for the three. The status and --rm hold.
proxy 1 pass
rc=0
BERTH_SOCKET=$PROXY BERTH_NO_AUTOSTART=1 "$BERTH" run --rm --name pl4 -- \
    sh -c 'exit 3' 2>"$TMP/err" || rc=$?
[ "$rc" -eq 3 ] || fail "exit $rc, expected 3: $(cat "$TMP/err")"
[ ! -s "$TMP/err" ] || fail "run with a held started: $(cat "$TMP/err")"
order=$(awk '$1 == "released" || ($1 == "request" && $2 != "hello" &&
    $2 != "create") {printf "%s%s ", $1, $1 == "request" ? ":" $2 : ""}' \
    "$TMP/released")
[ "$order" = "request:started request:exited request:delete released " ] ||
    fail "exited and delete wait for started's reply: $order"
"$BERTH" ps -aq | grep -qx pl4 && fail "--rm: pl4 left"
kill "$BG_PID"
wait_for 5 sh -c "! kill -0 $BG_PID" || true
rm -f "$PROXY" "$TMP/released"

# Requests queued together go out in one write: hello and create, then
# started (while the process runs), then exited and delete.
if command -v strace >/dev/null 2>&1; then
	strace -f -e trace=sendto,sendmsg,write -o "$TMP/st" "$BERTH" run \
	    --rm --name pl5 -- true || fail "run under strace failed"
	n=$(grep -c '{\\"op\\":' "$TMP/st" || true)
	[ "$n" -eq 3 ] || fail "$n writes to netd for a run, expected 3: $(
	    grep '{\\"op\\":' "$TMP/st")"
else
	note "no strace: the count of writes to netd is not checked"
fi

proxy 0 fail
rc=0
BERTH_SOCKET=$PROXY BERTH_NO_AUTOSTART=1 "$BERTH" run --rm --name pl2 -- \
    sh -c 'exit 4' 2>"$TMP/err" || rc=$?
[ "$rc" -eq 4 ] || fail "exit $rc, expected 4: $(cat "$TMP/err")"
grep -q "pl2: injected by ctlproxy" "$TMP/err" ||
    fail "a failed started is not reported: $(cat "$TMP/err")"
"$BERTH" ps -aq | grep -qx pl2 && fail "--rm after a failed started: pl2 left"
exit 0
