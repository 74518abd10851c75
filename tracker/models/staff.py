"""Who may log in to the staff pages."""

from datetime import datetime

from sqlmodel import Field

from tracker.models import Table


class StaffAccount(Table, table=True):
    __tablename__ = "staff_accounts"

    name: str = Field(primary_key=True)
    password_hash: str
    created_at: datetime
    role: str = Field(default="admin", sa_column_kwargs={"server_default": "admin"},
                      description="reviewer (review, notes, tags) or admin (also staff and settings)")
    session_version: int = Field(default=1, sa_column_kwargs={"server_default": "1"},
                                 description="Raised by logout-everywhere, a password change or removal; "
                                 "a session cookie of an older version is refused")
