"""Raw action and docket text → action classes, significance and ruling, on real phrasings."""

import pytest

from tracker.classify import classify, classify_document, classify_text
from tracker.vocab import ActionClass as A
from tracker.vocab import Disposition, Kind, Ruling, Significance

DOCKET_TEXT = [
    ("COMPLAINT against Anthropic PBC ( Filing fee $ 405, receipt number ACANDC-19564367.)",
     (A.COMPLAINT_FILED,)),
    ("CLASS ACTION COMPLAINT against OpenAI, Inc. filed by Authors Guild.", (A.COMPLAINT_FILED,)),
    ("FIRST AMENDED COMPLAINT against Stability AI Ltd., Midjourney, Inc.", (A.AMENDED_COMPLAINT,)),
    ("AMENDED CLASS ACTION COMPLAINT amending 1 Complaint against Lovo, Inc.", (A.AMENDED_COMPLAINT,)),
    ("CONSOLIDATED AMENDED CLASS ACTION COMPLAINT against OpenAI, Inc.", (A.AMENDED_COMPLAINT,)),
    ("MOTION to Dismiss Amended Complaint filed by Lovo, Inc..", (A.MOTION_TO_DISMISS,)),
    ("MOTION to Dismiss for Failure to State a Claim filed by Stability AI Ltd.",
     (A.MOTION_TO_DISMISS,)),
    ("ORDER granting in part and denying in part 45 Motion to Dismiss",
     (A.MOTION_TO_DISMISS_GRANTED_IN_PART,)),
    ("ORDER GRANTING IN PART AND DENYING IN PART DEFENDANTS' MOTIONS TO DISMISS",
     (A.MOTION_TO_DISMISS_GRANTED_IN_PART,)),
    ("ORDER denying 33 Motion to Dismiss. Signed by Judge Sidney H. Stein.",
     (A.MOTION_TO_DISMISS_DENIED,)),
    ("ORDER granting 20 Motion to Dismiss with leave to amend.", (A.MOTION_TO_DISMISS_GRANTED,)),
    ("RESPONSE in Opposition re 45 MOTION to Dismiss filed by Sarah Andersen.", ()),
    ("REPLY to Response to Motion re 45 MOTION to Dismiss filed by Stability AI Ltd.", ()),
    ("NOTICE of Appearance by Elana Nightingale Dawson on behalf of Anthropic PBC", ()),
    ("ORDER granting 180 Motion to Certify Class.", (A.CLASS_CERTIFIED,)),
    ("MOTION to Certify Class filed by Andrea Bartz.", (A.CLASS_CERTIFICATION_MOTION,)),
    ("ORDER denying 150 Motion for Class Certification.", (A.CLASS_CERTIFICATION_DENIED,)),
    ("MOTION for Partial Summary Judgment filed by Thomson Reuters.",
     (A.SUMMARY_JUDGMENT_MOTION,)),
    ("ORDER ON FAIR USE granting in part and denying in part 122 Motion for Summary Judgment",
     (A.SUMMARY_JUDGMENT_RULING,)),
    ("NOTICE OF APPEAL to the 9th Circuit Court of Appeals filed by Anthropic PBC.", (A.APPEAL,)),
    ("MANDATE of USCA as to 289 Notice of Appeal", (A.APPELLATE_DECISION,)),
    ("ORDER Setting Settlement Conference before Magistrate Judge Cisneros.", ()),
    ("ORDER granting 240 Motion for Preliminary Approval of Class Settlement.", (A.SETTLEMENT,)),
    ("NOTICE of Voluntary Dismissal by Getty Images (US), Inc.", (A.DISMISSAL_VOLUNTARY,)),
    ("TRANSFER ORDER from the United States Judicial Panel on Multidistrict Litigation",
     (A.MDL_CENTRALISATION,)),
    ("ORDER consolidating cases 23-cv-08292 and 23-cv-10211.", (A.CONSOLIDATION,)),
    ("CLERK'S JUDGMENT in favor of defendants.", (A.JUDGMENT,)),
    ("ANSWER to Complaint with Jury Demand by Meta Platforms, Inc.", (A.ANSWER,)),
    ("STIPULATED PROTECTIVE ORDER. Signed by Magistrate Judge Ona T. Wang.", (A.DISCOVERY_ORDER,)),
    ("CIVIL CASE TERMINATED.", (A.CASE_CLOSED,)),
    ("MOTION for Extension of Time to File Response re 45 MOTION to Dismiss filed by OpenAI.", ()),
    ("ORDER granting 51 Motion for Extension of Time to File Answer re 1 Complaint.", ()),
    ("MOTION for Leave to Appear Pro Hac Vice by Joseph Saveri.", ()),
    ("ORDER staying case pending resolution of the interlocutory appeal.", (A.STAY,)),
    ("STIPULATED ORDER staying discovery.", (A.STAY,)),
]

BILL_TEXT = [
    ("Signed by Governor. Chaptered by Secretary of State - Chapter 123, Statutes of 2024.",
     (A.EXECUTIVE_SIGNATURE, A.BECAME_LAW)),
    ("Became Public Law No: 118-49.", (A.BECAME_LAW,)),
    ("Signed by President.", (A.EXECUTIVE_SIGNATURE,)),
    ("Approved by the Governor.", (A.EXECUTIVE_SIGNATURE,)),
    ("Referred to the Committee on the Judiciary.", (A.REFERRAL_COMMITTEE,)),
    ("Read twice and referred to the Committee on the Judiciary.", (A.REFERRAL_COMMITTEE,)),
    ("Re-referred to Coms. on P., D.T., & C.P., JUD., and APPR.", (A.REFERRAL_COMMITTEE,)),
    ("Withdrawn from committee; re-referred to Rules.", (A.REFERRAL_COMMITTEE,)),
    ("Passed Senate with an amendment by Voice Vote.", (A.PASSAGE,)),
    ("Passed Assembly 45-16.", (A.PASSAGE,)),
    ("Presented to President.", (A.EXECUTIVE_RECEIPT,)),
    ("Enrolled and presented to the Governor at 3:30 p.m.", (A.EXECUTIVE_RECEIPT,)),
    ("Vetoed by Governor.", (A.EXECUTIVE_VETO,)),
    ("Introduced in Senate", (A.INTRODUCTION,)),
    ("Died in committee.", (A.COMMITTEE_FAILURE,)),
    ("Reported by Senator Grassley with an amendment. With written report No. 119-88.",
     (A.COMMITTEE_PASSAGE,)),
    ("Senate Judiciary hearing canceled at the request of author.", ()),
]

AGENCY_TEXT = [
    ("Notice of inquiry and request for comments.", (A.NOTICE_OF_INQUIRY,)),
    ("Notice of proposed rulemaking.", (A.PROPOSED_RULE,)),
    ("Final rule.", (A.FINAL_RULE,)),
    ("Executive Order 14179 of January 23, 2025", (A.PRESIDENTIAL_DOCUMENT,)),
    ("Copyright and Artificial Intelligence, Part 2: Copyrightability report released.",
     (A.REPORT,)),
]


@pytest.mark.parametrize(("text", "classes"), DOCKET_TEXT)
def test_classify_docket_text(text, classes):
    assert classify_text(Kind.LAWSUIT, text) == classes


@pytest.mark.parametrize(("text", "classes"), BILL_TEXT)
def test_classify_bill_actions(text, classes):
    assert classify_text(Kind.STATE_BILL, text) == classes
    assert classify_text(Kind.FEDERAL_BILL, text) == classes


@pytest.mark.parametrize(("text", "classes"), AGENCY_TEXT)
def test_classify_agency_documents(text, classes):
    assert classify_text(Kind.AGENCY_ACTION, text) == classes


@pytest.mark.parametrize(("text", "significance"), [
    ("ORDER granting in part and denying in part 45 Motion to Dismiss", Significance.MAJOR),
    ("NOTICE of Appearance by Jane Doe on behalf of OpenAI", Significance.MINOR),
    ("MOTION to Dismiss filed by OpenAI", Significance.MINOR),
    ("NOTICE OF APPEAL to the 2d Circuit", Significance.MAJOR),
    ("ORDER staying case pending appeal.", Significance.MAJOR),
    ("MOTION for Leave to Appear Pro Hac Vice", Significance.MINOR),
    ("MOTION for Extension of Time to File Answer", Significance.MINOR),
])
def test_significance_of_docket_text(text, significance):
    assert classify(Kind.LAWSUIT, text).significance is significance


@pytest.mark.parametrize(("text", "ruling"), [
    ("ORDER granting in part and denying in part 45 Motion to Dismiss", Ruling.INTERIM),
    ("ORDER granting 20 Motion to Dismiss with leave to amend.", Ruling.INTERIM),
    ("ORDER granting 20 Motion to Dismiss with prejudice.", Ruling.FINAL),
    ("CLERK'S JUDGMENT in favor of defendants.", Ruling.FINAL),
    ("ORDER denying 33 Motion to Dismiss.", Ruling.INTERIM),
    ("MOTION to Dismiss filed by OpenAI", None),
])
def test_rulings_say_interim_or_final(text, ruling):
    assert classify(Kind.LAWSUIT, text).ruling is ruling


def test_source_classes_win_over_the_rules():
    # Open States classifies its own actions; its word is kept even where the text says more.
    result = classify(Kind.STATE_BILL, "Passed Senate. Sent to Governor.", ["passage"])
    assert result.classes == (A.PASSAGE,)


def test_an_empty_source_classification_means_no_class():
    assert classify(Kind.STATE_BILL, "Referred to Rules.", []).classes == ()


def test_a_rules_needed_words_never_hide_a_match():
    """The cheap substring gate in front of each rule must not change what it matches."""
    from tracker.classify import RULES_BY_KIND
    from tracker.watchlist import load_watchlist

    texts = [t for t, _ in DOCKET_TEXT + BILL_TEXT + AGENCY_TEXT]
    texts += [e.text for r in load_watchlist() for e in r.events]
    for rules in RULES_BY_KIND.values():
        for candidate in rules:
            for text in texts:
                if candidate.needs and candidate.pattern.search(text):
                    assert any(w in text.lower() for w in candidate.needs), (candidate, text)


# The head of an entry decides what it is; quoted words never outrank it (issue #15).
@pytest.mark.parametrize(("text", "classes", "ruling", "disposition"), [
    # An opinion giving the reasons for an earlier ruling on motions to dismiss is a ruling.
    ("OPINION & ORDER setting out the reasons for the Court's April 4, 2025 order on defendants' "
     "motions to dismiss: the motions to dismiss are granted in part and denied in part.",
     (A.MOTION_TO_DISMISS_GRANTED_IN_PART,), Ruling.INTERIM, Disposition.GRANTED_IN_PART),
    # Denying "motions to intervene and to dismiss, stay, or transfer" is a denied motion, not a transfer.
    ("OPINION & ORDER denying the California Plaintiffs' motions to intervene and to dismiss, stay, "
     "or transfer the New York Actions (ECF No. 71).", (), Ruling.INTERIM, Disposition.DENIED),
    ("ORDER DENYING TRANSFER -- (re: pldg. 3 ) Green, ALN 1:10-259 & Manard, GAM 4:10-15", (),
     Ruling.INTERIM, Disposition.DENIED),
    ("ORDER Granting 2 Unopposed MOTION to Transfer Case to Northern District of Texas, Fort Worth "
     "Division.", (A.TRANSFER,), Ruling.INTERIM, Disposition.GRANTED),
    ("ORDER granting 10 Motion for Extension of Time to Answer re 10 MOTION for Extension of Time to "
     "File Answer. AOL's answer is due 9/10/07.", (), Ruling.INTERIM, Disposition.GRANTED),
    ("REPORT AND RECOMMENDATIONS regarding 31 MOTION to Dismiss for Failure to State a Claim filed by "
     "Ricky Babin. It is the recommendation of the Magistrate Judge that the 31 Motion to Dismiss be "
     "GRANTED", (), None, None),
    ("MOTION(S) REFERRED: 31 MOTION to Dismiss for Failure to State a Claim . This motion is now "
     "pending before the USMJ.", (), None, None),
    ("Minute Entry for proceedings held before Magistrate Judge Sally Shushan: Settlement Conference "
     "held on 5/4/2010. Following settlement discussions, the parties advised they are unable to "
     "negotiate a settlement", (), None, None),
    ("Minute Entry for proceedings held before Magistrate Judge Karen Wells Roby: Settlement "
     "Conference held on 11/22/2011. Negotiations were successful and a settlement was reached.",
     (A.SETTLEMENT,), None, None),
    ("ORDER DISMISSING CASE without prejudice. Signed by Judge Helen G. Berrigan on 11/23/11.",
     (A.DISMISSAL,), Ruling.FINAL, None),
    ("RULING AND ORDER Adopting 35 Report and Recommendation; granting 31 Motion to Dismiss for "
     "Failure to State a Claim. Plaintiff's Complaint is DISMISSED WITH PREJUDICE",
     (A.MOTION_TO_DISMISS_GRANTED,), Ruling.FINAL, Disposition.GRANTED),
    ("COURT ORDER denying Motion to recall mandate filed by Appellant Mr. Lucas Roddy.", (),
     Ruling.INTERIM, Disposition.DENIED),
    ("MANDATE of USCA as to 9 Notice of Appeal filed by Lucas Joseph Roddy the judgment of the "
     "District Court is affirmed.", (A.APPELLATE_DECISION,), Ruling.FINAL, None),
    ("Case transferred to Western Division (Springfield)", (), None, None),
    ("CASE TRANSFERRED IN from the United States District Court for the District of Delaware; Case "
     "Number 1:25-cv-00501.", (A.TRANSFER,), None, None),
    ("CONDITIONAL TRANSFER ORDER (CTO-1) of the Judicial Panel on Multidistrict Litigation "
     "transferring the action to MDL No. 3143", (A.MDL_CENTRALISATION,), None, None),
    ("NOTICE: this case is a member case of 1:25-md-03143-SHS-OTW, In re: OpenAI, Inc. Copyright "
     "Infringement Litigation.", (A.MDL_CENTRALISATION,), None, None),
    ("ORDER by Judge William H. Orrick granting in part and denying in part <a href=\"/docket/66732129"
     "/155/\">155</a> Motion to Dismiss First Amended Complaint.",
     (A.MOTION_TO_DISMISS_GRANTED_IN_PART,), Ruling.INTERIM, Disposition.GRANTED_IN_PART),
])
def test_docket_entries_are_read_head_first(text, classes, ruling, disposition):
    result = classify(Kind.LAWSUIT, text)
    assert (result.classes, result.ruling, result.disposition) == (classes, ruling, disposition)


@pytest.mark.parametrize(("text", "classes"), [
    ("Committee on the Judiciary. Ordered to be reported with an amendment in the nature of a "
     "substitute favorably.", (A.COMMITTEE_PASSAGE,)),
    ("Placed on Senate Legislative Calendar under General Orders. Calendar No. 70.",
     (A.PLACED_ON_CALENDAR,)),
    ("From committee: Amend, and do pass as amended and re-refer to Com. on APPR. (Ayes 11. Noes 2.)",
     (A.COMMITTEE_PASSAGE, A.REFERRAL_COMMITTEE)),
    # Floor procedure on the rule or a motion is not an action on the bill.
    ("Rule H. Res. 247 passed House.", ()),
    ("On motion to recommit with instructions Failed by recorded vote: 183 - 244 (Roll no. 922).", ()),
    ("Motion by Senator McCain to commit to Senate Committee on Finance under the order of 12/2/2009, "
     "not having achieved 60 votes in the affirmative, the motion was withdrawn in Senate.", ()),
    ("The Chair laid before the House the veto message from the President.", ()),
    ("Two-thirds of the Members present having voted in the affirmative the bill is passed, Passed by "
     "the Yeas and Nays: (2/3 required): 383 - 41 (Roll no. 491).", (A.VETO_OVERRIDE_PASSAGE,)),
    ("On passage, the objections of the President to the contrary notwithstanding Failed by the Yeas "
     "and Nays: (2/3 required): 143 - 245", (A.FAILURE,)),
    ("Signed in the House", ()),
])
def test_bill_actions_reported_and_floor_procedure(text, classes):
    assert classify_text(Kind.FEDERAL_BILL, text) == classes


def test_a_sources_classes_are_refined_by_what_the_text_plainly_adds():
    do_pass = classify(Kind.STATE_BILL, "From committee: Do pass and re-refer to Com. on APPR. (Ayes 9.)",
                       ["committee-passage"])
    assert do_pass.classes == (A.COMMITTEE_PASSAGE, A.REFERRAL_COMMITTEE)
    withdrawn = classify(Kind.STATE_BILL, "Withdrawn from committee. Re-referred to Com. on RLS.",
                         ["withdrawal", "referral-committee"])
    assert withdrawn.classes == (A.REFERRAL_COMMITTEE,)


@pytest.mark.parametrize(("document_type", "action", "title", "cls"), [
    ("Proposed Rule", "Notification of inquiry and request for petitions.", "Exemptions",
     A.NOTICE_OF_INQUIRY),
    ("Rule", "Interim rule with request for comments.", "Pre-1972 Sound Recordings", A.FINAL_RULE),
    ("Notice", "Guidance; request for comments.", "Inventorship Guidance", A.REPORT),
    ("Rule", "Statement of policy.", "Copyright Registration Guidance", A.REPORT),
    ("Notice", "Notice of inquiry; correction.", "AI and Copyright; Correction", A.NOTICE),
    ("Presidential Document", None, "Removing Barriers to American Leadership in AI",
     A.PRESIDENTIAL_DOCUMENT),
    ("Notice", None, "Request for Comments Regarding Artificial Intelligence and Inventorship",
     A.NOTICE_OF_INQUIRY),
    ("Rule", None, "Group Registration of Newsletters", A.FINAL_RULE),
])
def test_federal_register_documents_by_action_then_type(document_type, action, title, cls):
    assert classify_document(document_type, action, title) is cls
