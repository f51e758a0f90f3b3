#!/bin/sh
# SPDX-License-Identifier: ISC
#
# Kernel enforcement across a crash: kill -9 netd while a container's
# process runs; the process stays in its cgroup; the next netd attaches
# the programs again and refills the map from its state, so the old
# process and a new exec are held to the address again (a raw bind of
# another container's address fails, 0.0.0.0 becomes the container's,
# an IPv6 dual-stack bind of :: becomes ::ffff:ADDR). After netd is
# killed again, --cleanup removes the empty cgroups of the instance.
. "$(dirname "$0")/lib.sh"
need_netd
fresh_state
RAW=$HELPERS/rawnet_linux
[ -x "$RAW" ] || skip "build/tests/helpers/rawnet_linux is not built"
netd_start
need_kernel
at_exit "'$BERTH' rm -f a b"
"$BERTH" run -d --name a -- sleep 600 >/dev/null || fail "run a"
"$BERTH" run -d --name b -- sleep 600 >/dev/null || fail "run b"
A=$(ctr_ip a)
B=$(ctr_ip b)
PID=$("$BERTH" inspect a | jget 'j[0]["pid"]')
CG=$(awk '/ - cgroup2 / { print $5; exit }' /proc/self/mountinfo)
CGD="$CG/berth-$BERTH_PREFIX"
# The containers' processes outlive a killed netd: end them by cgroup.
at_exit "cat '$CGD'/*/cgroup.procs 2>/dev/null | xargs -r kill -KILL"

kill -KILL "$NETD_PID"
wait "$NETD_PID" 2>/dev/null || true
# The dead netd's socket file: netd_start must wait for the new one.
rm -f "$BERTH_SOCKET"
grep -q "^0::/berth-$BERTH_PREFIX/a$" "/proc/$PID/cgroup" ||
    fail "a's process left its cgroup: $(grep '^0::' "/proc/$PID/cgroup")"
netd_start
need_kernel

# a new exec into a (its cgroup, which outlived netd, is in the new map)
got=$("$BERTH" exec a -- "$RAW" bind 0.0.0.0 0 | cut -d: -f1)
[ "$got" = "$A" ] || fail "after the restart, 0.0.0.0 in a became $got"
set +e
"$BERTH" exec a -- "$RAW" bind "$B" 0 >"$TMP/out" 2>"$TMP/err"
rc=$?
set -e
[ $rc -ne 0 ] && grep -q EADDRNOTAVAIL "$TMP/err" ||
    fail "after the restart, a bound b's address: $(cat "$TMP/out" "$TMP/err")"
got=$("$BERTH" exec a -- env -u LD_PRELOAD /usr/bin/python3 -c '
import socket; s = socket.socket(socket.AF_INET6); s.bind(("::", 0))
print(s.getsockname()[0])')
[ "$got" = "::ffff:$A" ] || fail "dual-stack :: in a: $got"

# a crash, the processes gone: --cleanup leaves no cgroup behind
kill -KILL "$NETD_PID"
wait "$NETD_PID" 2>/dev/null || true
for p in $(cat "$CGD"/*/cgroup.procs 2>/dev/null); do kill -KILL "$p"; done
wait_for 5 sh -c "! cat '$CGD'/*/cgroup.procs 2>/dev/null | grep -q ."
"$NETD" --cleanup -s "$BERTH_SOCKET" --pool "$BERTH_POOL" \
    --state-dir "$BERTH_STATE_DIR" --prefix "$BERTH_PREFIX" \
    --table "$BERTH_TABLE" || fail "--cleanup"
[ ! -e "$CGD" ] || fail "cgroups left after --cleanup: $(ls "$CGD")"
exit 0
