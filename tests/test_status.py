"""Folding classified events, in date order, into a case's status."""

import random
from datetime import date

import pytest

from tracker.status import FoldEvent, fold_status, mdl_stage
from tracker.vocab import Kind, Status


def history(*steps):
    """(ISO date, class, ...) tuples → fold events, each with a distinct fingerprint."""
    return [FoldEvent(date=date.fromisoformat(day), classes=tuple(classes), fingerprint=f"e{i}")
            for i, (day, *classes) in enumerate(steps)]


def test_fold_of_no_events_is_no_status():
    assert fold_status(Kind.LAWSUIT, []).status is None


def test_lawsuit_moves_through_its_stages():
    events = history(("2023-01-13", "complaint-filed"), ("2023-04-18", "motion-to-dismiss"),
                     ("2023-10-30", "motion-to-dismiss-granted-in-part"))
    folded = fold_status(Kind.LAWSUIT, events)
    assert (folded.status, folded.status_date) == (Status.DISMISSED_IN_PART, date(2023, 10, 30))
    assert folded.decided_by == "e2"


def test_fold_does_not_depend_on_arrival_order():
    events = history(("2023-01-13", "complaint-filed"), ("2023-04-18", "motion-to-dismiss"),
                     ("2024-08-12", "motion-to-dismiss-denied"), ("2025-06-23", "summary-judgment-motion"),
                     ("2025-09-25", "settlement"), ("2025-10-01", "discovery-order"))
    expected = fold_status(Kind.LAWSUIT, events)
    shuffled = events[:]
    for seed in range(5):
        random.Random(seed).shuffle(shuffled)
        assert fold_status(Kind.LAWSUIT, shuffled) == expected
    assert expected.status is Status.SETTLED


def test_a_motion_after_judgment_does_not_reopen_the_case():
    events = history(("2024-01-01", "complaint-filed"), ("2025-01-01", "judgment"),
                     ("2025-02-01", "motion-to-dismiss"), ("2025-03-01", "discovery-order"))
    assert fold_status(Kind.LAWSUIT, events).status is Status.JUDGMENT


def test_appeal_after_judgment_and_decision_on_appeal():
    events = history(("2023-08-18", "summary-judgment-ruling", "judgment"), ("2023-10-11", "appeal"))
    assert fold_status(Kind.LAWSUIT, events).status is Status.ON_APPEAL
    events += history(("2025-03-18", "appellate-decision"))
    assert fold_status(Kind.LAWSUIT, events).status is Status.JUDGMENT


def test_routine_discovery_orders_do_not_undo_a_later_stage():
    events = history(("2024-01-01", "complaint-filed"), ("2024-06-01", "answer"),
                     ("2025-01-01", "class-certified"), ("2025-02-01", "discovery-order"))
    assert fold_status(Kind.LAWSUIT, events).status is Status.CLASS_CERTIFIED


def test_unknown_classes_are_kept_out_of_the_fold():
    events = history(("2024-01-01", "complaint-filed"), ("2024-02-01", "some-future-class"))
    assert fold_status(Kind.LAWSUIT, events).status is Status.FILED


@pytest.mark.parametrize("kind", [Kind.FEDERAL_BILL, Kind.STATE_BILL])
def test_bill_only_moves_forward(kind):
    # A referral in the second chamber does not send a passed bill back to committee.
    events = history(("2025-02-04", "introduction"), ("2025-02-20", "referral-committee"),
                     ("2025-05-12", "passage"), ("2025-05-28", "referral-committee"))
    folded = fold_status(kind, events)
    assert (folded.status, folded.status_date) == (Status.PASSED_ONE_CHAMBER, date(2025, 5, 12))


def test_bill_passing_both_chambers_and_enacted():
    events = history(("2025-01-16", "introduction"), ("2025-02-13", "passage"),
                     ("2025-04-28", "passage"))
    assert fold_status(Kind.FEDERAL_BILL, events).status is Status.PASSED_BOTH
    events += history(("2025-05-19", "executive-signature", "became-law"))
    assert fold_status(Kind.FEDERAL_BILL, events).status is Status.ENACTED


def test_two_passages_in_the_same_named_chamber_count_once():
    events = [FoldEvent(date(2025, 3, 1), ("passage",), fingerprint="a", actor="lower"),
              FoldEvent(date(2025, 9, 1), ("passage",), fingerprint="b", actor="lower")]
    assert fold_status(Kind.STATE_BILL, events).status is Status.PASSED_ONE_CHAMBER


def test_veto_then_override_revives_the_bill():
    events = history(("2025-01-01", "introduction"), ("2025-03-01", "passage"),
                     ("2025-04-01", "passage"), ("2025-05-01", "executive-veto"))
    assert fold_status(Kind.STATE_BILL, events).status is Status.VETOED
    events += history(("2025-06-01", "became-law"))
    assert fold_status(Kind.STATE_BILL, events).status is Status.ENACTED


def test_progress_after_a_setback_revives_the_bill_where_it_had_got_to():
    events = history(("2025-02-04", "introduction"), ("2025-05-12", "passage"),
                     ("2025-06-01", "failure"), ("2026-01-10", "referral-committee"))
    folded = fold_status(Kind.STATE_BILL, events)
    assert (folded.status, folded.status_date) == (Status.PASSED_ONE_CHAMBER, date(2026, 1, 10))


def test_withdrawal_from_committee_is_not_withdrawal_of_the_bill():
    events = history(("2025-05-12", "passage"), ("2026-04-27", "withdrawal", "referral-committee"))
    assert fold_status(Kind.STATE_BILL, events).status is Status.PASSED_ONE_CHAMBER


def test_agency_action_latest_event_wins():
    events = history(("2023-08-30", "notice-of-inquiry"), ("2023-10-18", "comment-period-closed"))
    assert fold_status(Kind.AGENCY_ACTION, events).status is Status.COMMENT_PERIOD_CLOSED


def test_statement_is_published():
    assert fold_status("statement", history(("2025-09-30", "publication"))).status is Status.PUBLISHED


def test_same_day_events_follow_the_sources_sequence_not_their_fingerprints():
    # Fingerprints sort against the sequence here, and the order decides the outcome: a notice
    # of inquiry published with its comment period open (the Federal Register's sequence 0, 1).
    events = [FoldEvent(date(2023, 8, 30), ("notice-of-inquiry",), sequence=0, fingerprint="f-b"),
              FoldEvent(date(2023, 8, 30), ("comment-period-opened",), sequence=1, fingerprint="f-a")]
    assert fold_status(Kind.AGENCY_ACTION, events).status is Status.COMMENT_PERIOD_OPEN
    lawsuit = [FoldEvent(date(2025, 3, 1), ("motion-to-dismiss",), sequence=1, fingerprint="f-2"),
               FoldEvent(date(2025, 3, 1), ("motion-to-dismiss-denied",), sequence=2, fingerprint="f-1")]
    assert fold_status(Kind.LAWSUIT, lawsuit).status is Status.DISCOVERY


@pytest.mark.parametrize("later", ["failure", "executive-veto", "withdrawal", "session-end",
                                   "committee-failure", "referral-committee"])
def test_enactment_is_final(later):
    events = history(("2025-01-16", "introduction"), ("2025-02-13", "passage"), ("2025-04-28", "passage"),
                     ("2025-05-19", "executive-signature", "became-law"), ("2025-06-01", later))
    folded = fold_status(Kind.FEDERAL_BILL, events)
    assert (folded.status, folded.status_date) == (Status.ENACTED, date(2025, 5, 19))


def test_a_bill_reported_from_committee_or_put_on_the_calendar_is_reported():
    events = history(("2026-05-20", "introduction"), ("2026-05-20", "referral-committee"),
                     ("2026-06-24", "committee-passage"))
    assert fold_status(Kind.FEDERAL_BILL, events).status is Status.REPORTED
    calendar = history(("2011-02-09", "filing"), ("2011-03-17", "placed-on-calendar"))
    assert fold_status(Kind.STATE_BILL, calendar).status is Status.REPORTED
    # "Do pass and re-refer to Com. on APPR.": on to another committee, not to the floor.
    re_referred = history(("2025-02-04", "introduction"),
                          ("2025-04-22", "committee-passage", "referral-committee"))
    assert fold_status(Kind.STATE_BILL, re_referred).status is Status.IN_COMMITTEE


def test_a_bill_dies_at_the_end_of_its_session_unless_it_ended_otherwise():
    events = history(("2024-03-01", "introduction"), ("2024-03-01", "referral-committee"),
                     ("2025-01-03", "session-end"))
    folded = fold_status(Kind.FEDERAL_BILL, events)
    assert (folded.status, folded.decided_by) == (Status.FAILED, "e2")
    vetoed = history(("2024-03-01", "passage"), ("2024-05-01", "passage"), ("2024-06-01", "executive-veto"),
                     ("2025-01-03", "session-end"))
    assert fold_status(Kind.STATE_BILL, vetoed).status is Status.VETOED


def test_an_opinion_giving_the_reasons_for_a_ruling_already_made_moves_nothing():
    events = history(("2024-04-18", "complaint-filed"), ("2024-06-01", "motion-to-dismiss"),
                     ("2025-04-04", "motion-to-dismiss-granted-in-part"), ("2025-04-20", "answer"),
                     ("2025-05-23", "motion-to-dismiss-granted-in-part"))
    folded = fold_status(Kind.LAWSUIT, events)
    assert (folded.status, folded.status_date) == (Status.DISCOVERY, date(2025, 4, 20))
    # A new round (an amended complaint attacked again) is decided afresh.
    events += history(("2025-07-01", "amended-complaint"),
                      ("2025-09-01", "motion-to-dismiss-granted-in-part"))
    assert fold_status(Kind.LAWSUIT, events).status is Status.DISMISSED_IN_PART


def test_an_mdl_member_stays_in_the_mdl_while_its_pretrial_proceedings_go_on():
    events = history(("2024-01-01", "complaint-filed"), ("2025-04-03", "mdl-centralisation"),
                     ("2025-10-27", "motion-to-dismiss-denied"), ("2025-11-01", "discovery-order"))
    folded = fold_status(Kind.LAWSUIT, events)
    assert (folded.status, folded.status_date) == (Status.IN_MDL, date(2025, 4, 3))
    # The MDL's own docket moves on with its rulings; its members show its stage beside their own.
    lead = fold_status(Kind.LAWSUIT, events, mdl_lead=True)
    assert lead.status is Status.DISCOVERY
    assert mdl_stage(folded.status, lead.status) is Status.DISCOVERY
    assert mdl_stage(Status.FILED, lead.status) is Status.FILED
    # What ends the member itself still moves it.
    events += history(("2026-02-01", "dismissal-voluntary"))
    assert fold_status(Kind.LAWSUIT, events).status is Status.DISMISSED


def test_a_transfer_to_another_district_stays_transferred():
    events = history(("2023-10-18", "complaint-filed"), ("2024-06-24", "transfer"))
    assert fold_status(Kind.LAWSUIT, events).status is Status.TRANSFERRED


def test_the_mdl_docket_opens_with_its_centralisation_and_its_members_arrivals_move_nothing():
    events = history(("2025-04-03", "mdl-centralisation"), ("2025-05-14", "mdl-centralisation"))
    folded = fold_status(Kind.LAWSUIT, events, mdl_lead=True)
    assert (folded.status, folded.status_date) == (Status.FILED, date(2025, 4, 3))


def test_every_status_a_user_can_see_has_a_label_a_meaning_and_a_row_in_the_readme():
    from pathlib import Path

    from tracker.vocab import STATUSES_BY_KIND

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    shown = {status for statuses in STATUSES_BY_KIND.values() for status in statuses}
    assert shown == set(Status)  # tracker vocab prints STATUSES_BY_KIND: every status, no other
    for status in Status:
        assert status.label and status.meaning, status
        assert f"| `{status.value}` | {status.meaning} |" in readme, status
