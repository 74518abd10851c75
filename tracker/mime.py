"""A mail's MIME: built once per distinct digest body, then filled per subscriber as bytes.

Subscribers who get the same digest share one stored body (``outbox_bodies``) with stand-ins
where each one's address and links go. The sender builds that body's ``EmailMessage`` once,
with the stand-ins in it, serializes it, and makes each mail by putting the subscriber's values
in place of the stand-ins and its own headers (To, Date, Message-ID, List-Unsubscribe) in front.

That is only done where the bytes stay what ``EmailMessage`` would have made of the filled body:
parts in 7bit or 8bit (a quoted-printable soft break or base64 would hide a stand-in), every
stand-in found whole, lines with room for the values, values and headers plain ASCII of bounded
length. Anything else (an address in UTF-8, a body with very long lines) is built per
mail from the row's own filled text, as every confirmation, farewell and staff alert is.
"""

import email.policy
import re
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from functools import cache
from typing import Any

from sqlalchemy import Engine, select

from tracker.config import Settings
from tracker.models.subscribers import DIGEST, OutboxBody, OutboxMessage

BODIES, OUTBOX = OutboxBody.__table__, OutboxMessage.__table__
# Headers are not folded below SMTP's own limit: folding a long unsubscribe URL would turn it into
# RFC 2047 encoded-words, which mail clients do not read as a link.
POLICY = email.policy.default.clone(max_line_length=998)
WIRE = POLICY.clone(linesep="\r\n")  # what smtplib sends
LONGEST_VALUE = 256  # bytes a filled value may have (an address is at most 254)
LONGEST_LINE = 998  # SMTP's limit, without the CRLF


@cache  # asked for every mail queued
def mail_domain(mail_from: str) -> str:
    """The domain the tracker's own names are in: Message-IDs, the list's id."""
    return parseaddr(mail_from)[1].rpartition("@")[2] or "localhost"


def _headers(message: EmailMessage, settings: Settings, subject: str, purpose: str,
             row: Any = None) -> None:
    """The headers every mail has, and with a ``row`` the ones that are this mail's alone."""
    message["From"] = settings.mail_from
    if row:
        message["To"] = row.to_address
    message["Subject"] = subject
    if row:
        message["Date"] = formatdate(usegmt=True)
        message["Message-ID"] = row.message_id
    message["Auto-Submitted"] = "auto-generated"
    if purpose == DIGEST:
        message["Precedence"] = "bulk"
        message["List-Id"] = f"AI copyright tracker digests <digests.{mail_domain(settings.mail_from)}>"
    if row:
        for name, value in row.headers.items():
            message[name] = value


def build_message(row: Any, settings: Settings) -> EmailMessage:
    """One mail's message from its row's own subject, parts and headers."""
    message = EmailMessage(policy=POLICY)
    _headers(message, settings, row.subject, row.purpose, row)
    message.set_content(row.text)
    message.add_alternative(row.html, subtype="html")
    return message


def _line(name: str, value: str) -> bytes | None:
    """A header line as ``EmailMessage`` would write it, or None where it would encode or fold."""
    if not value.isascii() or not value.isprintable() or len(name) + 2 + len(value) > LONGEST_LINE:
        return None
    return f"{name}: {value}\r\n".encode()


class Template:
    """A distinct body's message, serialized once: literal bytes between its stand-ins."""

    def __init__(self, pieces: list[bytes | str]):
        self.pieces = pieces  # bytes as they are; a str names the value that goes there
        self.names = {piece for piece in pieces if isinstance(piece, str)}

    @classmethod
    def of(cls, body: Any, settings: Settings) -> "Template | None":
        """A digest body's template, or None when filling bytes could differ from building the mail."""
        message = EmailMessage(policy=POLICY)
        _headers(message, settings, body.subject, DIGEST)
        message.set_content(body.text)
        message.add_alternative(body.html, subtype="html")
        if any(part["Content-Transfer-Encoding"] not in ("7bit", "8bit") for part in message.iter_parts()):
            return None
        data = message.as_bytes(policy=WIRE)
        names = {stand_in.encode(): name for name, stand_in in body.placeholders.items()}
        if any(data.count(stand_in) != (body.text + body.html).count(stand_in.decode())
               for stand_in in names):
            return None  # a stand-in in the subject, or cut: fill per mail
        for line in data.split(b"\r\n"):
            if len(line) + sum(line.count(s) for s in names) * LONGEST_VALUE > LONGEST_LINE:
                return None
        pattern = re.compile(b"(" + b"|".join(re.escape(s) for s in names) + b")")
        pieces: list[bytes | str] = [names[piece] if index % 2 else piece
                                     for index, piece in enumerate(pattern.split(data))]
        return cls(pieces)

    def fill(self, row: Any) -> bytes | None:
        """The row's mail as sent, or None when its values or headers need the full build."""
        values = {}
        for name, value in row.fill.items():
            if not (value.isascii() and value.isprintable()) or len(value) > LONGEST_VALUE:
                return None
            values[name] = value.encode()
        if not self.names <= values.keys():
            return None
        own = [_line("To", row.to_address), _line("Date", formatdate(usegmt=True)),
               _line("Message-ID", row.message_id),
               *(_line(name, value) for name, value in row.headers.items())]
        if None in own:
            return None
        return b"".join(own) + b"".join(values[p] if isinstance(p, str) else p for p in self.pieces)


class Messages:
    """Makes each claimed row's message, building a digest body's MIME once per sender."""

    KEPT = 1000  # templates kept at once

    def __init__(self, engine: Engine, settings: Settings):
        self.engine, self.settings = engine, settings
        self.templates: dict[str, Template | None] = {}
        self.built = 0  # MIME messages built: once per distinct body where it could be

    def of(self, row: Any, sender: str) -> EmailMessage | bytes:
        """The row's message: bytes filled from its body's template, else an ``EmailMessage``
        (``smtplib`` sends that with SMTPUTF8 when ``sender`` or the recipient needs it)."""
        if row.body_key and row.fill and (sender + row.subscriber_email).isascii():
            template = self._template(row)
            if template is not None and (data := template.fill(row)) is not None:
                return data
        if row.body_key:  # claimed without its own parts (``tracker.claims``)
            with self.engine.connect() as connection:
                parts = connection.execute(select(OUTBOX.c.text, OUTBOX.c.html).where(
                    OUTBOX.c.id == row.id)).first()
            if parts is None:  # erased with its subscriber since it was claimed: the batch goes on
                raise LookupError("the mail is no longer in the outbox (its subscriber was erased)")
            row.text, row.html = parts
        self.built += 1
        return build_message(row, self.settings)

    def _template(self, row: Any) -> Template | None:
        if row.body_key not in self.templates:
            if len(self.templates) >= self.KEPT:
                self.templates.clear()
            with self.engine.connect() as connection:
                body = connection.execute(select(BODIES).where(BODIES.c.key == row.body_key)).first()
            self.templates[row.body_key] = body and Template.of(body, self.settings)
            self.built += body is not None
        return self.templates[row.body_key]
