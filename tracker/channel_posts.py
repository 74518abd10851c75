"""What a team channel is sent: a Slack message, a Teams Adaptive Card, or the tracker's own JSON,
and the headers that sign it. Pure: items in, a body out."""

import hashlib
import hmac
import json
import time
from typing import Any

from tracker.digest import DigestItem
from tracker.models.mailops import Channel

SLACK_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}  # what Slack's mrkdwn asks to escape


def change_dict(item: DigestItem, base: str) -> dict[str, Any]:
    return {"change": item.change.id, "approval": item.change.approval_seq, "case": item.case.key,
            "title": item.case.title, "kind": item.case.kind, "jurisdiction": item.case.jurisdiction,
            "what": item.what, "date": item.day.isoformat(), "url": f"{base}/cases/{item.case.key}",
            "source": item.link, "why": item.matched}


def _slack(text: str) -> str:
    return "".join(SLACK_ESCAPES.get(ch, ch) for ch in text)


def _heading(purpose: str, items: list[DigestItem]) -> str:
    if purpose == "alert":
        return "AI copyright: a major change"
    return f"AI copyright: {len(items)} change{'s' if len(items) != 1 else ''}"


def body_for(kind: str, purpose: str, channel: Channel, items: list[DigestItem], base: str) -> str:
    """The JSON posted to a channel of ``kind`` (slack, teams or webhook)."""
    changes = [change_dict(item, base) for item in items]
    heading = _heading(purpose, items)
    if kind == "slack":
        lines = [f"*{_slack(heading)}*"] + [
            f"• <{c['url']}|{_slack(c['title'])}>: {_slack(c['what'])} ({c['date']})" for c in changes]
        payload: dict[str, Any] = {"text": "\n".join(lines), "unfurl_links": False}
    elif kind == "teams":  # an Adaptive Card, as Teams' Workflows and incoming webhooks take it
        blocks = [{"type": "TextBlock", "text": heading, "weight": "Bolder", "size": "Medium", "wrap": True}]
        blocks += [{"type": "TextBlock", "wrap": True,
                    "text": f"[{c['title']}]({c['url']}): {c['what']} ({c['date']})"} for c in changes]
        payload = {"type": "message", "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None,
            "content": {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                        "type": "AdaptiveCard", "version": "1.4", "body": blocks}}]}
    else:
        payload = {"type": purpose, "channel": channel.id, "summary": heading, "changes": changes}
    return json.dumps(payload, ensure_ascii=False, sort_keys=True)


def signed_headers(key: str, body: bytes, delivery: str, now: float | None = None) -> dict[str, str]:
    """``X-Tracker-Signature: sha256=HMAC(key, TIMESTAMP.BODY)``, the timestamp, and the
    delivery id a receiver can drop a repeat by."""
    stamp = str(int(now if now is not None else time.time()))
    mac = hmac.new(key.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {"X-Tracker-Delivery": delivery, "X-Tracker-Timestamp": stamp,
            "X-Tracker-Signature": f"sha256={mac}"}
