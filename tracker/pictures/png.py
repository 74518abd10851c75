"""Pictures as PNG, for mail clients, which do not render SVG: converted with CairoSVG where the
machine has it (``pip install 'ai-copyright-tracker[png]'`` and the cairo library, which
Debian's ``libcairo2`` provides), else not at all, and the digest links to ``/map`` instead."""

from functools import cache


@cache
def _converter():
    try:
        import cairosvg
    except (ImportError, OSError):  # not installed, or installed without the cairo library
        return None
    return cairosvg


def can_convert() -> bool:
    return _converter() is not None


def svg_to_png(svg: str, *, width: int = 975) -> bytes | None:
    """The SVG as a PNG ``width`` pixels wide, or ``None`` where this machine cannot draw one."""
    converter = _converter()
    if converter is None:
        return None
    return converter.svg2png(bytestring=svg.encode("utf-8"), output_width=width, unsafe=False,
                              background_color="white")


def digest_map(base_url: str, kinds: list[str], item_kinds: set[str]) -> dict[str, str | None] | None:
    """What a digest carries of the map: for a subscriber who follows state bills (by their
    kinds, or because the digest has one), a link to ``/map`` and, where the server can draw
    one, its PNG (``/map.png``); else ``None``."""
    if "state_bill" not in kinds and "state_bill" not in item_kinds:
        return None
    base = base_url.rstrip("/")
    return {"link": f"{base}/map", "image": f"{base}/map.png" if can_convert() else None}
