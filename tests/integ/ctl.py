#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""ctl.py SOCKET OP [JSON-ARGS]: send one framed request to berth-netd and
print the reply (JSON). Also: ctl.py SOCKET --raw HEXBYTES sends raw bytes
and prints whatever comes back (for garbage-message tests)."""
import json
import socket
import struct
import sys

VERSION = 1


def frame(obj, version=VERSION):
    payload = json.dumps(obj).encode()
    return struct.pack(">IHH", len(payload), version, 0) + payload


def recv_reply(s):
    hdr = b""
    while len(hdr) < 8:
        chunk = s.recv(8 - len(hdr))
        if not chunk:
            return None
        hdr += chunk
    length, _version, _flags = struct.unpack(">IHH", hdr)
    body = b""
    while len(body) < length:
        chunk = s.recv(length - len(body))
        if not chunk:
            return None
        body += chunk
    return json.loads(body)


def call(path, op, args=None):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    try:
        s.sendall(frame({"op": op, "args": args or {}}))
    except BrokenPipeError:
        pass  # refused at accept: the refusal is there to read
    rep = recv_reply(s)
    # A long list comes in pages ("more": true until the last).
    while rep is not None and rep.pop("more", False):
        nxt = recv_reply(s)
        if nxt is None:
            return None
        rep["data"] += nxt["data"]
        rep["more"] = nxt.get("more", False)
    s.close()
    return rep


def main():
    path, op = sys.argv[1], sys.argv[2]
    if op == "--raw":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(5)
        s.connect(path)
        s.sendall(bytes.fromhex(sys.argv[3]))
        print(json.dumps(recv_reply(s)))
        return
    args = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
    print(json.dumps(call(path, op, args)))


if __name__ == "__main__":
    main()
