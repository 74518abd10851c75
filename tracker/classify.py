"""Rule tables that turn raw action and docket text into action classes and a significance.

One table per family of case. The first rule whose pattern matches wins, so narrower rules
(an order *on* a motion) come before broader ones (the motion itself), and explicit
"says nothing" rules (a reply brief that mentions a motion to dismiss) come before both. Each
rule names a sample of the text it is for. A source that classifies its own actions (Open
States, the Federal Register's document type) passes its classes through instead; then only
:func:`significance_of` and :func:`ruling_of` apply.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from tracker.vocab import ActionClass as A
from tracker.vocab import Kind, Ruling, Significance


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


_FILING_NOT_MOTION = (
    r"^\s*(?:\w+\s+)?(?:response|reply|opposition|declaration|brief|letter|objection"
    r"|memorandum (?:of law|of points)|notice of (?:appearance|filing|supplemental))\b"
)

LAWSUIT_RULES: tuple[Rule, ...] = (
    # "ORDER Setting Settlement Conference" is scheduling, not a settlement.
    rule(r"settlement conference", A.DISCOVERY_ORDER, needs=("settlement conf",)),
    # "MOTION for Extension of Time to File Response re 45 MOTION to Dismiss" / "pro hac vice"
    rule(r"extension of time|extend (?:the )?(?:time|deadline)|pro hac vice",
         needs=("extension", "extend", "pro hac vice")),
    # "RESPONSE in Opposition re 45 MOTION to Dismiss": mentions a motion, is not one.
    rule(_FILING_NOT_MOTION, needs=("response", "reply", "opposition", "declaration", "brief",
                                    "letter", "objection", "memorandum", "notice of")),
    # "NOTICE of Voluntary Dismissal by Sarah Andersen" / "STIPULATION of Dismissal with prejudice"
    rule(r"voluntar\w* dismiss|stipulat\w* (?:of|for|to) dismiss", A.DISMISSAL_VOLUNTARY,
         needs=("dismiss",)),
    # "ORDER granting 240 Motion for Preliminary Approval of Class Settlement"
    rule(r"\bsettle(?:ment|d)\b", A.SETTLEMENT, needs=("settle",)),
    # "ORDER granting in part and denying in part 45 Motion to Dismiss"
    rule(r"\bgrant\w* in part\b.*\bdismiss|\bdismiss\w*\b.*\bgrant\w* in part"
         r"|\bden\w* in part\b.*\bdismiss",
         A.MOTION_TO_DISMISS_GRANTED_IN_PART, needs=("in part",)),
    # "ORDER denying 33 Motion to Dismiss" / "Judge Stein denies OpenAI motion to dismiss"
    rule(r"\bden(?:y|ies|ied|ying)\b[^.;]*\bmotions? to dismiss"
         r"|\bmotions? to dismiss\b[^.;]*\b(?:is|are|was|were) denied",
         A.MOTION_TO_DISMISS_DENIED, needs=("dismiss",)),
    # "ORDER granting 20 Motion to Dismiss with leave to amend"
    rule(r"\bgrant(?:s|ed|ing)?\b[^.;]*\bmotions? to dismiss"
         r"|\bmotions? to dismiss\b[^.;]*\b(?:is|are|was|were) granted",
         A.MOTION_TO_DISMISS_GRANTED, needs=("dismiss",)),
    # "ORDER granting 180 Motion to Certify Class" / "Class certified for owners of books..."
    rule(r"\bgrant\w*\b[^.;]*\b(?:certify|certification of)\b[^.;]*\bclass"
         r"|\bclass (?:is |was )?certified\b|\bcertif(?:ies|ied|ying) (?:a |the )?class",
         A.CLASS_CERTIFIED, needs=("class",)),
    # "ORDER denying 150 Motion for Class Certification"
    rule(r"\bden\w*\b[^.;]*\bclass certification|\bclass certification\b[^.;]*\bdenied",
         A.CLASS_CERTIFICATION_DENIED, needs=("class certification",)),
    # "MOTION to Certify Class filed by Sarah Andersen"
    rule(r"motion (?:to certify (?:a |the )?class|for class certification)",
         A.CLASS_CERTIFICATION_MOTION, needs=("class",)),
    # "ORDER granting in part 200 Motion for Summary Judgment" / "Summary judgment: training..."
    rule(r"\b(?:order|opinion|ruling|grant\w*|den\w*)\b[^;]*\bsummary judgment"
         r"|^\s*summary judgment\s*:",
         A.SUMMARY_JUDGMENT_RULING, needs=("summary judgment",)),
    # "MOTION for Partial Summary Judgment filed by Thomson Reuters"
    rule(r"motion for (?:partial )?summary judgment|cross-motions? for summary judgment",
         A.SUMMARY_JUDGMENT_MOTION, needs=("summary judgment",)),
    # Before the appeal rule: "MANDATE of USCA as to 289 Notice of Appeal" is the decision.
    # "MANDATE of USCA" / "Ninth Circuit affirms" / "Supreme Court denies certiorari"
    rule(r"\bmandate of\b|\b(?:circuit|court of appeals)\b[^.;]*\b(?:affirm|revers|vacat)\w*"
         r"|certiorari (?:is )?denied|denies certiorari",
         A.APPELLATE_DECISION, needs=("mandate", "circuit", "court of appeals", "certiorari")),
    # "NOTICE OF APPEAL to the 9th Circuit" / "Petition for a writ of certiorari filed"
    rule(r"notice of (?:interlocutory )?appeal|petition for (?:a )?writ of certiorari"
         r"|\bappeal(?:ed|s)? to the\b|petition for (?:permission to appeal|review)",
         A.APPEAL, needs=("appeal", "certiorari", "petition")),
    # "TRANSFER ORDER from the JPML" / "Case transferred in from District of Delaware"
    rule(r"\btransfer(?:red|ring)?\b[^.;]*\b(?:to|from|in|into|out)\b|\btransfer order\b",
         A.TRANSFER, needs=("transfer",)),
    # "ORDER consolidating cases" / "JPML centralizes the OpenAI copyright actions in S.D.N.Y."
    # (not "Consolidated Amended Complaint", a pleading)
    rule(r"\bconsolidat(?:ing|ion of)\b|\bconsolidated (?:with|into|for)\b"
         r"|\b(?:cases?|actions?) (?:are |is |were |was )?consolidated|\bcentrali[sz]\w*",
         A.CONSOLIDATION, needs=("consolidat", "centrali")),
    # "Jury trial began" / "Bench trial held"
    rule(r"\b(?:jury|bench) trial (?:held|beg[au]n|commenced|started)|\btrial (?:beg[au]n|commenced)",
         A.TRIAL_BEGUN, needs=("trial",)),
    rule(r"\bjury verdict\b|\bverdict (?:for|in favou?r)", A.VERDICT, needs=("verdict",)),
    # "CLERK'S JUDGMENT" / "FINAL JUDGMENT" / "Judgment entered in favor of defendants"
    rule(r"^\s*(?:clerk'?s |final |amended )?judgment\b|\bjudgment (?:is )?entered", A.JUDGMENT,
         needs=("judgment",)),
    # "ORDER staying case pending appeal" / "Discovery on newer models stayed"
    rule(r"\border\b[^.;]*\bstay(?:s|ed|ing)?\b|\bstayed\b|\bstaying (?:the )?(?:case|action|discovery)",
         A.STAY, needs=("stay",)),
    # "CIVIL CASE TERMINATED" / "Case closed."
    rule(r"\bcase (?:is )?(?:closed|terminated)\b", A.CASE_CLOSED, needs=("case",)),
    # Before the pleadings: "MOTION to Dismiss Amended Complaint filed by Lovo" is a motion.
    # "MOTION to Dismiss for Failure to State a Claim filed by Stability AI"
    rule(r"\bmotions? to dismiss\b", A.MOTION_TO_DISMISS, needs=("to dismiss",)),
    # "FIRST AMENDED COMPLAINT against OpenAI" / "Consolidated amended class action complaint"
    # (but not "MOTION to Dismiss Amended Complaint", which the motion rule below takes)
    rule(r"^\s*(?:\w+\s+)?amended (?:class action )?complaint\b"
         r"|\bamended (?:class action )?complaint against\b",
         A.AMENDED_COMPLAINT, needs=("amended",)),
    # "COMPLAINT against Anthropic PBC (Filing fee $ 405)" / "Complaint filed."
    rule(r"^\s*(?:class action )?complaint\b|\bcomplaint (?:was )?filed\b", A.COMPLAINT_FILED,
         needs=("complaint",)),
    # "ANSWER to Complaint by Meta Platforms"
    rule(r"^\s*answer\b|\banswer to (?:the )?(?:\w+ )?(?:amended )?complaint", A.ANSWER,
         needs=("answer",)),
    # "SCHEDULING ORDER" / "STIPULATED PROTECTIVE ORDER" / "ORDER re discovery dispute"
    rule(r"scheduling order|case management order|protective order|\bdiscovery\b",
         A.DISCOVERY_ORDER, needs=("order", "discovery")),
)

BILL_RULES: tuple[Rule, ...] = (
    # "Became Public Law No: 118-49." / "Chaptered by Secretary of State - Chapter 123, Statutes of 2024."
    rule(r"signed by (?:the )?governor\b.*\bchaptered", A.EXECUTIVE_SIGNATURE, A.BECAME_LAW),
    rule(r"became public law|public law no|\bchaptered\b|became law", A.BECAME_LAW),
    # "Signed by President." / "Approved by the Governor." / "Signed by Gov. Bill Lee."
    rule(r"signed by (?:the )?(?:president|governor|gov\b)|approved by (?:the )?governor"
         r"|governor signed", A.EXECUTIVE_SIGNATURE),
    rule(r"veto (?:was )?overridden|passed over (?:the )?veto|over(?:ride|rode) (?:the )?veto",
         A.VETO_OVERRIDE_PASSAGE),
    rule(r"\bvetoed\b|\bveto message\b", A.EXECUTIVE_VETO),
    # "Presented to President." / "Enrolled and presented to the Governor at 3:30 p.m."
    rule(r"presented to (?:the )?(?:president|governor)|sent to (?:the )?governor"
         r"|to governor\b", A.EXECUTIVE_RECEIPT),
    # "Passed Senate with an amendment by Voice Vote." / "Passed Assembly 45-16."
    rule(r"\bpassed (?:the )?(?:senate|house|assembly)\b|passed/agreed to in|on passage passed"
         r"|third reading,? passed|read third time and passed", A.PASSAGE),
    # "Died in committee." / "Held in committee and under submission."
    rule(r"died in committee|held in committee", A.COMMITTEE_FAILURE),
    rule(r"\bdied\b|failed (?:passage|to pass)|indefinitely postponed", A.FAILURE),
    # "Referred to the Committee on the Judiciary." / "Re-referred to Coms. on P., D.T., & C.P."
    rule(r"\b(?:re-)?referred to\b", A.REFERRAL_COMMITTEE),
    # "Reported by Senator Grassley with an amendment" / "Do pass as amended"
    rule(r"reported (?:favorably|with|by|without)|ordered to be reported|\bdo pass\b",
         A.COMMITTEE_PASSAGE),
    rule(r"\bwithdrawn\b(?! from committee)|\bwithdrawal of (?:the )?bill", A.WITHDRAWAL),
    # "Introduced in Senate" / "Read first time." / "Reintroduced at press conference"
    rule(r"\b(?:re)?introduced\b|read first time|first reading", A.INTRODUCTION),
    rule(r"\bprefiled\b|\bfiled\b", A.FILING),
    rule(r"\bamended in\b|amendment (?:adopted|agreed to)", A.AMENDMENT_PASSAGE),
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
    Kind.LAWSUIT: LAWSUIT_RULES,
    Kind.FEDERAL_BILL: BILL_RULES,
    Kind.STATE_BILL: BILL_RULES,
    Kind.AGENCY_ACTION: AGENCY_RULES,
    Kind.STATEMENT: STATEMENT_RULES,
}

MAJOR_CLASSES = frozenset({
    A.INTRODUCTION, A.PASSAGE, A.COMMITTEE_FAILURE, A.FAILURE, A.WITHDRAWAL,
    A.EXECUTIVE_RECEIPT, A.EXECUTIVE_SIGNATURE, A.EXECUTIVE_VETO, A.VETO_OVERRIDE_PASSAGE,
    A.BECAME_LAW,
    A.COMPLAINT_FILED, A.MOTION_TO_DISMISS_GRANTED, A.MOTION_TO_DISMISS_GRANTED_IN_PART,
    A.MOTION_TO_DISMISS_DENIED, A.CLASS_CERTIFIED, A.CLASS_CERTIFICATION_DENIED,
    A.SUMMARY_JUDGMENT_RULING, A.TRIAL_BEGUN, A.VERDICT, A.SETTLEMENT, A.JUDGMENT, A.APPEAL,
    A.APPELLATE_DECISION, A.TRANSFER, A.CONSOLIDATION, A.DISMISSAL_VOLUNTARY, A.CASE_CLOSED,
    A.STAY,
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
}

# "ORDER granting 20 Motion to Dismiss with leave to amend": the suit can go on.
LEAVE_TO_AMEND = re.compile(r"leave to amend|without prejudice", re.IGNORECASE)
# "Summary judgment ... Judgment entered for defendant": the ruling ends the case.
ENDS_THE_CASE = re.compile(r"judgment (?:is )?entered|final judgment", re.IGNORECASE)


def classify_text(kind: Kind, text: str) -> tuple[A, ...]:
    """Return the action classes of one event's raw text; empty when no rule matches."""
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


def ruling_of(classes: Iterable[A], text: str) -> Ruling | None:
    """Whether the event is an interim or final ruling, or ``None`` when it is not a ruling."""
    rulings = [RULING_CLASSES[c] for c in classes if c in RULING_CLASSES]
    if not rulings:
        return None
    if Ruling.FINAL in rulings:
        return Ruling.INTERIM if LEAVE_TO_AMEND.search(text) else Ruling.FINAL
    return Ruling.FINAL if ENDS_THE_CASE.search(text) else Ruling.INTERIM


def classify(kind: Kind, text: str, given: Iterable[A] | None = None) -> Classification:
    """Classify one event: by the source's own classes when it gave them, else by the rules.

    :param given: the source's classes; ``None`` when the source does not classify, and an
        empty list when it classified the event as nothing in particular
    """
    classes = classify_text(kind, text) if given is None else tuple(A(c) for c in given)
    return Classification(classes, significance_of(classes), ruling_of(classes, text))
