"""Raw action and docket text → action classes, significance and ruling, on real phrasings."""

import pytest

from tracker.classify import classify, classify_text
from tracker.vocab import ActionClass as A
from tracker.vocab import Kind, Ruling, Significance

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
    ("ORDER Setting Settlement Conference before Magistrate Judge Cisneros.",
     (A.DISCOVERY_ORDER,)),
    ("ORDER granting 240 Motion for Preliminary Approval of Class Settlement.", (A.SETTLEMENT,)),
    ("NOTICE of Voluntary Dismissal by Getty Images (US), Inc.", (A.DISMISSAL_VOLUNTARY,)),
    ("TRANSFER ORDER from the United States Judicial Panel on Multidistrict Litigation",
     (A.TRANSFER,)),
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
