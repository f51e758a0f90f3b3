#!/bin/sh
# SPDX-License-Identifier: ISC
#
# A stack file with "capture": berth up starts recording before the
# first service, so the healthcheck's SYN is in the file; the filter
# applies; the file is rotated by size (rotate_mb) into FILE, FILE.1 ...,
# each readable by tshark; berth down ends the recording by itself. A
# bad capture key is refused with its name.
. "$(dirname "$0")/lib.sh"
need_root
need_tun
need_cmd curl tshark

netd_start
PY=/usr/bin/python3
mkdir "$TMP/www"
head -c 3000000 /dev/urandom >"$TMP/www/big"
cat >"$TMP/rec.json" <<J
{"name": "rec",
 "services": {
  "web": {"command": ["$PY", "-m", "http.server", "8000", "-d", "$TMP/www"],
          "healthcheck": {"tcp": 8000}},
  "cli": {"command": ["sleep", "60"], "depends_on": ["web"]}},
 "capture": {"file": "rec.pcap", "filter": "tcp port 8000", "rotate_mb": 1}}
J
at_exit "BERTH_NO_AUTOSTART=1 '$BERTH' down -f '$TMP/rec.json'"
"$BERTH" up -f "$TMP/rec.json" >"$TMP/up" 2>&1 || fail "up: $(cat "$TMP/up")"
grep -q "^capture: $TMP/rec.pcap (pid [0-9]*)" "$TMP/up" ||
    fail "up does not name the capture: $(cat "$TMP/up")"
CAP=$(sed -n 's/^capture: .* (pid \([0-9]*\))$/\1/p' "$TMP/up")
at_exit "kill $CAP"
WEB=$(ctr_ip rec-web)
"$BERTH" exec rec-cli -- curl -sf -o /dev/null "http://$WEB:8000/big" ||
    fail "cli -> web"
ping -c 1 -W 1 "$WEB" >/dev/null 2>&1 || true	# filtered out
"$BERTH" down -f "$TMP/rec.json" >/dev/null || fail "down"
wait_for 10 sh -c "! kill -0 $CAP" || fail "the capture outlived berth down"

ls "$TMP"/rec.pcap* >"$TMP/files"
note "files: $(xargs -n1 basename <"$TMP/files" | tr '\n' ' ')"
[ -f "$TMP/rec.pcap.1" ] || fail "no rotation at 1 MB: $(cat "$TMP/files")"
for f in $(cat "$TMP/files"); do
	sz=$(stat -c %s "$f")
	[ "$sz" -le 1100000 ] || fail "$f: $sz bytes, rotate_mb is 1"
	tshark -r "$f" -T fields -e tcp.srcport -e tcp.dstport \
	    >>"$TMP/ports" 2>"$TMP/tshark.err" ||
	    fail "tshark $f: $(cat "$TMP/tshark.err")"
done
grep -vq 8000 "$TMP/ports" && fail "the filter let through: $(grep -v 8000 "$TMP/ports" | head -2)"
# The healthcheck connect, from the host (the gateway), came first.
tshark -r "$TMP/rec.pcap" -c 1 -T fields -e ip.src -e ip.dst -e \
    tcp.dstport -e tcp.flags.syn 2>/dev/null >"$TMP/first"
grep -Eq "^$GATEWAY	$WEB	8000	(1|True)$" "$TMP/first" ||
    fail "the first packet is not the healthcheck's SYN: $(cat "$TMP/first")"

cat >"$TMP/bad.json" <<'J'
{"services": {"a": {"command": ["true"]}}, "capture": {"filter": "tcp"}}
J
expect_fail 'capture.file: missing' "$BERTH" up -f "$TMP/bad.json"
exit 0
