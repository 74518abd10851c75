"""Tagged return addresses (VERP): ``bounces+TAG@`` and ``unsubscribe+TAG@`` the bounce domain.

Each mail's envelope sender names the mail it carried, so a bounce that arrives hours later,
whatever its format, says whom it is about: the tag, not a guess at the failed address (which a
forwarding address or a relay's rewriting hides). The ``List-Unsubscribe`` mailto names the
subscriber the same way. A tag is the number (8 base32 characters, 40 bits) and a keyed code
over the purpose and the number (10 characters, 50 bits), lower-case: mail systems may change
the case of a local part, so the tag is read case-insensitively; a tag made for one purpose
does not work for the other, and none can be forged without the secret key. The whole local
part is at most 30 octets (RFC 5321 allows 64).
"""

import base64
import hashlib
import hmac
import re
from functools import cache

from tracker.config import Settings
from tracker.tokens import derive_key, secret_key

BOUNCES, UNSUBSCRIBE = "bounces", "unsubscribe"
PURPOSES = (BOUNCES, UNSUBSCRIBE)
VERP_KEYS = "verp"  # tracker.tokens.derive_key's use
NUMBER_BYTES = 5  # 40 bits: 8 base32 characters, no padding
CODE_CHARS = 10


class Tags:
    def __init__(self, key: str):
        self.key = derive_key(key, VERP_KEYS).encode()

    def _code(self, purpose: str, number: bytes) -> str:
        digest = hmac.new(self.key, purpose.encode() + b":" + number, hashlib.sha256).digest()
        return base64.b32encode(digest).decode()[:CODE_CHARS].lower()

    def make(self, purpose: str, number: int) -> str:
        """The tag naming ``number`` (an outbox row for bounces, a subscriber to unsubscribe)."""
        raw = number.to_bytes(NUMBER_BYTES, "big")
        return base64.b32encode(raw).decode().lower() + self._code(purpose, raw)

    def read(self, purpose: str, tag: str) -> int | None:
        """The number a tag names, or ``None`` for a tag that is not ours or not for ``purpose``."""
        tag = tag.strip().lower()
        if len(tag) != 8 + CODE_CHARS:
            return None
        try:
            raw = base64.b32decode(tag[:8].upper())
        except ValueError:
            return None
        if not hmac.compare_digest(self._code(purpose, raw), tag[8:]):
            return None
        return int.from_bytes(raw, "big")

    def address(self, purpose: str, number: int, domain: str) -> str:
        return f"{purpose}+{self.make(purpose, number)}@{domain}"

    def search(self, text: str, domain: str) -> tuple[str, int] | None:
        """The first valid tagged address on ``domain`` in ``text`` (any case): its purpose and
        number. Addresses whose tag is not ours are passed over."""
        tag = f"[a-z2-7]{{{8 + CODE_CHARS}}}"
        pattern = re.compile(rf"\b({'|'.join(PURPOSES)})\+({tag})@{re.escape(domain)}\b", re.IGNORECASE)
        for match in pattern.finditer(text):
            purpose = match.group(1).lower()
            number = self.read(purpose, match.group(2))
            if number is not None:
                return purpose, number
        return None


@cache
def _tags(key: str) -> Tags:
    return Tags(key)


def tags_for(settings: Settings) -> Tags:
    return _tags(secret_key(settings))


def envelope_sender(settings: Settings, outbox_id: int) -> str | None:
    """The envelope sender of one outbox mail, or ``None`` when no bounce domain is set."""
    if not settings.bounce_domain:
        return None
    return tags_for(settings).address(BOUNCES, outbox_id, settings.bounce_domain)


def unsubscribe_address(settings: Settings, subscriber_id: int) -> str | None:
    """Where a mail unsubscribes this subscriber, or ``None`` when no bounce domain is set."""
    if not settings.bounce_domain:
        return None
    return tags_for(settings).address(UNSUBSCRIBE, subscriber_id, settings.bounce_domain)
