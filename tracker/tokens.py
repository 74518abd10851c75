"""Signed tokens for the links in mails: confirm, preferences, unsubscribe.

A token names a subscriber and a purpose, signed with the secret key (itsdangerous), so a link
cannot be forged or turned to another purpose; a confirmation link expires, an unsubscribe link
does not (RFC 8058 asks that it keep working). The key is ``TRACKER_SECRET_KEY``, or one
generated on first use and kept, readable by its owner only, in the data directory.
"""

import os
import secrets
from pathlib import Path

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from tracker.config import Settings, data_dir
from tracker.errors import TrackerError

CONFIRM, PREFERENCES, UNSUBSCRIBE = "confirm", "preferences", "unsubscribe"
CONFIRM_MAX_AGE = 7 * 24 * 3600  # seconds


class BadToken(TrackerError):
    """A link that was altered, forged, made for something else, or has expired."""

    exit_code = 2


def secret_key(settings: Settings, key_file: Path | None = None) -> str:
    if settings.secret_key is not None and settings.secret_key.get_secret_value():
        return settings.secret_key.get_secret_value()
    path = key_file or data_dir() / "secret_key"
    if path.is_file():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # Created readable by its owner only; O_EXCL so two first uses cannot write two keys.
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(descriptor, "w") as handle:
        handle.write(key + "\n")
    return key


class Tokens:
    def __init__(self, key: str):
        self.serializer = URLSafeTimedSerializer(key, salt="ai-copyright-tracker")

    def make(self, purpose: str, subscriber_id: int) -> str:
        return self.serializer.dumps([purpose, subscriber_id])

    def read(self, purpose: str, token: str) -> int:
        """The subscriber id a token names.

        :raises BadToken: when it is altered, forged, for another purpose, or expired
        """
        max_age = CONFIRM_MAX_AGE if purpose == CONFIRM else None
        try:
            made_for, subscriber_id = self.serializer.loads(token, max_age=max_age)
        except SignatureExpired:
            raise BadToken("this link has expired; sign up again for a new one") from None
        except (BadSignature, ValueError, TypeError):
            raise BadToken("this link is not valid (it may have been cut short or altered)") from None
        if made_for != purpose or not isinstance(subscriber_id, int):
            raise BadToken("this link is not valid here")
        return subscriber_id
