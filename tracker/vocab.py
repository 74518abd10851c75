"""The tracker's vocabularies: kinds of case, statuses, action classes, significance.

Every value is a snake_case (statuses) or hyphenated (action classes) string that is stored in
the database, printed by ``--json`` and matched by filters, so a value once shipped is never
renamed. Each member carries a label and a one-line meaning, which the CLI, the README and
(later) the digests read from here.

Two levels, after Open States: an *action class* says what one event was (``executive-signature``,
``motion-to-dismiss-granted-in-part``); a *status* says where the whole case stands
(``enacted``, ``dismissed_in_part``). ``tracker.status`` folds the first into the second.
"""

from enum import StrEnum


class Described(StrEnum):
    """A StrEnum whose members carry a label and a one-line meaning."""

    label: str
    meaning: str

    def __new__(cls, value: str, label: str = "", meaning: str = ""):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label or value.replace("_", " ").replace("-", " ").capitalize()
        member.meaning = meaning
        return member


class Kind(Described):
    LAWSUIT = "lawsuit", "Lawsuit", "A suit in a court, identified by court and docket number."
    FEDERAL_BILL = "federal_bill", "Federal bill", "A bill in the U.S. Congress."
    STATE_BILL = "state_bill", "State bill", "A bill in a U.S. state legislature."
    AGENCY_ACTION = "agency_action", "Agency action", (
        "A notice, inquiry, rule, report or presidential document from a government body."
    )
    STATEMENT = "statement", "Statement", "A public statement by a guild, coalition or office."


class Status(Described):
    # Bills, after Open States' action classes and GovTrack's bill statuses.
    INTRODUCED = "introduced", "Introduced", "Filed or introduced; no committee action yet."
    IN_COMMITTEE = "in_committee", "In committee", "Referred to a committee, which has not reported it."
    REPORTED = "reported", "Reported", (
        "Reported by a committee or placed on a calendar; awaits a floor vote."
    )
    PASSED_ONE_CHAMBER = "passed_one_chamber", "Passed one chamber", (
        "Passed the chamber of origin; pending in the other."
    )
    PASSED_BOTH = "passed_both", "Passed both chambers", (
        "Passed both chambers; not yet sent to the executive."
    )
    SENT_TO_EXECUTIVE = "sent_to_executive", "Sent to the executive", (
        "Presented to the President or Governor for signature."
    )
    ENACTED = "enacted", "Enacted", "Signed, or became law without signature or over a veto."
    VETOED = "vetoed", "Vetoed", "Vetoed by the executive; no override so far."
    FAILED = "failed", "Failed", (
        "Voted down, died in committee, or died when its session or Congress ended."
    )
    WITHDRAWN = "withdrawn", "Withdrawn", "Withdrawn by its author."
    # Lawsuits.
    FILED = "filed", "Filed", "Complaint filed; no dispositive motion pending."
    MOTION_TO_DISMISS_PENDING = "motion_to_dismiss_pending", "Motion to dismiss pending", (
        "A motion to dismiss awaits decision."
    )
    DISMISSED_IN_PART = "dismissed_in_part", "Dismissed in part", (
        "Some claims dismissed; the rest go forward."
    )
    DISMISSED = "dismissed", "Dismissed", "All claims dismissed."
    DISCOVERY = "discovery", "Discovery", "Pleadings settled; the parties are in discovery."
    CLASS_CERTIFIED = "class_certified", "Class certified", "The court certified a class."
    SUMMARY_JUDGMENT_PENDING = "summary_judgment_pending", "Summary judgment pending", (
        "A motion for summary judgment awaits decision."
    )
    SUMMARY_JUDGMENT_DECIDED = "summary_judgment_decided", "Summary judgment decided", (
        "The court ruled on summary judgment; what survives goes on."
    )
    TRIAL = "trial", "Trial", "Trial has begun."
    SETTLED = "settled", "Settled", "The parties settled (a class settlement may await approval)."
    JUDGMENT = "judgment", "Judgment", "Judgment entered."
    ON_APPEAL = "on_appeal", "On appeal", "A notice of appeal or petition for review is pending."
    TRANSFERRED = "transferred", "Transferred", "Transferred to another district court (28 U.S.C. § 1404)."
    IN_MDL = "in_mdl", "In MDL", (
        "Centralised in a multidistrict litigation; active in the MDL's coordinated pretrial proceedings."
    )
    CONSOLIDATED = "consolidated", "Consolidated", "Consolidated with other cases, outside an MDL."
    CLOSED = "closed", "Closed", "The docket is closed."
    # Agency actions.
    NOTICE = "notice", "Notice", "A notice was published."
    INQUIRY = "inquiry", "Inquiry", "A notice of inquiry or request for information was issued."
    COMMENT_PERIOD_OPEN = "comment_period_open", "Comment period open", "Public comments are open."
    COMMENT_PERIOD_CLOSED = "comment_period_closed", "Comment period closed", (
        "The comment period has closed."
    )
    PROPOSED_RULE = "proposed_rule", "Proposed rule", "A proposed rule was published."
    FINAL_RULE = "final_rule", "Final rule", "A final rule was published."
    PRESIDENTIAL_DOCUMENT = "presidential_document", "Presidential document", (
        "An executive order, memorandum or proclamation was issued."
    )
    REPORT_ISSUED = "report_issued", "Report issued", "A report or guidance was issued."
    # Statements.
    PUBLISHED = "published", "Published", "The statement was published."


BILL_STATUSES = (
    Status.INTRODUCED, Status.IN_COMMITTEE, Status.REPORTED, Status.PASSED_ONE_CHAMBER, Status.PASSED_BOTH,
    Status.SENT_TO_EXECUTIVE, Status.ENACTED, Status.VETOED, Status.FAILED, Status.WITHDRAWN,
)
STATUSES_BY_KIND: dict[Kind, tuple[Status, ...]] = {
    Kind.LAWSUIT: (
        Status.FILED, Status.MOTION_TO_DISMISS_PENDING, Status.DISMISSED_IN_PART, Status.DISMISSED,
        Status.DISCOVERY, Status.CLASS_CERTIFIED, Status.SUMMARY_JUDGMENT_PENDING,
        Status.SUMMARY_JUDGMENT_DECIDED, Status.TRIAL, Status.SETTLED, Status.JUDGMENT,
        Status.ON_APPEAL, Status.TRANSFERRED, Status.IN_MDL, Status.CONSOLIDATED, Status.CLOSED,
    ),
    Kind.FEDERAL_BILL: BILL_STATUSES,
    Kind.STATE_BILL: BILL_STATUSES,
    Kind.AGENCY_ACTION: (
        Status.NOTICE, Status.INQUIRY, Status.COMMENT_PERIOD_OPEN, Status.COMMENT_PERIOD_CLOSED,
        Status.PROPOSED_RULE, Status.FINAL_RULE, Status.PRESIDENTIAL_DOCUMENT,
        Status.REPORT_ISSUED,
    ),
    Kind.STATEMENT: (Status.PUBLISHED,),
}


class ActionClass(Described):
    """What one event was. Bill classes are Open States' own slugs."""

    # Bills (Open States).
    FILING = "filing", "Filing", "The bill was filed or prefiled."
    INTRODUCTION = "introduction", "Introduction", "The bill was introduced (first reading)."
    REFERRAL_COMMITTEE = "referral-committee", "Referral to committee", "Referred to a committee."
    COMMITTEE_PASSAGE = "committee-passage", "Committee passage", "A committee reported it favourably."
    PLACED_ON_CALENDAR = "placed-on-calendar", "Placed on calendar", (
        "Placed on a chamber's calendar for floor action."
    )
    COMMITTEE_FAILURE = "committee-failure", "Committee failure", "A committee voted it down."
    AMENDMENT_INTRODUCTION = "amendment-introduction", "Amendment offered", "An amendment was offered."
    AMENDMENT_PASSAGE = "amendment-passage", "Amendment adopted", "An amendment was adopted."
    READING_1 = "reading-1", "First reading", "Read a first time."
    READING_2 = "reading-2", "Second reading", "Read a second time."
    READING_3 = "reading-3", "Third reading", "Read a third time."
    PASSAGE = "passage", "Passage", "Passed a chamber."
    FAILURE = "failure", "Failure", "Failed a vote, or died at the end of the session."
    WITHDRAWAL = "withdrawal", "Withdrawal", "Withdrawn by its author."
    EXECUTIVE_RECEIPT = "executive-receipt", "Sent to the executive", "Presented for signature."
    EXECUTIVE_SIGNATURE = "executive-signature", "Signed", "Signed by the executive."
    EXECUTIVE_VETO = "executive-veto", "Vetoed", "Vetoed by the executive."
    VETO_OVERRIDE_PASSAGE = "veto-override-passage", "Veto overridden", "A chamber overrode a veto."
    BECAME_LAW = "became-law", "Became law", "Became law (public law, chaptered, or without signature)."
    SESSION_END = "session-end", "Session ended", (
        "The session or Congress the bill belongs to ended; a bill not enacted by then has died."
    )
    # Lawsuits.
    COMPLAINT_FILED = "complaint-filed", "Complaint", "The complaint opening the suit."
    AMENDED_COMPLAINT = "amended-complaint", "Amended complaint", "An amended complaint."
    MOTION_TO_DISMISS = "motion-to-dismiss", "Motion to dismiss", "A motion to dismiss was filed."
    MOTION_TO_DISMISS_GRANTED = "motion-to-dismiss-granted", "Dismissal granted", (
        "An order granting a motion to dismiss."
    )
    MOTION_TO_DISMISS_GRANTED_IN_PART = "motion-to-dismiss-granted-in-part", (
        "Dismissal granted in part"
    ), "An order granting a motion to dismiss in part and denying it in part."
    MOTION_TO_DISMISS_DENIED = "motion-to-dismiss-denied", "Dismissal denied", (
        "An order denying a motion to dismiss."
    )
    ANSWER = "answer", "Answer", "A defendant answered the complaint."
    DISCOVERY_ORDER = "discovery-order", "Discovery order", "A scheduling, discovery or protective order."
    CLASS_CERTIFICATION_MOTION = "class-certification-motion", "Class certification motion", (
        "A motion to certify a class."
    )
    CLASS_CERTIFIED = "class-certified", "Class certified", "An order certifying a class."
    CLASS_CERTIFICATION_DENIED = "class-certification-denied", "Class certification denied", (
        "An order denying class certification."
    )
    SUMMARY_JUDGMENT_MOTION = "summary-judgment-motion", "Summary judgment motion", (
        "A motion for summary judgment."
    )
    SUMMARY_JUDGMENT_RULING = "summary-judgment-ruling", "Summary judgment ruling", (
        "An order deciding a motion for summary judgment."
    )
    TRIAL_BEGUN = "trial-begun", "Trial", "Trial began."
    VERDICT = "verdict", "Verdict", "A jury verdict."
    SETTLEMENT = "settlement", "Settlement", "A settlement, or a motion or order approving one."
    JUDGMENT = "judgment", "Judgment", "Judgment entered."
    APPEAL = "appeal", "Appeal", "A notice of appeal or a petition for review."
    APPELLATE_DECISION = "appellate-decision", "Appellate decision", (
        "A decision of a court of appeals or the Supreme Court."
    )
    TRANSFER = "transfer", "Transfer", "Transferred to or from another district court."
    MDL_CENTRALISATION = "mdl-centralisation", "MDL centralisation", (
        "The JPML centralised the case in a multidistrict litigation, or it became a member case."
    )
    CONSOLIDATION = "consolidation", "Consolidation", "Consolidated with other cases outside an MDL."
    DISMISSAL_VOLUNTARY = "dismissal-voluntary", "Voluntary dismissal", (
        "The plaintiff dismissed the suit (or a stipulation of dismissal)."
    )
    DISMISSAL = "dismissal", "Dismissal", (
        "The court dismissed the case, on its own motion or on a stipulation it ordered."
    )
    STAY = "stay", "Stay", "The case, or part of it, was stayed."
    CASE_CLOSED = "case-closed", "Case closed", "The docket was closed or terminated."
    # Agency actions.
    NOTICE = "notice", "Notice", "A notice was published."
    NOTICE_OF_INQUIRY = "notice-of-inquiry", "Notice of inquiry", (
        "A notice of inquiry or request for information."
    )
    COMMENT_PERIOD_OPENED = "comment-period-opened", "Comments open", "A comment period opened."
    COMMENT_PERIOD_CLOSED = "comment-period-closed", "Comments closed", "A comment period closed."
    PROPOSED_RULE = "proposed-rule", "Proposed rule", "A proposed rule was published."
    FINAL_RULE = "final-rule", "Final rule", "A final rule was published."
    PRESIDENTIAL_DOCUMENT = "presidential-document", "Presidential document", (
        "An executive order, memorandum or proclamation."
    )
    REPORT = "report", "Report", "A report, guidance or policy statement was issued."
    # Statements.
    PUBLICATION = "publication", "Publication", "A statement was published."


class Significance(Described):
    MAJOR = "major", "Major", "Changes where the matter stands, or a ruling; worth an alert."
    MINOR = "minor", "Minor", "Procedure: notices, appearances, scheduling, readings."


class Ruling(Described):
    INTERIM = "interim", "Interim ruling", "A ruling that leaves the case going on."
    FINAL = "final", "Final ruling", "A ruling that ends the case in its court."


class Disposition(Described):
    """What a ruling did with the motion (or petition) before it."""

    GRANTED = "granted", "Granted", "The motion was granted (or allowed, approved)."
    DENIED = "denied", "Denied", "The motion was denied (or overruled); a denied motion moves no stage."
    GRANTED_IN_PART = "granted-in-part", "Granted in part", "Granted in part and denied in part."


class DateKind(Described):
    """What a date ahead is (``tracker.calendar``): kept apart from events, never folded."""

    HEARING = "hearing", "Hearing", "A motion hearing, a case management or status conference."
    ORAL_ARGUMENT = "oral-argument", "Oral argument", "Argument before a court, an appeal's especially."
    TRIAL = "trial", "Trial", "A jury or bench trial, or the trial date set."
    DEADLINE = "deadline", "Deadline", "A filing due: responses, replies, an answer, a brief."
    COMMENTS_CLOSE = "comments-close", "Comment period closes", "An agency's comment period ends."
    EFFECTIVE = "effective", "Effective date", "A rule or a law takes effect."
    MARKUP = "markup", "Markup", "A committee marks up a bill."
    VOTE = "vote", "Vote", "A floor or committee vote is scheduled."


class Claim(Described):
    """The claims a ruling reached, a small vocabulary (``tracker rulings --claim``)."""

    COPYRIGHT_INFRINGEMENT = "copyright-infringement", "Copyright infringement", (
        "Direct, contributory or vicarious infringement of copyright.")
    DMCA_1202 = "dmca-1202", "DMCA § 1202", "Removal or falsification of copyright management information."
    DMCA_1201 = "dmca-1201", "DMCA § 1201", "Circumvention of a technological protection measure."
    UNFAIR_COMPETITION = "unfair-competition", "Unfair competition", (
        "State unfair-competition law (California's UCL, § 17200) and the like.")
    RIGHT_OF_PUBLICITY = "right-of-publicity", "Right of publicity", (
        "Use of a name, voice or likeness (California Civil Code § 3344, state digital-replica laws).")
    TRADEMARK = "trademark", "Trademark", (
        "Trademark infringement, dilution or false designation (Lanham Act).")
    UNJUST_ENRICHMENT = "unjust-enrichment", "Unjust enrichment", "Unjust enrichment."
    CONTRACT = "contract", "Breach of contract", "Breach of contract or of a licence's terms."
    COMPUTER_FRAUD = "computer-fraud", "Computer fraud", "CFAA or California's CDAFA (unauthorised access)."
    NEGLIGENCE = "negligence", "Negligence", "Negligence."


class FairUse(Described):
    """How a ruling decided fair use (``tracker rulings --fair-use``)."""

    FOR_DEFENDANT = "for-defendant", "For the defendant", "The use was held fair."
    AGAINST = "against", "Against the defendant", "The use was held not fair; fair use rejected."
    MIXED = "mixed", "Mixed", "Fair for some uses or works, not for others."
    NOT_REACHED = "not-reached", "Not reached", "The ruling did not decide fair use."


class ChangeKind(Described):
    NEW_CASE = "new_case", "New case", "A case seen for the first time."
    STATUS_CHANGE = "status_change", "Status change", "The folded status moved."
    NEW_MAJOR_EVENT = "new_major_event", "New major event", (
        "A major event that did not move the status (a ruling within the same stage, say)."
    )
    TITLE_CHANGE = "title_change", "Title change", "The case's title changed."
    NEW_LINK = "new_link", "New link", (
        "The case belongs with another (an MDL member, a reintroduced bill, a correction); "
        "approving a link that carries a dispute puts both in one matter."
    )


class Relation(Described):
    """A link's relation (``case_links.relation``): how the linking case stands towards the
    other. ``label`` reads from the linking case ("member of" the MDL docket), ``inverse`` from
    the other ("has member"), and the other names the linking case its ``noun`` ("its member").
    The first seven carry a dispute: approved, such a link places both cases in one matter
    (``tracker.matters.LINK_ROLES``); the others show on both cases without forming one."""

    inverse: str
    noun: str

    def __new__(cls, value: str, label: str, inverse: str, noun: str, meaning: str):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label, member.inverse, member.noun, member.meaning = label, inverse, noun, meaning
        return member

    MEMBER = "member", "member of", "has member", "member", "A docket in an MDL, to the MDL docket."
    TRANSFER = "transfer", "transferred from", "transferred to", "transfer", (
        "A suit transferred in, to the docket it came from.")
    APPEAL = "appeal", "appeal from", "appealed in", "appeal", "An appeal, to the docket it came from."
    COMPANION = "companion", "companion", "companion", "companion", (
        "The other chamber's bill of the same congress or session.")
    REINTRODUCTION = "reintroduction", "reintroduction of", "reintroduced as", "reintroduction", (
        "A bill, to its forerunner in an earlier congress or session.")
    SAME_AS = "same_as", "state copy of", "copied as", "state copy", (
        "A state bill, to the earlier one of another state it copies.")
    FINAL_RULE = "final_rule", "final rule of", "finalised as", "final rule", (
        "A final rule, to its proposal.")
    CORRECTION = "correction", "correction of", "corrected by", "correction", (
        "A document, to the one it corrects.")
    SAME_DOCKET = "same_docket", "same docket", "same docket", "fellow on the docket", (
        "Agency documents sharing a docket or a regulation identifier number.")
    RELATED = "related", "related case", "related case", "related case", (
        "A case the sources relate to another without a dispute in common.")
    STATEMENT_ABOUT = "statement_about", "statement about", "subject of statement", "statement", (
        "A statement, to the case it is about.")


class LinkEvidence(Described):
    """What a link was read from: the ``source`` of the change that proposes it, which
    auto-approve rules match like a spider's name."""

    IDENTIFIERS = "identifiers", "Identifiers", (
        "One case names the other (a correction, a companion's number, a related case or bill), "
        "or both carry one docket or regulation identifier number.")
    SAME_TITLE = "same_title", "Same title", (
        "Bills of one jurisdiction whose titles, less the year, are the same.")
    SIMILAR_TITLE = "similar_title", "Similar title", (
        "Another state's bill whose title is at least link_title_similarity alike.")
    DOCKET = "docket", "Docket", (
        "CourtListener's dockets and entries: an MDL number, a transfer, an appeal's origin.")


class ReviewState(Described):
    PENDING = "pending", "Pending", "Waits for staff review."
    APPROVED = "approved", "Approved", "Approved for digests."
    REJECTED = "rejected", "Rejected", "Will not go out."
    SUPERSEDED = "superseded", "Superseded", "Folded into a later change on the same case."
    BASELINE = "baseline", "Baseline", (
        "Known at set-up (the seed, a source's first crawl): recorded, never sent."
    )


class Priority(Described):
    HIGH = "high", "High", "Leads the digest; worth an immediate alert."
    NORMAL = "normal", "Normal", "In the digest in its turn."
    LOW = "low", "Low", "At the end of the digest."


class Frequency(Described):
    IMMEDIATE = "immediate", "Immediate", "An alert as soon as a major change is approved."
    DAILY = "daily", "Daily", "A digest a day, when there is news."
    WEEKLY = "weekly", "Weekly", "A digest a week, when there is news."


class Stance(Described):
    WATCH = "watch", "Watch", "Followed without a position."
    SUPPORT = "support", "Support", "The organisation supports it."
    OPPOSE = "oppose", "Oppose", "The organisation opposes it."


class Role(Described):
    """What a person is to a case (``tracker.people``): the roles ``tracker people --role`` groups."""

    SPONSOR = "sponsor", "Sponsor", "Introduced the bill (a primary sponsor)."
    COSPONSOR = "cosponsor", "Cosponsor", "Joined the bill as a cosponsor."
    JUDGE = "judge", "Judge", "The judge a suit is assigned or referred to."
    PLAINTIFF = "plaintiff", "Plaintiff", "Brought the suit."
    DEFENDANT = "defendant", "Defendant", "Was sued."
    AMICUS = "amicus", "Amicus", "Filed as a friend of the court."


class PersonKind(Described):
    """Who a person record is; legislators and judges are joined across sources by identifiers only."""

    LEGISLATOR = "legislator", "Legislator", "A member of Congress or of a state legislature."
    JUDGE = "judge", "Judge", "A judge, as CourtListener's people database knows them."
    PARTY = "party", "Party", "A party to suits, named as tracker/data/parties.yaml folds names."
