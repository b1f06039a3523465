"""A real SMTP server for the integration tests (aiosmtpd), with switches a test flips
by creating files in the sink's folder:

- `gate`: while it exists, the answer to DATA is held back (the message has reached
  the server, but the client has not been told it was accepted);
- `refuse`: DATA gets `451 4.3.0` (a temporary failure, e.g. a full queue);
- `reject`: DATA gets `550 5.1.1` (a permanent failure, e.g. an unknown mailbox).

Every DATA is recorded in `events` as one line `<event> <seq> <unix ms>`, where event
is `received` (the message reached the server), `delivered` (accepted: written to
`new/` and answered 250), `aborted` (the client went away while its answer was held),
`refused` or `rejected`. Accepted messages are written to `new/` (through `tmp/`, so a
reader never sees half a file).

Usage: python3 smtp_sink.py HOST:PORT FOLDER
"""

import asyncio
import itertools
import os
import sys
import time

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, folder):
        self.folder = folder
        self.seq = itertools.count(1)
        for sub in ("tmp", "new"):
            os.makedirs(os.path.join(folder, sub), exist_ok=True)

    def flag(self, name):
        return os.path.exists(os.path.join(self.folder, name))

    def event(self, what, seq):
        line = f"{what} {seq} {int(time.time() * 1000)}\n"
        with open(os.path.join(self.folder, "events"), "a", encoding="ascii") as f:
            f.write(line)
            f.flush()

    async def handle_DATA(self, server, session, envelope):
        seq = next(self.seq)
        self.event("received", seq)
        try:
            while self.flag("gate"):
                await asyncio.sleep(0.02)
        except asyncio.CancelledError:
            # aiosmtpd cancels the handler when the client's connection closes.
            self.event("aborted", seq)
            raise
        if self.flag("reject"):
            self.event("rejected", seq)
            return "550 5.1.1 no such mailbox here"
        if self.flag("refuse"):
            self.event("refused", seq)
            return "451 4.3.0 try again later"
        name = f"{time.time_ns()}.{os.getpid()}.{seq}"
        tmp = os.path.join(self.folder, "tmp", name)
        with open(tmp, "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(tmp, os.path.join(self.folder, "new", name))
        self.event("delivered", seq)
        return "250 OK"


async def main():
    host, port = sys.argv[1].rsplit(":", 1)
    sink = Sink(sys.argv[2])
    loop = asyncio.get_running_loop()
    # A fixed hostname spares a reverse DNS lookup per connection.
    server = await loop.create_server(
        lambda: SMTP(sink, hostname="sink.test", enable_SMTPUTF8=True), host, int(port)
    )
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
