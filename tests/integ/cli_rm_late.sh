#!/bin/sh
# SPDX-License-Identifier: ISC
#
# cli_rm_late: `run --rm` whose netd is down when the process exits
# (foreground and -d) still removes the container: the CLI starts netd
# again to do it, instead of leaving an orphan that holds the name.
. "$(dirname "$0")/lib.sh"
need_netd
fresh_state
unset BERTH_NO_AUTOSTART

"$BERTH" ps >/dev/null || fail "auto-start"
berth_autostarted
OLD=$NETD_PID

# Foreground: the process itself kills netd before it exits.
"$BERTH" run --rm --name gone -- /bin/sh -c "kill -9 $OLD; sleep 0.3" ||
    fail "run --rm exit $?"
berth_autostarted
[ "$NETD_PID" != "$OLD" ] || fail "netd was not restarted"
"$BERTH" ps -a | grep -q gone && fail "the --rm container is left: $("$BERTH" ps -a)"
"$BERTH" run --rm --name gone -- /bin/true || fail "the name is still taken"

# Detached: its monitor does the same.
OLD=$NETD_PID
"$BERTH" run -d --rm --name gone2 -- /bin/sh -c "sleep 0.5" >/dev/null ||
    fail "run -d --rm"
kill -KILL "$OLD"
wait_for 10 sh -c "BERTH_NO_AUTOSTART=1 '$BERTH' ps -a >/dev/null 2>&1" ||
    fail "netd did not come back"
berth_autostarted
wait_for 5 sh -c "! '$BERTH' ps -a | grep -q gone2" ||
    fail "the -d --rm container is left: $("$BERTH" ps -a)"
exit 0
