"""The items spiders yield: the tracker's case and event records.

They are the one contract between the spiders and the store (``tracker.records``): plain
dataclasses, which Scrapy handles through itemadapter like any item. A spider fills them from
what the source says and nothing else; the store decides what is new.
"""

from tracker.records import CaseRecord as CaseItem
from tracker.records import EventRecord as EventItem

__all__ = ["CaseItem", "EventItem"]
