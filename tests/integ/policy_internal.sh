#!/bin/sh
# SPDX-License-Identifier: ISC
#
# policy_internal: a container on internal networks only reaches its
# networks' members and netd's DNS; on the paths that do not cross netd
# (the outside, the host's own addresses, published ports) the nft
# table refuses it at once: TCP RST, not a timeout. A container on a
# normal network keeps all three.
. "$(dirname "$0")/lib.sh"
need_netd
fresh_state
need_cmd curl python3

PROBE="$ROOT/tests/integ/probe.py"
outside_ns pin
netd_start
ctl_ok net_create '{"name": "priv", "internal": true}' >/dev/null
E=$(ctl_ok create '{"name": "e", "networks": ["priv"]}' | jget 'j["ip"]')
F=$(ctl_ok create '{"name": "f", "networks": ["priv"]}' | jget 'j["ip"]')
N=$(ctl_ok create '{"name": "n"}' | jget 'j["ip"]')
P=$(ctl_ok create '{"name": "p", "ports": ["18480:8000"]}' | jget 'j["ip"]')

bg_start "$TMP/out.log" ip netns exec "$OUT_NS" python3 -m http.server \
    --bind "$OUT_IP" 8000
bg_start "$TMP/hostsrv.log" python3 -m http.server --bind "$OUT_HOST_IP" 8001
bg_start "$TMP/p.log" python3 -m http.server --bind "$P" 8000
bg_start "$TMP/f.log" python3 -m http.server --bind "$F" 8000
wait_for 5 ip netns exec "$OUT_NS" curl -sf -o /dev/null "http://$OUT_IP:8000/" ||
    fail "outside server"
wait_for 5 curl -sf -o /dev/null "http://$OUT_HOST_IP:8001/" || fail "host server"
wait_for 5 curl -sf -o /dev/null "http://$P:8000/" || fail "p server"
wait_for 5 curl -sf -o /dev/null "http://$F:8000/" || fail "f server"

# expect FROM TO PORT RESULT: RESULT open, or refused in < 100 ms.
expect() {
	r=$(python3 "$PROBE" "$1" "$2" "$3" 3)
	[ "${r% *}" = "$4" ] || fail "$1 -> $2:$3: $r, expected $4"
	[ "$4" = open ] || [ "${r#* }" -lt 100 ] ||
	    fail "$1 -> $2:$3 refused after ${r#* } ms"
	note "$1 -> $2:$3: $r"
}
expect "$N" "$OUT_IP" 8000 open
expect "$N" "$OUT_HOST_IP" 8001 open
expect "$N" "$OUT_HOST_IP" 18480 open
expect "$E" "$F" 8000 open
expect "$E" "$OUT_IP" 8000 refused
expect "$E" "$OUT_HOST_IP" 8001 refused
expect "$E" "$OUT_HOST_IP" 18480 refused
expect "$E" "$GATEWAY" 8000 refused
# The same verdicts, explained from the one model.
"$BERTH" policy explain e "$OUT_IP:8000" | grep -q '^reject (by network)' ||
    fail "explain e outside: $("$BERTH" policy explain e "$OUT_IP:8000")"
"$BERTH" policy explain e "$OUT_HOST_IP:8001" | grep -q 'not host' ||
    fail "explain e host: $("$BERTH" policy explain e "$OUT_HOST_IP:8001")"
nft list chain inet "$BERTH_NFT_TABLE" internal_output | grep -q 'reject with tcp reset' ||
    fail "no internal_output chain"
