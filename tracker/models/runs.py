"""Runs: each crawl of a source, the upstreams' validators, each scheduled job's run, and the
incidents operators were alerted of."""

from datetime import datetime

from sqlalchemy import Index, text
from sqlmodel import Field

from tracker.models import Table


class SourceRun(Table, table=True):
    """One crawl of one source: when, how it ended, what it fetched and stored."""

    __tablename__ = "source_runs"

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(index=True, description="The spider's name, e.g. courtlistener")
    started_at: datetime
    finished_at: datetime | None = None
    state: str = Field(default="running", description="running, ok, partial, failed, skipped or interrupted")
    finish_reason: str | None = Field(default=None, description="Scrapy's, or why it was skipped")
    since: datetime | None = Field(default=None, description="Changes since this were asked for")
    requests: int = 0
    items: int = 0
    dropped: int = 0
    errors: int = 0
    cases_new: int = 0
    cases_updated: int = 0
    cases_unchanged: int = 0
    events_added: int = 0
    changes_added: int = 0
    last_error: str | None = None
    scrapyd_job: str | None = Field(default=None, description="The Scrapyd job that ran it, if one did")


class FetchValidator(Table, table=True):
    """What an upstream said about a page the last time it was read in full."""

    __tablename__ = "fetch_validators"

    source: str = Field(primary_key=True)
    url: str = Field(primary_key=True)
    etag: str | None = None
    last_modified: str | None = None
    updated_at: datetime


class JobRun(Table, table=True):
    """One run of one scheduled job."""

    __tablename__ = "job_runs"

    id: int | None = Field(default=None, primary_key=True)
    job_id: str = Field(index=True, description="crawl:courtlistener, digest:daily, alerts...")
    started_at: datetime
    finished_at: datetime | None = None
    outcome: str = Field(default="running", description="running, ok, failed, skipped or interrupted")
    detail: str | None = Field(default=None, description="What it did, or its error")


class WebhookDelivery(Table, table=True):
    """A CourtListener webhook event already stored, by its idempotency key: a retry is a no-op."""

    __tablename__ = "webhook_deliveries"

    idempotency_key: str = Field(primary_key=True)
    received_at: datetime
    event_type: int
    entries: int = Field(default=0, description="Docket entries the event carried")


class Incident(Table, table=True):
    """Trouble staff were told of, once (``tracker.operator_alerts``): open while it lasts, closed
    when it is over. At most one open incident per key, so two checks at once open it once."""

    __tablename__ = "incidents"
    __table_args__ = (Index("uq_incidents_open_key", "key", unique=True,
                            sqlite_where=text("closed_at IS NULL"),
                            postgresql_where=text("closed_at IS NULL")),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(description="What is in trouble: source:NAME, quota:NAME or bounces")
    opened_at: datetime
    closed_at: datetime | None = None
    summary: str = Field(description="The trouble in one line, as the alert mail said it")
    outbox_id: int | None = Field(default=None, description="The alert mail queued for it")
