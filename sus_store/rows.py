"""Fetching one row by id, with the store's own "not found" error."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.orm import Session

from sus_store.errors import NotFound
from sus_store.schema import Base

_Row = TypeVar("_Row", bound=Base)

#: The largest row id (ids are INTEGER on PostgreSQL, and SQLite's are 64-bit): an id
#: beyond it is no row, and never reaches the database, where it would overflow (500).
MAX_ROW_ID = 2**31 - 1


def get_row(session: Session, table: type[_Row], row_id: int, what: str) -> _Row:
    """The row of ``table`` with ``row_id``; :class:`NotFound` naming ``what`` otherwise."""
    row = session.get(table, row_id) if 0 < row_id <= MAX_ROW_ID else None
    if row is None:
        raise NotFound(f"{what} {row_id} finns inte.")
    return row
