#!/bin/sh
# SPDX-License-Identifier: ISC
#
# netd_nfnetlink: container changes go as netd's own nf_tables batches
# (netd/fw_nl_linux.c), no nft process per change and no `nft -i`; what
# they put in the sets and maps is exactly what the text path loads for
# the same containers: `berth rules` (the full render of netd's live
# state) loaded into a second table of this test's (its chains left
# out, so it hooks nothing) holds the same elements, comments and
# counters included (nft -j, element order aside; lib.sh's
# nft_like_rules). Containers with published ports: single ports and
# ranges, with and without a host address, tcp and udp, and one on an
# internal network (@nonat). After
# deletes their elements are gone, the two tables again alike. A batch
# the kernel refuses (an element deleted behind netd's back) is logged,
# counted and repaired by a full load.
. "$(dirname "$0")/lib.sh"
need_netd
fresh_state

netd_start

P=$((23000 + slot * 40))
ctl_ok net_create '{"name": "priv", "internal": true}' >/dev/null
ctl_ok create '{"name": "web", "ports": ["'$P':80", "'$((P + 1))'-'$((P + 3))':81-83", "127.0.0.1:'$((P + 4))':84/udp"]}' >/dev/null
ctl_ok create '{"name": "dns", "ports": ["'$((P + 5))':53/udp", "127.0.0.1:'$((P + 6))'-'$((P + 8))':90-92/udp", "127.0.0.1:'$((P + 9))':99"]}' >/dev/null
ctl_ok create '{"name": "inner", "networks": ["priv"]}' >/dev/null
ctl_ok create '{"name": "plain"}' >/dev/null
wait_for 10 fw_settled || fail "not settled: $(ctl hello)"
[ "$(fw netlink)" -ge 4 ] ||
    fail "the creates did not go as netlink batches: $(ctl hello)"
[ "$(fw failures)" = 0 ] || fail "failed batches: $(ctl hello)"

nft_like_rules "after the creates"
# The comparison is of something: what it holds, spelled out.
nft list table inet "$BERTH_NFT_TABLE" >"$TMP/live.nft"
for e in "tcp . $((P + 2)) comment \"web\" :" \
    "127.0.0.1 . udp . $((P + 7)) comment \"dns\" :" \
    "127.0.0.1 . tcp . $((P + 9)) comment \"dns\" :"; do
	grep -qF "$e" "$TMP/live.nft" || fail "no element '$e' in $(cat "$TMP/live.nft")"
done
I=$(ctl_ok list | jget '[c["ip"] for c in j if c["name"] == "inner"][0]')
nft list set inet "$BERTH_NFT_TABLE" nonat | grep -qF "$I comment \"inner\"" ||
    fail "inner not in @nonat"
nft list set inet "$BERTH_NFT_TABLE" direct |
    grep -q "comment \"plain\"" || fail "plain not in @direct"
nft list set inet "$BERTH_NFT_TABLE" direct |
    grep -q "counter packets 0 bytes 0 comment" ||
    fail "no element counter in @direct (cloned from the set's)"

# No nft per change, and no nft -i: 40 creates and deletes.
p0=$(fw processes)
n0=$(fw netlink)
for i in $(seq 20); do
	ctl_ok create '{"name": "b'"$i"'", "ports": ["'$((P + 10 + i))':80"]}' >/dev/null
	ps -o comm= --ppid "$NETD_PID" | grep -qx nft &&
	    fail "an nft runs under netd: $(ps -f --ppid "$NETD_PID")"
done
for i in $(seq 20); do ctl_ok delete '{"name": "b'"$i"'"}' >/dev/null; done
wait_for 10 fw_settled || fail "not settled after the burst"
[ "$(fw processes)" = "$p0" ] ||
    fail "nft processes started by 40 changes: $(($(fw processes) - p0))"
[ "$(fw session_pid)" = -1 ] || fail "an nft session runs: $(ctl hello)"
[ "$(fw netlink)" -eq $((n0 + 40)) ] ||
    fail "not 40 batches: $(fw netlink) - $n0"

# Deletes take every element out.
WEB=$(ctl_ok list | jget '[c["ip"] for c in j if c["name"] == "web"][0]')
ctl_ok delete '{"name": "web"}' >/dev/null
ctl_ok delete '{"name": "inner"}' >/dev/null
wait_for 10 fw_settled || fail "not settled after the deletes"
nft list table inet "$BERTH_NFT_TABLE" >"$TMP/live.nft"
grep -q "\"web\"\|\"inner\"\|$WEB \|$I " "$TMP/live.nft" &&
    fail "elements left after the deletes: $(cat "$TMP/live.nft")"
nft_like_rules "after the deletes"

# A batch the kernel refuses: dns's udp port taken out behind netd's
# back, so deleting dns fails (ENOENT); logged, counted, the whole
# table loaded again, and the table converges.
nft delete element inet "$BERTH_NFT_TABLE" pub_any "{ udp . $((P + 5)) }"
ctl_ok delete '{"name": "dns"}' >/dev/null
wait_for 10 fw_settled || fail "not settled after the refused batch"
[ "$(fw failures)" = 1 ] || fail "failures: $(fw failures)"
grep -q "fw_nl_run: nfnetlink: delete from pub_any: No such file" \
    "$TMP/netd.log" || fail "not logged: $(tail -5 "$TMP/netd.log")"
nft_like_rules "after the repair"
nft list table inet "$BERTH_NFT_TABLE" | grep -q '"dns"' &&
    fail "dns's elements are back"
nft list set inet "$BERTH_NFT_TABLE" ctrs | grep -q '"plain"' ||
    fail "plain lost"
kill -0 "$NETD_PID" || fail "netd died"
exit 0
