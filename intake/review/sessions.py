"""Login sessions on the server. The cookie (signed by ``SessionMiddleware``) carries a
random token; the row keyed by the token's SHA-256 says whose it is, until when, and
what it was granted on. A session ends at logout, at expiry, when the user's password
changes or when a permission held at login is gone; several web processes share the
rows through the database."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from intake.review.schema import LoginSession


def _key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def password_mark(password_hash: str | None) -> str:
    """What a session remembers of the password: a digest of its hash, never the hash."""
    return hashlib.sha256((password_hash or "").encode()).hexdigest()


def start_session(session: Session, *, username: str, password_hash: str | None,
                  permission_ids: set[int], at: datetime, hours: float) -> str:
    """A new session for ``username``; the token for the cookie. Expired rows go."""
    session.execute(delete(LoginSession).where(LoginSession.expires_at < at))
    token = secrets.token_urlsafe(32)
    session.add(LoginSession(id=_key(token), username=username, created_at=at,
                             expires_at=at + timedelta(hours=hours),
                             password_mark=password_mark(password_hash),
                             permission_ids=sorted(permission_ids)))
    session.flush()
    return token


def end_session(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(LoginSession).where(LoginSession.id == _key(token)))


def session_user(session: Session, token: str | None, *, at: datetime) -> LoginSession | None:
    """The live session the token names; None when unknown, ended or expired."""
    row = session.get(LoginSession, _key(token)) if token else None
    if row is None or _aware(row.expires_at) <= at:
        return None
    return row


def still_granted(row: LoginSession, *, password_hash: str | None,
                  permission_ids: set[int]) -> bool:
    """Whether what the session was granted on holds: the same password, and every
    permission held at login still held (one given since changes nothing)."""
    return (secrets.compare_digest(row.password_mark, password_mark(password_hash))
            and set(row.permission_ids) <= permission_ids)


def _aware(moment: datetime) -> datetime:
    """SQLite gives naive UTC back."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
