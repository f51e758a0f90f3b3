#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""udp_probe.py rtt HOST PORT N GAP_MS | burst HOST PORT N GAP_MS

Against udp_echo.py's server. rtt: N request/replies one after another
(GAP_MS apart), prints each round trip in ms (a lost one: "lost").
burst: sends N numbered datagrams GAP_MS apart without waiting, then
prints the numbers of the replies in the order they came (one line,
space separated), waiting up to 2 s after the last send."""
import socket
import sys
import time

mode, host, port, n, gap = sys.argv[1], sys.argv[2], int(sys.argv[3]), \
    int(sys.argv[4]), float(sys.argv[5]) / 1000
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
s.connect((host, port))
if mode == "rtt":
    s.settimeout(1)
    for i in range(n):
        t = time.monotonic()
        s.send(b"r%d" % i)
        try:
            while True:
                data = s.recv(100)
                if data == b"echo:r%d" % i:
                    break
            print("%.3f" % ((time.monotonic() - t) * 1000), flush=True)
        except socket.timeout:
            print("lost", flush=True)
        time.sleep(gap)
else:
    got = []
    s.setblocking(False)
    nxt = time.monotonic()
    for i in range(n):
        s.send(b"%d" % i)
        nxt += gap
        while True:
            try:
                got.append(int(s.recv(100)[5:]))
            except BlockingIOError:
                pass
            if time.monotonic() >= nxt:
                break
            time.sleep(min(0.0005, max(0, nxt - time.monotonic())))
    end = time.monotonic() + 2
    s.settimeout(0.2)
    while time.monotonic() < end:
        try:
            got.append(int(s.recv(100)[5:]))
        except (socket.timeout, BlockingIOError):
            pass
    print(" ".join(str(g) for g in got))
