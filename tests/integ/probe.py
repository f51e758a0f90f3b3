#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""probe.py FROM TO PORT [TIMEOUT_S]: one TCP connect from address FROM
("-" for any) to TO:PORT; prints "open|refused|unreachable|timeout MS",
the time the connect took, so a test measures the network and not a
client's start-up."""
import errno
import socket
import sys
import time

src, dst, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
timeout = float(sys.argv[4]) if len(sys.argv) > 4 else 5.0
s = socket.socket()
if src != "-":
    s.bind((src, 0))
s.settimeout(timeout)
t0 = time.monotonic()
try:
    s.connect((dst, port))
    r = "open"
except socket.timeout:
    r = "timeout"
except ConnectionRefusedError:
    r = "refused"
except OSError as e:
    r = "unreachable" if e.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH,
                                     errno.EACCES, errno.EPERM) else str(e)
print(r, int((time.monotonic() - t0) * 1000))
