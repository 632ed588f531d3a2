#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""smtp-sink.py MBOX PORTFILE [SECONDS [REFUSE]]: a real SMTP server
(Debian's python3-aiosmtpd) on 127.0.0.1, on a free port written to
PORTFILE once it listens; every message it receives is appended, as
received, to the mbox file MBOX.  With REFUSE=N it refuses the Nth message
it is sent (554, after the data, as a server's content filter does) and
stores it not.  It relays nothing and stops by itself after SECONDS
(default 300), or on SIGTERM."""
import mailbox
import signal
import socket
import sys
import time

from aiosmtpd.controller import Controller


class Store:
    def __init__(self, path, refuse=0):
        self.path = path
        self.refuse = refuse
        self.seen = 0

    async def handle_DATA(self, server, session, envelope):
        self.seen += 1
        if self.seen == self.refuse:
            return '554 5.7.1 Message %d refused (test)' % self.seen
        box = mailbox.mbox(self.path)
        box.lock()
        try:
            box.add(mailbox.mboxMessage(envelope.original_content))
            box.flush()
        finally:
            box.unlock()
            box.close()
        return '250 OK: stored'


def main():
    path, portfile = sys.argv[1], sys.argv[2]
    limit = float(sys.argv[3]) if len(sys.argv) > 3 else 300
    refuse = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    ctl = Controller(Store(path, refuse), hostname='127.0.0.1', port=port)
    ctl.start()
    with open(portfile + '.tmp', 'w') as f:
        f.write('%d\n' % port)
    import os
    os.rename(portfile + '.tmp', portfile)
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    end = time.time() + limit
    while not stop and time.time() < end:
        time.sleep(0.2)
    ctl.stop()


if __name__ == '__main__':
    main()
