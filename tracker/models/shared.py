"""What every web worker, sender and host must agree on, kept in the database (``tracker.shared_state``)."""

from datetime import datetime

from sqlmodel import Field

from tracker.models import Table


class SharedSecret(Table, table=True):
    __tablename__ = "shared_secrets"

    name: str = Field(primary_key=True, description="secret_key: what sessions, forms and mail links "
                                                    "are signed with, when TRACKER_SECRET_KEY is unset")
    value: str
    created_at: datetime
