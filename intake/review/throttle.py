"""Login throttling: per account and per client address, with locks that double, and a
bound on how many passwords are checked at once.

Each account (by username, whether it exists or not) may fail ``login_free_failures``
times; each client address four times as often (an office behind one address). Past
that every failure locks the key for ``login_lock_seconds``, doubled each time up to
``login_lock_max_seconds``; an hour without failures forgets them. While locked, no
password is checked at all, the right one neither, and the answer is 429 with
Retry-After. A successful login forgets the account's failures (not the address's).

The counts live in the database (``review_login_throttle``), so several web processes
share them; keys are HMACs of the username or address under the session key, so the
table holds no username or address. Checking a password (argon2, deliberately slow)
takes one of ``login_hash_slots`` per process; a login that cannot get one within
``login_wait_seconds`` (or finds too many waiting already) is answered 429 at once, so
guessers queue instead of slowing every page.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from intake.review.schema import LoginThrottle
from intake.settings import Settings
from sus_store import Store

log = logging.getLogger(__name__)

#: Failures this long ago (and no later one) are forgotten.
FORGET_AFTER = timedelta(hours=1)
#: A client address may fail this many times as often as one account.
ADDRESS_FACTOR = 4


@dataclass(frozen=True)
class Refusal:
    """Why a login is refused before its password is checked, and for how long."""

    message: str
    retry_after: int  # seconds


@dataclass(frozen=True)
class LoginGuard:
    """The service's throttle: its settings, the key its HMACs use, the hashing slots."""

    settings: Settings
    pepper: bytes
    slots: threading.BoundedSemaphore = field(init=False, compare=False)
    waiting: threading.BoundedSemaphore = field(init=False, compare=False)

    def __post_init__(self) -> None:
        slots = max(1, self.settings.login_hash_slots)
        object.__setattr__(self, "slots", threading.BoundedSemaphore(slots))
        object.__setattr__(self, "waiting", threading.BoundedSemaphore(4 * slots))

    def keys(self, username: str, address: str) -> tuple[str, str]:
        """The account's and the address's keys: HMACs, never the values themselves."""
        return (self._key("account", username.strip().lower()), self._key("address", address))

    def _key(self, kind: str, value: str) -> str:
        return hmac.new(self.pepper, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()

    def refusal(self, store: Store, keys: tuple[str, str], *, at: datetime) -> Refusal | None:
        """A refusal while the account or the address is locked; None otherwise."""
        with store.transaction() as session:
            rows = session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys)))
            until = max((_aware(r.locked_until) for r in rows if r.locked_until), default=None)
        if until is None or until <= at:
            return None
        seconds = math.ceil((until - at).total_seconds())
        minutes = math.ceil(seconds / 60)
        return Refusal(f"För många misslyckade inloggningar. Försök igen om {minutes} min.",
                       seconds)

    @contextmanager
    def checking(self) -> Iterator[Refusal | None]:
        """A slot to check one password in; a refusal (yielded) when none comes in time."""
        busy = Refusal("Inloggningen är hårt belastad just nu. Försök igen om några sekunder.",
                       max(1, math.ceil(self.settings.login_wait_seconds)))
        if not self.waiting.acquire(blocking=False):
            yield busy
            return
        try:
            got = self.slots.acquire(timeout=max(0.0, self.settings.login_wait_seconds))
            try:
                yield None if got else busy
            finally:
                if got:
                    self.slots.release()
        finally:
            self.waiting.release()

    def failed(self, store: Store, keys: tuple[str, str], *, at: datetime,
               user_id: int | None) -> None:
        """Count a failure against the account and the address; lock past the free ones."""
        account, address = keys
        free = self.settings.login_free_failures
        with store.transaction() as session:
            for key, allowed in ((account, free), (address, ADDRESS_FACTOR * free)):
                failures = _count(session, key, at=at)
                if failures >= allowed:
                    seconds = self._lock(session, key, failures - allowed, at=at)
                    who = (f"account {user_id if user_id is not None else '(unknown)'}"
                           if key == account else f"client address {key[:12]}")
                    log.warning("login locked: %s for %d s after %d failed attempts",
                                who, seconds, failures)

    def succeeded(self, store: Store, keys: tuple[str, str]) -> None:
        """The account's failures are forgotten; the address's stay."""
        with store.transaction() as session:
            session.execute(delete(LoginThrottle).where(LoginThrottle.key == keys[0]))

    def _lock(self, session: Session, key: str, beyond: int, *, at: datetime) -> int:
        first, longest = self.settings.login_lock_seconds, self.settings.login_lock_max_seconds
        seconds = min(longest, first * 2 ** min(beyond, 30))
        session.execute(update(LoginThrottle).where(LoginThrottle.key == key)
                        .values(locked_until=at + timedelta(seconds=seconds)))
        return seconds


def _count(session: Session, key: str, *, at: datetime) -> int:
    """One more failure for ``key``, atomically (several processes may count at once);
    the new count. Failures older than :data:`FORGET_AFTER` are forgotten first."""
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(LoginThrottle).values(key=key, failures=0, last_failure_at=at)
                    .on_conflict_do_nothing(index_elements=["key"]))
    session.execute(update(LoginThrottle).where(LoginThrottle.key == key,
                                                LoginThrottle.last_failure_at < at - FORGET_AFTER)
                    .values(failures=0, locked_until=None))
    return int(session.execute(
        update(LoginThrottle).where(LoginThrottle.key == key)
        .values(failures=LoginThrottle.failures + 1, last_failure_at=at)
        .returning(LoginThrottle.failures)).scalar_one())


def _aware(moment: datetime) -> datetime:
    """SQLite gives naive UTC back."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
