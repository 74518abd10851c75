"""Secrets out of text that is logged, stored or shown: keys in URLs, passwords in URLs.

``redact`` masks the password of any ``scheme://user:password@host`` and the value of any query
parameter that names a key, token or password (``api_key=...`` → ``api_key=***``). It is applied to
every source run's stored error, to the crawl log (``RedactingFilter``) and to database URLs in
error messages, so a key that reached a URL or an exception still does not reach a log or a page.
"""

import logging
import re

MASK = "***"
# scheme://user:password@  (the password may hold anything but whitespace; the last @ ends it)
URL_PASSWORD = re.compile(r"(?P<head>\b[a-z][a-z0-9+.-]*://[^\s:/@]*:)(?P<secret>[^\s]*)(?P<at>@)",
                          re.IGNORECASE)
# ?api_key=...  &token=...  ;password=...
SECRET_PARAMETER = re.compile(
    r"(?P<head>[?&;](?:api[_-]?key|apikey|key|token|access_token|auth|password|passwd|secret|"
    r"signature|sig)=)(?P<secret>[^&#\s'\"<>]+)", re.IGNORECASE)


def redact(text: str) -> str:
    """``text`` with every password in a URL and every key-like query value masked."""
    text = URL_PASSWORD.sub(lambda m: m["head"] + MASK + m["at"], text)
    return SECRET_PARAMETER.sub(lambda m: m["head"] + MASK, text)


class RedactingFilter(logging.Filter):
    """A logging filter that redacts each record's message before any handler writes it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True
