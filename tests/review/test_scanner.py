"""The scanner folder: files put in a förbund's subfolder are read as uploads by the
service user, once each, only when whole, and end in klara/ or in fel/ with the reason."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from intake.review.ingest import process_next
from intake.review.scanner import Scanner, ScannerConfig
from intake.review.schema import Batch, Upload
from intake.review.state import ServiceState
from sus_store import UserIn, create_user, grant, list_forbund
from sus_store.vocab import Role
from tests.review.conftest import FORBUND, TODAY, read_all, service_client, state_of
from tests.review.hostile import blank_pdf_pages

SCAN = blank_pdf_pages(1, size_pt=300.0)
SERVICE_USER = "skanner"


class Clock:
    """A monotonic clock the test moves on."""

    def __init__(self) -> None:
        self.at = 1000.0

    def __call__(self) -> float:
        return self.at


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with service_client(tmp_path / "data") as test_client:
        _service_user(state_of(test_client))
        yield test_client


def _service_user(state: ServiceState) -> None:
    """A service user (no password) who uploads for FORBUND."""
    with state.store.transaction() as session:
        forbund_id = next(f.id for f in list_forbund(session) if f.name == FORBUND)
        create_user(session, UserIn(username=SERVICE_USER, display_name="Skannern"),
                    actor="test")
        grant(session, username=SERVICE_USER, role=Role.UPPLADDARE, forbund_id=forbund_id,
              valid_until=date(2027, 6, 30), today=TODAY, actor="test")


def scanner(client: TestClient, folder: Path, clock: Clock | None = None,
            **config: object) -> Scanner:
    settings = {"folder": folder, "username": SERVICE_USER, "stable_seconds": 2.0, **config}
    return Scanner(state_of(client), ScannerConfig.model_validate(settings),
                   clock=clock or Clock())


def uploads(client: TestClient) -> list[tuple[str, str, int | None, str]]:
    with state_of(client).store.transaction(read_only=True) as session:
        return [(u.filename, u.status, u.batch.forbund_id, u.batch.uploaded_by)
                for u in session.scalars(select(Upload).join(Batch).order_by(Upload.id))]


def settle(client: TestClient, scan: Scanner, clock: Clock) -> None:
    """Rounds until the files in place are whole, taken, read and moved on."""
    scan.tick()
    clock.at += 5
    scan.tick()
    read_all(client)
    scan.tick()


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def forbund_id_of(client: TestClient) -> int:
    with state_of(client).store.transaction(read_only=True) as session:
        return next(f.id for f in list_forbund(session) if f.name == FORBUND)


def test_file_written_in_slow_chunks_is_read_once_after_it_is_complete(
        client: TestClient, tmp_path: Path) -> None:
    """GIVEN the scanner folder watched (polling, as on a network share), a file is
    whole after 0.6 s unchanged
    WHEN a scanner writes a file into the förbund's folder in chunks 0.2 s apart
    THEN nothing is uploaded while it is being written, it is uploaded once as the
    service user's for the förbund, read, and moved to klara/ — and not taken again."""
    root = tmp_path / "skanner"
    inbox = root / FORBUND
    inbox.mkdir(parents=True)
    scan = scanner(client, root, clock=time.monotonic, stable_seconds=0.6,
                   interval_seconds=0.1, polling=True)
    stop = threading.Event()
    watcher = threading.Thread(target=scan.run, args=(stop,))
    watcher.start()
    try:
        chunks = [SCAN[i:i + 60] for i in range(0, len(SCAN), 60)]
        assert len(chunks) >= 5
        with (inbox / "skanning 1.pdf").open("wb") as out:
            for chunk in chunks:
                out.write(chunk)
                out.flush()
                written = time.monotonic()
                time.sleep(0.2)
                assert uploads(client) == [], "a file was taken while being written"
        while not uploads(client) and time.monotonic() - written < 20:
            time.sleep(0.05)
        assert time.monotonic() - written >= 0.6  # whole only once unchanged a while
        read_all(client)
        while "skanning 1.pdf" not in files_in(inbox / "klara"):
            assert time.monotonic() - written < 30, files_in(inbox)
            time.sleep(0.05)
        time.sleep(1.0)  # more rounds: nothing more is taken
    finally:
        stop.set()
        watcher.join(timeout=10)
    assert uploads(client) == [("skanning 1.pdf", "done", forbund_id_of(client), SERVICE_USER)]
    assert (inbox / "klara" / "skanning 1.pdf").read_bytes() == SCAN
    assert files_in(inbox) == ["klara"] or files_in(inbox) == [".läses", "klara"]
    assert files_in(inbox / ".läses") == []


def test_broken_file_lands_in_fel_with_its_reason(client: TestClient, tmp_path: Path) -> None:
    """GIVEN a file that is not a readable PDF put in the förbund's folder
    WHEN it is taken and read THEN it is in fel/ with a Swedish reason beside it."""
    root = tmp_path / "skanner"
    (root / FORBUND).mkdir(parents=True)
    (root / FORBUND / "trasig.pdf").write_bytes(b"%PDF-1.4 not a pdf at all")
    clock = Clock()
    settle(client, scan := scanner(client, root, clock), clock)
    assert scan is not None
    fel = root / FORBUND / "fel"
    assert files_in(fel) == ["trasig.pdf", "trasig.pdf.orsak.txt"]
    reason = (fel / "trasig.pdf.orsak.txt").read_text(encoding="utf-8")
    status = uploads(client)[0][1]
    assert status == "failed"
    assert "kunde inte" in reason.lower() or "pdf" in reason.lower(), reason
    assert (fel / "trasig.pdf").read_bytes().startswith(b"%PDF-1.4 not")


def test_restart_does_not_read_klara_again(client: TestClient, tmp_path: Path) -> None:
    """GIVEN a file read and moved to klara/ WHEN the scanner is started again (a new
    process) and goes round THEN no file is uploaded again."""
    root = tmp_path / "skanner"
    (root / FORBUND).mkdir(parents=True)
    (root / FORBUND / "a.pdf").write_bytes(SCAN)
    clock = Clock()
    settle(client, scanner(client, root, clock), clock)
    assert files_in(root / FORBUND / "klara") == ["a.pdf"]
    again = scanner(client, root, clock)
    again.recover()
    settle(client, again, clock)
    assert len(uploads(client)) == 1
    assert files_in(root / FORBUND / "klara") == ["a.pdf"]


def test_file_taken_before_a_stop_is_not_uploaded_twice(client: TestClient,
                                                        tmp_path: Path) -> None:
    """GIVEN a file taken and uploaded by a scanner that stopped before its reading ended
    WHEN a new scanner recovers THEN it follows that upload (no second one) and moves
    the file to klara/ once read."""
    root = tmp_path / "skanner"
    (root / FORBUND).mkdir(parents=True)
    (root / FORBUND / "b.pdf").write_bytes(SCAN)
    clock = Clock()
    first = scanner(client, root, clock)
    first.tick()
    clock.at += 5
    first.tick()
    assert files_in(root / FORBUND / ".läses") == ["b.pdf"]
    second = scanner(client, root, clock)  # the first one is gone
    second.recover()
    settle(client, second, clock)
    assert [u[:2] for u in uploads(client)] == [("b.pdf", "done")]
    assert files_in(root / FORBUND / "klara") == ["b.pdf"]


def test_same_file_again_is_a_duplicate_in_fel(client: TestClient, tmp_path: Path) -> None:
    """GIVEN a file read from the folder WHEN the same bytes are put in again
    THEN they are not read again: the copy is in fel/ saying which upload read them."""
    root = tmp_path / "skanner"
    (root / FORBUND).mkdir(parents=True)
    (root / FORBUND / "c.pdf").write_bytes(SCAN)
    clock = Clock()
    scan = scanner(client, root, clock)
    settle(client, scan, clock)
    (root / FORBUND / "c igen.pdf").write_bytes(SCAN)
    settle(client, scan, clock)
    assert [u[1] for u in uploads(client)] == ["done", "duplicate"]
    reason = (root / FORBUND / "fel" / "c igen.pdf.orsak.txt").read_text(encoding="utf-8")
    assert "läses inte igen" in reason


def test_files_outside_a_forbunds_folder_go_to_fel(client: TestClient,
                                                   tmp_path: Path) -> None:
    """GIVEN a file directly in the scanner folder, one in a folder named after no
    förbund, one in Diariet (which the service user may not upload for) and one still
    being written (.part) THEN none is uploaded; each refused one is in its fel/ with
    the reason, and the partial file is left alone."""
    root = tmp_path / "skanner"
    for folder in ("Okänt förbund", "Diariet"):
        (root / folder).mkdir(parents=True)
        (root / folder / "d.pdf").write_bytes(SCAN)
    root.joinpath("e.pdf").write_bytes(SCAN)
    root.joinpath("f.pdf.part").write_bytes(SCAN)
    clock = Clock()
    settle(client, scanner(client, root, clock), clock)
    assert uploads(client) == []
    assert "förbundets mapp" in (root / "fel" / "e.pdf.orsak.txt").read_text(encoding="utf-8")
    assert "inget förbund" in (root / "Okänt förbund" / "fel" / "d.pdf.orsak.txt").read_text(
        encoding="utf-8")
    assert "Diariet" in (root / "Diariet" / "fel" / "d.pdf.orsak.txt").read_text(
        encoding="utf-8")
    assert root.joinpath("f.pdf.part").exists()


def test_folder_bound_to_a_forbund_takes_its_files(client: TestClient, tmp_path: Path) -> None:
    """GIVEN the folder bound to the förbund WHEN a file is put straight in it
    THEN it is the förbund's upload."""
    root = tmp_path / "pyramis"
    root.mkdir()
    (root / "g.pdf").write_bytes(SCAN)
    clock = Clock()
    settle(client, scanner(client, root, clock, forbund=FORBUND), clock)
    assert uploads(client) == [("g.pdf", "done", forbund_id_of(client), SERVICE_USER)]
    assert files_in(root / "klara") == ["g.pdf"]


def test_no_service_user_no_scanner(client: TestClient, tmp_path: Path) -> None:
    """A scanner for a user who does not exist refuses to start, saying so in Swedish."""
    from intake.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="Tjänsteanvändaren"):
        Scanner(state_of(client), ScannerConfig(folder=tmp_path, username="ingen"))
    assert process_next(state_of(client)) is False


def test_serve_runs_the_scanner_folder_when_set(tmp_path: Path) -> None:
    """GIVEN a store with the service user, and SUS_WATCH_DIR bound to the förbund
    WHEN the service runs and a file is put in the folder THEN it becomes the
    förbund's upload, and once read it is in klara/."""
    from intake.review.app import create_app
    from intake.review.state import open_service
    from intake.settings import Settings
    from tests.review.conftest import _organisation

    data, root = tmp_path / "data", tmp_path / "skanner"
    settings = Settings(data_dir=data, today=TODAY, watch_dir=root, watch_forbund=FORBUND,
                        watch_stable_seconds=0.3, watch_interval_seconds=0.1)
    state = open_service(settings)
    _organisation(state)
    _service_user(state)
    state.store.dispose()
    with TestClient(create_app(settings, run_worker=False)) as client:
        (root / "h.pdf").write_bytes(SCAN)
        waited = time.monotonic()
        while not uploads(client):
            assert time.monotonic() - waited < 20, files_in(root)
            time.sleep(0.05)
        read_all(client)
        while files_in(root / "klara") != ["h.pdf"]:
            assert time.monotonic() - waited < 30, files_in(root)
            time.sleep(0.05)
    assert [u[:3] for u in uploads(client)] == [("h.pdf", "done", forbund_id_of(client))]


def test_a_file_whose_upload_failed_for_a_moment_is_tried_again(
        client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN the database away when a whole file is handed in (it stays in .läses/)
    WHEN the scanner goes on a minute later THEN it is uploaded (once) and read."""
    import intake.review.scanner as scanner_module

    root = tmp_path / "skanner"
    (root / FORBUND).mkdir(parents=True)
    (root / FORBUND / "i.pdf").write_bytes(SCAN)
    real = scanner_module.receive_upload

    def away(*args: object, **kwargs: object) -> object:
        raise OSError("database away")

    monkeypatch.setattr(scanner_module, "receive_upload", away)
    clock = Clock()
    scan = scanner(client, root, clock)
    scan.tick()
    clock.at += 5
    with pytest.raises(OSError):
        scan.tick()
    assert files_in(root / FORBUND / ".läses") == ["i.pdf"] and uploads(client) == []
    monkeypatch.setattr(scanner_module, "receive_upload", real)
    clock.at += 61
    settle(client, scan, clock)
    assert [u[:2] for u in uploads(client)] == [("i.pdf", "done")]
    assert files_in(root / FORBUND / "klara") == ["i.pdf"]
