#!/bin/sh
# SPDX-License-Identifier: ISC
#
# netd_nl_fallback: when the kernel refuses netd's first nf_tables
# batch, as a kernel without something the batch uses would, netd
# sends container changes to `nft -i` from then on, and the refused
# change is not lost: the session applies it. netd here is
# build/tests/helpers/netd_refuse_linux, berth-netd with its Nth batch
# (BERTH_TEST_NL_REFUSE) made one whose first message has a type no
# kernel handles; the kernel answers EINVAL and applies nothing of it
# (tests/helpers/linux/netd_refuse.c).
#
# First batch refused: logged, nothing counted as failed, hello's
# firewall.netlink 0 and an nft session; every change after it goes
# to the session, and the live sets and maps hold what `berth rules`
# renders (lib.sh's nft_like_rules). netd killed and started again,
# its second batch refused: the restart loads the table from the state
# (the sets again like the render), the first batch goes, the refused
# second one is counted and repaired by a full load (its container's
# elements in), and later changes go as batches again: a later
# refusal does not turn the writer off. Started once more with its
# netlink socket refused (BERTH_TEST_NL_REFUSE=socket, a seccomp filter
# on netd's socket() alone): logged, the changes through the session,
# the sets again like the render.
. "$(dirname "$0")/lib.sh"
need_netd
fresh_state
NETD=$HELPERS/netd_refuse_linux
[ -x "$NETD" ] || skip "build/tests/helpers/netd_refuse_linux is not built"

export BERTH_TEST_NL_REFUSE=1
netd_start
P=$((24000 + slot * 40))
ctl_ok net_create '{"name": "priv", "internal": true}' >/dev/null
ctl_ok create '{"name": "web", "ports": ["'$P':80", "'$((P + 1))'-'$((P + 3))':81-83", "127.0.0.1:'$((P + 4))':84/udp"]}' >/dev/null
ctl_ok create '{"name": "inner", "networks": ["priv"]}' >/dev/null
ctl_ok create '{"name": "plain"}' >/dev/null
wait_for 10 fw_settled || fail "not settled: $(ctl hello)"
grep -q "fw_nl_run: nfnetlink: the batch: Invalid argument; container changes go to nft from now on" \
    "$TMP/netd.log" || fail "the fallback was not logged: $(cat "$TMP/netd.log")"
[ "$(fw netlink)" = 0 ] || fail "batches counted as applied: $(ctl hello)"
[ "$(fw failures)" = 0 ] || fail "the refusal counted as a failure: $(ctl hello)"
S=$(fw session_pid)
[ "$S" -gt 0 ] && grep -q nft "/proc/$S/cmdline" ||
    fail "no nft session: $(ctl hello)"
# (and the direct path's sets, which the internal network changed)
C=$(fw changes)
[ "$C" -ge 3 ] || fail "not 3 changes through the session: $(ctl hello)"
nft_like_rules "after the first batch was refused"
# web's change, the refused one, is in: its address, a port of its range.
nft list table inet "$BERTH_NFT_TABLE" >"$TMP/live.nft"
grep -qF "tcp . $((P + 2)) comment \"web\" :" "$TMP/live.nft" ||
    fail "web's ports are not in: $(cat "$TMP/live.nft")"
nft list set inet "$BERTH_NFT_TABLE" ctrs | grep -qF 'comment "web"' ||
    fail "web is not in @ctrs"

# The writer stays off: 10 more changes, all through the same session.
for i in $(seq 5); do
	ctl_ok create '{"name": "b'"$i"'", "ports": ["'$((P + 10 + i))':80"]}' >/dev/null
done
for i in 1 2 3; do ctl_ok delete '{"name": "b'"$i"'"}' >/dev/null; done
ctl_ok delete '{"name": "inner"}' >/dev/null
ctl_ok delete '{"name": "b5"}' >/dev/null
wait_for 10 fw_settled || fail "not settled after the burst"
[ "$(fw netlink)" = 0 ] && [ "$(fw failures)" = 0 ] &&
    [ "$(fw changes)" -ge $((C + 10)) ] && [ "$(fw processes)" = 1 ] &&
    [ "$(fw session_pid)" = "$S" ] ||
    fail "not 10 more changes through session $S alone: $(ctl hello)"
[ "$(grep -c "container changes go to nft" "$TMP/netd.log")" = 1 ] ||
    fail "the fallback was logged more than once"
nft_like_rules "after the changes through the session"

# Killed and started again; now its second batch is refused.
kill -KILL "$NETD_PID"
wait "$NETD_PID" 2>/dev/null || true
: >"$TMP/netd.log"
export BERTH_TEST_NL_REFUSE=2
netd_start
[ "$(ctl_ok list | jget 'len(j)')" = 3 ] ||
    fail "not web, plain and b4 after the restart: $(ctl_ok list)"
nft_like_rules "after the restart"
ctl_ok create '{"name": "c1"}' >/dev/null
wait_for 10 fw_settled || fail "not settled after c1"
[ "$(fw netlink)" = 1 ] || fail "c1 not applied as a batch: $(ctl hello)"
ctl_ok create '{"name": "c2", "ports": ["'$((P + 20))':80"]}' >/dev/null
wait_for 10 fw_settled || fail "not settled after c2"
[ "$(fw failures)" = 1 ] || fail "c2's refused batch not counted: $(ctl hello)"
grep -q "fw_nl_run: nfnetlink: the batch: Invalid argument; loading the whole ruleset again" \
    "$TMP/netd.log" || fail "c2's refusal not logged: $(cat "$TMP/netd.log")"
nft_like_rules "after c2's repair"
nft list set inet "$BERTH_NFT_TABLE" ctrs | grep -qF 'comment "c2"' ||
    fail "c2 is not in @ctrs"
ctl_ok create '{"name": "c3"}' >/dev/null
ctl_ok delete '{"name": "c1"}' >/dev/null
wait_for 10 fw_settled || fail "not settled after c3"
[ "$(fw netlink)" = 3 ] && [ "$(fw session_pid)" = -1 ] ||
    fail "the writer did not stay on: $(ctl hello)"
nft_like_rules "after c3"

# Killed and started again, its netlink socket refused (seccomp): the
# changes go to the session from the first.
kill -KILL "$NETD_PID"
wait "$NETD_PID" 2>/dev/null || true
: >"$TMP/netd.log"
export BERTH_TEST_NL_REFUSE=socket
netd_start
nft_like_rules "after the second restart"
ctl_ok create '{"name": "d1", "ports": ["'$((P + 21))':80"]}' >/dev/null
ctl_ok delete '{"name": "c3"}' >/dev/null
wait_for 10 fw_settled || fail "not settled after d1"
grep -q "fw_nl_ready: netlink socket: Protocol not supported; container changes go to nft" \
    "$TMP/netd.log" || fail "the refused socket was not logged: $(cat "$TMP/netd.log")"
[ "$(grep -c "netlink socket: " "$TMP/netd.log")" = 1 ] ||
    fail "the socket was tried more than once: $(cat "$TMP/netd.log")"
[ "$(fw netlink)" = 0 ] && [ "$(fw failures)" = 0 ] &&
    [ "$(fw session_pid)" -gt 0 ] ||
    fail "not through the session: $(ctl hello)"
nft_like_rules "with the socket refused"
nft list set inet "$BERTH_NFT_TABLE" ctrs | grep -qF 'comment "d1"' ||
    fail "d1 is not in @ctrs"
kill -0 "$NETD_PID" || fail "netd died"
exit 0
