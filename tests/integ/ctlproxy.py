#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""ctlproxy.py LISTEN NETD OP DELAY MODE LOG: a control-socket proxy for
tests. Frames pass both ways (decoded and framed again), except the
reply to each request OP: held back DELAY seconds (later replies wait
behind it, in order), and with MODE "fail" replaced by an error; with
MODE "request" the request OP itself is held back DELAY seconds before
it goes to netd, its reply passes at once. When it lets such a reply go
it appends "released MS" (milliseconds since the epoch) to LOG, and
"request OP MS" for each request it passes on, as it does. One reply
frame per request: not for paged replies (a long ps)."""
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ctl import frame, recv_reply  # noqa: E402

LISTEN, NETD, OP, DELAY, MODE, LOG = sys.argv[1:7]
DELAY = float(DELAY)


def serve(client):
    upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    upstream.connect(NETD)
    ops = []
    lock = threading.Lock()

    def replies():
        while True:
            rep = recv_reply(upstream)
            if rep is None:
                break
            with lock:
                op = ops.pop(0) if ops else None
            data = frame(rep)
            if op == OP and MODE != "request":
                time.sleep(DELAY)
                if MODE == "fail":
                    data = frame({"ok": False, "code": "failed",
                                  "error": "injected by ctlproxy"})
                with open(LOG, "a") as log:
                    log.write("released %d\n" % int(time.time() * 1000))
            try:
                client.sendall(data)
            except OSError:
                break
        client.close()

    t = threading.Thread(target=replies, daemon=True)
    t.start()
    while True:
        req = recv_reply(client)    # a request is framed the same way
        if req is None:
            break
        with lock:
            ops.append(req.get("op"))
        if MODE == "request" and req.get("op") == OP:
            time.sleep(DELAY)
        with open(LOG, "a") as log:
            log.write("request %s %d\n" % (req.get("op"),
                                           int(time.time() * 1000)))
        upstream.sendall(frame(req))
    upstream.shutdown(socket.SHUT_WR)
    t.join()
    upstream.close()


def main():
    if os.path.exists(LISTEN):
        os.unlink(LISTEN)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(LISTEN)
    srv.listen(16)
    while True:
        c, _ = srv.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()


main()
