"""Rate limits that every web worker shares: a counter per key and window (``tracker.limits``)."""

from datetime import datetime

from sqlmodel import Field

from tracker.models import Table


class RateCounter(Table, table=True):
    __tablename__ = "rate_limits"

    key: str = Field(primary_key=True, description="What is counted: login-address:203.0.113.9...")
    window_start: datetime = Field(index=True)
    count: int = 0
