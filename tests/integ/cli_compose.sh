#!/bin/sh
# SPDX-License-Identifier: ISC
#
# berth up with a docker-compose.yml (no -f: found in the directory),
# images mapped through x-berth, CMD-SHELL healthchecks run in the
# container, depends_on service_healthy, env_file, service names,
# labels for policy; a
# YAML berth stack; down.
. "$(dirname "$0")/lib.sh"
need_root
need_tun
need_cmd curl nft redis-server redis-cli
PY=/usr/bin/python3
P1=$((19300 + slot * 10))

netd_start
mkdir -p "$TMP/hits/site"
echo '<h1>hits</h1>' >"$TMP/hits/site/index.html"
printf 'GREETING=hello from env_file\n' >"$TMP/hits/web.env"
cat >"$TMP/hits/docker-compose.yml" <<Y
services:
  redis:
    image: redis:7-alpine
    labels: [app=cache]
    healthcheck:
      test: ["CMD", "redis-cli", "ping"]
      interval: 200ms
      retries: 50
  web:
    image: python:3
    command: python3 -m http.server 8000
    working_dir: $TMP/hits/site
    env_file: web.env
    environment:
      REDIS_HOST: redis
    ports:
      - "127.0.0.1:$P1:8000"
    depends_on:
      redis:
        condition: service_healthy
    healthcheck:
      test: ["CMD-SHELL", "redis-cli -h \$\$REDIS_HOST ping | grep -q PONG"]
      interval: 200ms
x-berth:
  images:
    redis:7-alpine:
      command: [redis-server, --save, "", --protected-mode, "no"]
    python:3:
      entrypoint: []
Y
# compose's \$\$ is a literal \$; berth does not interpolate: use \$
sed -i 's/\$\$REDIS_HOST/$REDIS_HOST/' "$TMP/hits/docker-compose.yml"
cd "$TMP/hits"
at_exit "cd '$TMP/hits' && BERTH_NO_AUTOSTART=1 '$BERTH' down"
"$BERTH" up >"$TMP/up" 2>&1 || fail "up: $(cat "$TMP/up")"
grep -q "^redis .*hits-redis .*created" "$TMP/up" || fail "up: $(cat "$TMP/up")"
wait_for 10 sh -c "curl -sf http://127.0.0.1:$P1/ | grep -q hits" || fail "published port"
[ "$("$BERTH" exec web -- sh -c 'echo $GREETING')" = "hello from env_file" ] ||
    fail "env_file"
[ "$("$BERTH" exec web -- redis-cli -h redis ping)" = PONG ] || fail "web -> redis by name"
"$BERTH" config | grep -q '"cmd"' || fail "config: $("$BERTH" config)"
# compose's labels are policy's labels
id=$("$BERTH" policy add hits-web label:app=cache tcp/6379 reject) ||
    fail "policy add"
"$BERTH" policy explain hits-web hits-redis:6379 >"$TMP/ex"
grep -q "^reject (by rule $id)" "$TMP/ex" || fail "label:app=cache: $(cat "$TMP/ex")"
"$BERTH" policy rm "$id" || fail "policy rm"
"$BERTH" up >"$TMP/up2" 2>&1 || fail "second up"
[ "$(grep -c ' running ' "$TMP/up2")" -eq 2 ] || fail "second up: $(cat "$TMP/up2")"
"$BERTH" down >"$TMP/down" || fail "down"
grep -qx "removed container hits-web" "$TMP/down" || fail "down: $(cat "$TMP/down")"

# a healthcheck command that never passes: named, rolled back
cat >"$TMP/hits/docker-compose.yml" <<'Y'
services:
  sick:
    command: [sleep, "30"]
    healthcheck:
      test: ["CMD", "false"]
      interval: 100ms
      retries: 3
Y
expect_fail 'healthcheck cmd false failed 3 times' "$BERTH" up
grep -q "removing 1 container" "$TMP/err" || fail "rollback: $(cat "$TMP/err")"

# a berth stack in YAML, with -f, errors with their line
cat >"$TMP/s.yaml" <<'Y'
name: ys
services:
  a:
    command: [sleep, "30"]
Y
"$BERTH" up -f "$TMP/s.yaml" >/dev/null || fail "up YAML stack"
"$BERTH" ps | grep -q '^ys-a ' || fail "ys-a not running"
"$BERTH" down -f "$TMP/s.yaml" >/dev/null
printf 'name: ys\nservices:\n  a:\n    command: [sleep, "30"]\n    ip: nope\n' >"$TMP/bad.yaml"
expect_fail 'line 5: services.a.ip' "$BERTH" up -f "$TMP/bad.yaml"

cd /
netd_kill "$NETD_PID"
[ -z "$(leftovers)" ] || fail "left behind: $(leftovers)"
