"""What the pictures share: a drawing, links, escaped attributes and the palette."""

import html

import drawsvg as dw

FONT = "Helvetica, Arial, sans-serif"


def attr(value: object) -> str:
    """An attribute value escaped for XML (drawsvg writes attributes as given)."""
    return html.escape(str(value), quote=True)


class Link(dw.DrawingParentElement):
    """An SVG ``<a>``, which drawsvg lacks."""

    TAG_NAME = "a"

    def __init__(self, href: str, **kwargs):
        super().__init__(href=attr(href), **kwargs)


def drawing(width: float, height: float, label: str, css: str) -> dw.Drawing:
    """A drawing that scales to its container, with a label for screen readers and its CSS."""
    picture = dw.Drawing(width, height, viewBox=f"0 0 {width:g} {height:g}", role="img",
                         aria_label=attr(label), font_family=FONT)
    picture.append_css(css)
    return picture


def text(picture: dw.Drawing) -> str:
    """The SVG without the XML declaration, to inline in a page or write to a file."""
    return picture.as_svg(header="")
