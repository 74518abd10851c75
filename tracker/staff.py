"""Staff accounts for the web pages: a name and an Argon2 hash of the password, nothing more."""

from datetime import datetime

from sqlalchemy import Engine, select
from sqlmodel import Session

from tracker.db import write_session
from tracker.errors import TrackerError
from tracker.models.staff import StaffAccount

MIN_PASSWORD = 10


class StaffError(TrackerError):
    """A staff account that cannot be made as asked."""




def _hasher():
    from argon2 import PasswordHasher  # only logging in and adding staff need it

    return PasswordHasher()


def add_staff(engine: Engine, name: str, password: str, *, now: datetime) -> None:
    """Add an account, or set a new password on one.

    :raises StaffError: for an empty name or a password shorter than 10 characters
    """
    name = name.strip().lower()
    if not name or not name.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise StaffError("a staff name is letters, digits, - _ or . (e.g. maria)")
    if len(password) < MIN_PASSWORD:
        raise StaffError(f"the password must be at least {MIN_PASSWORD} characters")
    hashed = _hasher().hash(password)
    with write_session(engine) as session:
        account = session.get(StaffAccount, name)
        if account is None:
            session.add(StaffAccount(name=name, password_hash=hashed, created_at=now))
        else:
            account.password_hash = hashed


def check_password(engine: Engine, name: str, password: str) -> str | None:
    """The account's name when the password is right; ``None`` otherwise (same time either way)."""
    from argon2.exceptions import VerificationError

    hasher = _hasher()
    with Session(engine) as session:
        account = session.exec(select(StaffAccount).where(
            StaffAccount.name == name.strip().lower())).scalars().first()
    try:
        # An unknown name is checked against a throwaway hash, so timing does not tell.
        hasher.verify(account.password_hash if account else hasher.hash("not-an-account"), password)
    except VerificationError:
        return None
    return account.name if account else None
