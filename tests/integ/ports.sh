# SPDX-License-Identifier: ISC
#
# tests/integ/ports.sh: the published-port scenarios of issue 6, sourced
# by ports_kernel.sh and ports_proxy.sh with OPT set to "" or ",proxy".
# The server logs the real client for the kernel path, netd's gateway
# address for the proxy path.
need_root
need_tun
need_cmd curl nft ip

PY=/usr/bin/python3
outside_ns ports
netd_start

"$BERTH" run -d --name web -p "8080:8000$OPT" -- \
    $PY -m http.server 8000 >/dev/null || fail "run web"
"$BERTH" run -d --name echo -p "5353:5353/udp$OPT" -- \
    $PY "$ROOT/tests/integ/udp_echo.py" serve 5353 >/dev/null ||
    fail "run echo"
WEB=$(ctr_ip web)
wait_for 10 curl -sf "http://$WEB:8000/" || fail "web not up"
wait_for 10 sh -c "'$BERTH' logs echo | grep -q ready" || fail "echo not up"
"$BERTH" port web | grep -q '8000/tcp -> 0.0.0.0:8080' ||
    fail "berth port: $("$BERTH" port web)"

# From the host: localhost and the host's own address.
curl -sf http://127.0.0.1:8080/ | grep -q 'Directory listing' ||
    fail "host -> 127.0.0.1:8080"
curl -sf "http://$OUT_HOST_IP:8080/" | grep -q 'Directory listing' ||
    fail "host -> $OUT_HOST_IP:8080"
# From the outside host, through its veth.
ip netns exec "$OUT_NS" curl -sf -m 5 "http://$OUT_HOST_IP:8080/" |
    grep -q 'Directory listing' || fail "outside -> $OUT_HOST_IP:8080"
if [ -z "$OPT" ]; then
	wait_for 5 sh -c "'$BERTH' logs web | grep -q '^$OUT_IP '" ||
	    fail "web did not log the outside client $OUT_IP"
else
	wait_for 5 sh -c "'$BERTH' logs web | grep -q '^$GATEWAY '" ||
	    fail "web did not log the proxy's address $GATEWAY"
fi

# UDP echo, from the host and from outside.
[ "$($PY "$ROOT/tests/integ/udp_echo.py" ask 127.0.0.1 5353 hi)" = echo:hi ] ||
    fail "udp host -> 127.0.0.1:5353"
[ "$(ip netns exec "$OUT_NS" $PY "$ROOT/tests/integ/udp_echo.py" ask \
    "$OUT_HOST_IP" 5353 out)" = echo:out ] || fail "udp outside -> 5353"

# Egress: a container reaches a server in the outside namespace, which
# sees the host's veth address (masquerade).
ip netns exec "$OUT_NS" $PY -m http.server 9000 --bind "$OUT_IP" \
    >"$TMP/outside.log" 2>&1 &
at_exit "kill $!"
wait_for 5 ip netns exec "$OUT_NS" curl -sf "http://$OUT_IP:9000/" || {
	fail "outside server not up: $(cat "$TMP/outside.log")"
}
"$BERTH" exec web -- curl -sf -m 5 "http://$OUT_IP:9000/" >/dev/null ||
    fail "container -> outside"
grep -q "^$OUT_HOST_IP " "$TMP/outside.log" ||
    fail "outside server did not see $OUT_HOST_IP: $(tail -2 "$TMP/outside.log")"

# A host port already published, or held by a host listener, is refused.
expect_fail '8080' "$BERTH" run -d --name dup -p "8080:9$OPT" -- true
$PY -c 'import socket,time
s=socket.socket(); s.bind(("0.0.0.0", 18111)); s.listen(); time.sleep(30)' &
hold=$!
at_exit "kill $hold"
wait_for 5 sh -c "ss -ltn | grep -q ':18111 '"
expect_fail '18111' "$BERTH" run -d --name dup -p "18111:80$OPT" -- true
expect_fail 'no such container' "$BERTH" inspect dup

# kill -9 and restart: each rule exactly once, the same server answers.
kill -KILL "$NETD_PID"
wait "$NETD_PID" 2>/dev/null || true
netd_start
wait_for 5 curl -sf http://127.0.0.1:8080/ ||
    fail "127.0.0.1:8080 after restart"
if [ -z "$OPT" ]; then
	n=$(nft list table inet "$BERTH_NFT_TABLE" | grep -c '8080')
	[ "$n" -eq 1 ] || fail "8080 appears $n times after restart"
fi

# Removing the container removes its rules.
"$BERTH" rm -f web >/dev/null
# netd applies rule changes right after its reply, in the background.
rules_gone() { ! nft list table inet "$BERTH_NFT_TABLE" | grep -q '8080'; }
wait_for 2 rules_gone || fail "rules of web left after rm"
curl -sf -m 2 http://127.0.0.1:8080/ >/dev/null && fail "8080 still answers"
"$BERTH" rm -f echo >/dev/null

# netd's stop removes its table and everything else.
netd_kill "$NETD_PID"
[ -z "$(leftovers)" ] || fail "left behind: $(leftovers)"
has_local_rule || fail "no lookup local rule"
exit 0
