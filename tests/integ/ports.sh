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
# Host ports nobody holds now (never 8080: the demo's).
HP=$(free_port 0.0.0.0)
UP=$(free_port 0.0.0.0 udp)
BP=$(free_port 0.0.0.0)

"$BERTH" run -d --name web -p "$HP:8000$OPT" -- \
    $PY -m http.server 8000 >/dev/null || fail "run web"
"$BERTH" run -d --name echo -p "$UP:5353/udp$OPT" -- \
    $PY "$ROOT/tests/integ/udp_echo.py" serve 5353 >/dev/null ||
    fail "run echo"
WEB=$(ctr_ip web)
wait_for 10 curl -sf "http://$WEB:8000/" || fail "web not up"
wait_for 10 sh -c "'$BERTH' logs echo | grep -q ready" || fail "echo not up"
"$BERTH" port web | grep -q "8000/tcp -> 0.0.0.0:$HP" ||
    fail "berth port: $("$BERTH" port web)"

# From the host: localhost and the host's own address.
curl -sf http://127.0.0.1:$HP/ | grep -q 'Directory listing' ||
    fail "host -> 127.0.0.1:$HP"
curl -sf "http://$OUT_HOST_IP:$HP/" | grep -q 'Directory listing' ||
    fail "host -> $OUT_HOST_IP:$HP"
# From the outside host, through its veth.
ip netns exec "$OUT_NS" curl -sf -m 5 "http://$OUT_HOST_IP:$HP/" |
    grep -q 'Directory listing' || fail "outside -> $OUT_HOST_IP:$HP"
if [ -z "$OPT" ]; then
	wait_for 5 sh -c "'$BERTH' logs web | grep -q '^$OUT_IP '" ||
	    fail "web did not log the outside client $OUT_IP"
else
	wait_for 5 sh -c "'$BERTH' logs web | grep -q '^$GATEWAY '" ||
	    fail "web did not log the proxy's address $GATEWAY"
fi

# UDP echo, from the host and from outside.
[ "$($PY "$ROOT/tests/integ/udp_echo.py" ask 127.0.0.1 "$UP" hi)" = echo:hi ] ||
    fail "udp host -> 127.0.0.1:$UP"
[ "$(ip netns exec "$OUT_NS" $PY "$ROOT/tests/integ/udp_echo.py" ask \
    "$OUT_HOST_IP" "$UP" out)" = echo:out ] || fail "udp outside -> $UP"

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
expect_fail "$HP" "$BERTH" run -d --name dup -p "$HP:9$OPT" -- true
$PY -c 'import socket,sys,time
s=socket.socket(); s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(); time.sleep(30)' "$BP" &
hold=$!
at_exit "kill $hold"
wait_for 5 sh -c "ss -ltn | grep -q ':$BP '"
expect_fail "$BP" "$BERTH" run -d --name dup -p "$BP:80$OPT" -- true
expect_fail 'no such container' "$BERTH" inspect dup

# kill -9 and restart: each rule exactly once, the same server answers.
kill -KILL "$NETD_PID"
wait "$NETD_PID" 2>/dev/null || true
netd_start
wait_for 5 curl -sf http://127.0.0.1:$HP/ ||
    fail "127.0.0.1:$HP after restart"
if [ -z "$OPT" ]; then
	n=$(nft list table inet "$BERTH_NFT_TABLE" | grep -c "$HP")
	[ "$n" -eq 1 ] || fail "$HP appears $n times after restart"
fi

# Removing the container removes its rules.
"$BERTH" rm -f web >/dev/null
# netd applies rule changes right after its reply, in the background.
rules_gone() { ! nft list table inet "$BERTH_NFT_TABLE" | grep -q "$HP"; }
wait_for 2 rules_gone || fail "rules of web left after rm"
curl -sf -m 2 http://127.0.0.1:$HP/ >/dev/null && fail "$HP still answers"
"$BERTH" rm -f echo >/dev/null

# netd's stop removes its table and everything else.
netd_kill "$NETD_PID"
[ -z "$(leftovers)" ] || fail "left behind: $(leftovers)"
has_local_rule || fail "no lookup local rule"
exit 0
