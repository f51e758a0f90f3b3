# SPDX-License-Identifier: ISC
#
# tests/integ/lib.sh: sourced by every integration test.
#
# Each test runs its own netd instance: its own pool, socket, state
# directory, interface prefix, routing table and nft table, derived from
# BERTH_TEST_SLOT (tests/run gives every test its own). Everything a test
# creates is removed by the EXIT trap, also on failure. Exit status: 0
# pass, 77 skip (reason on stderr), anything else fail.

set -eu

ROOT=${BERTH_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN=$ROOT/build/bin
BERTH=$BIN/berth
NETD=$BIN/berth-netd
SHIM=$ROOT/build/lib/libberth-shim.so
HELPERS=$ROOT/build/tests/helpers
TNAME=$(basename "$0" .sh)

slot=${BERTH_TEST_SLOT:-1}
# Pools 10.240.0.0/16 .. 10.247.0.0/16 cycle over slots; never routed
# anywhere but into the test's own netd.
export BERTH_POOL="10.$((240 + slot % 8)).0.0/16"
POOL_NET="10.$((240 + slot % 8))"
GATEWAY="$POOL_NET.0.1"
export BERTH_PREFIX="brt$slot"
export BERTH_TABLE=$((2300 + slot))
export BERTH_STATE_DIR="/run/berth-test/$TNAME"
export BERTH_SOCKET="$BERTH_STATE_DIR/netd.sock"
BERTH_NFT_TABLE="$BERTH_PREFIX"
TMP=$(mktemp -d "/tmp/berth-$TNAME.XXXXXX")

_cleanups=""
# at_exit CMD: run CMD (a shell string) when the test exits, last first.
at_exit() { _cleanups="$1
$_cleanups"; }

_run_cleanups() {
	rc=$?
	set +e
	# A cleanup must never start a netd: the CLI's auto-start would
	# leave one running (e.g. "rm -f" after the test's netd is gone).
	export BERTH_NO_AUTOSTART=1
	printf '%s\n' "$_cleanups" | while IFS= read -r c; do
		[ -n "$c" ] && eval "$c" >/dev/null 2>&1
	done
	rm -rf "$TMP" "$BERTH_STATE_DIR"
	exit $rc
}
trap _run_cleanups EXIT
trap 'exit 130' INT TERM

skip() { echo "SKIP $TNAME: $*" >&2; exit 77; }
fail() { echo "FAIL $TNAME: $*" >&2; exit 1; }
note() { echo "  $TNAME: $*" >&2; }

need_root() { [ "$(id -u)" -eq 0 ] || skip "needs root"; }
need_cmd() {
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip "needs $c"
	done
}
need_tun() { [ -c /dev/net/tun ] || skip "needs /dev/net/tun"; }

# now_ms: milliseconds since the epoch. macOS's date has no %N (it
# prints a literal N): whole seconds there.
now_ms() {
	_now=$(date +%s%N)
	case $_now in
	*N) echo $(( ${_now%N} * 1000 ));;
	*) echo $(( _now / 1000000 ));;
	esac
}

# wait_for SECONDS CMD...: poll CMD every 20 ms until it succeeds.
wait_for() {
	_t=$1; shift
	_end=$(( $(now_ms) + _t * 1000 ))
	while ! "$@" >/dev/null 2>&1; do
		[ "$(now_ms)" -lt $_end ] || return 1
		sleep 0.02
	done
}

# Start this test's netd in the foreground (-d) in the background; its
# log goes to $TMP/netd.log. Sets NETD_PID.
netd_start() {
	mkdir -p "$BERTH_STATE_DIR"
	"$NETD" -d -s "$BERTH_SOCKET" --pool "$BERTH_POOL" \
	    --state-dir "$BERTH_STATE_DIR" --prefix "$BERTH_PREFIX" \
	    --table "$BERTH_TABLE" "$@" >>"$TMP/netd.log" 2>&1 &
	NETD_PID=$!
	at_exit "netd_kill $NETD_PID"
	# The socket file exists from bind(), a moment before listen().
	wait_for 5 netd_answers || {
		cat "$TMP/netd.log" >&2
		fail "netd did not start"
	}
}

netd_answers() {
	test -S "$BERTH_SOCKET" &&
	    /usr/bin/python3 "$ROOT/tests/integ/ctl.py" "$BERTH_SOCKET" hello |
	    grep -q '"ok": true'
}

# Remove every container of this test's instance: netd does not own
# container processes, so stopping netd alone would leave them running.
ctr_rm_all() {
	[ -S "$BERTH_SOCKET" ] || return 0
	BERTH_NO_AUTOSTART=1 "$BERTH" ps -a --json 2>/dev/null |
	    /usr/bin/python3 -c 'import json,sys
print(" ".join(c["name"] for c in json.load(sys.stdin)))' 2>/dev/null |
	    xargs -r env BERTH_NO_AUTOSTART=1 "$BERTH" rm -f >/dev/null 2>&1
}

# Stop a netd we started, by its pid: SIGTERM, then wait.
netd_kill() {
	ctr_rm_all
	kill -TERM "$1" 2>/dev/null || return 0
	for _i in $(seq 100); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.05
	done
	kill -KILL "$1" 2>/dev/null
	# A killed netd holds its lock until it is gone (closing hundreds
	# of tuns takes seconds); --cleanup any sooner refuses ("another
	# berth-netd uses this state directory") and leaves everything.
	for _i in $(seq 600); do
		[ -d /proc/"$1" ] || break
		grep -q '^State:.*Z' /proc/"$1"/status 2>/dev/null && break
		sleep 0.05
	done
	"$NETD" --cleanup -s "$BERTH_SOCKET" --pool "$BERTH_POOL" \
	    --state-dir "$BERTH_STATE_DIR" --prefix "$BERTH_PREFIX" \
	    --table "$BERTH_TABLE" || true
}

# Kernel objects of this test's instance, one per line (empty = none).
leftovers() {
	ip -o link show 2>/dev/null | awk -F': ' '{print $2}' |
	    grep -E "^($BERTH_PREFIX|bt[0-9a-f]{8})" | sed 's/@.*//' |
	    while read -r l; do
		# container tuns of other instances are not ours
		case $l in bt[0-9a-f]*)
			ip -o addr show dev "$l" | grep -q " $POOL_NET\." ||
			    continue;;
		esac
		echo "link $l"
	    done
	ip rule show | grep -E "lookup $BERTH_TABLE\b" | sed 's/^/rule /' || true
	ip route show table "$BERTH_TABLE" 2>/dev/null | sed 's/^/route /' || true
	nft list tables 2>/dev/null | grep -E " $BERTH_NFT_TABLE$" |
	    sed 's/^/nft /' || true
}

# The host must always keep a "lookup local" rule.
has_local_rule() { ip rule show | grep -q "lookup local"; }

# outside_ns NAME: create a network namespace with a veth pair to the
# host, host side 192.168.(200+slot).1/24, inside .2. Sets OUT_NS,
# OUT_HOST_IP, OUT_IP. Removed at exit.
outside_ns() {
	OUT_NS="berth-$1-$slot"
	OUT_HOST_IP="192.168.$((200 + slot % 50)).1"
	OUT_IP="192.168.$((200 + slot % 50)).2"
	ip netns add "$OUT_NS"
	at_exit "ip netns del $OUT_NS"
	ip link add "vbo$slot" type veth peer name eth0 netns "$OUT_NS"
	at_exit "ip link del vbo$slot"
	ip addr add "$OUT_HOST_IP/24" dev "vbo$slot"
	ip link set "vbo$slot" up
	ip -n "$OUT_NS" addr add "$OUT_IP/24" dev eth0
	ip -n "$OUT_NS" link set eth0 up
	ip -n "$OUT_NS" link set lo up
	# No default route: the outside host talks to the host's veth
	# address only (and so never past the host to any other address).
}

# bg_start LOG CMD...: start a background process of ours, killed at exit
# by its pid. Sets BG_PID.
bg_start() {
	_log=$1; shift
	"$@" >"$_log" 2>&1 &
	BG_PID=$!
	at_exit "kill $BG_PID"
}

# ctr_ip NAME: the address netd gave a container.
ctr_ip() {
	"$BERTH" inspect "$1" | /usr/bin/python3 -c \
	    'import json,sys; print(json.load(sys.stdin)[0]["ip"])'
}

# berth_autostarted: after a CLI command started netd itself, register
# its pid (from "hello") for SIGTERM at exit. Sets NETD_PID.
berth_autostarted() {
	NETD_PID=$(/usr/bin/python3 "$ROOT/tests/integ/ctl.py" "$BERTH_SOCKET" \
	    hello | /usr/bin/python3 -c \
	    'import json,sys; print(json.load(sys.stdin)["data"]["pid"])')
	at_exit "netd_kill $NETD_PID"
}

# expect_fail PATTERN CMD...: CMD must exit 1 and say PATTERN on stderr.
expect_fail() {
	_pat=$1; shift
	set +e
	"$@" >"$TMP/out" 2>"$TMP/err"
	_rc=$?
	set -e
	[ "$_rc" -ne 0 ] || fail "succeeded, should have failed: $*"
	grep -q -- "$_pat" "$TMP/err" ||
	    fail "$*: message lacks '$_pat': $(cat "$TMP/err")"
	[ "$_rc" -eq 1 ] || fail "$*: exit $_rc, expected 1"
}

# ---- netd tests (tests/integ/netd_*.sh)

# ctl OP [JSON-ARGS]: one request to this test's netd; prints the reply.
ctl() {
	/usr/bin/python3 "$ROOT/tests/integ/ctl.py" "$BERTH_SOCKET" "$@"
}

# jget EXPR: evaluate a python expression over the JSON on stdin (as j).
jget() {
	/usr/bin/python3 -c 'import json,sys; j=json.load(sys.stdin); '"print($1)"
}

# ctl_ok OP [JSON-ARGS]: like ctl, fails the test unless the reply is ok;
# prints the reply's data.
ctl_ok() {
	_r=$(ctl "$@") || fail "ctl $*: no reply"
	printf '%s' "$_r" | jget 'j["ok"]' | grep -q True ||
	    fail "ctl $*: $_r"
	printf '%s' "$_r" | jget 'json.dumps(j["data"])'
}

# pid_start PID: a process's start time as netd checks it (field 22 of
# /proc/PID/stat, counted after the command name).
pid_start() {
	/usr/bin/python3 -c 'import sys
print(open("/proc/%s/stat" % sys.argv[1]).read().rsplit(")", 1)[1].split()[19])' "$1"
}

# free_port [ADDR [udp]]: a TCP (UDP) port nobody holds now (the kernel's
# choice for an ephemeral bind), so tests never collide with the demo or
# another test.
free_port() {
	/usr/bin/python3 -c 'import socket,sys
s = socket.socket(type=socket.SOCK_DGRAM if sys.argv[2] == "udp" else
    socket.SOCK_STREAM)
s.bind((sys.argv[1], 0))
print(s.getsockname()[1])' "${1:-127.0.0.1}" "${2:-tcp}"
}

# need_netd: the binary, root, tun and nft, or skip.
need_netd() {
	need_root
	need_tun
	need_cmd nft ip /usr/bin/python3
	[ -x "$NETD" ] || skip "build/bin/berth-netd is not built"
}

# fresh_state: start this test's netd without the state of an earlier
# run of the same test; removed again at exit.
# state_print: netd's state as a start reads it (berth-netd
# --print-state: the snapshot with its journal applied), one line.
state_print() { "$NETD" --print-state --state-dir "$BERTH_STATE_DIR"; }

fresh_state() {
	case $BERTH_STATE_DIR in /run/berth-test/?*) ;; *) return 0;; esac
	rm -rf "$BERTH_STATE_DIR"
	at_exit "rm -rf $BERTH_STATE_DIR"
}

# ---- the firewall (netd_nfnetlink, netd_nl_fallback)

# fw KEY: hello's firewall.KEY ("missing" when it has none).
fw() { ctl hello | jget 'j["data"]["firewall"].get("'"$1"'", "missing")'; }
# fw_settled: no change left for the firewall to apply.
fw_settled() { [ "$(fw pending)" = 0 ]; }

# nft_sets TABLE: every set and map of TABLE, one JSON line, elements
# sorted (nft -j; handles and the table's name left out).
nft_sets() {
	nft -j list table inet "$1" | /usr/bin/python3 -c 'import json,sys
out = {}
for o in json.load(sys.stdin)["nftables"]:
    for kind in ("set", "map"):
        if kind in o:
            s = dict(o[kind])
            for k in ("table", "handle"):
                s.pop(k, None)
            s["elem"] = sorted(json.dumps(e, sort_keys=True)
                               for e in s.get("elem", []))
            out[s["name"]] = s
print(json.dumps(out, sort_keys=True))'
}

# nft_like_rules WHAT: the live table's sets and maps hold exactly what
# `berth rules` (the full render of netd's live state) puts in them:
# the render is loaded into a second table, ${BERTH_NFT_TABLE}ref, its
# chains left out (it hooks nothing), and both tables' sets compared,
# comments and counters included; else fail, saying WHAT.
nft_like_rules() {
	_ref="${BERTH_NFT_TABLE}ref"
	case $_cleanups in *"table inet $_ref"*) ;;
	*) at_exit "nft delete table inet $_ref";; esac
	"$BERTH" rules --format nft >"$TMP/rules.nft" || fail "berth rules"
	awk -v t="$BERTH_NFT_TABLE" -v r="$_ref" '
	/^\tchain / { skip = 1; next }
	skip && /^\t}$/ { skip = 0; next }
	skip { next }
	/^#/ { next }
	{ gsub("inet " t "( |$)", "inet " r " "); print }' \
	    "$TMP/rules.nft" >"$TMP/ref.nft"
	nft -f "$TMP/ref.nft" ||
	    fail "loading the reference: $(cat "$TMP/ref.nft")"
	nft_sets "$BERTH_NFT_TABLE" >"$TMP/live.json"
	nft_sets "$_ref" >"$TMP/ref.json"
	cmp -s "$TMP/live.json" "$TMP/ref.json" || fail "$1: the sets differ
netd: $(cat "$TMP/live.json")
text: $(cat "$TMP/ref.json")"
}

# ---- capture tests (tests/integ/capture_*.sh)

# capture_bg NAME ARGS...: a capture in the background, its stdout in
# $TMP/NAME.out, stderr in $TMP/NAME.err; waits until it runs.
capture_bg() {
	_n=$1; shift
	# A name used before: its old line must not pass the wait below
	# before this CLI has even set its handlers (a SIGINT then is lost).
	rm -f "$TMP/$_n.err"
	"$BERTH" capture "$@" >"$TMP/$_n.out" 2>"$TMP/$_n.err" &
	CAP_PID=$!
	at_exit "kill $CAP_PID"
	# The CLI says it is capturing once netd has accepted.
	wait_for 5 grep -q "^berth capture: " "$TMP/$_n.err" ||
	    fail "capture $*: $(cat "$TMP/$_n.err")"
}
# capture_end NAME: Ctrl-C the capture; it must end, and exit 0.
capture_end() {
	kill -INT "$CAP_PID"
	_i=0
	while kill -0 "$CAP_PID" 2>/dev/null; do
		_i=$((_i + 1))
		[ $_i -lt 250 ] || fail "capture did not end on SIGINT"
		sleep 0.02
	done
	wait "$CAP_PID" || fail "capture exited $?: $(cat "$TMP/$1.err")"
}

# ---- link tests (tests/integ/links_*.sh)

# udp_pair PORT: start netd, container b echoing UDP on PORT
# (udp_echo.py) and container a idle beside it. Sets B, b's address.
udp_pair() {
	netd_start
	at_exit "'$BERTH' rm -f a b"
	"$BERTH" run -d --name b -- /usr/bin/python3 \
	    "$ROOT/tests/integ/udp_echo.py" serve "$1" >/dev/null || fail "run b"
	"$BERTH" run -d --name a -- sleep 600 >/dev/null || fail "run a"
	B=$(ctr_ip b)
	wait_for 10 sh -c "'$BERTH' logs b | grep -q ready" || fail "b not up"
}

# iperf_pair PORT: netd, container b serving iperf3 on PORT and an idle
# container a; sets B to b's address.
iperf_pair() {
	netd_start
	at_exit "'$BERTH' rm -f a b"
	"$BERTH" run -d --name b -- iperf3 -s -p "$1" >/dev/null ||
	    fail "run b"
	"$BERTH" run -d --name a -- sleep 600 >/dev/null || fail "run a"
	B=$(ctr_ip b)
	wait_for 10 sh -c "ss -ltn | grep -qE '$B\]?:$1 '" ||
	    fail "iperf3 server not up: $("$BERTH" logs b)"
}

# ---- kernel enforcement tests (tests/integ/kernel_*.sh)

# need_kernel: netd of this test runs with cgroup BPF enforcement, or
# skip with the reason netd logged.
need_kernel() {
	_e=$(ctl hello | jget 'j["data"].get("enforce")')
	[ "$_e" = cgroup-bpf ] ||
	    skip "no kernel enforcement: $(grep -h 'kaddr_start' \
	    "$TMP/netd.log" | tail -1)"
}

# go_helper: build tests/integ/goserve.go once (CGO off: a static Go
# binary making raw system calls). Sets GOSERVE.
go_helper() {
	need_cmd go
	GOSERVE=$ROOT/build/tests/helpers/goserve
	[ "$GOSERVE" -nt "$ROOT/tests/integ/goserve.go" ] && return 0
	mkdir -p "$ROOT/build/gocache"
	(cd "$ROOT/build" && GOCACHE="$ROOT/build/gocache" HOME="$TMP" \
	    CGO_ENABLED=0 go build -o "$GOSERVE" \
	    "$ROOT/tests/integ/goserve.go") || fail "go build goserve"
}

# ---- crash tests (netd_sweep, netd_startkill, netd_soak)

# views: this instance's container addresses as four views see them, one
# line each, sorted: "ps ..." (berth ps -a), "tun ..." (links bt + hex
# of an address in the pool), "nft ..." (the set ctrs), "route ..."
# (local routes on container tuns).
views() {
	BERTH_NO_AUTOSTART=1 /usr/bin/python3 - "$POOL_NET" "$BERTH_NFT_TABLE" \
	    "$BERTH" <<'PY'
import json, re, subprocess, sys
net, table, berth = sys.argv[1:4]
def out(*a):
    return subprocess.run(a, capture_output=True, text=True).stdout
def ours(ip):
    return ip.startswith(net + ".")
try:
    ps = [c["ip"] for c in json.loads(out(berth, "ps", "-a", "--json"))]
except ValueError:
    ps = ["(no-answer)"]
tun = []
for m in re.finditer(r"^\d+: bt([0-9a-f]{8})[:@]", out("ip", "-o", "link",
        "show"), re.M):
    a = int(m.group(1), 16)
    tun.append(".".join(str(a >> s & 255) for s in (24, 16, 8, 0)))
nft = re.findall(r"\b%s\.\d+\.\d+\b" % re.escape(net),
    out("nft", "list", "set", "inet", table, "ctrs"))
route = [m.group(1) for m in re.finditer(r"^local (\S+) dev bt",
    out("ip", "route", "show", "table", "local"), re.M)]
for k, v in (("ps", ps), ("tun", tun), ("nft", nft), ("route", route)):
    print(k, " ".join(sorted(a for a in v if ours(a) or a[0] == "(")))
PY
}

# consistent: the four views agree (nothing leaked, nothing lost).
consistent() {
	[ "$(views | cut -d' ' -f2- | sort -u | wc -l)" -eq 1 ]
}

# expect_consistent WHAT [SECONDS]: they agree within SECONDS (30; nft
# elements and tun removal may lag), else fail with the four views.
expect_consistent() {
	wait_for "${2:-30}" consistent || fail "$1: ps, tuns, nft and routes differ:
$(views)"
}
