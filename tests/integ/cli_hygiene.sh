#!/bin/sh
# SPDX-License-Identifier: ISC
#
# cli_hygiene: what a socket-group member stores cannot drive the
# terminal of whoever runs `berth ps` (escape sequences in meta.command
# are shown as \xNN), and netd takes only real exit statuses (0..255).
. "$(dirname "$0")/lib.sh"
need_netd
fresh_state
netd_start
export BERTH_NO_AUTOSTART=1

ctl_ok create '{"name": "esc", "meta": {"command":
    ["\u001b]0;pwned\u0007", "\u001b[2J", "a\u009bb"]}}' >/dev/null
"$BERTH" ps -a >"$TMP/ps" || fail "ps"
if LC_ALL=C grep -q "$(printf '[\033\007]')" "$TMP/ps"; then
	fail "ps printed control characters: $(od -c "$TMP/ps" | head)"
fi
grep -q "$(printf '\302\233')" "$TMP/ps" && fail "ps printed a C1 control"
grep -qF '\x1b]0;pwned\x07 \x1b[2J a\x9bb' "$TMP/ps" ||
    fail "ps does not show the escapes: $(cat "$TMP/ps")"

for code in 4611686018427387904 256 -1 -1000; do
	out=$(ctl exited '{"name": "esc", "exit_code": '"$code"'}')
	echo "$out" | grep -q '"ok": false' || fail "exit_code $code taken: $out"
done
ctl_ok exited '{"name": "esc", "exit_code": 255}' | jget 'j["exit_code"]' |
    grep -qx 255 || fail "exit_code 255"
exit 0
