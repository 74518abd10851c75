"""The options that set a ruling's outcome, shared by ``tracker review edit`` (by change) and
``tracker outcome`` (by case and day), so both say and check the same."""

from typing import Annotated, Any

import typer

from tracker.cli.calendar import DispositionChoice
from tracker.vocab import Claim, FairUse

MotionOption = Annotated[str | None, typer.Option(help="Outcome: the motion the ruling decides.")]
DispositionOption = Annotated[DispositionChoice | None, typer.Option(
    help="Outcome: granted, denied or in-part.", case_sensitive=False)]
ClaimOption = Annotated[list[Claim] | None, typer.Option(
    help="Outcome: a claim it reached (`tracker vocab claims`); repeatable; replaces the list.",
    case_sensitive=False, show_choices=False, metavar="CLAIM")]
FairUseOption = Annotated[FairUse | None, typer.Option(
    "--fair-use", help="Outcome: for-defendant, against, mixed or not-reached.", case_sensitive=False)]
HoldingOption = Annotated[str | None, typer.Option(help="Outcome: the holding in one line.")]


def outcome_given(motion: str | None, disposition: DispositionChoice | None, claim: list[Claim] | None,
                  fair_use: FairUse | None, holding: str | None) -> dict[str, Any]:
    """The options as ``tracker.rulings``' keywords; empty when none was given."""
    outcome = {"motion": motion, "disposition": disposition and disposition.disposition, "claims": claim,
               "fair_use": fair_use, "holding": holding}
    return outcome if any(value is not None for value in outcome.values()) else {}
