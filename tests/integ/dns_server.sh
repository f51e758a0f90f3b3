#!/bin/sh
# SPDX-License-Identifier: ISC
#
# dns_server: netd's DNS server (run alone by the dnsserve helper on
# loopback) answered with dig over UDP and TCP: container names, stack
# services, host.berth, AAAA without data, PTR, NXDOMAIN; other names
# forwarded to a local dnsmasq (which never leaves the machine); names
# added and removed while it runs; thousands of garbage, truncated,
# oversized and compression-loop packets and abusive TCP connections,
# after which it still answers; the hosts-file block kept in sync and
# removed on exit.
. "$(dirname "$0")/lib.sh"
need_cmd dig dnsmasq /usr/bin/python3
DNSSERVE=$HELPERS/dnsserve
[ -x "$DNSSERVE" ] || fail "build $DNSSERVE first (make tests)"

SRV=127.53.$slot.1
UP=127.53.$slot.2
PORT=10053
POOL=10.$((240 + slot % 8)).0.0/16
NET=10.$((240 + slot % 8))

printf '# test\nnameserver %s\n' "$UP" >"$TMP/resolv.conf"
printf '127.0.0.1\tlocalhost\n::1\tlocalhost\n' >"$TMP/hosts"

bg_start "$TMP/dnsmasq.log" dnsmasq -k --conf-file=/dev/null --pid-file= \
    --port=$PORT --listen-address="$UP" --bind-interfaces --no-resolv \
    --no-hosts --address=/example.test/192.0.2.55
mkfifo "$TMP/in"
"$DNSSERVE" -l "$SRV" -p $PORT -r "$TMP/resolv.conf" -u $PORT -P "$POOL" \
    -H "$TMP/hosts" -x "t$slot" \
    "shop-web=$NET.0.10/shop/web" "shop-db=$NET.0.11/shop/db" \
    "lone=$NET.0.12" <"$TMP/in" >"$TMP/out" 2>"$TMP/dnsserve.log" &
SRV_PID=$!
at_exit "kill $SRV_PID"
exec 3>"$TMP/in"
at_exit "exec 3>&-"
wait_for 5 grep -q ready "$TMP/out" || fail "dnsserve did not start"
wait_for 5 dig +time=1 +tries=1 @"$UP" -p $PORT x.example.test ||
    fail "dnsmasq did not start"

q() { dig +time=2 +tries=1 @"$SRV" -p $PORT "$@"; }
expect() {
	_want=$1; shift
	_got=$(q +short "$@" | tr '\n' ' ' | sed 's/ $//')
	[ "$_got" = "$_want" ] || fail "dig $*: got '$_got', want '$_want'"
}
status() { q "$@" | sed -n 's/.*status: \([A-Z]*\),.*/\1/p'; }

expect "$NET.0.10" shop-web.berth
expect "$NET.0.10" SHOP-Web.BERTH
expect "$NET.0.10" +tcp shop-web.berth
expect "$NET.0.11" db.shop.berth
expect "$NET.0.1" host.berth
expect "$NET.0.12" lone
expect "shop-db.berth." -x "$NET.0.11"
expect "host.berth." -x "$NET.0.1"
[ "$(status nope.berth)" = NXDOMAIN ] || fail "nope.berth is not NXDOMAIN"
[ "$(status -x "$NET.9.9")" = NXDOMAIN ] || fail "unused PTR not NXDOMAIN"
[ "$(status shop-web.berth AAAA)" = NOERROR ] || fail "AAAA not NOERROR"
expect "" shop-web.berth AAAA
# Forwarded to the upstream, over UDP and TCP; EDNS passes through.
expect 192.0.2.55 www.example.test
expect 192.0.2.55 +tcp www.example.test
expect 192.0.2.55 +edns=0 +bufsize=1232 a.example.test
expect 192.0.2.55 +noedns b.example.test

# Names follow the zone at once, and so does the hosts block.
grep -q "^$NET.0.10	shop-web.berth web.shop.berth$" "$TMP/hosts" ||
    fail "hosts block: $(cat "$TMP/hosts")"
echo "add new $NET.0.20" >&3
wait_for 2 grep -c ok "$TMP/out"
expect "$NET.0.20" new.berth
grep -q "^$NET.0.20	new.berth$" "$TMP/hosts" || fail "new not in hosts"
echo "del new" >&3
wait_for 2 sh -c "[ \$(grep -c ok '$TMP/out') -ge 2 ]" ||
    fail "del not acknowledged"
[ "$(status new.berth)" = NXDOMAIN ] || fail "new.berth still resolves"
grep -q "new.berth" "$TMP/hosts" && fail "new still in hosts"

# Abuse, over UDP and TCP.
/usr/bin/python3 - "$SRV" $PORT <<'PY'
import random, socket, struct, sys, time
host, port = sys.argv[1], int(sys.argv[2])
rnd = random.Random(1)

def query(name, qtype=1, qd=1, flags=0x0100):
    b = struct.pack(">HHHHHH", rnd.randrange(65536), flags, qd, 0, 0, 0)
    for l in name.split("."):
        b += bytes([len(l)]) + l.encode()
    return b + b"\0" + struct.pack(">HH", qtype, 1)

good = query("shop-web.berth")
loops = [
    struct.pack(">HHHHHH", 1, 0x100, 1, 0, 0, 0) + b"\xc0\x0c\0\1\0\1",
    struct.pack(">HHHHHH", 1, 0x100, 1, 0, 0, 0) + b"\x01a\xc0\x0f\xc0\x0c\0\1\0\1",
    struct.pack(">HHHHHH", 1, 0x100, 1, 0, 0, 0) + b"\xc0\x0e\xc0\x0c\0\1\0\1",
]
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.setblocking(False)
sent = 0
for i in range(6000):
    k = i % 6
    if k == 0:
        p = bytes(rnd.randrange(256) for _ in range(rnd.randrange(600)))
    elif k == 1:
        p = good[:rnd.randrange(len(good))]
    elif k == 2:
        p = loops[i % len(loops)]
    elif k == 3:
        p = bytearray(good)
        for _ in range(3):
            p[rnd.randrange(len(p))] = rnd.randrange(256)
        p = bytes(p)
    elif k == 4:
        p = good + bytes(rnd.randrange(256) for _ in range(60000)) \
            if i % 60 == 4 else query("x" * 63 + ".berth", qd=2)
    else:
        p = query("flood%d.example.test" % i) if i % 2 else \
            query("y.berth", flags=0x8180)
    try:
        u.sendto(p, (host, port))
        sent += 1
    except BlockingIOError:
        time.sleep(0.001)
    if i % 200 == 0:
        time.sleep(0.002)
        try:
            while u.recv(65535):
                pass
        except BlockingIOError:
            pass

# TCP: idle connections past the cap, bad lengths, half queries.
conns = []
for i in range(100):
    s = socket.create_connection((host, port), timeout=2)
    if i % 4 == 0:
        s.sendall(b"\x00\x05abc")           # too short for a header
    elif i % 4 == 1:
        s.sendall(b"\xff\xff" + b"z" * 100)  # promises 64 KiB, stalls
    elif i % 4 == 2:
        s.sendall(struct.pack(">H", len(good)) + good[:10])
    conns.append(s)
for s in conns:
    s.close()
print("sent", sent)
PY

kill -0 "$SRV_PID" || fail "dnsserve died: $(cat "$TMP/dnsserve.log")"
expect "$NET.0.10" shop-web.berth
expect "$NET.0.10" +tcp shop-web.berth
expect 192.0.2.55 after.example.test

# Stop: the hosts block goes, the rest of the file stays.
kill -TERM "$SRV_PID"
wait "$SRV_PID" || true
cat "$TMP/dnsserve.log" >&2
[ "$(cat "$TMP/hosts")" = "$(printf '127.0.0.1\tlocalhost\n::1\tlocalhost')" ] ||
    fail "hosts after stop: $(cat "$TMP/hosts")"
exit 0
