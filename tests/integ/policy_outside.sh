#!/bin/sh
# SPDX-License-Identifier: ISC
#
# policy_outside: where packets do not cross netd's router (a
# container's traffic to the outside and to the host's own addresses),
# the same decisions are in the nft table (chain policy_egress), from the
# one model: a rule rejecting container -> outside:port fails the
# connect at once while other ports and containers pass; drop times out;
# a rule about "host" holds for the host's own addresses; an established
# connection is cut on its next packet; a NetworkPolicy's egress
# isolation admits only its ipBlock and port; removing the rules
# restores everything. An "outside" host in a network namespace.
. "$(dirname "$0")/lib.sh"
need_netd
fresh_state
need_cmd python3 nft

PROBE="$ROOT/tests/integ/probe.py"
outside_ns pout
netd_start
A=$(ctl_ok create '{"name": "a", "meta": {"labels": {"app": "web"}}}' | jget 'j["ip"]')
B=$(ctl_ok create '{"name": "b"}' | jget 'j["ip"]')

# echo.py serve ADDR PORT | talk SRC ADDR PORT FILE: an echo server; a
# client that says hello, waits for FILE, then says again ("closed" when
# the connection breaks).
cat >"$TMP/echo.py" <<'PY'
import os, socket, sys, threading, time
if sys.argv[1] == "serve":
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((sys.argv[2], int(sys.argv[3]))); s.listen(64)
    def echo(c):
        while True:
            d = c.recv(100)
            if not d:
                break
            c.sendall(d)
    while True:
        threading.Thread(target=echo, args=(s.accept()[0],),
                         daemon=True).start()
s = socket.socket(); s.bind((sys.argv[2], 0))
s.connect((sys.argv[3], int(sys.argv[4]))); s.settimeout(10)
try:
    s.sendall(b"hello\n"); print("echo", s.recv(100).decode().strip(), flush=True)
    while not os.path.exists(sys.argv[5]):
        time.sleep(0.02)
    s.sendall(b"again\n"); d = s.recv(100)
    print("echo", d.decode().strip() if d else "", flush=True)
    if not d:
        print("closed eof", flush=True)
except OSError as e:
    print("closed", e, flush=True)
PY
for p in 8000 8001; do
	bg_start "$TMP/out$p.log" ip netns exec "$OUT_NS" python3 \
	    "$TMP/echo.py" serve "$OUT_IP" "$p"
done
bg_start "$TMP/host.log" python3 "$TMP/echo.py" serve "$OUT_HOST_IP" 8002
wait_for 5 sh -c "python3 '$PROBE' - '$OUT_IP' 8000 1 | grep -q open" ||
    fail "outside server"
wait_for 5 sh -c "python3 '$PROBE' - '$OUT_IP' 8001 1 | grep -q open" ||
    fail "outside server 8001"
wait_for 5 sh -c "python3 '$PROBE' - '$OUT_HOST_IP' 8002 1 | grep -q open" ||
    fail "host server"

# expect FROM TO PORT RESULT [WHY [TIMEOUT_S]]: open; refused in
# < 100 ms; or timeout.
expect() {
	r=$(python3 "$PROBE" "$1" "$2" "$3" "${6:-3}")
	[ "${r% *}" = "$4" ] || fail "$1 -> $2:$3: $r, expected $4 (${5:-})"
	[ "$4" != refused ] || [ "${r#* }" -lt 100 ] ||
	    fail "$1 -> $2:$3 refused after ${r#* } ms"
	note "$1 -> $2:$3: $r"
}
# explain FROM TO:PORT VERDICT: the model says the same, without a packet.
explain() {
	"$BERTH" policy explain "$1" "$2" | grep -q "^$3 " ||
	    fail "explain $1 $2: $("$BERTH" policy explain "$1" "$2"), expected $3"
}

expect "$A" "$OUT_IP" 8000 open
expect "$B" "$OUT_IP" 8000 open
expect "$A" "$OUT_HOST_IP" 8002 open

# An established connection, kept open across the rule change.
bg_start "$TMP/chat.log" python3 "$TMP/echo.py" talk "$A" "$OUT_IP" 8000 \
    "$TMP/cut"
CHAT=$BG_PID
wait_for 5 grep -q "^echo hello" "$TMP/chat.log" || fail "chat before the rule"

R1=$("$BERTH" policy add a outside tcp/8000 reject) || fail "policy add"
R1=$(echo "$R1" | tr -dc 0-9)
expect "$A" "$OUT_IP" 8000 refused "rule $R1"
expect "$A" "$OUT_IP" 8001 open "another port"
expect "$B" "$OUT_IP" 8000 open "another container"
explain a "$OUT_IP:8000" reject
explain a "$OUT_IP:8001" allow
nft list chain inet "$BERTH_NFT_TABLE" policy_egress |
    grep -q "ip saddr $A fib daddr type != local tcp dport 8000 counter packets [1-9].* reject with tcp reset comment \"rule $R1\"" ||
    fail "no rule $R1 with hits in policy_egress: $(nft list chain inet "$BERTH_NFT_TABLE" policy_egress)"
# The established connection is cut on its next packet (a RST).
touch "$TMP/cut"
wait_for 5 grep -q "^closed" "$TMP/chat.log" ||
    fail "established connection not cut: $(cat "$TMP/chat.log")"
if grep -q "^echo again" "$TMP/chat.log"; then
	fail "a packet passed the rule"
fi
kill "$CHAT" 2>/dev/null || true

R2=$("$BERTH" policy add label:app=web "$OUT_IP/32" tcp/8001 drop | tr -dc 0-9)
expect "$A" "$OUT_IP" 8001 timeout "rule $R2" 1
R3=$("$BERTH" policy add b host tcp/8002 reject | tr -dc 0-9)
expect "$B" "$OUT_HOST_IP" 8002 refused "rule $R3"
expect "$A" "$OUT_HOST_IP" 8002 open "rule $R3 is b's"
explain b "$OUT_HOST_IP:8002" reject

"$BERTH" policy rm "$R1" "$R2" "$R3" >/dev/null || fail "policy rm"
expect "$A" "$OUT_IP" 8000 open "rules removed"
expect "$A" "$OUT_IP" 8001 open "rules removed"
expect "$B" "$OUT_HOST_IP" 8002 open "rules removed"

# NetworkPolicy: app=web isolated for egress, admitted to OUT_IP:8001.
cat >"$TMP/np.json" <<EOF
{ "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
  "metadata": { "name": "web-out" },
  "spec": { "podSelector": { "matchLabels": { "app": "web" } },
            "policyTypes": ["Egress"],
            "egress": [ { "to": [ { "ipBlock": { "cidr": "$OUT_IP/32" } } ],
                          "ports": [ { "protocol": "TCP", "port": 8001 } ] } ] } }
EOF
"$BERTH" policy add -f "$TMP/np.json" >/dev/null || fail "add NetworkPolicy"
expect "$A" "$OUT_IP" 8000 refused "egress isolation"
expect "$A" "$OUT_IP" 8001 open "ipBlock and port"
expect "$A" "$OUT_HOST_IP" 8002 open "the host is not policed"
expect "$B" "$OUT_IP" 8000 open "b is not selected"
explain a "$OUT_IP:8000" reject
"$BERTH" policy rm --networkpolicy web-out >/dev/null || fail "rm NetworkPolicy"
expect "$A" "$OUT_IP" 8000 open "NetworkPolicy removed"
if nft list chain inet "$BERTH_NFT_TABLE" policy_egress | grep -q comment; then
	fail "filters left: $(nft list chain inet "$BERTH_NFT_TABLE" policy_egress)"
fi
