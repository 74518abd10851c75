"""Docket text as a person reads it, whether it came from a crawl or a CourtListener webhook."""

import html
import re

from w3lib.html import remove_tags

# "ORDER granting motion ... (Entered: 10/30/2023)" → the suffix says nothing new.
ENTERED_SUFFIX = re.compile(r"\s*\(Entered:\s*\d{1,2}/\d{1,2}/\d{4}\)\s*$", re.IGNORECASE)
WHITESPACE = re.compile(r"\s+")


def clean_text(value: str | None) -> str:
    """Tags removed, entities decoded, whitespace folded, the ``(Entered: ...)`` suffix gone."""
    text = html.unescape(remove_tags(value or ""))
    return ENTERED_SUFFIX.sub("", WHITESPACE.sub(" ", text)).strip()
