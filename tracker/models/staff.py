"""Who may log in to the staff pages."""

from datetime import datetime

from sqlmodel import Field, SQLModel


class StaffAccount(SQLModel, table=True):
    __tablename__ = "staff_accounts"

    name: str = Field(primary_key=True)
    password_hash: str
    created_at: datetime
