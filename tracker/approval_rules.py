"""Auto-approve rules: the changes staff let through without a look.

``[[review.auto_approve]]`` in the configuration file lists them; a file that names any replaces
the defaults, which are conservative: a major event (or a status change a major event made) on a
watchlist case goes out, and so does a link read deterministically, from identifiers or the same
title (``tracker.linking``), as ``tracker show`` listed such related cases before they were
links; everything else waits for a person. Each condition a rule leaves out matches anything; a
rule matches when all its conditions do. A link change's source is what the link was read from
(``tracker.vocab.LinkEvidence``).
"""

from pydantic import BaseModel, Field

from tracker.vocab import ChangeKind, Kind, LinkEvidence, Significance


class ApproveRule(BaseModel):
    name: str
    sources: list[str] = Field(default_factory=list, description="Spiders (or seed) that found it; "
                               "for a link, what it was read from: identifiers, same_title...")
    changes: list[ChangeKind] = Field(default_factory=list, description="Change kinds")
    significance: Significance | None = Field(None, description="The change's event's significance")
    case_kinds: list[Kind] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list, description="Any of these tags on the case")
    watchlist: bool | None = Field(None, description="Only (true) or never (false) watchlist cases")

    def matches(self, *, source: str | None, change: str, significance: str | None, case_kind: str,
                tags: list[str], on_watchlist: bool) -> bool:
        return ((not self.sources or source in self.sources)
                and (not self.changes or change in self.changes)
                and (self.significance is None or significance == self.significance)
                and (not self.case_kinds or case_kind in self.case_kinds)
                and (not self.tags or bool(set(self.tags) & set(tags)))
                and (self.watchlist is None or self.watchlist == on_watchlist))

    def describe(self) -> str:
        """``major status change or new major event on watchlist cases``, for ``review rules``."""
        parts = []
        if self.significance:
            parts.append(str(self.significance))
        parts.append(" or ".join(c.label.lower() for c in self.changes) or "any change")
        if self.case_kinds:
            parts.append("on " + " or ".join(k.label.lower() for k in self.case_kinds))
        if self.watchlist is not None:
            parts.append("on watchlist cases" if self.watchlist else "off the watchlist")
        if self.tags:
            parts.append("tagged " + " or ".join(self.tags))
        if self.sources:
            parts.append("from " + " or ".join(
                LinkEvidence(s).label.lower() if s in LinkEvidence._value2member_map_ else s
                for s in self.sources))
        return " ".join(parts)


DEFAULT_RULES = (
    ApproveRule(name="major events on watchlist cases",
                changes=[ChangeKind.NEW_MAJOR_EVENT, ChangeKind.STATUS_CHANGE],
                significance=Significance.MAJOR, watchlist=True),
    ApproveRule(name="deterministic links", changes=[ChangeKind.NEW_LINK],
                sources=[LinkEvidence.IDENTIFIERS, LinkEvidence.SAME_TITLE]),
)


class ReviewSettings(BaseModel):
    """The ``[review]`` table of the configuration file."""

    auto_approve: list[ApproveRule] = Field(default_factory=lambda: list(DEFAULT_RULES))
