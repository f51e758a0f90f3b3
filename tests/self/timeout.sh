#!/bin/sh
# SPDX-License-Identifier: ISC
#
# The runner's time limit: tests/run on the fixtures of
# tests/self/fixtures (limits of 2 s, a grace period of 1 s) returns
# within bounds, fails the two that hang "timed out after 2 s" with
# their logs, goes on to the one that passes, and leaves nothing of the
# hanging tests running; the one with a trap ran it. BERTH_TEST_TIMEOUT
# overrides a test's own limit.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SELF_DIR=$(mktemp -d)
export SELF_DIR
inner=""

# running PID: whether the process is there and not a zombie.
running() {
	case $(ps -o stat= -p "$1" 2>/dev/null) in
	""|Z*) return 1;;
	esac
	return 0
}

cleanup() {
	[ -n "$inner" ] && kill -KILL "-$inner" 2>/dev/null
	for f in "$SELF_DIR"/*.child "$SELF_DIR"/*.pid; do
		[ -f "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null
	done
	rm -rf "$SELF_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
	echo "FAIL: $*"
	[ -f "$SELF_DIR/out" ] && sed 's/^/  | /' "$SELF_DIR/out"
	exit 1
}

# run_inner BOUND ARGS...: tests/run integ ARGS on the fixtures, in a
# process group of its own, killed (and failed) past BOUND seconds.
run_inner() {
	bound=$1
	shift
	rm -f "$SELF_DIR"/*.child "$SELF_DIR"/*.pid "$SELF_DIR"/*.cleaned
	BERTH_INTEG_DIR=$ROOT/tests/self/fixtures \
	    BERTH_TEST_LOGDIR=$SELF_DIR/logs BERTH_TEST_GRACE=1 \
	    perl -e 'setpgrp(0, 0); exec { $ARGV[0] } @ARGV or die' \
	    "$ROOT/tests/run" integ "$@" >"$SELF_DIR/out" 2>&1 &
	inner=$!
	i=0
	while running "$inner"; do
		[ $i -ge $((bound * 5)) ] &&
		    fail "tests/run still running after $bound s"
		sleep 0.2
		i=$((i + 1))
	done
	wait "$inner"
	rc=$?
	inner=""
	echo "tests/run $* returned $rc in about $((i / 5)) s"
	[ $rc -ne 0 ] || fail "tests/run returned 0 with tests that hang"
}

# gone FILE: the process whose pid FILE holds is not running.
gone() {
	[ -s "$SELF_DIR/$1" ] || fail "no $1: the fixture did not start"
	running "$(cat "$SELF_DIR/$1")" && fail "$1 still running"
	return 0
}

run_inner 20
grep -q '^FAIL integ/hang_trap: timed out after 2 s' "$SELF_DIR/out" ||
    fail "hang_trap not failed as timed out"
grep -q '^FAIL integ/hang_stubborn: timed out after 2 s' "$SELF_DIR/out" ||
    fail "hang_stubborn not failed as timed out"
grep -q '^    hanging$' "$SELF_DIR/out" || fail "no log of hang_trap"
grep -q '^PASS integ/pass' "$SELF_DIR/out" || fail "the run stopped"
[ "$(tail -n 1 "$SELF_DIR/out")" = "1 passed, 2 failed, 0 skipped" ] ||
    fail "wrong count"
[ -f "$SELF_DIR/trap.cleaned" ] || fail "hang_trap's EXIT trap did not run"
gone trap.child
gone stubborn.pid
gone stubborn.child

BERTH_TEST_TIMEOUT=1 run_inner 20 hang_trap
grep -q '^FAIL integ/hang_trap: timed out after 1 s' "$SELF_DIR/out" ||
    fail "BERTH_TEST_TIMEOUT not used"
[ "$(tail -n 1 "$SELF_DIR/out")" = "0 passed, 1 failed, 0 skipped" ] ||
    fail "wrong count with a filter"
gone trap.child
echo "PASS"
