#!/bin/sh
# SPDX-License-Identifier: ISC
#
# dns_names: containers find each other by name through netd's DNS. In
# stack "nm": db (redis-server), web (python3, not chrooted) and cli
# (chrooted in a built rootfs). web and cli reach db by its bare service
# name and as db.berth, through the interposer's getaddrinfo() hook and,
# in the chroot, through glibc's own resolver and the launcher's
# resolv.conf; getent finds STACK-SERVICE.berth; a container resolves
# host.berth and reaches a host server on the gateway address; the
# hook's answers match glibc's for the same server; dig's queries to the
# host's nameserver are redirected; a removed container's name stops
# resolving at once.
. "$(dirname "$0")/lib.sh"
need_root
need_tun
need_cmd dig getent curl redis-server redis-cli /usr/bin/python3

netd_start

# netd's DNS on the gateway: everything below depends on it
dig +time=2 +tries=1 +short @"$GATEWAY" host.berth >"$TMP/dig" 2>&1 ||
    fail "no DNS answer from $GATEWAY: $(cat "$TMP/dig")"
[ "$(cat "$TMP/dig")" = "$GATEWAY" ] ||
    fail "host.berth: '$(cat "$TMP/dig")', expected $GATEWAY"

ROOTFS=$TMP/rootfs
"$BERTH" rootfs build "$ROOTFS" -- redis-cli sh sleep cat env getent \
    >/dev/null || fail "rootfs build"

cat >"$TMP/nm.json" <<J
{"name": "nm",
 "services": {
  "db": {"command": ["redis-server", "--port", "6379", "--protected-mode",
                     "no", "--save", "", "--appendonly", "no"],
         "healthcheck": {"tcp": 6379, "interval_ms": 50, "retries": 100}},
  "web": {"command": ["/usr/bin/python3", "-m", "http.server", "8000"],
          "depends_on": ["db"]},
  "cli": {"command": ["sleep", "600"], "rootfs": "$ROOTFS",
          "depends_on": ["db"]}}}
J
at_exit "BERTH_NO_AUTOSTART=1 '$BERTH' down -f '$TMP/nm.json'"
"$BERTH" up -f "$TMP/nm.json" >"$TMP/up" 2>&1 || fail "up: $(cat "$TMP/up")"
DB=$(ctr_ip nm-db)
WEB=$(ctr_ip nm-web)

# bare service name and NAME.berth, from the plain and the chrooted one
for c in nm-web nm-cli; do
	for name in db db.berth db.nm.berth nm-db.berth; do
		out=$("$BERTH" exec $c -- redis-cli -h $name ping 2>&1) ||
		    fail "$c: redis-cli -h $name: $out"
		[ "$out" = PONG ] || fail "$c: redis-cli -h $name said '$out'"
	done
done
note "redis-cli -h db|db.berth ping: PONG from web and from the chroot"

# getent (gethostbyname2) through the hook
out=$("$BERTH" exec nm-web -- getent hosts nm-web.berth) ||
    fail "getent hosts nm-web.berth failed"
[ "$(echo "$out" | awk '{print $1}')" = "$WEB" ] ||
    fail "getent hosts nm-web.berth: '$out', expected $WEB"
out=$("$BERTH" exec nm-cli -- getent hosts web) || fail "chroot: getent web"
[ "$(echo "$out" | awk '{print $1}')" = "$WEB" ] ||
    fail "chroot: getent hosts web: '$out', expected $WEB"

# the chroot without the interposer: glibc's resolver, resolv.conf's
# search list names the stack
"$BERTH" exec nm-cli -- cat /etc/resolv.conf >"$TMP/resolv" ||
    fail "cat resolv.conf"
grep -qx "nameserver $GATEWAY" "$TMP/resolv" &&
    grep -qx "search nm.berth berth" "$TMP/resolv" ||
    fail "chroot resolv.conf: $(cat "$TMP/resolv")"
# (ahostsv4: A queries only; glibc's AAAA query for a bare name walks
# the whole search list and ends with "db" itself, which netd forwards)
out=$("$BERTH" exec nm-cli -- env -u LD_PRELOAD getent ahostsv4 db) ||
    fail "chroot, no interposer: getent ahostsv4 db failed"
[ "$(echo "$out" | awk 'NR == 1 {print $1}')" = "$DB" ] ||
    fail "chroot, no interposer: getent ahostsv4 db: '$out', expected $DB"
out=$("$BERTH" exec nm-cli -- env -u LD_PRELOAD redis-cli -h db ping 2>&1)
[ "$out" = PONG ] || fail "chroot, no interposer: redis-cli -h db: '$out'"
"$BERTH" exec nm-web -- env | grep -qx "BERTH_STACK=nm" ||
    fail "no BERTH_STACK=nm in the container's environment"

# python's resolver calls: getaddrinfo, gethostbyname, gethostbyname_ex
out=$("$BERTH" exec nm-web -- /usr/bin/python3 -c 'import socket
print(socket.getaddrinfo("db", 6379, type=socket.SOCK_STREAM)[0][4][0],
      socket.gethostbyname("nm-web.berth"),
      socket.gethostbyname_ex("web.nm.berth")[2][0])') ||
    fail "python3 lookups failed"
[ "$out" = "$DB $WEB $WEB" ] || fail "python3 lookups: '$out'"

# host.berth: a host server on the gateway address, reached by name
mkdir -p "$TMP/www"
echo "berth-host-$$" >"$TMP/www/marker.txt"
HPORT=$((18000 + slot))
bg_start "$TMP/http.log" /usr/bin/python3 -m http.server $HPORT \
    --bind "$GATEWAY" --directory "$TMP/www"
wait_for 5 curl -sf "http://$GATEWAY:$HPORT/marker.txt" ||
    fail "host server on $GATEWAY:$HPORT did not start"
for c in nm-web nm-cli; do
	out=$("$BERTH" exec $c -- getent hosts host.berth) ||
	    fail "$c: getent hosts host.berth failed"
	[ "$(echo "$out" | awk '{print $1}')" = "$GATEWAY" ] ||
	    fail "$c: host.berth is '$out', expected $GATEWAY"
done
out=$("$BERTH" exec nm-web -- curl -sf "http://host.berth:$HPORT/marker.txt") ||
    fail "curl http://host.berth:$HPORT/ from a container failed"
[ "$out" = "berth-host-$$" ] || fail "host.berth served '$out'"
grep -q "^$WEB " "$TMP/http.log" ||
    fail "the host server did not see web's address: $(cat "$TMP/http.log")"
note "host.berth:$HPORT reached from nm-web"

# the hook answers as glibc's own resolver would, given the same server
if command -v unshare >/dev/null 2>&1 &&
    unshare -m true 2>/dev/null; then
	cat >"$TMP/cases.py" <<'P'
import socket as S
for n in ["nm-web.berth", "DB.nm.berth.", "nope.berth"]:
    for fam in (S.AF_UNSPEC, S.AF_INET, S.AF_INET6):
        for st in (0, S.SOCK_STREAM, S.SOCK_DGRAM, 77):
            for fl in (0, S.AI_CANONNAME, S.AI_V4MAPPED, S.AI_NUMERICSERV):
                for svc in (None, 80, "http", "nosuchservice"):
                    try:
                        r = S.getaddrinfo(n, svc, fam, st, 0, fl)
                    except Exception as e:
                        r = repr(e)
                    print(n, fam, st, fl, svc, r)
    try:
        print(n, S.gethostbyname_ex(n))
    except Exception as e:
        print(n, repr(e))
P
	# glibc asks the same server, and only it (netd's block in
	# /etc/hosts would add aliases)
	printf 'nameserver %s\n' "$GATEWAY" >"$TMP/resolv.gw"
	printf 'hosts: dns\n' >"$TMP/nsswitch.gw"
	unshare -m sh -c "mount --bind '$TMP/resolv.gw' /etc/resolv.conf &&
	    mount --bind '$TMP/nsswitch.gw' /etc/nsswitch.conf &&
	    /usr/bin/python3 '$TMP/cases.py'" >"$TMP/glibc.txt" 2>&1 ||
	    fail "glibc cases: $(tail -3 "$TMP/glibc.txt")"
	"$BERTH" exec nm-web -- /usr/bin/python3 "$TMP/cases.py" \
	    >"$TMP/hook.txt" 2>&1 || fail "hook cases: $(tail -3 "$TMP/hook.txt")"
	grep -q "$WEB" "$TMP/hook.txt" || fail "hook cases found nothing"
	diff "$TMP/glibc.txt" "$TMP/hook.txt" >"$TMP/diff" ||
	    fail "the hook differs from glibc: $(head -5 "$TMP/diff")"
	note "getaddrinfo/gethostbyname_ex: $(wc -l <"$TMP/hook.txt") cases as glibc's"
	# programs with their own DNS client: the packet redirect sends what
	# goes to the host's nameserver (here an unused pool address, so
	# nothing could leave if it did not) to the gateway
	printf 'nameserver %s.255.253\n' "$POOL_NET" >"$TMP/resolv.pool"
	out=$(unshare -m sh -c "mount --bind '$TMP/resolv.pool' \
	    /etc/resolv.conf && '$BERTH' exec nm-web -- \
	    dig +short +time=2 +tries=1 db") || fail "dig db: $out"
	[ "$out" = "$DB" ] || fail "dig db through the redirect: '$out'"
else
	note "no unshare -m: hook/glibc comparison and redirect not run"
fi

# names follow containers: gone at once after rm
"$BERTH" run -d --name gone -- sleep 600 >/dev/null || fail "run gone"
at_exit "BERTH_NO_AUTOSTART=1 '$BERTH' rm -f gone"
GONE=$(ctr_ip gone)
[ "$(dig +short @"$GATEWAY" gone.berth)" = "$GONE" ] ||
    fail "gone.berth does not resolve to $GONE"
out=$("$BERTH" exec nm-web -- getent hosts gone.berth) ||
    fail "from web: getent hosts gone.berth failed"
"$BERTH" rm -f gone >/dev/null || fail "rm gone"
dig +time=2 +tries=1 @"$GATEWAY" gone.berth >"$TMP/dig" 2>&1
grep -q "status: NXDOMAIN" "$TMP/dig" ||
    fail "gone.berth after rm: $(grep status: "$TMP/dig")"
if "$BERTH" exec nm-web -- getent hosts gone.berth >"$TMP/out" 2>&1; then
	fail "from web, gone.berth still resolves: $(cat "$TMP/out")"
fi

"$BERTH" down -f "$TMP/nm.json" >/dev/null || fail "down"
dig +time=2 +tries=1 @"$GATEWAY" db.nm.berth >"$TMP/dig" 2>&1
grep -q "status: NXDOMAIN" "$TMP/dig" ||
    fail "db.nm.berth after down: $(grep status: "$TMP/dig")"
netd_kill "$NETD_PID"
[ -z "$(leftovers)" ] || fail "left behind: $(leftovers)"
has_local_rule || fail "no lookup local rule"
exit 0
