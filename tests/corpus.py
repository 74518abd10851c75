"""The labelled corpus in tests/data/classify/, and how the classifier scores on it.

Shared by tests/test_corpus.py (which holds the scores where they were measured) and
bench/classify.py (which prints them). Each item's expected classes, ruling and disposition
were written by reading the text; here they only meet what the tracker makes of it.
"""

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from tracker.classify import classify, classify_document
from tracker.relevance import Rules
from tracker.vocab import ActionClass as A
from tracker.vocab import Kind

DATA = Path(__file__).parent / "data" / "classify"
# Open States classes with another name in the tracker's vocabulary (as spiders/openstates.py
# maps them when it hands an action over).
ALIASES = {"committee-passage-favorable": "committee-passage",
           "committee-passage-unfavorable": "committee-failure"}
# Entries that set a status: the list (complaint, ruling on a dispositive motion,
# settlement, judgment, dismissal, transfer, MDL centralisation, appeal, enactment, veto, signing).
STATUS_SETTING = frozenset({
    A.COMPLAINT_FILED, A.MOTION_TO_DISMISS_GRANTED, A.MOTION_TO_DISMISS_GRANTED_IN_PART,
    A.MOTION_TO_DISMISS_DENIED, A.SUMMARY_JUDGMENT_RULING, A.CLASS_CERTIFIED,
    A.CLASS_CERTIFICATION_DENIED, A.SETTLEMENT, A.JUDGMENT, A.DISMISSAL, A.DISMISSAL_VOLUNTARY,
    A.TRANSFER, A.MDL_CENTRALISATION, A.APPEAL, A.APPELLATE_DECISION, A.BECAME_LAW,
    A.EXECUTIVE_VETO, A.EXECUTIVE_SIGNATURE,
})


@dataclass
class Scored:
    corpus: str
    text: str
    expected: frozenset[str]
    got: frozenset[str]
    ruling: tuple[str | None, str | None] = (None, None)
    disposition: tuple[str | None, str | None] = (None, None)
    significance: tuple[str, str] = ("", "")

    @property
    def right(self) -> bool:
        return self.expected == self.got

    @property
    def status_setting(self) -> bool:
        return bool(STATUS_SETTING & (self.expected | self.got))


@dataclass
class Report:
    items: list[Scored] = field(default_factory=list)
    statements: list[tuple[dict, bool, bool]] = field(default_factory=list)  # item, on article, on feed

    def sizes(self) -> Counter:
        return Counter(s.corpus for s in self.items) + Counter({"statements": len(self.statements)})

    def accuracy(self, items: list[Scored] | None = None) -> float:
        items = self.items if items is None else items
        return sum(s.right for s in items) / len(items)

    def status_setting(self) -> list[Scored]:
        return [s for s in self.items if s.status_setting]

    def field_accuracy(self, name: str) -> float:
        pairs = [getattr(s, name) for s in self.items]
        return sum(a == b for a, b in pairs) / len(pairs)

    def per_class(self) -> dict[str, tuple[int, int, int]]:
        """Each class's true positives, false positives and false negatives."""
        counts: dict[str, list[int]] = {}
        for s in self.items:
            for c in s.expected | s.got:
                tp_fp_fn = counts.setdefault(c, [0, 0, 0])
                tp_fp_fn[0 if c in s.expected and c in s.got else 1 if c in s.got else 2] += 1
        return {c: (tp, fp, fn) for c, (tp, fp, fn) in sorted(counts.items())}

    def confusion(self) -> Counter:
        return Counter((label(s.expected), label(s.got)) for s in self.items)

    def statement_accuracy(self, on_feed: bool = False) -> float:
        return sum(item["kept"] == (feed if on_feed else article)
                   for item, article, feed in self.statements) / len(self.statements)


def label(classes: frozenset[str]) -> str:
    return "+".join(sorted(classes)) or "none"


def _load(name: str) -> list[dict]:
    return yaml.safe_load((DATA / f"{name}.yaml").read_text())["items"]


def _given(classes: list[str] | None) -> tuple[str, ...] | None:
    if classes is None:
        return None
    kept = tuple(dict.fromkeys(ALIASES.get(c, c) for c in classes
                               if ALIASES.get(c, c) in A._value2member_map_))
    return kept or None  # unknown or no classes: the tracker reads the text instead


def _score(corpus: str, kind: Kind, item: dict, given=None) -> Scored:
    result = classify(kind, item["text"], given)
    return Scored(corpus, item["text"], frozenset(item["classes"]), frozenset(result.classes),
                  (item["ruling"], result.ruling and str(result.ruling)),
                  (item["disposition"], result.disposition and str(result.disposition)),
                  (item["significance"], str(result.significance)))


def evaluate() -> Report:
    report = Report()
    report.items += [_score("dockets", Kind.LAWSUIT, i) for i in _load("dockets")]
    report.items += [_score("congress", Kind.FEDERAL_BILL, i) for i in _load("congress")]
    report.items += [_score("openstates", Kind.STATE_BILL, i, _given(i.get("given")))
                     for i in _load("openstates")]
    for item in _load("federal_register"):
        got = classify_document(item["type"], item["action"], item["title"])
        report.items.append(Scored("federal_register", item["title"], frozenset(item["classes"]),
                                   frozenset({got}), (None, None), (None, None),
                                   (item["significance"], item["significance"])))
    rules = Rules()
    for item in _load("statements"):
        on_article = rules.statement(item["title"], item["article_text"]) is not None
        on_feed = rules.statement(item["title"], item["feed_text"]) is not None
        report.statements.append((item, on_article, on_feed))
    return report
