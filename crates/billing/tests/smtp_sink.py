"""A real SMTP server for canali's billing tests (Debian python3-aiosmtpd).

    /usr/bin/python3 smtp_sink.py PORT FOLDER [CERT KEY]

Writes every accepted message to FOLDER/<n>.eml (written to a temporary name, then renamed, so a
reader never sees half a message) and prints "ready" once listening. With CERT and KEY (PEM
files) it offers STARTTLS and refuses mail before it (530). Recipients steer failures:

- bounce@...          : 550, a permanent failure (a bad address)
- tempfail<N>@...     : 451 for the first N attempts of that recipient, then accepted
"""

import asyncio
import itertools
import os
import ssl
import sys
import time

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, folder):
        self.folder = folder
        self.counter = itertools.count()
        self.attempts = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0].lower()
        if local == "bounce":
            return "550 5.1.1 mailbox unavailable"
        if local.startswith("tempfail"):
            digits = "".join(itertools.takewhile(str.isdigit, local[len("tempfail"):]))
            limit = int(digits or "1")
            n = self.attempts.get(address, 0)
            self.attempts[address] = n + 1
            if n < limit:
                return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        n = next(self.counter)
        tmp = os.path.join(self.folder, f".{os.getpid()}-{n}.tmp")
        with open(tmp, "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(tmp, os.path.join(self.folder, f"{n:08}.eml"))
        return "250 Message accepted for delivery"


def main():
    port, folder = int(sys.argv[1]), sys.argv[2]
    os.makedirs(folder, exist_ok=True)
    tls = {}
    if len(sys.argv) > 4:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(sys.argv[3], sys.argv[4])
        tls = {"tls_context": context, "require_starttls": True}
    controller = Controller(Sink(folder), hostname="127.0.0.1", port=port,
                            data_size_limit=0, decode_data=False, **tls)
    controller.start()
    print("ready", flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
