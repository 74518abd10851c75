"""The stand-in upstream of the spider tests, which ``tracker demo`` serves too: one copy, in the
package (``tracker/demo/upstream.py``, its recorded responses in ``tracker/demo/fixtures``)."""

from tracker.demo.upstream import CONTENT_TYPES, FIXTURES, Upstream

__all__ = ["CONTENT_TYPES", "FIXTURES", "Upstream"]
