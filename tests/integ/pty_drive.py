#!/usr/bin/python3
# SPDX-License-Identifier: ISC
#
# pty_drive.py INPUT CMD...: run CMD on a fresh pseudo-terminal (as a
# user at a terminal would), type INPUT (\n = Enter), print everything
# CMD wrote, exit with CMD's status. Gives up after 20 seconds.
import os, pty, select, sys, time

def main():
    text = sys.argv[1].encode().decode('unicode_escape').encode()
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(sys.argv[2], sys.argv[2:])
    out = b''
    sent = False
    end = time.time() + 20
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if not sent and (out or time.time() + 19 < end):
            time.sleep(0.3)
            os.write(fd, text)
            sent = True
        if fd in r:
            try:
                b = os.read(fd, 4096)
            except OSError:
                break
            if not b:
                break
            out += b
    sys.stdout.write(out.decode(errors='replace'))
    _, st = os.waitpid(pid, 0)
    sys.exit(os.waitstatus_to_exitcode(st))

main()
