"""The SMTP side of delivery: where the server is, one connection with retries and backoff, and
what the server's answers mean for a mail (sent, try again later, or never)."""

import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from tracker.errors import TrackerError


class MailError(TrackerError):
    """Mail cannot go out: no SMTP server, a bad SMTP URL, another sender running."""

    exit_code = 1


@dataclass
class SmtpTarget:
    scheme: str
    host: str
    port: int
    user: str | None
    password: str | None

    @classmethod
    def parse(cls, url: str) -> "SmtpTarget":
        """``smtp://user:password@host:587``; the user and password percent-decoded.

        The credentials end at the last ``@``, so a password holding ``/``, ``#``, ``?`` or ``@``
        still parses; no message ever repeats the URL (it holds the password).

        :raises MailError: for a URL that is not ``smtp://`` or ``smtps://`` with a host and port
        """
        scheme, separator, rest = url.strip().partition("://")
        credentials, _, address = rest.rpartition("@")
        user, _, password = credentials.partition(":")
        try:
            parts = urlsplit(f"//{address.rstrip('/')}")
            host, port = parts.hostname, parts.port
        except ValueError:
            host = port = None
        if not separator or scheme not in ("smtp", "smtps") or not host:
            raise MailError("TRACKER_SMTP_URL must look like smtp://user:password@host:587 or "
                            "smtps://host:465 (percent-encode a password's : / # ? @ as %3A %2F "
                            "%23 %3F %40)")
        return cls(scheme, host, port or (465 if scheme == "smtps" else 25),
                   unquote(user) if credentials else None,
                   unquote(password) if credentials and password else None)

    def __str__(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    def connect(self, timeout: float = 30) -> smtplib.SMTP:
        context = ssl.create_default_context()
        if self.scheme == "smtps":
            client = smtplib.SMTP_SSL(self.host, self.port, timeout=timeout, context=context)
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=timeout)
            client.ehlo()
            if client.has_extn("starttls"):
                client.starttls(context=context)
                client.ehlo()
            elif self.user:
                client.quit()
                raise MailError(f"{self} offers no STARTTLS; the password will not be sent in clear")
        if self.user:
            client.login(self.user, self.password or "")
        return client


class Temporary(Exception):
    """A 4xx or a dropped connection: try this mail again later."""


class Permanent(Exception):
    """A 5xx: this address will not take this mail."""

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code


def send(client: smtplib.SMTP, message: EmailMessage | bytes, sender: str, recipient: str) -> None:
    """Send one mail: a message, or one already serialized (CRLF line ends, ``tracker.mime``)."""
    try:
        if isinstance(message, bytes):
            client.sendmail(sender, [recipient], message)
        else:
            client.send_message(message, from_addr=sender, to_addrs=[recipient])
    except smtplib.SMTPRecipientsRefused as exc:
        code, reply = next(iter(exc.recipients.values()))
        _classify(code, reply)
    except smtplib.SMTPResponseException as exc:  # data, sender refused; 421 closing
        _classify(exc.smtp_code, exc.smtp_error)
    except (smtplib.SMTPServerDisconnected, OSError) as exc:
        raise Temporary(f"connection lost: {exc}") from None


def _classify(code: int, reply: bytes | str) -> None:
    message = f"{code} {reply.decode(errors='replace') if isinstance(reply, bytes) else reply}"
    if 500 <= code < 600:
        raise Permanent(code, message)
    raise Temporary(message)


def connect(target: SmtpTarget, *, attempts: int, retry_delay: float,
            sleep: Callable[[float], None]) -> smtplib.SMTP:
    """A connection, after retries with backoff; the run stops if the server cannot be reached.

    A refused connection is not retried: nothing listens there (the server is down, or the URL
    is wrong), and waiting out the backoff only delays saying so.
    """
    for attempt in range(attempts):
        try:
            return target.connect()
        except (OSError, smtplib.SMTPException) as exc:
            if isinstance(exc, smtplib.SMTPAuthenticationError):
                raise MailError(f"the SMTP server {target} refused the login: {exc.smtp_code}") from None
            error = exc
            if isinstance(exc, ConnectionRefusedError):
                break
            if attempt + 1 < attempts:
                sleep(retry_delay * 2 ** attempt)
    raise MailError(f"cannot reach the SMTP server {target}: {error}; every unsent mail waits "
                    "for the next run")


def close(client: smtplib.SMTP | None) -> None:
    if client is not None:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()
    return None
