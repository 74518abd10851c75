"""Staff accounts for the web pages: a name, a role, an Argon2 hash of the password, and a session
version that ends every session of the account when it is raised (logout, a new password, removal).

Roles: a ``reviewer`` reviews changes and keeps notes, tags and stances; an ``admin`` may also see
the pages about the tracker itself (sources and settings).
"""

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import Engine, select, update
from sqlmodel import Session, col

from tracker.db import write_session
from tracker.errors import NotFoundError, TrackerError
from tracker.models.staff import StaffAccount

MIN_PASSWORD = 10
MAX_PASSWORD = 1024  # Argon2 takes any length; a megabyte of password is an attack, not a password
REVIEWER, ADMIN = "reviewer", "admin"
ROLES = (REVIEWER, ADMIN)


class StaffError(TrackerError):
    """A staff account that cannot be made as asked."""


@dataclass(frozen=True)
class Login:
    """Who logged in: what their session cookie carries and each request checks."""

    name: str
    role: str
    session_version: int


@cache
def _hasher():
    from argon2 import PasswordHasher  # only logging in and adding staff need it

    return PasswordHasher()


@cache
def _dummy_hash() -> str:
    """A hash of nothing, made once: an unknown name is checked against it, so it costs what a
    known name costs (one verification) and the time taken tells nothing."""
    import secrets

    return _hasher().hash(secrets.token_urlsafe(16))


def prepare() -> None:
    """Make the dummy hash now (the web app's start), not in the first login's time."""
    _dummy_hash()


def _normal(name: str) -> str:
    return name.strip().lower()


def _check_password(password: str) -> None:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise StaffError(f"the password must be {MIN_PASSWORD} to {MAX_PASSWORD} characters")


def add_staff(engine: Engine, name: str, password: str, *, now: datetime, role: str = ADMIN) -> None:
    """Add an account, or set a new password (and role) on one, ending its sessions.

    :raises StaffError: for an empty name, an unknown role or a password shorter than 10 characters
    """
    name = _normal(name)
    if not name or not name.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise StaffError("a staff name is letters, digits, - _ or . (e.g. maria)")
    if role not in ROLES:
        raise StaffError(f"a role is {' or '.join(ROLES)}")
    _check_password(password)
    hashed = _hasher().hash(password)
    with write_session(engine) as session:
        account = session.get(StaffAccount, name)
        if account is None:
            session.add(StaffAccount(name=name, password_hash=hashed, created_at=now, role=role))
        else:
            account.password_hash, account.role = hashed, role
            account.session_version += 1


def set_password(engine: Engine, name: str, password: str) -> None:
    """A new password for an existing account; every session of it ends.

    :raises NotFoundError: when there is no such account
    """
    _check_password(password)
    hashed = _hasher().hash(password)
    with write_session(engine) as session:
        account = _account(session, name)
        account.password_hash = hashed
        account.session_version += 1


def remove_staff(engine: Engine, name: str) -> None:
    """:raises NotFoundError: when there is no such account"""
    with write_session(engine) as session:
        session.delete(_account(session, name))


def end_sessions(engine: Engine, name: str) -> None:
    """End every session of an account (logging out ends them all: a copied cookie too)."""
    with write_session(engine) as session:
        session.execute(update(StaffAccount).where(col(StaffAccount.name) == _normal(name))
                        .values(session_version=StaffAccount.session_version + 1))


def list_staff(engine: Engine) -> list[StaffAccount]:
    with Session(engine) as session:
        return list(session.exec(select(StaffAccount).order_by(col(StaffAccount.name))).scalars())


def current_login(engine: Engine, name: str, session_version: int) -> Login | None:
    """The account behind a session cookie, if the cookie is still good for it."""
    with Session(engine) as session:
        account = session.get(StaffAccount, _normal(name))
    if account is None or account.session_version != session_version:
        return None
    return Login(account.name, account.role, account.session_version)


def _account(session: Session, name: str) -> StaffAccount:
    account = session.get(StaffAccount, _normal(name))
    if account is None:
        raise NotFoundError(f"no staff account {_normal(name)}")
    return account


def check_password(engine: Engine, name: str, password: str) -> Login | None:
    """Who logged in when the password is right; ``None`` otherwise (same time either way).

    A hash made with older parameters is replaced by one made with the current ones.
    """
    from argon2.exceptions import InvalidHashError, VerificationError

    hasher = _hasher()
    if len(password) > MAX_PASSWORD:
        password = ""  # still verified, so it takes the usual time, and fails
    with Session(engine) as session:
        account = session.get(StaffAccount, _normal(name))
    try:
        hasher.verify(account.password_hash if account else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    if account is None or not password:
        return None
    if hasher.check_needs_rehash(account.password_hash):
        with write_session(engine) as session:
            session.execute(update(StaffAccount).where(col(StaffAccount.name) == account.name)
                            .values(password_hash=hasher.hash(password)))
    return Login(account.name, account.role, account.session_version)
