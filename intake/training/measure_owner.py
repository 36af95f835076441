"""Measure the owner's work per page as a batch grows (issue 14): what writing one read
page's document costs the process that owns the reading (job engine, page writes, the
store's knowledge and the batch vote), at K pages in one batch.

No reading: each page's document is built from the truth of a form of
:func:`intake.training.service_batch.plan_batch` (a FK 9448 for a person new to SUS,
their FK 9443, a FK 9449 for an open participant, as ``eval-service`` and ``bench
--service`` send them), some fields read unsurely, and written with
:func:`intake.review.jobs.store_pages` one page at a time, as a worker writes pages
that finish one after another. Counted per page written: SQL statements, rows the
ORM loaded (objects), rows the database returned (PostgreSQL only: SQLite does not
say) and this process's CPU (``time.process_time``; the database server's is not
counted). The CPU is a count of work only on an idle machine: compare statements and
rows first.

Run: ``.venv/bin/python -m intake.training.measure_owner --pages 20 --pages 200
[--database-url postgresql+psycopg://postgres@127.0.0.1:5432/DB] [--profile FILE]``;
the database must be empty (each K gets a fresh store: on PostgreSQL a database of
its own beside the one named, made and dropped here).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import random
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from PIL import Image
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Mapper

from intake.forms import load_form
from intake.mapping.base import FieldValue
from intake.mapping.document import Document as ReadDocument
from intake.mapping.document import build_document
from intake.review.clock import now
from intake.review.jobs import store_pages
from intake.review.reading import ReadPage
from intake.review.schema import Batch, Upload
from intake.review.state import ServiceState, open_service
from intake.samples.content import Case
from intake.settings import Settings
from intake.training.service_batch import UPLOADER, plan_batch, prepare_store

TODAY = date(2026, 11, 25)
#: a doubted personnummer every this many pages, a name read unsurely every this many
DOUBTED_NUMBER_EVERY, UNSURE_NAME_EVERY = 5, 4


@dataclass
class Counts:
    """What the database was asked and what came back, while counting."""

    statements: int = 0
    objects: int = 0
    rows: int = 0
    counting: bool = False

    def reset(self) -> None:
        self.statements = self.objects = self.rows = 0


@dataclass
class OwnerFigures:
    pages: int
    statements: int
    objects: int
    rows: int
    cpu_seconds: float
    #: the same, of the last tenth of the pages only (the marginal cost at the batch's end)
    last: dict[str, float] = field(default_factory=dict)

    def line(self, label: str) -> str:
        k = self.pages
        tail = max(1, k // 10)
        return (f"{label} K={k:4d}: per page {self.statements / k:6.1f} statements,"
                f" {self.objects / k:6.1f} objects, {self.rows / k:6.1f} rows,"
                f" {1000 * self.cpu_seconds / k:6.2f} ms CPU | last {tail} pages:"
                f" {self.last['statements'] / tail:6.1f} statements,"
                f" {self.last['objects'] / tail:6.1f} objects,"
                f" {self.last['rows'] / tail:6.1f} rows,"
                f" {1000 * self.last['cpu_seconds'] / tail:6.2f} ms CPU")


def _count_on(engine: Engine, counts: Counts) -> None:
    def executed(_conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
        if not counts.counting:
            return
        counts.statements += 1
        if statement.lstrip().upper().startswith(("SELECT", "WITH")) and cursor.rowcount > 0:
            counts.rows += cursor.rowcount  # psycopg: the rows returned; sqlite3: -1

    event.listen(engine, "after_cursor_execute", executed)


def _count_loads(counts: Counts) -> None:
    def loaded(*_args: Any) -> None:
        if counts.counting:
            counts.objects += 1

    event.listen(Mapper, "load", loaded)


def page_read(case: Case, page: int, image: bytes) -> ReadPage:
    """The case's form as read: its truth, a personnummer doubted (one digit off) and a
    name read unsurely now and then, as reading reports them."""
    values: dict[str, FieldValue] = {}
    for spec in load_form(case.form).fields:
        value = case.truth.get(spec.name)
        values[spec.name] = FieldValue(value=value, confidence=1.0)
    pnr = values["personnummer"].value
    if page % DOUBTED_NUMBER_EVERY == 0 and isinstance(pnr, str):
        wrong = pnr[:10] + str((int(pnr[10]) + 1) % 10) + pnr[11]
        values["personnummer"] = FieldValue(value=wrong, confidence=0.5, problem="osäker")
    name = "namnfortydligande" if case.form == "9443" else "namn"
    if page % UNSURE_NAME_EVERY == 0:
        values[name] = FieldValue(value=values[name].value, confidence=0.8)
    document: ReadDocument = build_document("batch.pdf", page, case.form, values,
                                            today=TODAY, review_below=0.9)
    return ReadPage(document=document, image=image, seconds=1.0)


def _page_image() -> bytes:
    out = io.BytesIO()
    Image.new("L", (1240, 1754), 255).save(out, "JPEG", quality=80)
    return out.getvalue()


def _new_uploads(state: ServiceState, forbund_id: int, pages: int, *,
                 one_file: bool) -> list[tuple[int, int]]:
    """The batch's uploads, received together: one file of ``pages`` pages, or a file
    per page (as ``bench --service`` sends them by default); (upload id, page) of each
    page."""
    with state.store.transaction() as session:
        batch = Batch(forbund_id=forbund_id, uploaded_by=UPLOADER, created_at=now())
        session.add(batch)
        session.flush()
        uploads = []
        for _ in range(1 if one_file else pages):
            data = f"%PDF-1.4 batch {uuid.uuid4().hex}".encode()
            upload = Upload(batch_id=batch.id, filename="batch.pdf",
                            sha256=state.files.put_upload(data), size=len(data),
                            status="processing", pages_total=pages if one_file else 1,
                            created_at=now())
            session.add(upload)
            uploads.append(upload)
        session.flush()
        if one_file:
            return [(uploads[0].id, n) for n in range(1, pages + 1)]
        return [(upload.id, 1) for upload in uploads]


def measure(settings: Settings, *, pages: int, seed: int = 77, one_file: bool = False,
            profile: cProfile.Profile | None = None) -> OwnerFigures:
    """The owner's work of writing ``pages`` pages of one batch, one page at a time, on
    a fresh store (:mod:`the module <intake.training.measure_owner>`)."""
    state = open_service(settings)
    counts = Counts()
    _count_on(state.store.engine, counts)
    _count_loads(counts)
    uploader = prepare_store(state, seed=seed, participants=60)
    cases = plan_batch(uploader, count=pages, rng=random.Random(seed), today=TODAY)
    where = _new_uploads(state, uploader.forbund_id, len(cases), one_file=one_file)
    image = _page_image()
    reads = [page_read(case, n, image) for n, case in enumerate(cases, start=1)]
    tail_from = len(reads) - max(1, len(reads) // 10)
    counts.counting, cpu, last = True, 0.0, {}
    for index, read in enumerate(reads):
        if index == tail_from:
            last = {"statements": counts.statements, "objects": counts.objects,
                    "rows": counts.rows, "cpu_seconds": cpu}
        started = time.process_time()
        if profile is not None:
            profile.enable()
        store_pages(state, [(*where[index], read)])
        if profile is not None:
            profile.disable()
        cpu += time.process_time() - started
    counts.counting = False
    state.store.engine.dispose()
    total = {"statements": counts.statements, "objects": counts.objects,
             "rows": counts.rows, "cpu_seconds": cpu}
    return OwnerFigures(pages=len(reads), statements=counts.statements,
                        objects=counts.objects, rows=counts.rows, cpu_seconds=cpu,
                        last={k: total[k] - last[k] for k in total})


@contextmanager
def fresh_store(database_url: str | None) -> Iterator[Settings]:
    """Settings of an empty store: SQLite in a temporary folder, or a database of its
    own on ``database_url``'s PostgreSQL server (dropped afterwards)."""
    with tempfile.TemporaryDirectory(prefix="measure-owner-") as folder:
        if database_url is None:
            yield Settings(data_dir=Path(folder), today=TODAY)
            return
        base = make_url(database_url)
        name = f"{base.database}_{uuid.uuid4().hex[:8]}"
        admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield Settings(data_dir=Path(folder), today=TODAY,
                           database_url=base.set(database=name).render_as_string(
                               hide_password=False))
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, action="append")
    parser.add_argument("--seed", type=int, default=77)
    parser.add_argument("--repeats", type=int, default=3,
                        help="runs per K; the least CPU is kept (the counts are the same)")
    parser.add_argument("--database-url")
    parser.add_argument("--one-file", action="store_true",
                        help="the batch as one file of K pages (default: a file per page)")
    parser.add_argument("--profile", type=Path, help="cProfile stats of the largest K here")
    args = parser.parse_args(argv)
    label = ("postgresql" if args.database_url else "sqlite") \
        + (" one file" if args.one_file else " file per page")
    sizes = sorted(args.pages or [20, 200])
    for k in sizes:
        profile = cProfile.Profile() if args.profile and k == sizes[-1] else None
        runs = []
        for run in range(max(1, args.repeats)):
            with fresh_store(args.database_url) as settings:
                runs.append(measure(settings, pages=k, seed=args.seed, one_file=args.one_file,
                                    profile=profile if run == 0 else None))
        figures = min(runs, key=lambda figures: figures.cpu_seconds)
        print(figures.line(label), flush=True)
        if profile is not None:
            profile.dump_stats(args.profile)
            stream = io.StringIO()
            pstats.Stats(profile, stream=stream).sort_stats("cumulative").print_stats(40)
            print(stream.getvalue())


if __name__ == "__main__":
    main()
