"""Opening a store: the engine, its migrations (Alembic) and transactions.

SQLite (a file) is the embedded default; PostgreSQL is used by URL. The schema is
always made by the Alembic migrations in ``sus_store/migrations``, never by
``create_all``, so a store made today upgrades tomorrow.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from sus_store.archive import ConsentArchive
from sus_store.schema import AuditEvent

log = logging.getLogger(__name__)

_MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets foreign keys and a wait instead of 'locked'.
    A database error never quotes the values of its statement (a personnummer, a name)
    into a message that may be logged: ``hide_parameters``."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        engine = create_engine(url, pool_pre_ping=True, hide_parameters=True)
        event.listen(engine, "begin", _postgresql_begin)
        return engine
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": WAIT_SECONDS}, hide_parameters=True)
    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA secure_delete = ON")  # deleted personal data is overwritten
    cursor.close()
    dbapi_connection.isolation_level = None  # type: ignore[attr-defined]


#: How long a SQLite writer waits for another's write lock before "database is locked".
WAIT_SECONDS = 30.0
#: How often a SQLite writer waiting for the write lock tries again.
WAIT_STEP_SECONDS = 0.002
#: The execution option of a read-only transaction (:meth:`Store.transaction`).
READ_ONLY = "sus_read_only"
#: The execution option of a transaction whose commit need not survive a power cut
#: (:meth:`Store.transaction`'s ``durable=False``).
NOT_DURABLE = "sus_not_durable"


def _read_only(connection: Connection) -> bool:
    return bool(connection.get_execution_options().get(READ_ONLY))


def _durable(connection: Connection) -> bool:
    return not connection.get_execution_options().get(NOT_DURABLE)


def _sqlite_begin(connection: Connection) -> None:
    """A writer takes SQLite's write lock at BEGIN (IMMEDIATE), so two writers queue
    instead of failing late; a reader begins deferred and never takes it, so it neither
    waits for a writer nor makes one wait (WAL). ``query_only`` makes a write in a
    read-only transaction fail at once, not only when it happens to meet a writer."""
    if _read_only(connection):
        connection.exec_driver_sql("PRAGMA query_only = 1")
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("PRAGMA query_only = 0")
        # NORMAL: the commit is not synced to disk (WAL), so it holds the write lock ~5 ms
        # less; it may be lost to a power cut, never to the process dying, never in part
        connection.exec_driver_sql("PRAGMA synchronous = "
                                   + ("FULL" if _durable(connection) else "NORMAL"))
        _begin_immediate(connection)


def _begin_immediate(connection: Connection) -> None:
    """BEGIN IMMEDIATE, trying again every ``WAIT_STEP_SECONDS`` while another writer
    holds the lock. SQLite's own wait sleeps ever longer (1, 2, 5, 10, 15, 20, 25…
    ms between tries), so a reviewer's approve arriving as a page is written waited
    up to twice as long as the write. Past ``WAIT_SECONDS``: "database is locked"."""
    dbapi = connection.connection.driver_connection
    assert isinstance(dbapi, sqlite3.Connection)
    deadline = time.monotonic() + WAIT_SECONDS
    dbapi.execute("PRAGMA busy_timeout = 0")
    try:
        while time.monotonic() < deadline:
            try:
                dbapi.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:
                    break  # said through SQLAlchemy below, as any other error
            time.sleep(WAIT_STEP_SECONDS)
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    finally:
        dbapi.execute(f"PRAGMA busy_timeout = {int(WAIT_SECONDS * 1000)}")


def _postgresql_begin(connection: Connection) -> None:
    """A read-only transaction is one for PostgreSQL too: a write in it fails. One not
    durable does not wait for its commit to reach the disk (any later durable commit
    brings it there first)."""
    if _read_only(connection):
        connection.exec_driver_sql("SET TRANSACTION READ ONLY")
    elif not _durable(connection):
        connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")


def wipe_after_commit(session: Session) -> None:
    """Personal data was deleted in ``session``: once it commits, leave no copy of it in
    the database files either (SQLite's write-ahead log keeps old pages until a
    checkpoint; ``secure_delete`` zeroes freed space in the file itself)."""
    session.info["wipe"] = True


def _wipe(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return  # PostgreSQL: dead rows are out of every query until VACUUM reuses them
    connection = engine.raw_connection()  # outside any transaction, as a checkpoint must be
    try:
        cursor = connection.cursor()
        cursor.execute("PRAGMA query_only = 0")  # left on by a read-only transaction
        busy = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        cursor.close()
    except Exception as exc:  # committed already: the next checkpoint will do it
        log.warning("the write-ahead log could not be emptied: %s", type(exc).__name__)
        return
    finally:
        connection.close()
    if busy:
        log.warning("the write-ahead log could not be emptied yet (a reader is active)")


_AUDIT_LATER = "audit_after_reading"


def _audit_after_reading(session: Session, _context: object, _instances: object) -> None:
    """In a read-only unit, audit events (reads of personal data) wait for its end."""
    for row in list(session.new):
        if isinstance(row, AuditEvent):
            session.expunge(row)
            session.info.setdefault(_AUDIT_LATER, []).append(row)


def alembic_config(engine: Engine, migrations: Path = _MIGRATIONS) -> Config:
    """Alembic's configuration for running ``migrations`` (the store's by default) on
    ``engine``; the migration environments take the engine from its attributes."""
    config = Config()
    config.set_main_option("script_location", str(migrations))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration (idempotent)."""
    command.upgrade(alembic_config(engine), "head")


class Store:
    """An open store: its engine, sessions and consent archive."""

    def __init__(self, engine: Engine, archive: ConsentArchive) -> None:
        self.engine = engine
        self.archive = archive
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._quick = sessionmaker(engine.execution_options(**{NOT_DURABLE: True}),
                                   expire_on_commit=False)
        self._readers = sessionmaker(engine.execution_options(**{READ_ONLY: True}),
                                     expire_on_commit=False)
        event.listen(self._readers, "before_flush", _audit_after_reading)

    @contextmanager
    def transaction(self, *, read_only: bool = False,
                    durable: bool = True) -> Iterator[Session]:
        """One unit of work: committed when the block ends, rolled back on any error.

        Archive files a failed unit wrote and no committed consent refers to are
        removed again; files of consents a committed unit removed (felregistrering,
        anonymous) are deleted after the commit. A crash in between leaves an orphan
        that :func:`sus_store.archive.clean_orphans` finds.

        ``read_only``: the unit only reads — on SQLite it takes no write lock, so it
        neither waits for a writer nor holds one up, and any write in it fails. The
        audit events of what it read are written when the block ends, in a short
        write transaction of their own, before the caller goes on.

        ``durable=False``: the commit may be lost to a power cut or a crash of the
        machine (never to the process dying, and never in part), for work that is done
        again when found missing (a page read again); it keeps the write lock shorter.
        """
        if read_only:
            with self._reading() as session:
                yield session
            return
        session = (self._sessions if durable else self._quick)()
        session.info["archive"] = self.archive
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            self.archive.discard_unreferenced(session.info.get("new_files", ()), self.engine)
            raise
        finally:
            session.close()
        self.archive.discard_unreferenced(session.info.get("purge_files", ()), self.engine)
        if session.info.get("wipe"):
            _wipe(self.engine)

    @contextmanager
    def _reading(self) -> Iterator[Session]:
        session = self._readers()
        session.info["archive"] = self.archive
        try:
            yield session
            session.flush()  # the last audit events out of the session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
        events = session.info.get(_AUDIT_LATER, [])
        if events:
            with self.transaction() as writer:
                writer.add_all(events)

    def dispose(self) -> None:
        self.engine.dispose()


def open_store(url: str, archive_dir: Path, *, migrate: bool = True) -> Store:
    """Open (and by default migrate) the store at ``url`` with its archive directory."""
    engine = make_engine(url)
    if migrate:
        upgrade(engine)
    return Store(engine, ConsentArchive(archive_dir))
