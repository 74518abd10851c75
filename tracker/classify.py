"""Raw action and docket text into action classes, a significance, a ruling and a disposition.

Docket entries are read head first (``tracker.docket``): what the entry is, then what it
decided, then what about. Bill actions and agency documents go through rule tables, one per
family: the first rule whose pattern matches wins, so narrower rules come before broader ones,
and explicit "says nothing" rules (floor procedure on a rule or a motion to recommit) before
both. Each rule names a sample of the text it is for. A source that classifies its own actions
(Open States) passes its classes through instead; then only :func:`significance_of` and
:func:`ruling_of` apply. Federal Register documents are classed by :func:`classify_document`.
"""

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from tracker.docket import Head, read_entry
from tracker.vocab import ActionClass as A
from tracker.vocab import Disposition, Kind, Ruling, Significance


@dataclass(frozen=True)
class Rule:
    pattern: re.Pattern[str]
    classes: tuple[A, ...]
    # Lower-case words of which the text must hold one for the pattern to have a chance; a
    # substring test is ~50x cheaper than a regex search, and most rules fail on most text.
    needs: tuple[str, ...] = ()


def rule(pattern: str, *classes: A, needs: tuple[str, ...] = ()) -> Rule:
    return Rule(re.compile(pattern, re.IGNORECASE), classes, needs)


class Classification(NamedTuple):
    classes: tuple[A, ...]
    significance: Significance
    ruling: Ruling | None
    disposition: Disposition | None = None


# Floor procedure that is not an action on the bill itself: the rule that brings it up, motions
# to recommit, to proceed, to reconsider, cloture, conferees, debate ("Rule H. Res. 247 passed
# House." passes the rule, not the bill).
FLOOR_PROCEDURE = (
    r"^\s*(?:rules committee resolution|rule h\. ?res\.|rule provides|considered\b|debate\b|general debate"
    r"|postponed proceedings|proceedings (?:postponed|resumed)|order of proce\w+|the previous question"
    r"|the chair\b|the house (?:rose|resolved|proceeded)|house resolved|committee of the whole|the speaker"
    r"|(?:mr|mrs|ms)\.|motions? (?:to (?:reconsider|proceed|table|discharge|commit|recommit)|by senator)"
    r"|on motion (?:to recommit|that the house (?:disagree|instruct|insist))|cloture|upon reconsideration"
    r"|measure laid before|senate insists|ordered that the senate insists|message on"
    r"|conference (?:report|papers|held)|conferees|notice of intent|see also|sponsor introductory"
    r"|the clerk was authorized|returned to the calendar|not again placed|removed from"
    r"|pursuant to (?:a |the )?(?:previous )?order|senate (?:struck|ordered measure printed)(?! all after)"
    r"|(?:house|senate) passage reported|reported (?:engrossed|enrolled|back to)"
    r"|(?:house|senate) (?:floor |committee )?amendment no\. \d+ referred)"
)

BILL_RULES: tuple[Rule, ...] = (
    rule(FLOOR_PROCEDURE),
    # "Became Public Law No: 118-49." / "Chaptered by Secretary of State - Chapter 123, Statutes of ..."
    rule(r"signed by (?:the )?governor\b.*\bchaptered", A.EXECUTIVE_SIGNATURE, A.BECAME_LAW),
    rule(r"became public law|public law no|\bchaptered\b|became law|^\s*public act\b", A.BECAME_LAW),
    # "Signed by President." / "Approved by the Governor." / "Governor Approved" (not "Signed in the
    # House")
    rule(r"signed by (?:the )?(?:president|governor|gov\b)|approved by (?:the )?governor|governor signed"
         r"|^\s*governor approved", A.EXECUTIVE_SIGNATURE),
    # "On passage, the objections of the President to the contrary notwithstanding Failed by ..."
    rule(r"to the contrary,? notwithstanding\s+failed", A.FAILURE, needs=("notwithstanding",)),
    rule(r"veto (?:was )?overridden|passed (?:senate |house )?over (?:the )?veto"
         r"|over(?:ride|rode) (?:the )?veto"
         r"|two-thirds of the members present having voted in the affirmative the bill is passed",
         A.VETO_OVERRIDE_PASSAGE),
    # "Vetoed by President." / "Pocket Vetoed by President." (not "the veto message")
    rule(r"\bvetoed\b", A.EXECUTIVE_VETO, needs=("vetoed",)),
    # "Presented to President." / "Enrolled and presented to the Governor at 3:30 p.m."
    rule(r"presented to (?:the )?(?:president|governor)|sent to (?:the )?governor|to (?:the )?governor\b",
         A.EXECUTIVE_RECEIPT),
    # "On motion to suspend the rules and pass the bill Failed by the Yeas and Nays"
    rule(r"^\s*on (?:passage|motion to suspend the rules and pass the bill)\b[^.]*\bfailed\b"
         r"|failed (?:of )?passage|failed to pass", A.FAILURE, needs=("fail",)),
    # "Died in committee." / "Held in committee and under submission."
    rule(r"died in committee|held in committee", A.COMMITTEE_FAILURE),
    rule(r"\bdied\b|indefinitely postponed", A.FAILURE),
    # "Read third time. Passed." / "Third Reading - Passed; 055-000-000" / "...Finally passed."
    rule(r"(?:third reading|read (?:a |the )?third time|read 3rd time)\b[^;]*?\bpassed\b(?! to)",
         A.READING_3, A.PASSAGE, needs=("third", "3rd")),
    # "Passed Senate with an amendment by Voice Vote." / "On passage Passed by voice vote." /
    # "On agreeing to the conference report Agreed to" / "considered, and agreed to"
    rule(r"\bpassed (?:the )?(?:senate|house|assembly)\b|passed/agreed to in|on passage\b[^.]*\bpassed\b"
         r"|^\s*passed\b(?! to)|finally passed|passed house pursuant|suspend the rules and pass the bill[^.]*"
         r"\bagreed to\b|on agreeing to the (?:resolution|conference report)\b[^.]*\bagreed to\b"
         r"|agreed to conference report|considered,? and agreed to|house agree to the senate amendments?"
         r"[^.]*\bagreed to\b", A.PASSAGE, needs=("pass", "agreed to")),
    # "From committee: Do pass and re-refer to Com. on APPR." moves it on to another committee.
    rule(r"\bdo pass\b[^.]*\bre-?refer", A.COMMITTEE_PASSAGE, A.REFERRAL_COMMITTEE, needs=("refer",)),
    # "Reported by Senator Grassley with an amendment" / "Ordered to be reported" / "Do pass as amended"
    rule(r"reported (?:favorably|with|by|without)|ordered to be reported|\bdo pass\b|^\s*reported by the "
         r"committee|filed written report|approved for consideration", A.COMMITTEE_PASSAGE),
    # "Placed on Senate Legislative Calendar under General Orders." / "Placed on intent calendar"
    rule(r"\bplaced on (?:the )?[\w&,.\s-]{0,40}?calendar|\bplaced on cal\.", A.PLACED_ON_CALENDAR,
         needs=("placed on",)),
    # "Referred to the Committee on the Judiciary." / "Re-referred to Coms. on P., D.T., & C.P."
    rule(r"\b(?:re-)?referred (?:directly )?to\b|^\s*assigned to\b|^\s*to [\w&,\s]+subcommittee\b"
         r"|\bref\. to\b", A.REFERRAL_COMMITTEE),
    rule(r"^\s*withdrawn\b(?! from committee)|\bbill (?:was )?withdrawn"
         r"|withdrawn by (?:the )?(?:author|sponsor)|\bwithdrawal of (?:the )?bill", A.WITHDRAWAL,
         needs=("withdraw",)),
    # "Amendment(s) offered" / "House Floor Amendment No. 1 Filed with Clerk by Rep. ..."
    rule(r"amendment\(s\) offered|^\s*(?:house|senate) (?:floor |committee )?amendment no\. \d+ filed",
         A.AMENDMENT_INTRODUCTION),
    rule(r"\bamended in\b|amendment (?:adopted|agreed to)|^\s*amended\.?\s*$|adopted the amendment"
         r"|struck all after the enacting clause|\bmeasure amended\b", A.AMENDMENT_PASSAGE),
    # "Introduced in Senate" / "Introduced. To print." / "Reintroduced at press conference"
    rule(r"\b(?:re)?introduced\b", A.INTRODUCTION, needs=("introduced",)),
    rule(r"read (?:the )?first time|^\s*first reading", A.READING_1),
    rule(r"read (?:the )?second time|read 2nd time|^\s*second reading|\bread twice\b", A.READING_2),
    rule(r"read (?:the )?third time|read 3rd time|^\s*third reading", A.READING_3),
    rule(r"\bprefiled\b|^\s*filed\b|filed with (?:the )?(?:clerk|secretary)", A.FILING),
)

AGENCY_RULES: tuple[Rule, ...] = (
    # "Executive Order 14179 signed" / "Presidential memorandum on AI"
    rule(r"executive order|presidential (?:memorandum|document)|proclamation", A.PRESIDENTIAL_DOCUMENT),
    rule(r"notice of proposed rulemaking|\bproposed rule\b|\bNPRM\b", A.PROPOSED_RULE),
    rule(r"\bfinal rule\b|interim final rule", A.FINAL_RULE),
    # "NOI published (training use, transparency...)" / "Request for information on AI inventorship"
    rule(r"notice of inquiry|\bNOI\b|request for (?:information|comments?)", A.NOTICE_OF_INQUIRY),
    rule(r"comments? (?:are )?due|comment period (?:closes|closed|ends|ended)",
         A.COMMENT_PERIOD_CLOSED),
    rule(r"comment period (?:opens|reopened|extended)", A.COMMENT_PERIOD_OPENED),
    # "Part 2 report (copyrightability) released" / "Guidance published" / "statement of policy"
    rule(r"\breport\b|\bguidance\b|statement of policy|\bpublished\b|\bissued\b", A.REPORT),
    rule(r"\bnotice\b", A.NOTICE),
)

STATEMENT_RULES: tuple[Rule, ...] = (rule(r".", A.PUBLICATION),)

RULES_BY_KIND: dict[Kind, tuple[Rule, ...]] = {
    Kind.FEDERAL_BILL: BILL_RULES,
    Kind.STATE_BILL: BILL_RULES,
    Kind.AGENCY_ACTION: AGENCY_RULES,
    Kind.STATEMENT: STATEMENT_RULES,
}

MAJOR_CLASSES = frozenset({
    A.INTRODUCTION, A.COMMITTEE_PASSAGE, A.PASSAGE, A.COMMITTEE_FAILURE, A.FAILURE, A.WITHDRAWAL,
    A.EXECUTIVE_RECEIPT, A.EXECUTIVE_SIGNATURE, A.EXECUTIVE_VETO, A.VETO_OVERRIDE_PASSAGE,
    A.BECAME_LAW, A.SESSION_END,
    A.COMPLAINT_FILED, A.MOTION_TO_DISMISS_GRANTED, A.MOTION_TO_DISMISS_GRANTED_IN_PART,
    A.MOTION_TO_DISMISS_DENIED, A.CLASS_CERTIFIED, A.CLASS_CERTIFICATION_DENIED,
    A.SUMMARY_JUDGMENT_RULING, A.TRIAL_BEGUN, A.VERDICT, A.SETTLEMENT, A.JUDGMENT, A.APPEAL,
    A.APPELLATE_DECISION, A.TRANSFER, A.MDL_CENTRALISATION, A.CONSOLIDATION, A.DISMISSAL_VOLUNTARY,
    A.DISMISSAL, A.CASE_CLOSED, A.STAY,
    A.NOTICE_OF_INQUIRY, A.PROPOSED_RULE, A.FINAL_RULE, A.PRESIDENTIAL_DOCUMENT, A.REPORT,
    A.PUBLICATION,
})

RULING_CLASSES: dict[A, Ruling] = {
    A.MOTION_TO_DISMISS_GRANTED: Ruling.FINAL,
    A.MOTION_TO_DISMISS_GRANTED_IN_PART: Ruling.INTERIM,
    A.MOTION_TO_DISMISS_DENIED: Ruling.INTERIM,
    A.CLASS_CERTIFIED: Ruling.INTERIM,
    A.CLASS_CERTIFICATION_DENIED: Ruling.INTERIM,
    A.SUMMARY_JUDGMENT_RULING: Ruling.INTERIM,
    A.JUDGMENT: Ruling.FINAL,
    A.APPELLATE_DECISION: Ruling.FINAL,
    A.DISMISSAL: Ruling.FINAL,
}
# Heads under which an entry can be the court's own decision.
DECIDING_HEADS = frozenset({Head.RULING, Head.JUDGMENT, Head.APPELLATE, Head.HEARING, Head.NONE})

# "ORDER granting 20 Motion to Dismiss with leave to amend": the suit can go on.
LEAVE_TO_AMEND = re.compile(r"leave to amend|without prejudice", re.IGNORECASE)
# "Summary judgment ... Judgment entered for defendant": the ruling ends the case.
ENDS_THE_CASE = re.compile(r"judgment (?:is )?entered|final judgment", re.IGNORECASE)


TAGS = re.compile(r"<[^>]+>")


def plain(text: str) -> str:
    """Docket text as CourtListener gives it, without its markup: ``<b>49</b>``, ``&#x27;``."""
    if "<" in text:
        text = TAGS.sub("", text)
    return html.unescape(text) if "&" in text else text


def classify_text(kind: Kind, text: str) -> tuple[A, ...]:
    """Return the action classes of one event's raw text; empty when no rule matches."""
    if kind is Kind.LAWSUIT:
        return read_entry(plain(text)).classes
    lowered = text.lower()
    for candidate in RULES_BY_KIND[kind]:
        for word in candidate.needs:  # a plain loop: this is the hot path of every ingest
            if word in lowered:
                break
        else:
            if candidate.needs:
                continue
        if candidate.pattern.search(text):
            return candidate.classes
    return ()


def significance_of(classes: Iterable[A]) -> Significance:
    return Significance.MAJOR if MAJOR_CLASSES.intersection(classes) else Significance.MINOR


def ruling_of(classes: Iterable[A], text: str, disposition: Disposition | None = None) -> Ruling | None:
    """Whether the event is an interim or final ruling, or ``None`` when it is not a ruling.

    A ruling on a motion that moves no stage (an extension granted, a motion to transfer denied)
    is an interim ruling all the same: ``disposition`` says the court decided something.
    """
    rulings = {c: RULING_CLASSES[c] for c in classes if c in RULING_CLASSES}
    if not rulings:
        return Ruling.INTERIM if disposition is not None else None
    if set(rulings) == {A.MOTION_TO_DISMISS_GRANTED}:
        return Ruling.INTERIM if LEAVE_TO_AMEND.search(text) else Ruling.FINAL
    if Ruling.FINAL in rulings.values():
        return Ruling.FINAL
    return Ruling.FINAL if ENDS_THE_CASE.search(text) else Ruling.INTERIM


# What a source's own classes miss, read from the text: Open States classes "From committee: Do
# pass and re-refer to Com. on APPR." as committee passage alone, and "Withdrawn from committee.
# Re-referred to Com. on RLS." as a withdrawal of the bill.
RE_REFERRED = re.compile(r"\bre-?refer", re.IGNORECASE)
FROM_COMMITTEE = re.compile(r"^\s*withdrawn from committee", re.IGNORECASE)


def _refine(given: tuple[A, ...], text: str) -> tuple[A, ...]:
    if A.COMMITTEE_PASSAGE in given and A.REFERRAL_COMMITTEE not in given and RE_REFERRED.search(text):
        given += (A.REFERRAL_COMMITTEE,)
    if A.WITHDRAWAL in given and FROM_COMMITTEE.match(text):
        given = tuple(c for c in given if c is not A.WITHDRAWAL)
    return given


def classify(kind: Kind, text: str, given: Iterable[A] | None = None) -> Classification:
    """Classify one event: by the source's own classes when it gave them, else by the rules.

    :param given: the source's classes; ``None`` when the source does not classify, and an
        empty list when it classified the event as nothing in particular
    """
    if given is not None:
        classes = _refine(tuple(A(c) for c in given), text)
        return Classification(classes, significance_of(classes), ruling_of(classes, text))
    if kind is Kind.LAWSUIT:
        text = plain(text)
        reading = read_entry(text)
        disposition = reading.disposition if reading.head in DECIDING_HEADS else None
        return Classification(reading.classes, significance_of(reading.classes),
                              ruling_of(reading.classes, text, disposition), disposition)
    classes = classify_text(kind, text)
    return Classification(classes, significance_of(classes), ruling_of(classes, text))


# The Federal Register's action line says what a document is, whatever section prints it: a
# "Notification of inquiry" in the Proposed Rules section is an inquiry, an "Interim rule" a rule.
DOCUMENT_RULES: tuple[tuple[re.Pattern[str], A], ...] = tuple(
    (re.compile(p, re.IGNORECASE), c) for p, c in (
        (r"\bcorrection\b", A.NOTICE),
        (r"final rule|interim rule", A.FINAL_RULE),  # "Interim rule with request for comments."
        (r"notice of inquiry|notification of inquiry", A.NOTICE_OF_INQUIRY),
        (r"guidance|statement of policy|\breport\b", A.REPORT),  # "Guidance; request for comments."
        (r"requests? for (?:comments?|information|petitions)|\bRFI\b", A.NOTICE_OF_INQUIRY),
        (r"proposed rulemaking|proposed rule\b", A.PROPOSED_RULE),
    ))
DOCUMENT_TYPES = {
    "Presidential Document": A.PRESIDENTIAL_DOCUMENT,
    "Rule": A.FINAL_RULE,
    "Proposed Rule": A.PROPOSED_RULE,
    "Notice": A.NOTICE,
}


def classify_document(document_type: str | None, action: str | None, title: str | None,
                      correction_of: str | None = None) -> A:
    """The class of a Federal Register document's publication, from its type, action and title."""
    if document_type == "Presidential Document":
        return A.PRESIDENTIAL_DOCUMENT
    if correction_of:
        return A.NOTICE
    for text in (action, title):
        for pattern, cls in DOCUMENT_RULES:
            if text and pattern.search(text):
                return cls
    return DOCUMENT_TYPES.get(document_type or "", A.NOTICE)
