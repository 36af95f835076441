"""The consent archive: write-once, verified reads, atomic with the database, orphans."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sus_store import ArchiveError, ConsentArchive, Store, clean_orphans, register_in
from sus_store.audit import AuditEvent
from sus_store.schema import Consent, Participation
from tests.sus_store.builders import ADMIN, TODAY, consent, inregistrering, organisation


def test_put_is_content_addressed_and_write_once(tmp_path: Path) -> None:
    """GIVEN an archive
    WHEN the same bytes are archived twice
    THEN one read-only file named by its SHA-256 exists, created once."""
    archive = ConsentArchive(tmp_path)
    sha, created = archive.put(b"scan")
    again, created_again = archive.put(b"scan")
    assert (sha, created, created_again) == (again, True, False)
    path = archive.path_of(sha)
    assert path.name == sha
    assert oct(path.stat().st_mode & 0o777) == "0o444"
    assert archive.read(sha) == b"scan"


def test_tampered_file_fails_its_hash_check_on_read_and_is_not_overwritten(
        tmp_path: Path) -> None:
    """GIVEN an archived file changed on disk
    WHEN it is read, or the original bytes are archived again
    THEN both raise ArchiveError and the file is left as found, for inspection."""
    archive = ConsentArchive(tmp_path)
    sha, _ = archive.put(b"original scan")
    path = archive.path_of(sha)
    path.chmod(0o644)
    path.write_bytes(b"tampered")
    with pytest.raises(ArchiveError, match="skadat"):
        archive.read(sha)
    with pytest.raises(ArchiveError):
        archive.put(b"original scan")
    assert path.read_bytes() == b"tampered"


def test_missing_file_is_reported(tmp_path: Path) -> None:
    archive = ConsentArchive(tmp_path)
    with pytest.raises(ArchiveError, match="saknas"):
        archive.read("a" * 64)


def test_concurrent_writers_of_the_same_scan_create_it_once(tmp_path: Path) -> None:
    """GIVEN eight threads archiving the same bytes at once
    WHEN they finish
    THEN exactly one reports creating the file, and it is intact."""
    archive = ConsentArchive(tmp_path)
    results: list[bool] = []
    barrier = threading.Barrier(8)

    def put() -> None:
        barrier.wait()
        results.append(archive.put(b"same scan" * 1000)[1])

    threads = [threading.Thread(target=put) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]
    assert list((tmp_path / "tmp").iterdir()) == []


def _counts(store: Store) -> tuple[int, int, int]:
    with store.transaction() as session:
        return (session.scalar(select(func.count(Participation.id))) or 0,
                session.scalar(select(func.count(Consent.id))) or 0,
                len(list(store.archive.files())))


def _register(store: Store) -> None:
    with store.transaction() as session:
        register_in(session, inregistrering(), consent=consent(), actor=ADMIN, today=TODAY)


def test_failed_fsync_stores_nothing(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN the disk fails while the consent scan is written
    WHEN the participant is registered with it
    THEN ArchiveError, and neither a record nor a file remains."""
    organisation(store)

    def broken_fsync(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr("sus_store.archive.os.fsync", broken_fsync)
    with pytest.raises(ArchiveError, match="kunde inte arkiveras"):
        _register(store)
    monkeypatch.undo()
    assert _counts(store) == (0, 0, 0)
    assert list((store.archive.root / "tmp").iterdir()) == []


@pytest.mark.parametrize("failing", ["audit", "flush_link", "commit"])
def test_failure_after_the_file_is_written_leaves_no_record_and_no_file(
        store: Store, monkeypatch: pytest.MonkeyPatch, failing: str) -> None:
    """GIVEN the scan is archived
    WHEN a later step fails (audit write, the consent link, the commit itself)
    THEN the transaction is rolled back and the new file removed again."""
    organisation(store)
    boom = RuntimeError(f"injected failure in {failing}")
    if failing == "audit":
        original = AuditEvent.__init__

        def audit_fails(self: AuditEvent, **kwargs: object) -> None:
            if kwargs.get("action") == "link":
                raise boom
            original(self, **kwargs)

        monkeypatch.setattr(AuditEvent, "__init__", audit_fails)
    elif failing == "flush_link":
        monkeypatch.setattr("sus_store.participants.link_consent",
                            lambda *a, **k: (_ for _ in ()).throw(boom))
    else:
        monkeypatch.setattr(Session, "commit", lambda self: (_ for _ in ()).throw(boom))
    with pytest.raises(RuntimeError, match="injected"):
        _register(store)
    monkeypatch.undo()
    assert _counts(store) == (0, 0, 0)


def test_crash_between_file_and_commit_leaves_an_orphan_the_cleaner_removes(
        store: Store) -> None:
    """GIVEN a scan archived by a process that died before its commit (an orphan) and a
    committed registration
    WHEN the orphan cleaner runs after the grace period
    THEN only the orphan is removed; the committed consent's file stays readable."""
    organisation(store)
    _register(store)
    orphan, _ = store.archive.put(b"scan of a transaction that never committed")
    with store.transaction() as session:
        dry = clean_orphans(session, store.archive, dry_run=True, grace_seconds=0)
        assert dry.orphans == [orphan] and store.archive.exists(orphan)
        young = clean_orphans(session, store.archive)
        done = clean_orphans(session, store.archive, grace_seconds=0)
        kept = session.scalar(select(Consent.sha256))
    assert not store.archive.exists(orphan)
    assert young.young == 1 and young.orphans == []
    assert done.orphans == [orphan]
    assert kept is not None and store.archive.read(kept)


@pytest.mark.parametrize("case", ["old orphan reused", "new file, no grace"])
def test_clean_archive_during_a_filing_keeps_the_file_the_filing_commits(
        store: Store, case: str) -> None:
    """GIVEN a consent being filed in a transaction that has written (or, for the same
    bytes an earlier crash left behind as an hour-old orphan, found) its scan but not yet
    committed
    WHEN ``store clean-archive`` runs meanwhile (with the default grace period for the
    old orphan, with --grace-hours 0 for the new file) and then the filing commits
    THEN the consent's scan is still there and reads back: the cleaner either waited for
    the filing or saw the file referenced; no committed consent points at nothing."""
    import os
    import time

    from sus_store import file_consent, read_consent_scan

    filing = consent()
    grace = 3600.0
    if case == "old orphan reused":
        orphan, _ = store.archive.put(filing.scan)
        hours_ago = time.time() - 2 * 3600
        os.utime(store.archive.path_of(orphan), (hours_ago, hours_ago))
    else:
        grace = 0.0
    written, commit = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def file_it() -> None:
        try:
            with store.transaction() as session:
                file_consent(session, filing, actor="diariet", today=TODAY)
                written.set()
                commit.wait(timeout=30)
        except BaseException as exc:  # reported by the assertion below
            failures.append(exc)
            written.set()

    def clean() -> None:
        try:
            with store.transaction() as session:
                clean_orphans(session, store.archive, grace_seconds=grace)
        except BaseException as exc:
            failures.append(exc)

    filer = threading.Thread(target=file_it)
    filer.start()
    assert written.wait(timeout=30)
    cleaner = threading.Thread(target=clean)
    cleaner.start()
    cleaner.join(timeout=3)  # on the code as it was the cleaner is done by now
    commit.set()
    filer.join()
    cleaner.join()
    assert failures == []
    with store.transaction() as session:
        consent_id = session.scalar(select(Consent.id))
        assert consent_id is not None
        assert read_consent_scan(session, consent_id, actor="diariet") == filing.scan
