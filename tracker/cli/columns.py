"""Rows that fit the terminal: keys shortened to a unique prefix and "…", text cut at a word
with "…", and the columns that matter (status, date, title) always shown.

``tracker show`` takes any unique prefix of a key, so a shortened key (less its "…") still
names its case. ``--wide`` and ``--json`` give the full keys.
"""

import shutil

from tracker.output import PIPED_WIDTH

ELLIPSIS = "…"
NARROW, WIDE = 100, 120  # below NARROW keys shorten more; from WIDE on, kind and jurisdiction show


def terminal_width() -> int:
    """The terminal's columns (``COLUMNS`` when set), at least 60; piped, ``PIPED_WIDTH``."""
    return max(shutil.get_terminal_size((PIPED_WIDTH, 24)).columns, 60)


def clip(text: str, width: int) -> str:
    """``text`` in at most ``width`` characters: cut at a word, with "…", when it is longer."""
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    if width <= 1:
        return ELLIPSIS[:width]
    cut = text[:width - 1]
    space = cut.rfind(" ")
    if space >= width // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-(") + ELLIPSIS


def short_keys(keys: list[str], width: int) -> dict[str, str]:
    """Each key in at most ``width`` characters where it can be: a prefix and "…", made longer
    where two keys would otherwise look the same."""
    shown = {}
    for key in keys:
        if len(key) <= width:
            shown[key] = key
            continue
        length = width - 1
        while length < len(key) and any(
                other != key and other.startswith(key[:length]) for other in keys):
            length += 1
        shown[key] = key if length >= len(key) else key[:length] + ELLIPSIS
    return shown


def table(header: list[str], rows: list[list[str]], *, width: int, fill: int) -> list[str]:
    """Aligned lines of ``rows`` under ``header``; column ``fill`` takes what the others leave
    (its text cut with "…"), so no line is wider than ``width``."""
    widths = [max([len(header[i])] + [len(row[i]) for row in rows]) for i in range(len(header))]
    rest = width - sum(w for i, w in enumerate(widths) if i != fill) - 2 * (len(header) - 1)
    widths[fill] = max(min(widths[fill], rest), 10)
    lines = []
    for row in [header, *rows]:
        cells = [clip(cell, widths[i]) if i == fill else cell for i, cell in enumerate(row)]
        lines.append("  ".join(f"{cell:{widths[i]}}" for i, cell in enumerate(cells)).rstrip())
    return lines


def key_width(width: int) -> int:
    return 24 if width < NARROW else 32
