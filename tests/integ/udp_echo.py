#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""udp_echo.py serve PORT | ask HOST PORT MSG [BIND]

serve: echo every datagram back, prefixed with "echo:", and log the
client's address on stdout. ask: send MSG, print the reply (2 s timeout),
exit 1 without one."""
import socket
import sys

if sys.argv[1] == "serve":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", int(sys.argv[2])))
    print("ready", flush=True)
    while True:
        data, addr = s.recvfrom(65535)
        print("from %s:%d" % addr, flush=True)
        s.sendto(b"echo:" + data, addr)
else:
    host, port, msg = sys.argv[2], int(sys.argv[3]), sys.argv[4]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    if len(sys.argv) > 5:
        s.bind((sys.argv[5], 0))
    s.settimeout(2)
    s.sendto(msg.encode(), (host, port))
    try:
        data, _ = s.recvfrom(65535)
    except socket.timeout:
        sys.exit(1)
    print(data.decode())
