"""Signed tokens for the links in mails: confirm, preferences, unsubscribe.

A token names a subscriber and a purpose, signed with the secret key (itsdangerous), so a link
cannot be forged or turned to another purpose; a confirmation link expires, an unsubscribe link
does not (RFC 8058 asks that it keep working). The secret is ``TRACKER_SECRET_KEY``, or one
generated on first use and kept, readable by its owner only, in the data directory; it must be at
least 32 bytes. Sessions, mail links and forms each sign with a key derived from it.
"""

import hashlib
import hmac
import os
import secrets
import tempfile
from pathlib import Path

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from tracker.config import Settings, data_dir
from tracker.errors import ConfigError, TrackerError

CONFIRM, PREFERENCES, UNSUBSCRIBE = "confirm", "preferences", "unsubscribe"
CALENDAR = "calendar"  # a subscriber's own calendar feed: it never expires, like unsubscribing
CONFIRM_MAX_AGE = 7 * 24 * 3600  # seconds


class BadToken(TrackerError):
    """A link that was altered, forged, made for something else, or has expired."""

    exit_code = 2


MIN_KEY_BYTES = 32
# Each use gets its own key, derived from the one secret: a key recovered or misused in one place
# (a session cookie, a mail link, a form) signs nothing in another.
SESSIONS, MAIL_LINKS, CSRF = "sessions", "mail-links", "csrf"


def derive_key(key: str, use: str) -> str:
    """The key for one use (``SESSIONS``, ``MAIL_LINKS``, ``CSRF``), derived from the secret."""
    return hmac.new(key.encode(), f"ai-copyright-tracker/{use}".encode(), hashlib.sha256).hexdigest()


def check_key(key: str, where: str) -> str:
    """:raises ConfigError: for a key shorter than ``MIN_KEY_BYTES`` (a short one can be guessed)"""
    if len(key.encode()) < MIN_KEY_BYTES:
        raise ConfigError(f"{where} is {len(key.encode())} bytes; it must be at least {MIN_KEY_BYTES} "
                          "(make one with: python3 -c 'import secrets; print(secrets.token_urlsafe(48))')")
    return key


def secret_key(settings: Settings, key_file: Path | None = None) -> str:
    """The secret: ``TRACKER_SECRET_KEY``; else, on PostgreSQL, the one kept in the database for
    every host (``tracker.shared_state``; seeded from this host's key file if it has one); else
    the key file, made on first use.

    The file is written whole before it has its name (a temporary file, fsync, then a hard link,
    which fails if another process got there first), so no reader ever sees it empty or half
    written, not even after a crash.

    :raises ConfigError: for a key shorter than 32 bytes, from the setting or from the file
    """
    if settings.secret_key is not None and settings.secret_key.get_secret_value():
        return check_key(settings.secret_key.get_secret_value(), "TRACKER_SECRET_KEY")
    path = key_file or data_dir() / "secret_key"
    if not settings.database_url.startswith("sqlite"):
        from tracker.shared_state import shared_secret

        def first() -> str:
            return path.read_text().strip() if path.is_file() else secrets.token_urlsafe(48)

        return check_key(shared_secret(settings.database_url, "secret_key", first),
                         "the secret key in the database's shared_secrets table")
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_new_key(path)
    return check_key(path.read_text().strip(), f"the secret key file {path} (delete it to make a new one)")


def _write_new_key(path: Path) -> None:
    descriptor, temporary = tempfile.mkstemp(prefix=".secret_key.", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(48) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:  # another first use won: theirs is the key
            return
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    finally:
        os.unlink(temporary)


class Tokens:
    def __init__(self, key: str):
        check_key(key, "the secret key")
        self.serializer = URLSafeTimedSerializer(derive_key(key, MAIL_LINKS), salt="ai-copyright-tracker")

    def make(self, purpose: str, subscriber_id: int, version: int | None = None) -> str:
        """:param version: the subscriber's ``token_version`` (confirm links): the link stops
            working once it moves on (they unsubscribed)"""
        payload = [purpose, subscriber_id] + ([] if version is None else [version])
        return self.serializer.dumps(payload)

    def read(self, purpose: str, token: str) -> int:
        """The subscriber id a token names.

        :raises BadToken: when it is altered, forged, for another purpose, or expired
        """
        return self.read_versioned(purpose, token)[0]

    def read_versioned(self, purpose: str, token: str) -> tuple[int, int]:
        """The subscriber id a token names and the version it was made for (0 if none).

        :raises BadToken: when it is altered, forged, for another purpose, or expired
        """
        max_age = CONFIRM_MAX_AGE if purpose == CONFIRM else None
        try:
            made_for, subscriber_id, *version = self.serializer.loads(token, max_age=max_age)
        except SignatureExpired:
            raise BadToken("this link has expired; sign up again for a new one") from None
        except (BadSignature, ValueError, TypeError):
            raise BadToken("this link is not valid (it may have been cut short or altered)") from None
        if made_for != purpose or not isinstance(subscriber_id, int) or len(version) > 1:
            raise BadToken("this link is not valid here")
        return subscriber_id, (version[0] if version else 0)
