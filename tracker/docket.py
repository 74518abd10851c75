"""Reading a docket entry the way a clerk does: its head first, then the disposition, then the subject.

The head (the words a docket entry opens with) decides what the entry is: "MOTION to ..." is a
filing, "ORDER", "OPINION & ORDER", "MEMORANDUM AND ORDER" are rulings, "MINUTE ENTRY" a hearing,
"NOTICE", "STIPULATION", "TRANSCRIPT", "JUDGMENT" each their own. Only then does the rest of the
text count, and only in the way the head allows: a ruling's disposition (granted, denied, granted
in part) and the motion it decides; a motion's own subject; a notice of appeal or of removal.
Words quoted inside an entry ("re 45 MOTION to Dismiss", "motions to intervene and to dismiss,
stay, or transfer") never outrank its head and its disposition. A denied motion is a ruling that
moves no stage, except the dispositive ones whose denial is itself a step (a motion to dismiss, a
motion for class certification or for summary judgment).

Text with no docket head (a summary from the curated watchlist: "Judge Stein denies OpenAI motion
to dismiss") is read by disposition and subject alone.
"""

import re
from enum import StrEnum
from typing import NamedTuple

from tracker.vocab import ActionClass as A
from tracker.vocab import Disposition


class Head(StrEnum):
    RULING = "ruling"  # ORDER, OPINION & ORDER, MEMORANDUM AND ORDER, Memo-Endorsement...
    JUDGMENT = "judgment"  # JUDGMENT, CLERK'S JUDGMENT, FINAL JUDGMENT
    APPELLATE = "appellate"  # MANDATE, MEMORANDUM DISPOSITION, USCA JUDGMENT, OPINION issued by a panel
    MDL = "mdl"  # TRANSFER ORDER of the JPML, CONDITIONAL TRANSFER ORDER
    APPEAL = "appeal"  # NOTICE OF APPEAL, PETITION FOR REVIEW, CASE OPENED on an appellate docket
    COMPLAINT = "complaint"  # COMPLAINT, NOTICE OF REMOVAL, PETITION for Writ of Habeas Corpus
    AMENDED = "amended"  # FIRST AMENDED COMPLAINT
    ANSWER = "answer"
    TRANSFER = "transfer"  # CASE TRANSFERRED IN from ..., Interdistrict transfer to ...
    MOTION = "motion"  # a filing that asks for something
    PAPER = "paper"  # a filing that argues: response, reply, memorandum, brief, declaration, letter
    HEARING = "hearing"  # MINUTE ENTRY, MINUTES, CASE argued
    STIPULATION = "stipulation"
    NOTICE = "notice"
    CLERICAL = "clerical"  # transcripts, summonses, referrals, reports: nothing the tracker folds
    NONE = "none"  # no docket head: a summary in prose


class Reading(NamedTuple):
    head: Head
    classes: tuple[A, ...]
    disposition: Disposition | None


def _re(pattern: str) -> re.Pattern[str]:
    """Patterns are written in lower case and run on lower-cased text: ``re.IGNORECASE`` turns
    off the literal-prefix search that keeps these scans fast."""
    return re.compile(pattern)


def _gated(needs: tuple[str, ...], pattern: str) -> tuple[tuple[str, ...], re.Pattern[str]]:
    """A pattern behind the words it cannot match without (a substring test costs ~1/50 of a scan)."""
    return needs, _re(pattern)


def _hit(gated: tuple[tuple[str, ...], re.Pattern[str]], text: str) -> re.Match[str] | None:
    needs, pattern = gated
    for word in needs:
        if word in text:
            return pattern.search(text)
    return None


# "Judge Mark G. Mastroianni: ELECTRONIC ORDER entered ..." / "***NOTICE TO ATTORNEY ..."
PREFIX = _re(r"^\s*(?:\*+|\(court only\)\s*|(?:magistrate |chief |district )?judge [^:]{1,60}:\s*)+")
# Words that open an entry of their own kind: they may not stand in front of another head
# ("REPLY re 45 MOTION to Dismiss" is a reply, not a motion).
OTHER_HEADS = (r"(?!(?:motions?|requests?|applications?|petitions?|responses?|repl(?:y|ies)|oppositions?"
               r"|memorand(?:um|a)|briefs?|declarations?|affidavits?|notices?|complaints?|answers?|objections?"
               r"|exhibits?|reports?|statements?|stipulation)\b)")
PRE = r"(?:" + OTHER_HEADS + r"[\w'&./()-]+\s+){0,6}?"
# Ordered: the first that matches the start of the entry wins, so narrower heads come first.
HEADS: tuple[tuple[re.Pattern[str], Head], ...] = tuple((_re(p), h) for p, h in (
    (r"usca judgment|mandate\b|order on mandate|received [^.;]{0,60}\bmandate\b|memorandum disposition"
     r"|opinion (?:issued|filed) by|supreme court case info|u\.s\. supreme court (?:order|notice)",
     Head.APPELLATE),
    # "MOTION(S) REFERRED: 31 MOTION to Dismiss" is the clerk's, not a motion.
    (r"motions?(?:\(s\))? (?:referred|no longer referred)|motions no longer referred|set(?:/reset)? deadlines"
     r"|set/reset hearings|report and recommendations?\b|report on the (?:filing|determination)"
     r"|transcript|summons|affidavit|certificate|proof of service|waiver|corporate disclosure"
     r"|civil cover sheet|notice of (?:appearance|attorney appearance|change|hearing|filing of|filing and"
     r"|docketing|correction|request|intent|case assignment|case reassignment|initial pretrial)"
     r"|case (?:assigned|reassigned)|usca case number|certified and transmitted|transmission of"
     r"|filing error|deficient|deleted document|court deleted|clerk'?s notice|electronic notice"
     r"|text only notice|correction of docket entry|received (?:notification|copy|\d|\$)"
     r"|[^.]{0,80},\s*served\b", Head.CLERICAL),
    (r"(?:certified true copy of (?:conditional )?mdl|conditional transfer order|transfer order (?:from|of)"
     r" (?:the )?(?:united states )?judicial panel)", Head.MDL),
    (r"(?:amended |final |clerk'?s |partial |usca )?judgment\b", Head.JUDGMENT),
    (r"(?:amended )?notice of (?:interlocutory |criminal )?appeal|(?:civil |agency |miscellaneous )?case "
     r"(?:docketed|opened)|docketed cause|petition for (?:review|permission to appeal|a writ of certiorari)"
     r"|petition for extraordinary", Head.APPEAL),
    (r"(?:first |second |third |consolidated )?amended (?:class action )?complaint", Head.AMENDED),
    (r"notice of removal|(?:class action |prisoner civil rights |verified )?complaint\b|received complaint"
     r"|petition for writ of habeas", Head.COMPLAINT),
    (r"case transferred (?:in|out|to (?:the )?(?:[\w.,]+ )*?(?:district|court))\b|interdistrict transfer"
     r"|transfer of case to", Head.TRANSFER),
    (r"(?:text )?minute entry|minutes\b|case argued|submitted on the briefs|pretrial conference held"
     r"|mediation conference not held|docket call", Head.HEARING),
    (r"stipulat(?:ion|ed)(?! (?:protective )?order)", Head.STIPULATION),
    (PRE + r"(?:order(?:ed)?|opinion|ruling|decision)\b|memo[- ]endorsement|memorandum (?:and |& )?order"
     r"|memorandum opinion|(?:opinion|ruling) (?:and|&) order|letter order|filed (?:clerk )?order"
     r"|per curiam", Head.RULING),
    (r"notice of motion and motion|" + PRE + r"(?:letter )?(?:motions?|application|request|petition)\b",
     Head.MOTION),
    (r"(?:[\w.,&' -]{0,120}'s )?(?:first )?(?:amended )?answer\b", Head.ANSWER),
    (PRE + r"(?:responses?|repl(?:y|ies)|oppositions?|memorand(?:um|a)|declarations?|briefs?|letters?"
     r"|objections?|sur-reply|exhibits?|appendix|witness)\b", Head.PAPER),
    (r"notice\b", Head.NOTICE),
))

# The disposition of a ruling: the first of these words in the entry (bar "in part", which wins).
IN_PART = _re(r"\bgrant\w* in part\b|\bden\w* in part\b")
DISPOSITION = _re(r"\b(?P<g>grant(?:s|ed|ing)?|allow(?:s|ed|ing)|approv(?:es|ed|ing))\b"
                  r"|\b(?P<d>den(?:y|ies|ied|ying)|overrul(?:es|ed|ing)|rejects?|rejected)\b")
# The motion a ruling decides: the first "motion to/for ..." (or "request", "application").
MOTION_SUBJECT = _re(r"\b(?:motions?|requests?|applications?)\b[^;]{0,40}?\b(?:to|for|re:?)\s+"
                     r"(?P<what>(?:the\s+|partial\s+|preliminary\s+approval\s+of\s+(?:the\s+)?(?:class\s+)?)?"
                     r"[\w-]+(?:\s+[\w-]+)?)")

SUBJECT_OF_MOTION: tuple[tuple[re.Pattern[str], A, A | None, A | None], ...] = tuple(
    (_re(p), filed, granted, denied) for p, filed, granted, denied in (
        # (subject, class when moved, class when granted, class when denied)
        (r"^dismiss", A.MOTION_TO_DISMISS, A.MOTION_TO_DISMISS_GRANTED, A.MOTION_TO_DISMISS_DENIED),
        (r"^(?:certify|class cert)", A.CLASS_CERTIFICATION_MOTION, A.CLASS_CERTIFIED,
         A.CLASS_CERTIFICATION_DENIED),
        (r"^(?:partial )?summary judgment", A.SUMMARY_JUDGMENT_MOTION, A.SUMMARY_JUDGMENT_RULING,
         A.SUMMARY_JUDGMENT_RULING),
        (r"^preliminary approval|^(?:final )?approval of", A.SETTLEMENT, A.SETTLEMENT, None),
        (r"^transfer", None, A.TRANSFER, None),
        (r"^consolidat", None, A.CONSOLIDATION, None),
        (r"^stay (?:the )?(?:case|action|proceedings|discovery)", None, A.STAY, None),
    ))
# A motion the filing is, when its head is a motion: "MOTION to Dismiss for Failure to State a Claim".
MOTION_ITSELF = _re(r"^(?:[\w/ ]{0,40}?)(?:motions?|application)\b(?:,? (?:by|of) [^;]{0,60}?)?\s*(?:--\s*)?"
                    r"(?:to|for)\s+(?P<what>(?:partial\s+)?[\w-]+(?:\s+[\w-]+)?)")

# What a ruling or a prose summary says without deciding a motion.
APPELLATE_DECISION = _gated(("dismiss", "affirm", "revers", "vacat", "certiorari"),
                            r"\bjudg\w*nt of (?:the |said )?(?:district|disc)\w*(?: ct| court)?\b[^.;]{0,20}"
                         r"\bis (?:dismissed|affirmed|reversed|vacated)|\bappeal is dismissed"
                         r"|\bappeal (?:was )?dismissed\b|\bdismissing appeal"
                         r"|\b(?:affirm(?:s|ed)?|revers(?:es|ed)|vacated and remanded)\b[^;]{0,80}"
                         r"|\bopinion[^.;]{0,60}\bis vacated|circuit\b[^.;]*\b(?:affirm|revers|vacat)"
                         r"|certiorari (?:is )?denied|denies certiorari")
# Who moved: "filed by Stability AI", "by Dow Jones & Company".
MOVER = _re(r"\bby\b")
SUBJECT_RULES: tuple[tuple[tuple[tuple[str, ...], re.Pattern[str]], tuple[A, ...]], ...] = tuple(
    (_gated(needs, p), c) for needs, p, c in (
        (("centrali", "member case", "mdl"),
         r"centrali[sz]\w*|\bmember case of \d+:\d{2}-md-|transferred to mdl|\bmdl no\.[^.;]{0,80}\btransfer",
         (A.MDL_CENTRALISATION,)),
        (("consolidat",), r"\bconsolidat(?:ing|ion of)\b|\bconsolidated (?:with|into|for)\b"
         r"|\b(?:cases?|actions?) (?:are |is )?consolidated", (A.CONSOLIDATION,)),
        (("transfer",), r"\btransfer(?:ring|red)? (?:this |the )?(?:case|action)\b|^order of transfer"
         r"|\btransferred to the (?:[\w. ]+ )?district", (A.TRANSFER,)),
        (("settle",), r"\bsettlement (?:was|has been) reached|\breached a settlement|\bcase (?:has )?settled"
         r"|\bparties (?:have )?settled|\bsettled\b[^.;]*\bcase|\bsettlement\b[^.;]*\bapproved",
         (A.SETTLEMENT,)),
        (("trial",), r"\b(?:jury|bench) trial (?:held|beg[au]n|commenced|started)"
         r"|\btrial (?:beg[au]n|commenced)",
         (A.TRIAL_BEGUN,)),
        (("verdict",), r"\bjury verdict\b|\bverdict (?:for|in favou?r)", (A.VERDICT,)),
        (("class",), r"\bclass (?:is |was )?certified\b|\bcertif(?:ies|ied|ying) (?:a |the )?class",
         (A.CLASS_CERTIFIED,)),
        (("stay",), r"\bstay(?:s|ed|ing)?\b[^.;]{0,30}\b(?:case|action|proceedings|discovery)\b"
         r"|\b(?:case|action|proceedings|discovery)\b[^.;]{0,40}\bstayed\b", (A.STAY,)),
        (("administratively", "closed", "terminated"),
         r"\badministratively (?:terminate|close)|\bcase (?:is )?(?:closed|terminated)\b", (A.CASE_CLOSED,)),
        (("dismiss",), r"\bdismiss(?:ing|es)? (?:the |this )?(?:case|action|complaint|case opening)"
         r"|\bdismissing case|\b(?:case|action) (?:is )?dismissed\b", (A.DISMISSAL,)),
        # What an order does about discovery, not what it mentions ("to raise a discovery dispute,
        # they shall do so consistent with the Case Management Order" sets a status conference).
        (("discovery", "inspection"), r"discovery hearing|discovery order|complete (?:all )?discovery"
         r"|available for inspection|\border re:? discovery", (A.DISCOVERY_ORDER,)),
    ))
# A few heads name their own subject: "SCHEDULING ORDER", "STIPULATED PROTECTIVE ORDER".
SCHEDULING_HEAD = _re(r"^(?:[\w/ ]{0,40})?(?:scheduling order|case management order|protective order"
                      r"|discovery confidentiality order|confidentiality agreement and order)")
HEARING_SUBJECTS = (A.SETTLEMENT, A.TRIAL_BEGUN, A.VERDICT)
HEARING_SCHEDULE = _re(r"scheduling (?:order entered|conference held)[^.;]*|discovery cut-off")
VOLUNTARY = _re(r"voluntar\w* dismiss|\bdismiss\w*\b|discontinu")
ORDER_WORD = _re(r"\border\b")
VOLUNTARY_NOTICE = _re(r"\s*notice of voluntary dismissal")
MEMBER_NOTICE = _re(r"\bmember case of \d+:\d{2}-md-")
SUPREME_COURT_RULING = _re(r"\bruling: \w+")
CERTIORARI_PENDING = _re(r"\s*(?:supreme court case info|u\.s\. supreme court notice)")
APPEAL_GRANTED = _re(r"\bcert\w* petition action \d+: granted|certiorari was granted")


def head_of(text: str) -> Head:
    start = PREFIX.sub("", text, count=1)
    for pattern, head in HEADS:
        if pattern.match(start):
            return head
    return Head.NONE


def disposition_of(text: str) -> Disposition | None:
    if IN_PART.search(text):
        return Disposition.GRANTED_IN_PART
    match = DISPOSITION.search(text)
    if match is None:
        return None
    return Disposition.GRANTED if match.group("g") else Disposition.DENIED


def _ruling_classes(text: str, disposition: Disposition | None) -> tuple[A, ...]:
    """A ruling: the motion it decides and how, else what it orders."""
    if _hit(APPELLATE_DECISION, text):
        return (A.APPELLATE_DECISION,)
    motion = MOTION_SUBJECT.search(text)
    if motion is not None and disposition is not None:
        what = motion.group("what")
        for subject, _filed, granted, denied in SUBJECT_OF_MOTION:
            if subject.match(what):
                if disposition is Disposition.DENIED:
                    return (denied,) if denied else ()
                if granted is A.MOTION_TO_DISMISS_GRANTED and disposition is Disposition.GRANTED_IN_PART:
                    return (A.MOTION_TO_DISMISS_GRANTED_IN_PART,)
                return (granted,)
        return ()  # a ruling on some other motion moves no stage
    if disposition is Disposition.DENIED:
        return ()
    return _subject(text)


def _subject(text: str) -> tuple[A, ...]:
    for gated, classes in SUBJECT_RULES:
        if _hit(gated, text):
            return classes
    return ()


def _motion_classes(text: str) -> tuple[A, ...]:
    match = MOTION_ITSELF.match(PREFIX.sub("", text, count=1))
    if match is None or not MOVER.search(text):  # "Motions to Dismiss ... Hearing set for" is no motion
        return ()
    for subject, filed, _granted, _denied in SUBJECT_OF_MOTION:
        if subject.match(match.group("what")) and filed is not None:
            return (filed,)
    return ()


def read_entry(text: str) -> Reading:
    """What one docket entry (or a prose summary of one) is, what it decided, and how."""
    text = text.lower()
    head = head_of(text)
    disposition = None
    classes: tuple[A, ...] = ()
    if head in (Head.RULING, Head.NONE):
        disposition = disposition_of(text)
        if head is Head.RULING and SCHEDULING_HEAD.match(PREFIX.sub("", text, count=1)):
            classes = (A.DISCOVERY_ORDER,)
        else:
            classes = _ruling_classes(text, disposition)
            if head is Head.NONE and not classes:
                classes = _prose_classes(text)
    elif head is Head.JUDGMENT:
        disposition = disposition_of(text)
        classes = (A.JUDGMENT,)
    elif head is Head.APPELLATE:
        if SUPREME_COURT_RULING.search(text):
            classes = (A.APPELLATE_DECISION,)
        elif APPEAL_GRANTED.search(text):
            disposition, classes = Disposition.GRANTED, (A.APPEAL,)
        elif CERTIORARI_PENDING.match(text):
            classes = (A.APPEAL,)
        else:
            classes = (A.APPELLATE_DECISION,)
    elif head is Head.HEARING:
        disposition = disposition_of(text)
        classes = tuple(c for c in _subject(text) if c in HEARING_SUBJECTS)
        if not classes and HEARING_SCHEDULE.search(text):
            classes = (A.DISCOVERY_ORDER,)
    elif head is Head.MOTION:
        classes = _motion_classes(text)
    elif head is Head.STIPULATION:
        if VOLUNTARY.search(text):
            classes = (A.DISMISSAL_VOLUNTARY,)
        elif ORDER_WORD.search(text) and "discovery" in text:
            classes = (A.DISCOVERY_ORDER,)
    elif head is Head.NOTICE:
        if VOLUNTARY_NOTICE.match(text):
            classes = (A.DISMISSAL_VOLUNTARY,)
        elif MEMBER_NOTICE.search(text):
            classes = (A.MDL_CENTRALISATION,)
    else:
        classes = HEAD_CLASSES.get(head, ())
    return Reading(head, classes, disposition)


def _prose_classes(text: str) -> tuple[A, ...]:
    """A summary with no docket head and no ruling in it: the head words it may still carry."""
    if PROSE_SETTLEMENT.search(text):  # "Settlement between Warner and the defendant."
        return (A.SETTLEMENT,)
    for head in (Head.APPEAL, Head.AMENDED, Head.COMPLAINT, Head.ANSWER, Head.MOTION):
        if PROSE[head].search(text):
            return HEAD_CLASSES.get(head) or _motion_classes(text)
    return ()


# In prose a settlement is named outright; a docket has conferences and discussions about one.
PROSE_SETTLEMENT = _re(r"^\s*(?:class )?settlement\b(?! conference| discussions| talks)|\bsettle[sd]\b")
HEAD_CLASSES: dict[Head, tuple[A, ...]] = {
    Head.MDL: (A.MDL_CENTRALISATION,),
    Head.APPEAL: (A.APPEAL,),
    Head.COMPLAINT: (A.COMPLAINT_FILED,),
    Head.AMENDED: (A.AMENDED_COMPLAINT,),
    Head.ANSWER: (A.ANSWER,),
    Head.TRANSFER: (A.TRANSFER,),
}
# The same heads, found anywhere in a prose summary ("Complaint filed.", "Notice of appeal filed").
PROSE: dict[Head, re.Pattern[str]] = {
    Head.APPEAL: _re(r"\b(?:files?|filed|takes?|took)\b[^.;]{0,40}\bappeal\b|petition for (?:a )?writ of "
                     r"certiorari|\bappeal(?:ed|s)? to the\b"),
    Head.AMENDED: _re(r"\bamended (?:class action )?complaint\b"),
    Head.COMPLAINT: _re(r"\bcomplaint (?:was )?filed\b|^\s*(?:class action )?complaint\b"),
    Head.ANSWER: _re(r"\banswer to (?:the )?(?:\w+ )?(?:amended )?complaint"),
    Head.MOTION: _re(r"\bmotions? (?:to|for)\b"),
}
