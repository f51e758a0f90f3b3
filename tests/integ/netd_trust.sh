#!/bin/sh
# SPDX-License-Identifier: ISC
#
# netd_trust: the control socket's trust boundary (docs/security.md),
# with real non-root members of the socket's group (uids 65534 and
# 65533, group nogroup):
#   - meta a member stored (env LD_PRELOAD=evil.so) is never run by
#     root's `berth exec`;
#   - "started" with a victim's pid and pid_start 0 (or its real start
#     time) is refused, and root's `rm -f` does not kill the victim;
#   - a member cannot delete root's or another member's containers nor
#     shut netd down; it can manage its own.
. "$(dirname "$0")/lib.sh"
need_netd
need_cmd setpriv cc
fresh_state
getent group nogroup >/dev/null || skip "needs the group nogroup"

netd_start -g nogroup
export BERTH_NO_AUTOSTART=1
chmod 0755 "$TMP"
M1="setpriv --reuid=65534 --regid=65534 --clear-groups"
M2="setpriv --reuid=65533 --regid=65533 --groups=65534"
CTL="/usr/bin/python3 $ROOT/tests/integ/ctl.py $BERTH_SOCKET"

# The members are members: they may create and list.
$M1 $CTL create '{"name": "m1"}' | grep -q '"ok": true' ||
    fail "member 1 cannot create"
$M2 $CTL create '{"name": "m2"}' | grep -q '"ok": true' ||
    fail "member 2 cannot create"
ctl_ok inspect '{"name": "m1"}' | jget 'j["uid"]' | grep -qx 65534 ||
    fail "netd did not record the creator: $(ctl inspect '{"name": "m1"}')"
ctl_ok create '{"name": "rootc"}' | jget 'j["uid"]' | grep -qx 0 ||
    fail "root's container has no uid 0"
# A uid in the request is never the recorded one: the ops schema refuses
# the argument outright (bad_args), so no container "forged" exists.
$M1 $CTL create '{"name": "forged", "uid": 0}' | grep -q '"bad_args"' ||
    fail "a member's create with a uid was not refused"
ctl inspect '{"name": "forged"}' | grep -q '"not_found"' ||
    fail "a member set its own uid"

# 1. LD_PRELOAD in a member's meta, root's exec.
cat >"$TMP/evil.c" <<'C'
#include <fcntl.h>
#include <unistd.h>
__attribute__((constructor)) static void evil(void)
{
	if (geteuid() == 0)
		close(open("/tmp/berth-trust-pwned", O_CREAT | O_WRONLY, 0644));
}
C
cc -shared -fPIC -o "$TMP/evil.so" "$TMP/evil.c" || fail "cc evil.so"
chmod 0755 "$TMP/evil.so"
rm -f /tmp/berth-trust-pwned
at_exit "rm -f /tmp/berth-trust-pwned"
$M1 $CTL create '{"name": "evil", "meta": {"command": ["true"], "env":
    ["LD_PRELOAD='"$TMP"'/evil.so"], "rootfs": "/", "user": "root"}}' |
    grep -q '"ok": true' || fail "member cannot create evil"
expect_fail "not created by uid 0" "$BERTH" exec evil -- /bin/true
# start would run the stored command with that env: refused the same
expect_fail "not created by uid 0" "$BERTH" start evil
[ ! -e /tmp/berth-trust-pwned ] || fail "root ran the member's LD_PRELOAD"
# Root's own container still takes its own meta.
# (running: exec enters running containers only, issue 16)
at_exit "'$BERTH' rm -f mine"
"$BERTH" run -d --name mine -e MARK=ok -- sleep 600 >/dev/null ||
    fail "run mine"
out=$("$BERTH" exec mine -- /bin/sh -c 'echo $MARK') || fail "exec mine"
[ "$out" = ok ] || fail "root's own meta was not used: $out"

# 2. A victim's pid with pid_start 0, then root's rm -f.
bg_start /dev/null sleep 600
VICTIM=$BG_PID
out=$($M1 $CTL started '{"name": "evil", "pid": '"$VICTIM"', "pid_start": 0}')
echo "$out" | grep -q '"ok": false' || fail "pid_start 0 accepted: $out"
out=$($M1 $CTL started '{"name": "evil", "pid": '"$VICTIM"', "pid_start": '"$(pid_start "$VICTIM")"'}')
echo "$out" | grep -q 'does not belong' || fail "root's pid accepted: $out"
"$BERTH" rm -f evil || fail "root's rm -f evil"
kill -0 "$VICTIM" || fail "root's rm -f killed the victim"
# A member's own process is accepted, and rm -f stops it.
$M1 sleep 600 &
OWN=$!
at_exit "kill $OWN"
$M1 $CTL started '{"name": "m1", "pid": '"$OWN"', "pid_start": '"$(pid_start "$OWN")"'}' |
    grep -q '"ok": true' || fail "member's own pid refused"
"$BERTH" rm -f m1 || fail "rm -f m1"
sleep 0.2
kill -0 "$OWN" 2>/dev/null && fail "rm -f m1 did not stop the member's process"

# 3. Deleting others' containers, shutting down.
for c in rootc m2; do
	out=$($M1 $CTL delete '{"name": "'$c'"}')
	echo "$out" | grep -q "may not delete" || fail "member 1 deleted $c: $out"
done
out=$($M1 $CTL exited '{"name": "m2", "exit_code": 0}')
echo "$out" | grep -q "may not" || fail "member 1 reported on m2: $out"
out=$($M1 $CTL shutdown)
echo "$out" | grep -q "may not shut" || fail "member shut netd down: $out"
sleep 0.2
kill -0 "$NETD_PID" || fail "netd is gone"
$M2 $CTL delete '{"name": "m2"}' | grep -q '"ok": true' ||
    fail "member 2 cannot delete its own"
ctl_ok inspect '{"name": "rootc"}' >/dev/null
exit 0
