""""Why didn't they get it?": for one subscriber, each approved change in a window, whether their
filters matched it (which, or the one that did not), which digest carried it, and what the mail
server answered, then and later (a bounce that came back to the digest's tagged sender)."""

from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from tracker.coming import case_matches
from tracker.digest import DigestItem, candidates, latest_approval, matches
from tracker.errors import NotFoundError
from tracker.models.mailops import MailReturn
from tracker.models.review import Change
from tracker.models.subscribers import ACTIVE, OutboxMessage, Subscriber
from tracker.subscriptions import find
from tracker.vocab import Kind

DEFAULT_DAYS = 30


@dataclass
class Explained:
    change: int
    case: str
    approved_at: str
    what: str
    verdict: str  # sent, refused, waiting, not for them, not sent
    reason: str
    digest: dict[str, Any] | None = None
    returned: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def text(self) -> str:
        lines = [f"#{self.change} {self.approved_at[:10]} {self.case}  {self.what}",
                 f"    {self.verdict}: {self.reason}"]
        if self.digest:
            d = self.digest
            answer = f"the server answered {d['server_answer']}" if d["server_answer"] else "no answer yet"
            lines.append(f"    digest: mail #{d['id']} “{d['subject']}”, {d['state']}"
                         + (f" {d['sent_at'][:16]}" if d["sent_at"] else "") + f"; {answer}"
                         + (f" ({d['error']})" if d["error"] else ""))
        lines += [f"    came back: {note}" for note in self.returned]
        return "\n".join(lines)


def why_not_for_them(subscriber: Subscriber, item: DigestItem) -> str:
    """The filter that kept a change out (``tracker.digest.matches`` said it is not for them):
    the first of their follows, kinds, jurisdictions and topics the case fails, else the change's
    significance."""
    case = item.case
    if case_matches(subscriber, case, item.matter, item.staff):
        return "a minor change; they get major ones only"
    if subscriber.follows and not (subscriber.kinds or subscriber.jurisdictions or subscriber.topics):
        return f"they only follow {', '.join(subscriber.follows)}"
    if subscriber.kinds and case.kind not in subscriber.kinds:
        return f"a {Kind(case.kind).label.lower()}, not a kind they chose ({', '.join(subscriber.kinds)})"
    if subscriber.jurisdictions and case.jurisdiction not in subscriber.jurisdictions:
        return f"jurisdiction {case.jurisdiction}, not one they chose ({', '.join(subscriber.jurisdictions)})"
    return f"none of their topics ({', '.join(subscriber.topics)}) is among the case's tags"


def _covers(span: str, seq: int) -> bool:
    low, _, high = span.partition("-")
    return low.isdigit() and high.isdigit() and int(low) < seq <= int(high)


def explain(session: Session, email: str, *, change: int | None, since: date | None, now: datetime,
            cap_days: int) -> list[Explained]:
    """:raises NotFoundError: for an unknown subscriber, or a change that is not approved"""
    subscriber = find(session, email)
    if change is not None:
        seq = session.execute(select(Change.approval_seq).where(col(Change.id) == change)).scalar()
        if seq is None:
            raise NotFoundError(f"no approved change #{change} (`tracker review` lists changes)")
        items = candidates(session, after=seq - 1, up_to=seq, since=datetime.min.replace(tzinfo=UTC))
    else:
        start = datetime.combine(since, time(), UTC) if since else now - timedelta(days=DEFAULT_DAYS)
        items = candidates(session, after=0, up_to=latest_approval(session), since=start)
    digests = session.exec(select(OutboxMessage).where(
        OutboxMessage.subscriber_id == subscriber.id, OutboxMessage.purpose == "digest")).scalars().all()
    returns = session.exec(select(MailReturn).where(
        MailReturn.subscriber_id == subscriber.id)).scalars().all()
    return [_one(subscriber, item, digests, returns, cap_days) for item in items]


def _one(subscriber: Subscriber, item: DigestItem, digests: list[OutboxMessage], returns: list[MailReturn],
         cap_days: int) -> Explained:
    seq = item.change.approval_seq
    line = Explained(item.change.id, item.case.key, item.change.reviewed_at.isoformat(timespec="minutes"),
                     item.what, "", "")
    matched = matches(subscriber, item)
    why_not = None if matched else why_not_for_them(subscriber, item)
    if item.change.correction:
        matched, why_not = ["a correction"], None  # goes to whoever was sent the case before
    carrier = next((d for d in digests if _covers(d.span, seq)), None)
    if not matched:
        line.verdict, line.reason = "not for them", why_not or ""
    elif carrier is not None:
        line.verdict = {"sent": "sent", "failed": "refused"}.get(carrier.state, carrier.state)
        line.reason = "matched " + "; ".join(matched)
        line.digest = {"id": carrier.id, "subject": carrier.subject, "state": carrier.state,
                       "sent_at": carrier.sent_at.isoformat() if carrier.sent_at else None,
                       "server_answer": carrier.smtp_code, "error": carrier.last_error}
        line.returned = [f"{r.received_at:%Y-%m-%d %H:%M} {r.kind}" + (f" {r.status}" if r.status else "")
                         + (f": {r.detail}" if r.detail else "")
                         for r in returns if r.outbox_id == carrier.id]
    elif subscriber.state != ACTIVE:
        line.verdict, line.reason = "not sent", f"matched, but they are {subscriber.state}"
    elif seq > subscriber.cursor:
        line.verdict = "waiting"
        line.reason = f"matched; it goes in their next {subscriber.frequency} digest"
    else:
        line.verdict = "not sent"
        line.reason = (f"matched, but approved before their first digest reached back to it (a first "
                       f"digest, or one after a long gap, reaches back {cap_days} days at most)")
    return line
