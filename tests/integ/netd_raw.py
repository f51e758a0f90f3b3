#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""netd_raw.py SOCKET CASE: send one malformed message to berth-netd and
print what came back as JSON: {"reply": <reply or null>, "closed": bool}.
CASE is garbage, truncated, oversized, version, notobject, badjson,
noop, or hex:BYTES."""
import json
import socket
import struct
import sys


def frame(payload, version=1, length=None):
    if length is None:
        length = len(payload)
    return struct.pack(">IHH", length, version, 0) + payload


CASES = {
    "garbage": (b"GET / HTTP/1.0\r\nHost: x\r\n\r\n", False),
    # Half a frame, then the client stops sending (shutdown SHUT_WR).
    "truncated": (frame(b'{"op":"hello","args":{}}')[:15], True),
    "oversized": (frame(b"{}", length=64 * 1024 * 1024), False),
    "version": (frame(b'{"op":"hello"}', version=99), False),
    "notobject": (frame(b"[1, 2, 3]"), False),
    "badjson": (frame(b'{"op": "hello", '), False),
    "noop": (frame(b'{"args": {}}'), False),
    "binary": (frame(bytes(range(256))), False),
}


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def main():
    path, case = sys.argv[1], sys.argv[2]
    if case.startswith("hex:"):
        data, half = bytes.fromhex(case[4:]), False
    else:
        data, half = CASES[case]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(path)
    try:
        if data:
            s.sendall(data)
        if half:
            s.shutdown(socket.SHUT_WR)
    except (BrokenPipeError, ConnectionResetError):
        pass  # netd may answer and close before all is sent
    reply = None
    hdr = recv_exact(s, 8)
    if hdr is not None:
        length, _v, _f = struct.unpack(">IHH", hdr)
        body = recv_exact(s, length)
        reply = json.loads(body) if body is not None else None
    # After a framing error netd closes: the next read sees EOF; a
    # connection that stays open times out.
    s.settimeout(0.5)
    try:
        closed = s.recv(1) == b""
    except socket.timeout:
        closed = False
    print(json.dumps({"reply": reply, "closed": closed}))


if __name__ == "__main__":
    main()
