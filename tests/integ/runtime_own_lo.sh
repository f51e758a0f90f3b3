#!/bin/sh
# SPDX-License-Identifier: ISC
#
# A container's 127.0.0.1 is its own: a server bound to 127.0.0.1 (or
# ::1) is reachable from its own container as localhost and from no other
# container nor the host by the container's address; a wildcard server
# stays reachable both ways; postgres with its default listen_addresses
# (localhost) is not reachable from another container, as in docker.
. "$(dirname "$0")/lib.sh"
need_root
need_tun
need_cmd curl nft
PY=/usr/bin/python3

netd_start
# loopback-only and wildcard servers on the same port, in two containers
"$BERTH" run -d --name lo1 -- $PY -m http.server --bind 127.0.0.1 8000 >/dev/null
"$BERTH" run -d --name any2 -- $PY -m http.server --bind 0.0.0.0 8000 >/dev/null
"$BERTH" run -d --name cli -- sleep 60 >/dev/null
L1=$(ctr_ip lo1)
A2=$(ctr_ip any2)
wait_for 10 "$BERTH" exec lo1 -- curl -sf http://127.0.0.1:8000/ ||
    fail "lo1: its own localhost server unreachable from inside"
"$BERTH" exec lo1 -- curl -sf http://localhost:8000/ >/dev/null ||
    fail "lo1: localhost (the name)"
wait_for 10 curl -sf "http://$A2:8000/" || fail "any2 unreachable by address"
"$BERTH" exec any2 -- curl -sf http://127.0.0.1:8000/ >/dev/null ||
    fail "any2: wildcard server unreachable as localhost"
# from elsewhere: refused
"$BERTH" exec cli -- curl -s --max-time 3 "http://$L1:8000/" >/dev/null &&
    fail "lo1's loopback server reachable from another container"
curl -s --max-time 3 "http://$L1:8000/" >/dev/null &&
    fail "lo1's loopback server reachable from the host by its address"
"$BERTH" exec cli -- curl -s --max-time 3 http://127.0.0.1:8000/ >/dev/null &&
    fail "cli's localhost reached another container's server"
LO1=$("$BERTH" exec lo1 -- sh -c 'echo $BERTH_LOOPBACK')
"$BERTH" exec cli -- curl -s --max-time 3 "http://$LO1:8000/" >/dev/null &&
    fail "cli reached lo1's loopback address $LO1 directly"
# the server sees its own client as 127.0.0.1
wait_for 5 sh -c "'$BERTH' logs lo1 | grep -q '^127.0.0.1 '" ||
    fail "lo1's server did not see 127.0.0.1: $("$BERTH" logs lo1 | tail -2)"
note "127.0.0.1:8000 in lo1 is lo1's only; 0.0.0.0:8000 in any2 serves both"

# postgres, default listen_addresses = localhost
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | tail -1)
[ -x "$PGBIN/postgres" ] || skip "needs postgresql (scripts/deps)"
PGD=$TMP/pg
mkdir -p "$PGD"
chmod 711 "$TMP"	# postgres runs as its own user
chown postgres "$PGD"
runuser -u postgres -- "$PGBIN/initdb" -D "$PGD/data" --auth=trust \
    -U postgres >"$TMP/initdb" 2>&1 || fail "initdb: $(tail -5 "$TMP/initdb")"
grep -q "^#listen_addresses = 'localhost'" "$PGD/data/postgresql.conf" ||
    fail "not postgres' default listen_addresses"
"$BERTH" run -d --name pg --user postgres -- "$PGBIN/postgres" -D "$PGD/data" \
    -k "$PGD" -p 5432 >/dev/null
PG=$(ctr_ip pg)
wait_for 20 "$BERTH" exec pg -- "$PGBIN/psql" -h 127.0.0.1 -U postgres \
    -c 'select 1' || fail "postgres unreachable as localhost in its container: $("$BERTH" logs pg | tail -5)"
[ "$("$BERTH" exec pg -- "$PGBIN/psql" -h localhost -U postgres -Atc "select inet_client_addr()")" = 127.0.0.1 ] ||
    fail "postgres saw its client as $("$BERTH" exec pg -- "$PGBIN/psql" -h localhost -U postgres -Atc 'select inet_client_addr()')"
"$BERTH" exec cli -- "$PGBIN/psql" -h "$PG" -U postgres -c 'select 1' \
    >"$TMP/other" 2>&1 && fail "postgres reachable from another container"
grep -q "refused" "$TMP/other" || fail "not refused: $(cat "$TMP/other")"
"$PGBIN/psql" -h "$PG" -U postgres -c 'select 1' >/dev/null 2>&1 &&
    fail "postgres reachable from the host by the container's address"
note "postgres (listen_addresses=localhost): own container only"

netd_kill "$NETD_PID"
[ -z "$(leftovers)" ] || fail "left behind: $(leftovers)"
