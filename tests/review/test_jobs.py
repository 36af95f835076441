"""Reading uploads on the job engines, crash-proof: a `sus-intake worker` killed
(SIGKILL) or stopped (SIGTERM) in the middle of an upload, and another started, end
with every page read into exactly one document and the upload done — on PostgreSQL
(procrastinate, stalled-job recovery) and on SQLite (the local runner); two workers
on PostgreSQL share one upload's pages, each page read once."""

from __future__ import annotations

import io
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from pypdf import PdfReader, PdfWriter
from sqlalchemy import select, text

from intake.cli import cli
from intake.demo import case_for, consent_case_for
from intake.review import jobs
from intake.review.app import create_app
from intake.review.ingest import process_next
from intake.review.jobqueue import (
    LIST_TASK,
    PAGE_TASK,
    Write,
    Writer,
    adopt_unqueued,
    enqueue_pages,
)
from intake.review.reading import ReadPage
from intake.review.schema import Document, Upload
from intake.samples.make import write_cases
from intake.settings import Settings
from tests.review.conftest import FORBUND, INSATS, TODAY, login, service_client, state_of
from tests.review.hostile import blank_pdf_pages, multipart
from tests.review.pg import postgres_service_url
from tests.review.reads import read_form

__all__ = ["postgres_service_url"]  # the fixture, used by name

PAGES = 6
#: Generous bounds on waiting for a worker: they fail a test that hangs, they time
#: nothing (a shared two-core machine reads a typed page in about a second).
PATIENCE = 240.0
SUS_INTAKE = Path(sys.executable).parent / "sus-intake"


@pytest.fixture(scope="module")
def scans(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A PDF of ``PAGES`` scanned typed forms (a 9448 and its 9443, over again)."""
    folder = tmp_path_factory.mktemp("scans")
    rng = random.Random(14)
    case = case_for("9448", rng, FORBUND, INSATS, today=TODAY)
    files = [write_cases([case], "typed-office300", folder / "fk9448", rng),
             write_cases([consent_case_for(case, rng)], "typed-office300", folder / "fk9443",
                         rng)]
    writer = PdfWriter()
    for number in range(PAGES):
        writer.add_page(PdfReader(files[number % 2]).pages[0])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
def database_url(request: pytest.FixtureRequest) -> str | None:
    """None for SQLite in the data directory; a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return None
    url: str = request.getfixturevalue("postgres_service_url")
    return url


BOTH = pytest.mark.parametrize("database_url", [
    "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)


def upload(client: TestClient, data: bytes) -> int:
    token = login(client, "forbund")
    kind, body = multipart([("batch.pdf", data)])
    response = client.post("/api/batches", content=body,
                           headers={"content-type": kind, "X-CSRF-Token": token})
    assert response.status_code == 200, response.text
    upload_id: int = response.json()["uploads"][0]["id"]
    return upload_id


class Worker:
    """A `sus-intake worker` process on the test's store, its log in a file."""

    def __init__(self, data_dir: Path, database_url: str | None, name: str) -> None:
        env = {**os.environ, "SUS_DATA_DIR": str(data_dir), "SUS_TODAY": TODAY.isoformat(),
               "SUS_WORKERS": "1", "SUS_JOB_HEARTBEAT_SECONDS": "0.5",
               "SUS_JOB_STALLED_SECONDS": "2"}
        if database_url:
            env["SUS_DATABASE_URL"] = database_url
        self.log = data_dir / f"{name}.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen([str(SUS_INTAKE), "-v", "worker"], env=env,
                                            stdout=out, stderr=subprocess.STDOUT)

    def signal(self, sig: int) -> int:
        """Send ``sig``; the exit code once the process has gone."""
        self.process.send_signal(sig)
        return self.process.wait(timeout=PATIENCE)

    def pages_written(self) -> int:
        return self.log.read_text(errors="replace").count("written by this worker")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def workers() -> Iterator[list[Worker]]:
    started: list[Worker] = []
    yield started
    for worker in started:
        worker.stop()


def until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while not condition():
        assert time.monotonic() < deadline, f"waited in vain for {what}"
        time.sleep(0.1)


def pages_of(client: TestClient, upload_id: int) -> Counter[int]:
    """How many documents each page of the upload has (the pages a document says it
    was read from)."""
    with state_of(client).store.transaction() as session:
        return Counter(page for pages in session.scalars(select(Document.pages).where(
            Document.upload_id == upload_id)) for page in pages)


def upload_row(client: TestClient, upload_id: int) -> tuple[str, int | None, int]:
    with state_of(client).store.transaction() as session:
        row = session.get_one(Upload, upload_id)
        return row.status, row.pages_total, row.pages_done


def assert_read_once(client: TestClient, upload_id: int) -> None:
    assert pages_of(client, upload_id) == Counter(range(1, PAGES + 1))
    assert upload_row(client, upload_id) == ("done", PAGES, PAGES)
    with state_of(client).store.transaction() as session:
        ordered = session.get_one(Upload, upload_id).documents
        assert [d.pages for d in ordered] == [[page] for page in range(1, PAGES + 1)]


@BOTH
@pytest.mark.tesseract
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_a_worker_stopped_mid_upload_leaves_its_pages_to_the_next(
        tmp_path: Path, database_url: str | None, scans: bytes, sig: int,
        workers: list[Worker]) -> None:
    """GIVEN a worker reading a 6-page upload WHEN it is killed (SIGKILL) or stopped
    (SIGTERM) after its first page AND another worker is started THEN every page has
    exactly one document, in page order, and the upload is done; SIGTERM let the
    first worker finish its pages and exit cleanly (0), not stranded half an upload."""
    with service_client(tmp_path, database_url=database_url) as client:
        upload_id = upload(client, scans)
        workers.append(Worker(tmp_path, database_url, "first"))
        until(lambda: sum(pages_of(client, upload_id).values()) >= 1, "a first page")
        code = workers[0].signal(sig)
        if sig == signal.SIGTERM:
            assert code == 0, workers[0].log.read_text()
        assert upload_row(client, upload_id)[0] == "processing"  # stopped mid-upload
        workers.append(Worker(tmp_path, database_url, "second"))
        until(lambda: upload_row(client, upload_id)[0] != "processing", "the upload read")
        assert workers[1].signal(signal.SIGTERM) == 0
        assert_read_once(client, upload_id)
        assert workers[1].pages_written() >= 1


@pytest.mark.postgres
@pytest.mark.tesseract
def test_two_workers_on_postgresql_share_one_upload_reading_each_page_once(
        tmp_path: Path, postgres_service_url: str, scans: bytes,
        workers: list[Worker]) -> None:
    """GIVEN two worker processes (a pool of one each) on one PostgreSQL WHEN one
    6-page upload arrives THEN both read some of its pages, and every page has
    exactly one document."""
    with service_client(tmp_path, database_url=postgres_service_url) as client:
        workers.extend(Worker(tmp_path, postgres_service_url, name) for name in ("a", "b"))

        def registered() -> int:
            with state_of(client).store.transaction() as session:
                return int(session.execute(text(
                    "SELECT count(*) FROM procrastinate_workers")).scalar_one())
        until(lambda: registered() == 2, "both workers")
        upload_id = upload(client, scans)
        until(lambda: upload_row(client, upload_id)[0] != "processing" and
              upload_row(client, upload_id)[0] != "queued", "the upload read")
        for worker in workers:
            assert worker.signal(signal.SIGTERM) == 0
        assert_read_once(client, upload_id)
        assert [w.pages_written() > 0 for w in workers] == [True, True]
        assert sum(w.pages_written() for w in workers) == PAGES


@BOTH
def test_a_page_written_twice_at_once_keeps_one_document(
        tmp_path: Path, database_url: str | None) -> None:
    """GIVEN a 2-page upload being read WHEN its page 1 is written by two runs of its
    job at the same moment (a job run again while the first run was still finishing)
    THEN one document and one page of progress; the upload is done only when page 2
    is written too."""
    with service_client(tmp_path, database_url=database_url) as client:
        upload_id = upload(client, blank_pdf_pages(2))
        state = state_of(client)
        assert jobs.list_upload(state, upload_id) == [1, 2]
        read = ReadPage(document=read_form("9448"), image=None)
        start = threading.Barrier(2)
        written: list[bool] = []

        def run() -> None:
            start.wait()
            written.append(jobs.store_page(state, upload_id, 1, read))
        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(written) == [False, True]
        assert upload_row(client, upload_id) == ("processing", 2, 1)
        assert jobs.store_page(state, upload_id, 2, read)
        assert upload_row(client, upload_id) == ("done", 2, 2)


def upload_files(client: TestClient, files: list[bytes]) -> list[int]:
    """Several files in one upload request: their upload ids."""
    token = login(client, "forbund")
    kind, body = multipart([(f"fil-{n}.pdf", data) for n, data in enumerate(files)])
    response = client.post("/api/batches", content=body,
                           headers={"content-type": kind, "X-CSRF-Token": token})
    assert response.status_code == 200, response.text
    return [u["id"] for u in response.json()["uploads"]]


@pytest.mark.postgres
def test_files_uploaded_together_are_listed_by_one_job_and_their_pages_queued_at_once(
        tmp_path: Path, postgres_service_url: str) -> None:
    """GIVEN three files of 1, 2 and 3 pages uploaded in one request on PostgreSQL THEN
    one job lists them all (not a job per file); WHEN it runs THEN a page job per page
    of each file is queued, and every upload is being read."""
    with service_client(tmp_path, database_url=postgres_service_url) as client:
        ids = upload_files(client, [blank_pdf_pages(n) for n in (1, 2, 3)])
        state = state_of(client)

        def queued() -> list[tuple[str, dict[str, object]]]:
            with state.store.transaction() as session:
                return [(name, dict(args)) for name, args in session.execute(text(
                    "SELECT task_name, args FROM procrastinate_jobs ORDER BY id"))]
        assert queued() == [(LIST_TASK, {"upload_ids": ids})]
        assert jobs.list_uploads(state, ids, then=enqueue_pages) == {
            ids[0]: [1], ids[1]: [1, 2], ids[2]: [1, 2, 3]}
        assert queued()[1:] == [(PAGE_TASK, {"upload_id": upload_id, "page": page})
                                for upload_id, pages in zip(ids, (1, 2, 3), strict=True)
                                for page in range(1, pages + 1)]
        assert [upload_row(client, upload_id)[0] for upload_id in ids] == ["processing"] * 3


@BOTH
def test_pages_of_several_uploads_written_together_keep_one_document_each(
        tmp_path: Path, database_url: str | None) -> None:
    """GIVEN two uploads being read (2 pages and 1), page 1 of the first written
    already by an earlier run of its job WHEN their pages are written together, in
    one transaction THEN that page is not written again, each page has one document
    and both uploads are done."""
    with service_client(tmp_path, database_url=database_url) as client:
        first, second = upload_files(client, [blank_pdf_pages(2), blank_pdf_pages(1)])
        state = state_of(client)
        jobs.list_uploads(state, [first, second])
        read = ReadPage(document=read_form("9448"), image=None)
        assert jobs.store_page(state, first, 1, read)

        written = jobs.store_pages(state, [(second, 1, read), (first, 2, read),
                                           (first, 1, read)])
        assert written == [True, True, False]
        with state.store.transaction() as session:
            documents = Counter(session.execute(select(Document.upload_id, Document.page)))
        assert documents == Counter([(first, 1), (first, 2), (second, 1)])
        assert upload_row(client, first) == ("done", 2, 2)
        assert upload_row(client, second) == ("done", 1, 1)


def test_a_page_that_cannot_be_written_fails_only_its_own_job_not_those_written_with_it(
        client: TestClient) -> None:
    """GIVEN a worker's writer handed two pages at once, one of them impossible to
    write (its upload is gone: a bug) WHEN it writes them THEN the other page is
    written all the same and only the faulty page's job sees the error."""
    upload_id = upload(client, blank_pdf_pages(1))
    state = state_of(client)
    jobs.list_upload(state, upload_id)
    read = ReadPage(document=read_form("9448"), image=None)
    together = [Write((upload_id, 1, read)), Write((upload_id + 1000, 1, read))]

    Writer(state).write_together(together)
    assert [item.written for item in together] == [True, None]
    assert together[1].error is not None
    assert upload_row(client, upload_id) == ("done", 1, 1)


def test_the_batch_api_says_when_an_upload_was_accepted_and_when_its_reading_ended(
        client: TestClient) -> None:
    """GIVEN a 2-page upload being read WHEN only page 1 is written THEN the batch API
    gives when it was accepted and no end yet; WHEN page 2 is written THEN the end,
    not before it was accepted (what `bench --service` times the service by); WHEN it
    fails and is read again THEN the end is cleared until it is read."""
    upload_id = upload(client, blank_pdf_pages(2))
    state = state_of(client)
    jobs.list_upload(state, upload_id)
    read = ReadPage(document=read_form("9448"), image=None)

    def shown() -> dict[str, object]:
        [batch] = client.get("/api/batches").json()
        [row] = [u for u in batch["uploads"] if u["id"] == upload_id]
        return dict(row)
    jobs.store_page(state, upload_id, 1, read)
    assert shown()["created_at"] and shown()["finished_at"] is None
    jobs.store_page(state, upload_id, 2, read)
    done = shown()
    assert done["status"] == "done"
    assert _moment(done["finished_at"]) >= _moment(done["created_at"])
    other = upload(client, blank_pdf_pages(3))
    jobs.list_upload(state, other)
    jobs.fail_page(state, other, 1, RuntimeError("a bug"))
    assert [u["finished_at"] is not None for u in client.get("/api/batches").json()[0]
            ["uploads"]] == [True]
    jobs.retry_upload(state, other)
    assert client.get("/api/batches").json()[0]["uploads"][0]["finished_at"] is None


def _moment(value: object) -> datetime:
    moment = datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def test_pages_finishing_out_of_order_are_queued_in_page_order(
        client: TestClient) -> None:
    """GIVEN a 3-page upload WHEN its pages are written last page first (as parallel
    page jobs may finish) THEN the batch and the reviewer's queue list its documents
    in page order."""
    upload_id = upload(client, blank_pdf_pages(3))
    state = state_of(client)
    jobs.list_upload(state, upload_id)
    for page in (3, 1, 2):
        jobs.store_page(state, upload_id, page,
                        ReadPage(document=read_form("9448"), image=None))
    with state.store.transaction() as session:
        by_id = {d.id: d.page for d in session.get_one(Upload, upload_id).documents}
        assert list(by_id.values()) == [1, 2, 3]
    login(client, "granskare")
    queued = client.get("/api/documents").json()
    assert [by_id[d["id"]] for d in queued if d["id"] in by_id] == [1, 2, 3]


@BOTH
def test_serve_reads_uploads_in_its_own_background_and_stops_cleanly(
        tmp_path: Path, database_url: str | None) -> None:
    """GIVEN `serve` with its reading worker (procrastinate on PostgreSQL, the local
    runner on SQLite) WHEN a 3-page upload arrives THEN its pages are read in the
    background, once each, and the service shuts down cleanly."""
    with service_client(tmp_path, run_worker=True, database_url=database_url, workers=1,
                        job_heartbeat_seconds=0.5) as client:
        upload_id = upload(client, blank_pdf_pages(3))
        until(lambda: upload_row(client, upload_id)[0] == "done", "the upload read")
        assert pages_of(client, upload_id) == Counter([1, 2, 3])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_serve_reads_in_a_process_of_its_own_with_its_readers_at_lower_priority(
        tmp_path: Path) -> None:
    """GIVEN `serve` reading uploads on SQLite WHEN an upload is read THEN a reading
    process of its own read it, with its reading processes at SUS_READER_NICE, and the
    web process never loaded the reading models (its memory and interpreter stay the
    reviewers'); WHEN the service stops THEN the reading process has ended."""
    with service_client(tmp_path, run_worker=True, workers=1, reader_nice=7) as client:
        upload_id = upload(client, blank_pdf_pages(2))
        until(lambda: upload_row(client, upload_id)[0] == "done", "the upload read")
        assert pages_of(client, upload_id) == Counter([1, 2])
        assert "reader" not in vars(state_of(client))
        [reading] = [pid for pid in children(os.getpid()) if "spawn_main" in cmdline(pid)]
        assert [nice_of(pid) for pid in children(reading)] == [7]
    assert not Path(f"/proc/{reading}").exists() or "Z" in stat_of(reading)[0]


def stat_of(pid: int) -> list[str]:
    """The fields of /proc/PID/stat after the command name (state, ppid, …)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and int(stat_of(int(entry.name))[1]) == pid:
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def cmdline(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def nice_of(pid: int) -> int:
    return int(stat_of(pid)[16])


def test_a_failed_upload_is_read_again_from_its_missing_pages(client: TestClient,
                                                             tmp_path: Path) -> None:
    """GIVEN a 3-page upload whose page 2 failed (a bug) after page 1 was written
    WHEN an admin runs `sus-intake read-again N` THEN only pages 2 and 3 are read
    again, each page ends with one document and the upload is done; an upload that
    did not fail is refused in Swedish."""
    upload_id = upload(client, blank_pdf_pages(3))
    state = state_of(client)
    jobs.list_upload(state, upload_id)
    jobs.store_page(state, upload_id, 1, ReadPage(document=read_form("9448"), image=None))
    jobs.fail_page(state, upload_id, 2, RuntimeError("a bug"))
    assert upload_row(client, upload_id) == ("failed", 3, 1)
    env = {"SUS_DATA_DIR": str(tmp_path), "SUS_TODAY": TODAY.isoformat()}
    again = CliRunner().invoke(cli, ["read-again", str(upload_id)], env=env)
    assert again.exit_code == 0, again.output
    assert "2 pages to read again" in again.output
    assert process_next(state)
    assert upload_row(client, upload_id) == ("done", 3, 3)
    assert pages_of(client, upload_id) == Counter([1, 2, 3])
    refused = CliRunner().invoke(cli, ["read-again", str(upload_id)], env=env)
    assert isinstance(refused.exception, jobs.NotRetryable)  # `main` prints it, exit 1
    assert refused.exception.message == "Bara en uppladdning som misslyckats kan läsas om."


@pytest.mark.postgres
def test_an_upload_stranded_by_the_old_poller_is_read_after_the_upgrade(
        tmp_path: Path, postgres_service_url: str) -> None:
    """GIVEN an upload left "Läses" with no job (a reader killed before page jobs
    existed) WHEN the service reads with its worker THEN the upload is queued again
    once (not twice by two workers starting) and read, each page once."""
    with service_client(tmp_path, database_url=postgres_service_url) as client:
        upload_id = upload(client, blank_pdf_pages(2))
        state = state_of(client)
        with state.store.transaction() as session:
            session.execute(text("DELETE FROM procrastinate_jobs"))
            session.get_one(Upload, upload_id).status = "processing"
        assert adopt_unqueued(state) == [upload_id]
        assert adopt_unqueued(state) == []
    settings = Settings(data_dir=tmp_path, today=TODAY, database_url=postgres_service_url,
                        workers=1, job_heartbeat_seconds=0.5)
    with TestClient(create_app(settings, run_worker=True)) as client:
        until(lambda: upload_row(client, upload_id)[0] == "done", "the upload read")
        assert pages_of(client, upload_id) == Counter([1, 2])


# --- a learned template of two pages: its page of text joins its form's document ------

TEMPLATE = "FK9443-002.F.001-abcdef01"


def _read_as_page(form: str, template_page: int, page: int = 1) -> ReadPage:
    """A page read as page ``template_page`` of a learned two-page template: page 1
    with every field read, page 2 (a page of text) with none (their page is missing)."""
    from intake.forms.template import TemplateRef
    from intake.mapping.base import FieldValue
    from intake.mapping.document import build_document
    from intake.mapping.pages import MISSING_PAGE
    from intake.reads import PageReads
    from intake.settings import REVIEW_BELOW

    ref = TemplateRef(id=TEMPLATE, version="002.F.001", page=template_page)
    if template_page == 1:
        document = read_form(form)
    else:
        document = build_document("test.pdf", page, form, {
            f: FieldValue(value=None, confidence=0.0, problem=MISSING_PAGE)
            for f in read_form(form).fields}, today=TODAY, review_below=REVIEW_BELOW)
    part = PageReads(form=form, template=ref)  # what joining reads again: nothing here
    return ReadPage(document=document.model_copy(update={"template": ref, "parts": [part]}),
                    image=None)


def _documents_of(client: TestClient, upload_id: int) -> list[tuple[int, list[int], str]]:
    with state_of(client).store.transaction() as session:
        rows = session.get_one(Upload, upload_id).documents
        return [(d.page, list(d.pages), d.status) for d in sorted(rows, key=lambda d: d.page)]


@pytest.mark.parametrize("order", [(1, 2), (2, 1)])
def test_a_templates_page_of_text_joins_its_forms_document_whatever_order_pages_finish(
        client: TestClient, order: tuple[int, int]) -> None:
    """GIVEN a 2-page upload read as a learned template's page 1 and its page of text
    WHEN the page jobs finish in either order, and page 2's job is run again THEN one
    document to review holds pages 1 and 2; page 2 is no document of its own."""
    upload_id = upload(client, blank_pdf_pages(2))
    state = state_of(client)
    jobs.list_upload(state, upload_id)
    reads = {1: _read_as_page("9443", 1), 2: _read_as_page("9443", 2, page=2)}
    for page in order:
        assert jobs.store_page(state, upload_id, page, reads[page])

    assert not jobs.store_page(state, upload_id, 2, reads[2])
    assert upload_row(client, upload_id) == ("done", 2, 2)
    assert _documents_of(client, upload_id) == [(1, [1, 2], "review"), (2, [2], "info")]


def test_a_page_of_text_without_its_page_1_before_it_is_its_forms_document_to_review(
        client: TestClient) -> None:
    """GIVEN a 2-page upload: a built-in 9448, then the page of text of a learned 9443
    template WHEN read THEN the page of text is a 9443 document of its own, to review,
    its fields flagged as on a missing page."""
    upload_id = upload(client, blank_pdf_pages(2))
    state = state_of(client)
    jobs.list_upload(state, upload_id)
    jobs.store_page(state, upload_id, 2, _read_as_page("9443", 2, page=2))
    jobs.store_page(state, upload_id, 1, ReadPage(document=read_form("9448"), image=None))

    assert _documents_of(client, upload_id) == [(1, [1], "review"), (2, [2], "review")]
    with state.store.transaction() as session:
        alone = session.scalars(select(Document).where(Document.upload_id == upload_id,
                                                       Document.page == 2)).one()
        assert alone.form == "9443" and alone.template_page == 2
        assert set(alone.needs_review) == set(alone.fields)
