"""An SMTP server on a free loopback port that appends every mail it accepts to an mbox file,
so ``tracker demo`` sends its digest through the real mailer and the user can read it."""

import mailbox
import threading
from pathlib import Path

from tracker.demo import free_port


class LoopbackSMTP:
    """An aiosmtpd server on a free loopback port, started and stopped as a context manager; a
    subclass answers the SMTP commands (``handle_DATA``...). aiosmtpd cannot pick a free port
    itself (it needs a number before it binds), so one is found first."""

    def __init__(self):
        from aiosmtpd.controller import Controller  # only the demo and the tests need it

        self.lock = threading.Lock()
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()


class MailSink(LoopbackSMTP):
    def __init__(self, path: Path):
        super().__init__()
        self.path = path
        self.accepted = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        with self.lock:
            box = mailbox.mbox(self.path)
            try:
                box.add(mailbox.mboxMessage(envelope.content))
                box.flush()
            finally:
                box.close()
            self.accepted += 1
        return "250 OK"
