"""What a message in the bounce mailbox is: a permanent or temporary failure, an auto-reply, a
complaint, or none of these. Pure: a message in, a verdict out.

A delivery status notification (RFC 3464, ``multipart/report; report-type=delivery-status``)
says per recipient an ``Action`` and a ``Status``: a status of class 5 is a permanent failure,
class 4 a temporary one (an ``Action: failed`` with a 4.x.x status is a message given up on for a
passing reason, say a full mailbox: it does not count against the address). Bounces in the
older formats of qmail, Exim, Yahoo, Microsoft and the rest carry no status: ``flufl.bounce``
(Mailman's detectors) finds their failed addresses, and whether it calls them permanent or
temporary is the verdict. A feedback report (RFC 5965, ``report-type=feedback-report``) is a
complaint. What is neither, and says it was sent automatically (RFC 3834 ``Auto-Submitted``, or
the vacation responders' own headers), is an auto-reply and is ignored.
"""

import re
from dataclasses import dataclass, field
from email.message import Message

from flufl.bounce import all_failures

from tracker.models.mailops import AUTO_REPLY, COMPLAINT, PERMANENT, TEMPORARY

STATUS = re.compile(r"^\s*([245])\.(\d{1,3})\.(\d{1,3})")
AUTO_HEADERS = ("x-autoreply", "x-autorespond", "x-auto-response-suppress", "x-vacation")
AUTO_SUBJECT = re.compile(r"^\s*(auto(matic)?[ -]?(reply|response)|out of (the )?office|abwesenheit|"
                          r"r[ée]ponse automatique|vacation)\b", re.IGNORECASE)
DETAIL_CHARS = 300


@dataclass
class Verdict:
    kind: str | None  # PERMANENT, TEMPORARY, AUTO_REPLY, COMPLAINT, or None: not one of ours to read
    status: str | None = None  # the RFC 3464 status, when the message says one
    detail: str = ""
    failed: list[str] = field(default_factory=list)  # the failed addresses flufl.bounce found


def _report_type(message: Message) -> str | None:
    if message.get_content_type() != "multipart/report":
        return None
    return (message.get_param("report-type") or "").lower() or None


def _status_blocks(message: Message) -> list[Message]:
    """The per-recipient header blocks of every delivery-status part."""
    blocks = []
    for part in message.walk():
        if part.get_content_type() in ("message/delivery-status", "message/global-delivery-status") \
                and part.is_multipart():
            blocks.extend(block for block in part.get_payload()[1:] if isinstance(block, Message))
    return blocks


def _one_line(text: str) -> str:
    return " ".join(str(text).split())[:DETAIL_CHARS]


def _from_dsn(blocks: list[Message]) -> tuple[str | None, str | None, str]:
    """The worst status of the blocks that report a failure or a delay, its class and diagnostic."""
    worst: tuple[str, str, str] | None = None
    for block in blocks:
        action = str(block.get("action", "")).strip().lower()
        status = STATUS.match(str(block.get("status", "")))
        if not status or not action.startswith(("failed", "delayed", "error")):
            continue
        code = ".".join(status.groups())
        kind = PERMANENT if code[0] == "5" and not action.startswith("delayed") else TEMPORARY
        diagnostic = _one_line(block.get("diagnostic-code", "") or f"{action} {code}")
        if worst is None or (kind == PERMANENT and worst[0] != PERMANENT):
            worst = (kind, code, diagnostic)
    return worst if worst else (None, None, "")


def is_auto_reply(message: Message) -> bool:
    auto = str(message.get("auto-submitted", "no")).strip().lower()
    return (not auto.startswith("no") or any(message.get(name) for name in AUTO_HEADERS)
            or str(message.get("precedence", "")).strip().lower() == "auto_reply"
            or bool(AUTO_SUBJECT.match(str(message.get("subject", "")))))


def classify(message: Message) -> Verdict:
    report = _report_type(message)
    if report == "feedback-report":
        return Verdict(COMPLAINT, detail="a feedback report (the recipient marked the mail as spam)")
    kind, status, detail = _from_dsn(_status_blocks(message)) if report == "delivery-status" \
        else (None, None, "")
    temporary, permanent = all_failures(message)
    failed = sorted(address.decode("ascii", "replace") for address in permanent | temporary)
    if kind is None and (permanent or temporary):
        kind = PERMANENT if permanent else TEMPORARY
        detail = ("failed: " if permanent else "delayed: ") + ", ".join(failed)
    if kind is not None:
        return Verdict(kind, status, _one_line(detail), failed)
    if report == "delivery-status":  # a report, so not an auto-reply, but one we cannot read
        return Verdict(None, detail="a delivery report with no failed recipient that could be read")
    if is_auto_reply(message):
        return Verdict(AUTO_REPLY, detail=_one_line(f"auto-reply: {message.get('subject', '')}"))
    return Verdict(None, detail="neither a bounce, a complaint nor an auto-reply")
