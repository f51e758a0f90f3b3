#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""tcp_chat.py serve PORT | talk HOST PORT CUTFILE | connect HOST PORT SECS

serve: echo lines on each connection (a thread per client). talk: one
connection; send "1" and print "ok1" on its echo; wait until CUTFILE
exists, send "2", print "ok2 SECONDS" when its echo comes (up to 60 s)
on the same connection. connect: one connect() with a timeout; prints
"connected", "timeout" or the error's name, and the seconds it took."""
import errno
import os
import socket
import sys
import threading
import time


def echo(c):
    f = c.makefile("rwb", buffering=0)
    for line in f:
        f.write(line)


if sys.argv[1] == "serve":
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", int(sys.argv[2])))
    s.listen(16)
    print("ready", flush=True)
    while True:
        c, _ = s.accept()
        threading.Thread(target=echo, args=(c,), daemon=True).start()
elif sys.argv[1] == "talk":
    s = socket.create_connection((sys.argv[2], int(sys.argv[3])), 5)
    s.settimeout(60)
    f = s.makefile("rwb", buffering=0)
    f.write(b"1\n")
    assert f.readline() == b"1\n"
    print("ok1", flush=True)
    while not os.path.exists(sys.argv[4]):
        time.sleep(0.05)
    t = time.monotonic()
    f.write(b"2\n")
    if f.readline() == b"2\n":
        print("ok2 %.2f" % (time.monotonic() - t), flush=True)
else:
    t = time.monotonic()
    try:
        socket.create_connection((sys.argv[2], int(sys.argv[3])),
                                 float(sys.argv[4])).close()
        r = "connected"
    except socket.timeout:
        r = "timeout"
    except OSError as e:
        r = errno.errorcode.get(e.errno, str(e.errno))
    print("%s %.2f" % (r, time.monotonic() - t))
