"""The service's clock: aware UTC times for what it records (claims, uploads, decisions)."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)
