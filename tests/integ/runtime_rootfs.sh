#!/bin/sh
# SPDX-License-Identifier: ISC
#
# A redis-server in a root filesystem made by `berth rootfs build`, as a
# non-root user, on its container address :6379; a second one in
# another container on the same port; the host's redis-cli reaches
# both, and they are two servers. Each process really is chrooted and
# really runs as nobody.
. "$(dirname "$0")/lib.sh"
need_root
need_tun
need_cmd redis-server redis-cli ss

netd_start
at_exit "'$BERTH' rm -f r1 r2"
ROOTFS=$TMP/rootfs
"$BERTH" rootfs build "$ROOTFS" -- redis-server || fail "rootfs build"
[ -c "$ROOTFS/dev/null" ] && [ -d "$ROOTFS/tmp" ] &&
    [ -f "$ROOTFS/etc/passwd" ] || fail "rootfs: /dev/null, /tmp or /etc missing"
# errors name the verb
expect_fail 'berth rootfs: ' "$BERTH" rootfs build "$TMP/x" -- no-such-binary-x

for r in r1 r2; do
	"$BERTH" run -d --name $r --rootfs "$ROOTFS" --user nobody -- \
	    redis-server --port 6379 --protected-mode no --save '' \
	    --appendonly no --dir /tmp >/dev/null || fail "run $r"
done
R1=$(ctr_ip r1)
R2=$(ctr_ip r2)
for ip in "$R1" "$R2"; do
	wait_for 10 sh -c "redis-cli -h $ip -p 6379 ping | grep -q PONG" ||
	    fail "no PONG from $ip:6379"
	ss -Hltn 'sport = :6379' | grep -q " $ip:6379 " ||
	    fail "nothing listens on $ip:6379"
done
redis-cli -h "$R1" set berth r1 >/dev/null
redis-cli -h "$R2" set berth r2 >/dev/null
[ "$(redis-cli -h "$R1" get berth)" = r1 ] &&
    [ "$(redis-cli -h "$R2" get berth)" = r2 ] || fail "r1 and r2 are one server"

real=$(cd "$ROOTFS" && pwd -P)
for r in r1 r2; do
	pid=$("$BERTH" inspect $r | /usr/bin/python3 -c \
	    'import json,sys; print(json.load(sys.stdin)[0]["pid"])')
	[ "$(readlink /proc/"$pid"/root)" = "$real" ] ||
	    fail "$r (pid $pid) is not chrooted: $(readlink /proc/"$pid"/root)"
	awk '/^Uid:/ { exit !($2 == 65534 && $3 == 65534) }' \
	    /proc/"$pid"/status || fail "$r (pid $pid) does not run as nobody"
done
exit 0
