"""API tokens: a script authenticates as its user with ``Authorization: Bearer …``.

A token is made for one user with an expiry (at most :data:`MAX_DAYS` days) and shown
once; only the SHA-256 of its secret (32 random bytes) is stored, so a copy of the
database holds no usable token. It is listed and revoked by its id; making and
revoking are in the audit trail. A token acts with the user's roles and scope as they
are on the day it is used (a permission taken away is gone for the token too), and only
on the JSON API (``intake.review.deps``): a page never accepts one.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from intake.errors import IntakeError
from intake.review.schema import ApiToken
from sus_store import NotFound, get_user
from sus_store.audit import record

#: What every token begins with, so that a leaked one is recognised (secret scanners).
PREFIX = "sus_"
#: The longest a token may last, and what it lasts when nothing is said.
MAX_DAYS = 365
DEFAULT_DAYS = 90


class TokenRefused(IntakeError):
    """A token that is unknown, expired, revoked, or not for this place."""

    code = "bad_token"
    http_status = 401


Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class TokenIn(BaseModel):
    """A token to make: for whom, what it is for (a label people recognise), how long."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    label: Label
    days: int = Field(default=DEFAULT_DAYS, ge=1, le=MAX_DAYS)


class TokenView(BaseModel):
    """A token as listed: never its secret (nor its hash)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    label: str
    created_by: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    def state(self, at: datetime) -> str:
        """In Swedish: giltig, utgången or återkallad."""
        if self.revoked_at is not None:
            return "återkallad"
        return "utgången" if _aware(self.expires_at) <= at else "giltig"


class NewToken(BaseModel):
    """A token just made, with its secret: shown once, then only its hash is kept."""

    token: TokenView
    secret: str = Field(repr=False)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def make_token(session: Session, data: TokenIn, *, actor: str, at: datetime) -> NewToken:
    """A new token for an active user, lasting ``data.days`` days from ``at``."""
    try:
        user = get_user(session, data.username)
    except NotFound:
        raise NotFound(f"Användaren {data.username} finns inte.") from None
    if not user.active:
        raise TokenRefused(f"Användaren {user.username} är avstängd.")
    secret = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(key=digest(secret), username=user.username, label=data.label,
                   created_by=actor, created_at=at, expires_at=at + timedelta(days=data.days))
    session.add(row)
    session.flush()
    record(session, actor=actor, action="create", entity="api_token", entity_id=row.id,
           after={"username": row.username, "label": row.label,
                  "expires_at": row.expires_at.isoformat()})
    return NewToken(token=TokenView.model_validate(row), secret=secret)


def list_tokens(session: Session, username: str | None = None) -> list[TokenView]:
    """The tokens of ``username`` (everyone's with None), newest first."""
    query = select(ApiToken).order_by(ApiToken.id.desc())
    if username is not None:
        query = query.where(ApiToken.username == username.strip().lower())
    return [TokenView.model_validate(row) for row in session.scalars(query)]


def revoke_token(session: Session, token_id: int, *, actor: str, at: datetime,
                 owner: str | None = None) -> TokenView:
    """Revoke a token for good; with ``owner``, only one of that user's."""
    row = session.get(ApiToken, token_id)
    if row is None or (owner is not None and row.username != owner):
        raise NotFound(f"API-nyckel {token_id} finns inte.")
    if row.revoked_at is None:
        row.revoked_at = at
        record(session, actor=actor, action="revoke", entity="api_token", entity_id=row.id,
               before={"username": row.username, "label": row.label})
    session.flush()
    return TokenView.model_validate(row)


def token_owner(session: Session, secret: str, *, at: datetime) -> str | None:
    """The username a live token belongs to (its use noted); None for an unknown,
    expired or revoked one."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.key == digest(secret)))
    if row is None or row.revoked_at is not None or _aware(row.expires_at) <= at:
        return None
    session.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=at))
    return row.username


def _aware(moment: datetime) -> datetime:
    """SQLite gives naive UTC back."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
