"""A real SMTP server on 127.0.0.1 for the mail tests (aiosmtpd), which keeps what it accepts.

Replies can be scripted: ``refuse(address, "550 ...")`` refuses a recipient, and
``answer_data("421 ...", "250 OK")`` answers the next DATA commands in turn.
"""

import email
import email.policy
from collections import deque
from email.message import EmailMessage

from tracker.demo.mailbox import LoopbackSMTP


class MailServer(LoopbackSMTP):
    def __init__(self):
        super().__init__()
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.senders: list[str] = []  # each accepted mail's envelope sender (MAIL FROM), in turn
        self.refusals: dict[str, str] = {}
        self.data_replies: deque[str] = deque()

    def refuse(self, address: str, reply: str) -> None:
        self.refusals[address] = reply

    def answer_data(self, *replies: str) -> None:
        self.data_replies.extend(replies)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refusals:
            return self.refusals[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        with self.lock:
            reply = self.data_replies.popleft() if self.data_replies else "250 OK"
            if reply.startswith("250"):
                message = email.message_from_bytes(envelope.content, policy=email.policy.default)
                self.messages.append((list(envelope.rcpt_tos), message))
                self.senders.append(envelope.mail_from)
        return reply

    def sender_of(self, message: EmailMessage) -> str:
        """The envelope sender the mail went out with."""
        return self.senders[next(i for i, (_, m) in enumerate(self.messages) if m is message)]

    def to(self, address: str) -> list[EmailMessage]:
        return [message for recipients, message in self.messages if address in recipients]
