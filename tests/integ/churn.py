#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""churn.py SOCKET ID STOPFILE: create and delete containers on berth-netd
until STOPFILE exists, reconnecting while netd is down, 30 ms apart. Each create
w<ID>-<N> is followed by the delete of w<ID>-<N-2>, so a few stay. Prints
one line per request: "create|delete NAME ok|refused|lost" (lost: no
reply, netd was killed or down; the request may or may not have been
done)."""
import json
import os
import socket
import struct
import sys
import time


def call(path, op, args):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    try:
        s.connect(path)
        p = json.dumps({"op": op, "args": args}).encode()
        s.sendall(struct.pack(">IHH", len(p), 1, 0) + p)
        h = s.recv(8, socket.MSG_WAITALL)
        if len(h) < 8:
            return None
        n = struct.unpack(">IHH", h)[0]
        body = s.recv(n, socket.MSG_WAITALL)
        return json.loads(body) if len(body) == n else None
    except (OSError, ValueError):
        return None
    finally:
        s.close()


def main():
    path, wid, stop = sys.argv[1], sys.argv[2], sys.argv[3]
    i = 0
    while not os.path.exists(stop):
        i += 1
        todo = [("create", "w%s-%d" % (wid, i))]
        if i > 2:
            todo.append(("delete", "w%s-%d" % (wid, i - 2)))
        for op, name in todo:
            r = call(path, op, {"name": name})
            how = "lost" if r is None else "ok" if r.get("ok") else "refused"
            print(op, name, how, flush=True)
            if r is None:
                time.sleep(0.05)
        # About 30 creates and deletes a second: a busy user, not a
        # flood (each deleted tun costs the kernel ~20 ms to remove).
        time.sleep(0.03)


main()
