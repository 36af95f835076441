"""The consent archive: write-once, content-addressed files named by their SHA-256.

A file is written to a temporary name, fsynced, then *linked* to its final name
(which fails rather than overwrite) and the directory fsynced — all before the
database transaction that refers to it commits. Every read checks the hash. A
crash between the file and the commit leaves an unreferenced file, an *orphan*,
which :func:`clean_orphans` finds and removes once it is older than a grace
period.

Writers and removers never overlap (:func:`hold_archive`): a transaction that files a
consent holds the archive lock *shared* from before it writes (or finds) the file
until it commits or rolls back; the cleaner, and the removal of a failed
transaction's files, hold it *exclusively* while they decide what nothing refers to
and delete it. So a file a filing is about to commit is never taken from under it —
not even an old orphan it found with the same bytes, nor with a grace period of 0.
On PostgreSQL the lock is a transaction-scoped advisory lock (any number of
processes, any host, released by commit, rollback or a dead connection); on SQLite
it is the database's write lock, which every transaction here takes at BEGIN.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from sus_store.errors import ArchiveError

log = logging.getLogger(__name__)

#: Orphans younger than this are left alone (belt and braces: the archive lock already
#: keeps the files of transactions still running).
ORPHAN_GRACE_SECONDS = 3600

#: The PostgreSQL advisory lock key of the consent archive ("SUSA").
ARCHIVE_LOCK_KEY = 0x53555341


def hold_archive(session: Session, *, exclusive: bool) -> None:
    """Hold the archive lock until ``session``'s transaction ends: shared to add files
    (many filings at once), exclusive to remove unreferenced ones."""
    connection = session.connection()  # begins the transaction (SQLite: its write lock)
    if connection.dialect.name == "postgresql":
        function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
        session.execute(text(f"SELECT {function}(:key)"), {"key": ARCHIVE_LOCK_KEY})


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class ConsentArchive:
    """Write-once files under ``root``: ``root/ab/cd/abcd…`` for SHA-256 ``abcd…``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path_of(self, sha: str) -> Path:
        if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
            raise ArchiveError(f"Ogiltig arkivnyckel: {sha[:16]}…")
        return self.root / sha[:2] / sha[2:4] / sha

    def put(self, data: bytes) -> tuple[str, bool]:
        """Store ``data``; its SHA-256 and whether this call created the file."""
        if not data:
            raise ArchiveError("Tom fil kan inte arkiveras.")
        sha = sha256_of(data)
        final = self.path_of(sha)
        if final.exists():
            self.read(sha)  # an existing file must still be intact
            return sha, False
        final.parent.mkdir(parents=True, exist_ok=True)
        return sha, self._write_new(final, data)

    def _write_new(self, final: Path, data: bytes) -> bool:
        temp = self._temp_path(final)
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
            try:
                _write_all(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)
            try:
                os.link(temp, final)
            except FileExistsError:
                return False  # another writer archived the same content first
            _fsync_dir(final.parent)
            return True
        except OSError as exc:
            raise ArchiveError(f"Samtycket kunde inte arkiveras: {exc.strerror}") from exc
        finally:
            temp.unlink(missing_ok=True)

    def _temp_path(self, final: Path) -> Path:
        tmp = self.root / "tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        return tmp / f"{final.name}.{os.getpid()}.{time.monotonic_ns()}"

    def read(self, sha: str) -> bytes:
        """The file's bytes, verified against its name; :class:`ArchiveError` if not."""
        try:
            data = self.path_of(sha).read_bytes()
        except FileNotFoundError:
            raise ArchiveError(f"Arkiverat samtycke {sha[:12]}… saknas.") from None
        if sha256_of(data) != sha:
            raise ArchiveError(f"Arkiverat samtycke {sha[:12]}… är skadat (fel kontrollsumma).")
        return data

    def exists(self, sha: str) -> bool:
        return self.path_of(sha).exists()

    def remove(self, sha: str) -> None:
        """Delete a file whose personal data must go (felregistrering, anonymous)."""
        path = self.path_of(sha)
        path.unlink(missing_ok=True)
        _fsync_dir(path.parent)

    def files(self) -> Iterator[tuple[str, float]]:
        """Every archived file's SHA-256 and modification time."""
        for path in self.root.glob("??/??/*"):
            if path.is_file() and len(path.name) == 64:
                yield path.name, path.stat().st_mtime

    def discard_unreferenced(self, shas: Iterable[str], engine: Engine) -> None:
        """After a failed transaction: remove the files it created that nothing refers to."""
        shas = list(shas)
        if not shas:
            return
        with Session(engine) as session, session.begin():
            hold_archive(session, exclusive=True)  # no filing may be reusing one of them
            kept = referenced(session, shas)
            for sha in set(shas) - kept:
                log.info("removing unreferenced archive file %s…", sha[:12])
                self.remove(sha)


def referenced(session: Session, shas: Iterable[str]) -> set[str]:
    from sus_store.schema import Consent

    wanted = list(set(shas))
    found = session.scalars(select(Consent.sha256).where(Consent.sha256.in_(wanted)))
    return set(found)


class OrphanReport(BaseModel):
    """What :func:`clean_orphans` found (and removed unless ``dry_run``)."""

    orphans: list[str]
    young: int
    removed: bool


def clean_orphans(session: Session, archive: ConsentArchive, *, dry_run: bool = False,
                  grace_seconds: float = ORPHAN_GRACE_SECONDS) -> OrphanReport:
    """Find files no consent refers to; remove those older than the grace period.

    Holds the archive lock exclusively (until ``session``'s transaction ends): filings
    in flight are waited for, new ones wait until the cleaning is committed."""
    hold_archive(session, exclusive=True)
    files = dict(archive.files())
    unreferenced = set(files) - referenced(session, files)
    cutoff = time.time() - grace_seconds
    old = sorted(sha for sha in unreferenced if files[sha] < cutoff)
    if not dry_run:
        for sha in old:
            archive.remove(sha)
        _clean_temp(archive, cutoff)
    return OrphanReport(orphans=old, young=len(unreferenced) - len(old), removed=not dry_run)


def _clean_temp(archive: ConsentArchive, cutoff: float) -> None:
    for temp in (archive.root / "tmp").glob("*"):
        if temp.stat().st_mtime < cutoff:
            temp.unlink(missing_ok=True)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
