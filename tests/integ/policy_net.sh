#!/bin/sh
# SPDX-License-Identifier: ISC
#
# policy_net: networks isolate (at once, by RST); rules reject at once,
# drop silently, and cut an established connection on its next packet;
# explain says why for each selector kind; counters and hit counts.
# Real servers (python3 http.server) on container addresses, real
# clients (python sockets, tests/integ/probe.py) bound to other containers' addresses.
. "$(dirname "$0")/lib.sh"
need_netd
fresh_state
need_cmd curl

netd_start -v
ctl_ok net_create '{"name": "front"}' >/dev/null
ctl_ok net_create '{"name": "back"}' >/dev/null
ctl_ok net_create '{"name": "priv", "internal": true}' >/dev/null
A=$(ctl_ok create '{"name": "a", "networks": ["front"], "meta": {"labels": {"app": "web"}}}' | jget 'j["ip"]')
B=$(ctl_ok create '{"name": "b", "networks": ["front"]}' | jget 'j["ip"]')
C=$(ctl_ok create '{"name": "c", "networks": ["back"]}' | jget 'j["ip"]')
D=$(ctl_ok create '{"name": "d", "networks": ["front", "back"]}' | jget 'j["ip"]')
E=$(ctl_ok create '{"name": "e", "networks": ["priv"]}' | jget 'j["ip"]')

for ip in "$A" "$B" "$C" "$D" "$E" "$GATEWAY"; do
	bg_start "$TMP/http-$ip.log" python3 -m http.server --bind "$ip" 8000
	wait_for 5 curl -sf -o /dev/null "http://$ip:8000/" ||
	    fail "http server on $ip"
done

# probe FROM TO [TIMEOUT]: one TCP connect to TO:8000 from FROM's
# address; prints "result ms" (tests/integ/probe.py).
probe() { python3 "$ROOT/tests/integ/probe.py" "$1" "$2" 8000 "${3:-5}"; }
# ok FROM TO / refused FROM TO: reached, or refused at once (< 100 ms).
ok() {
	r=$(probe "$1" "$2")
	[ "${r% *}" = open ] || fail "$1 -> $2: $r, expected to reach it"
}
refused() {
	r=$(probe "$1" "$2")
	case ${r% *} in refused|unreachable) ;;
	*) fail "$1 -> $2: $r, expected refused";; esac
	[ "${r#* }" -lt 100 ] || fail "$1 -> $2 took ${r#* } ms"
	note "$1 -> $2 ${r% *} in ${r#* } ms"
}

# Networks: a, b front; c back; d both; e internal priv.
ok "$A" "$B"
ok "$A" "$D"
ok "$C" "$D"
refused "$A" "$C"
refused "$C" "$A"
refused "$B" "$E"
# The host reaches everyone; an internal container not the host.
for ip in "$A" "$C" "$E"; do ok "$GATEWAY" "$ip"; done
refused "$E" "$GATEWAY"
"$BERTH" policy explain a c:8000 >"$TMP/x" || fail "explain"
grep -q '^reject (by network): networks: a (front) and c (back) share no network' \
    "$TMP/x" || fail "explain a c: $(cat "$TMP/x")"
"$BERTH" policy explain e host:8000 | grep -q 'internal networks only (priv)' ||
    fail "explain e host"
"$BERTH" policy explain e host:53/udp | grep -q '^allow' ||
    fail "explain e host:53/udp: $("$BERTH" policy explain e host:53/udp)"
[ "$(ctl_ok stats '{"name": "a"}' | jget 'j["a"]["drop_policy"]')" -ge 1 ] ||
    fail "a's drop_policy"

# Rules: drop times out, reject is fast, first match wins.
"$BERTH" policy add a b tcp/8000 drop >/dev/null || fail "policy add"
r=$(probe "$A" "$B" 1)
[ "${r% *}" = timeout ] || fail "dropped: $r, expected a timeout"
[ "${r#* }" -ge 900 ] || fail "dropped but failed after ${r#* } ms"
ok "$B" "$A"
ok "$A" "$D"
"$BERTH" policy add --before 1 a b reject >/dev/null || fail "add --before"
refused "$A" "$B"
"$BERTH" policy explain a b:8000 | grep -q '^reject (by rule 2)' ||
    fail "explain a b: $("$BERTH" policy explain a b:8000)"
"$BERTH" policy ls >"$TMP/ls"
grep -Eq '^2 +a +b +\* +reject +[1-9]' "$TMP/ls" || fail "ls: $(cat "$TMP/ls")"
grep -Eq '^1 +a +b +tcp/8000 +drop +[1-9]' "$TMP/ls" || fail "ls: $(cat "$TMP/ls")"
"$BERTH" policy rm 1 2 || fail "policy rm"
ok "$A" "$B"

# Every selector kind, explained without a packet.
"$BERTH" policy add label:app=web net:back tcp/8000-8010 reject >/dev/null
"$BERTH" policy add host "$POOL_NET.0.0/24" udp/53 drop >/dev/null
"$BERTH" policy add '*' outside icmp reject >/dev/null
"$BERTH" policy add b a allow >/dev/null
ex() { "$BERTH" policy explain "$1" "$2" | cut -d: -f1; }
[ "$(ex a d:8005)" = "reject (by rule 3)" ] || fail "label/net: $(ex a d:8005)"
[ "$(ex a d:8011)" = "allow (by default)" ] || fail "range end: $(ex a d:8011)"
[ "$(ex host "$B:53/udp")" = "drop (by rule 4)" ] || fail "host/cidr: $(ex host "$B:53/udp")"
[ "$(ex d 192.0.2.1/icmp)" = "reject (by rule 5)" ] || fail "outside: $(ex d 192.0.2.1/icmp)"
[ "$(ex b a:1)" = "allow (by rule 6)" ] || fail "name: $(ex b a:1)"
expect_fail 'rule.from: "Not A Name" is not a selector' \
    "$BERTH" policy add 'Not A Name' b allow
expect_fail 'rule.ports\[0\]' "$BERTH" policy add a b tcp/0 allow
expect_fail 'rule.action' "$BERTH" policy add a b maybe
expect_fail 'no container "nosuch"' "$BERTH" policy explain nosuch a
"$BERTH" policy rm 3 4 5 6

# An established connection is cut when a rule forbids it: RST to both
# ends on its next packet.
bg_start "$TMP/echo.log" python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 9000)); s.listen(1); c, _ = s.accept()
while True:
    try:
        d = c.recv(100)
    except ConnectionResetError:
        print("server: reset", flush=True); break
    if not d:
        print("server: eof", flush=True); break
    c.sendall(d)
' "$D"
sleep 0.3
python3 - "$A" "$D" "$BERTH" >"$TMP/cut" 2>&1 <<'P' || fail "cut: $(cat "$TMP/cut")"
import socket, subprocess, sys, time
a, d, berth = sys.argv[1:4]
s = socket.socket(); s.bind((a, 0)); s.connect((d, 9000))
s.sendall(b"one"); assert s.recv(10) == b"one"
subprocess.run([berth, "policy", "add", "a", "d", "tcp/9000", "reject"],
    check=True, stdout=subprocess.DEVNULL)
t0 = time.time()
s.settimeout(2)
try:
    s.sendall(b"two")
    r = s.recv(10)
    print("not cut: got", r); sys.exit(1)
except (ConnectionResetError, BrokenPipeError) as e:
    print("cut in %.0f ms: %s" % ((time.time() - t0) * 1000, e))
    sys.exit(0 if time.time() - t0 < 0.1 else 1)
P
note "$(cat "$TMP/cut")"
wait_for 2 grep -q 'server: reset' "$TMP/echo.log" ||
    fail "the server's end was not cut: $(cat "$TMP/echo.log")"
grep -q 'enforce_log: reject proto 6' "$TMP/netd.log" ||
    fail "denied flows are not logged at -v"

# Without rules and with one network the hook goes away.
"$BERTH" policy rm --stack nosuch >/dev/null
for id in $("$BERTH" policy ls --json | jget '" ".join(str(r["id"]) for r in j["rules"])'); do
	"$BERTH" policy rm "$id"
done
for n in a b c d e; do ctl_ok delete "{\"name\": \"$n\"}" >/dev/null; done
ctl_ok create '{"name": "f"}' >/dev/null
[ "$(ctl_ok policy_list | jget 'j["enforced"]')" = False ] ||
    fail "hook still registered"
grep -q 'router hook removed' "$TMP/netd.log" || fail "no hook removal logged"
