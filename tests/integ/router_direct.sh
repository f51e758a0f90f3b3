#!/bin/sh
# SPDX-License-Identifier: ISC
#
# The direct path of the pool's own traffic (nft @direct, @peers;
# docs/netd.md): while netd's router would only forward, the host's
# connections to a container and containers' connections to each other
# go over lo: netd's router reads and writes none of their packets (the
# containers' rx and tx counters stay flat), the sets' element counters
# count them. Traffic to the gateway stays on the router. From the
# answer to `berth capture`, `berth link set`, `berth policy add` or the
# creation of a container on a second or an internal network on,
# container to container crosses the router again: the capture sees it,
# networks and rules refuse, and a connection opened over lo is cut on
# its next packet by a rule that forbids it. A capture, a link or a rule
# takes only the containers it names off the direct path: f, which none
# names, keeps talking to b and the host over lo meanwhile; a rule from
# b to anything takes b out of @peers only.
# BERTH_NETD_DIRECT=0 keeps everything on the router.
. "$(dirname "$0")/lib.sh"
need_netd
fresh_state
need_cmd curl tshark

netd_start
. "$(dirname "$0")/direct.sh"
A=$(ctl_ok create '{"name": "a"}' | jget 'j["ip"]')
B=$(ctl_ok create '{"name": "b"}' | jget 'j["ip"]')
F=$(ctl_ok create '{"name": "f"}' | jget 'j["ip"]')
# Servers on a's, b's, f's and the gateway's address (host processes: the
# rules look at addresses only).
for ip in "$A" "$B" "$F" "$GATEWAY"; do
	bg_start "$TMP/http-$ip.log" python3 -m http.server --bind "$ip" 8000
	wait_for 5 curl -sf -o /dev/null "http://$ip:8000/" ||
	    fail "http server on $ip"
done

# io: the packets of the containers in IO (a and b) through netd's router
IO="a b"
io() {
	ctl_ok stats '{}' | jget 'sum(j[n]["rx_packets"] + j[n]["tx_packets"]
	    for n in "'"$IO"'".split())'
}
# unnamed WHAT: while a capture or link names a, b and f stay in both
# sets and talk over lo, b -> f and the host -> f
unnamed() {
	in_set peers "$B" && in_set peers "$F" && in_set direct "$F" ||
	    fail "$1: b or f left the sets"
	IO="b f"
	flat "$1 (b, f unnamed)" "$B" "$F"
	flat "$1 (f unnamed)" - "$F"
	IO="a b"
}
probe() { python3 "$ROOT/tests/integ/probe.py" "$1" "$2" 8000 "${3:-5}"; }
# conns FROM TO: five connections (FROM - is the host: the gateway)
conns() {
	for _i in 1 2 3 4 5; do
		_r=$(probe "$1" "$2")
		[ "${_r% *}" = open ] || fail "$1 -> $2: $_r"
	done
}
# flat WHAT FROM TO: five connections, no packet through the router
flat() {
	_t=$(io)
	conns "$2" "$3"
	[ "$(io)" -eq "$_t" ] ||
	    fail "$1: $2 -> $3: $(($(io) - _t)) packet(s) through the router"
}
# routed WHAT FROM TO: five connections, all through the router
routed() {
	_t=$(io)
	conns "$2" "$3"
	[ "$(io)" -ge $((_t + 25)) ] ||
	    fail "$1: $2 -> $3: only $(($(io) - _t)) packet(s) routed"
}
# refused WHAT FROM TO: refused at once (by the router)
refused() {
	_r=$(probe "$2" "$3")
	case ${_r% *} in refused|unreachable) ;;
	*) fail "$1: $2 -> $3: $_r, expected refused";; esac
}
peers() { in_set peers "$A" && in_set peers "$B"; }
no_peers() { ! in_set peers "$A" && ! in_set peers "$B"; }

# Idle: host -> a and b -> a over lo, counted on the sets.
wait_for 5 peers || fail "a and b never joined @peers"
in_set direct "$A" || fail "a not in @direct"
d0=$(set_packets direct "$A")
p0=$(set_packets peers "$A")
flat "idle" - "$A"
flat "idle" "$B" "$A"
[ "$(set_packets direct "$A")" -gt "$d0" ] ||
    fail "no host packet counted on a's @direct element"
[ "$(set_packets peers "$A")" -gt "$p0" ] ||
    fail "no container packet counted on a's @peers element"
# The peers a's server sees: b, and the gateway for the host, as before.
curl -s -o /dev/null --interface "$B" "http://$A:8000/b" || fail "curl b -> a"
curl -s -o /dev/null "http://$A:8000/host" || fail "curl host -> a"
grep -q "^$B .*GET /b " "$TMP/http-$A.log" || fail "a's server did not see b"
grep -q "^$GATEWAY .*GET /host " "$TMP/http-$A.log" ||
    fail "a's server did not see the gateway: $(tail -2 "$TMP/http-$A.log")"
# The gateway is netd's own (DNS): a -> gateway crosses the router.
routed "to the gateway" "$A" "$GATEWAY"

# A connection opened over lo, then a rule that forbids it: the rule's
# answer takes it back to the router, its next packet is refused (RST).
cat >"$TMP/echo.py" <<'PY'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 7000))
s.listen(4)
print("ready", flush=True)
while True:
    c, _ = s.accept()
    for line in c.makefile("rb"):
        c.sendall(line)
PY
bg_start "$TMP/echo.log" python3 "$TMP/echo.py" "$A"
wait_for 5 grep -q ready "$TMP/echo.log" || fail "echo server on a"
cat >"$TMP/chat.py" <<'PY'
import os, socket, sys, time
s = socket.create_connection((sys.argv[2], 7000), 5, (sys.argv[1], 0))
f = s.makefile("rwb", buffering=0)
f.write(b"1\n")
print("ok1" if f.readline() == b"1\n" else "bad1", flush=True)
while not os.path.exists(sys.argv[3]):
    time.sleep(0.02)
try:
    f.write(b"2\n")
    print("ok2" if f.readline() == b"2\n" else "closed2", flush=True)
except OSError as e:
    print("err2", e.errno, flush=True)
PY
bg_start "$TMP/chat.log" python3 "$TMP/chat.py" "$B" "$A" "$TMP/cut"
wait_for 5 grep -q ok1 "$TMP/chat.log" || fail "b -> a:7000: $(cat "$TMP/chat.log")"
t=$(io)
R=$("$BERTH" policy add b a tcp/7000 reject | tr -dc 0-9) ||
    fail "policy add"
in_set peers "$A" && fail "a still in @peers when policy add returned"
in_set direct "$A" && fail "a still in @direct with a rule"
touch "$TMP/cut"
wait_for 5 grep -q "2" "$TMP/chat.log" || fail "the chat never ended"
grep -q ok2 "$TMP/chat.log" &&
    fail "b -> a:7000 still talks after the rule: $(cat "$TMP/chat.log")"
[ "$(io)" -gt "$t" ] || fail "the chat's second line never reached the router"
r=$(python3 "$ROOT/tests/integ/probe.py" "$B" "$A" 7000)
case ${r% *} in refused|unreachable) ;;
*) fail "rule: b -> a:7000: $r";; esac
# The rule's to names a: b and f stay in both sets.
unnamed "rule b -> a"
"$BERTH" policy rm "$R" >/dev/null || fail "policy rm"
wait_for 5 peers || fail "a and b not back in @peers after policy rm"
flat "after policy rm" "$B" "$A"

# A rule from b to anything: b leaves @peers (its flows to containers
# cross the router), stays in @direct (the host's flows to b are not the
# rule's); a and f stay in both and talk over lo.
R=$("$BERTH" policy add b '*' tcp/8000 reject | tr -dc 0-9) ||
    fail "policy add b *"
in_set peers "$B" && fail "b still in @peers when policy add b * returned"
in_set direct "$B" || fail "b left @direct for a rule from b"
in_set peers "$A" && in_set peers "$F" && in_set direct "$A" ||
    fail "a or f left the sets for a rule from b"
IO="b"
t=$(io)
refused "rule from b" "$B" "$A"
refused "rule from b" "$B" "$F"
[ "$(io)" -gt "$t" ] || fail "rule from b: no packet through the router"
IO="a f"
flat "rule from b (a, f)" "$A" "$F"
IO="b"
flat "rule from b (host -> b)" - "$B"
IO="a b"
"$BERTH" policy rm "$R" >/dev/null || fail "policy rm b *"
wait_for 5 peers || fail "b not back in @peers after policy rm"
# A rule that can decide nobody's flow (its to names no container) moves
# nobody: the sets are not written again (which would reset the
# elements' counters).
IO="b f"
flat "before a rule for nobody" "$B" "$F"
p0=$(set_packets peers "$B")
[ "$p0" -gt 0 ] || fail "no packet counted on b's @peers element"
R=$("$BERTH" policy add b nosuch tcp/9 reject | tr -dc 0-9) ||
    fail "policy add b nosuch"
wait_for 5 fw_settled || fail "the firewall's queue never emptied"
[ "$(set_packets peers "$B")" -ge "$p0" ] ||
    fail "a rule for nobody wrote the sets again"
"$BERTH" policy rm "$R" >/dev/null || fail "policy rm b nosuch"
IO="a b"

# A capture of a: a out of both sets from its answer on; it sees b's
# SYNs; b and f stay.
capture_bg cap -w "$TMP/a.pcap" a
in_set peers "$A" && fail "a still in @peers while a capture runs"
in_set direct "$A" && fail "a still in @direct while a capture runs"
routed "capture" "$B" "$A"
unnamed "capture of a"
capture_end cap
n=$(tshark -r "$TMP/a.pcap" -Y "ip.src == $B && ip.dst == $A && \
    tcp.flags.syn == 1 && tcp.flags.ack == 0" 2>/dev/null | wc -l)
[ "$n" -eq 5 ] || fail "the capture saw $n SYN(s) from b to a, not 5"
wait_for 5 peers || fail "not back in @peers after the capture"
flat "after the capture" "$B" "$A"

# A link: out of @peers when `link set` returns.
"$BERTH" link set a --delay 1ms || fail "link set"
in_set peers "$A" && fail "a still in @peers with a link"
routed "link" "$B" "$A"
unnamed "link of a"
"$BERTH" link rm a || fail "link rm"
wait_for 5 peers || fail "not back in @peers after link rm"

# A link between b and f: both ends leave, a stays.
"$BERTH" link set b f --delay 1ms || fail "link set b f"
in_set peers "$B" || in_set peers "$F" && fail "b or f still in @peers"
in_set direct "$A" && in_set peers "$A" || fail "a left the sets for b-f"
IO="b f"
routed "link b-f" "$B" "$F"
IO="a"
flat "link b-f (a unnamed)" - "$A"
IO="a b"
"$BERTH" link rm b f || fail "link rm b f"
wait_for 5 sh -c "nft list set inet $BERTH_NFT_TABLE peers |
    grep -q '[ 	]$F '" || fail "f not back in @peers after link rm"

# A second network: networks may refuse now, so @peers empties before
# the create is answered; the host stays direct (networks never refuse
# it); c (other network) is refused, b still reaches a, by the router.
ctl_ok net_create '{"name": "other"}' >/dev/null
C=$(ctl_ok create '{"name": "c", "networks": ["other"]}' | jget 'j["ip"]')
no_peers || fail "@peers not empty when c's create returned"
in_set direct "$A" || fail "a left @direct for a second network"
refused "two networks" "$C" "$A"
routed "two networks" "$B" "$A"
flat "two networks" - "$A"
ctl_ok delete '{"name": "c"}' >/dev/null
wait_for 5 peers || fail "not back in @peers after c's removal"
flat "one network again" "$B" "$A"

# An internal network: the same; e is in neither set.
ctl_ok net_create '{"name": "priv", "internal": true}' >/dev/null
E=$(ctl_ok create '{"name": "e", "networks": ["priv"]}' | jget 'j["ip"]')
no_peers || fail "@peers not empty when e's create returned"
in_set direct "$E" && fail "internal e in @direct"
refused "internal" "$E" "$A"
routed "internal" "$B" "$A"
ctl_ok delete '{"name": "e"}' >/dev/null
wait_for 5 peers || fail "not back in @peers after e's removal"

# The escape hatch: netd again with BERTH_NETD_DIRECT=0, same state.
kill -KILL "$NETD_PID"
wait "$NETD_PID" 2>/dev/null || true
export BERTH_NETD_DIRECT=0
netd_start
wait_for 5 sh -c "nft list set inet $BERTH_NFT_TABLE peers >/dev/null" ||
    fail "no @peers set after restart"
in_set peers "$A" && fail "BERTH_NETD_DIRECT=0: a in @peers"
in_set direct "$A" && fail "BERTH_NETD_DIRECT=0: a in @direct"
routed "BERTH_NETD_DIRECT=0" "$B" "$A"
routed "BERTH_NETD_DIRECT=0" - "$A"
echo "PASS $TNAME"
