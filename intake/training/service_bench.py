"""``sus-intake bench --service``: the service's reading speed against ``extract``'s on
the same pages, in the same run, and what reviewers feel meanwhile.

A fresh store (SQLite in a temporary folder, or an empty database given by URL) is
populated; ``sus-intake serve`` runs as a subprocess on it, as deployed (so whatever
reading engine the service has is what is measured); an uploader and a granskare
made for the run log in over HTTP. First a warm-up batch is uploaded and read: its
documents are what the granskare reviews first. The granskare's latency for ``/ko``, a
review page, its claim and approve is measured idle (at least ``SAMPLES`` requests of
each), then the measured batch (N generated pages) is uploaded through
``/api/batches`` and polled until read (every second, as its batch page does) while
the granskare keeps working, paced so that the requests spread over the whole read
(:class:`Pace`) and reviewing the batch's documents as they are read; and idle again
once it is read, on the batch's documents left, the queue then as long as it got — the
baseline of the target (p95 while reading ≤ 1.5 × idle): ``/ko`` lists every open
document, so its time grows with the queue, and the slowest requests of a read are
near its end, where the queue is longest. Each request's ``Server-Timing`` (the bench
turns it on) says where its time went in the web process: SQL, lock waits, processor,
waiting for a core, garbage collection. The web process's resident memory is sampled
during the upload. ``extract`` reads the very same files in this process, with
the same number of workers, once before and once after the service (the machine may be
busier at one time than the other).

The service's time is the one it reports in the batch API: from the upload accepted
(stored and queued) to its last page written, every document stored — not when a poll
happened to see it (the upload request's own seconds are reported beside it). Processor
seconds per page of extract and of the service's reading processes show where a
difference comes from, whatever else the machine runs.

Only the HTTP API is used: nothing here knows how the service reads.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from intake.errors import IntakeError
from intake.evaluate import truth_path
from intake.forms.fill import join_pdfs as pdf_join
from intake.progress import Progress, progress
from intake.review.security import hash_password
from intake.review.servertiming import parse as parse_timing
from intake.review.state import open_service
from intake.settings import Settings
from intake.training.bench import run_extract
from intake.training.service_batch import Uploader, plan_batch, write_batch
from intake.training.service_eval import TODAY, ServiceApi, log_in, make_store, service_settings
from sus_store import UserIn, create_user, grant, latest_valid_until, list_insatser
from sus_store.vocab import Role

REVIEWER = "granskare-bench"
STYLE = "typed-office300"
#: requests timed per endpoint (``/ko``, a review page, approve) in each phase, at
#: least: the p95 of 40 is their third slowest (nearest rank 38), so one slow request is
#: not the figure (it was, with 15 idle rounds: the slowest of 15)
SAMPLES = 40
#: forms of the warm-up batch: the idle-before rounds' documents (about two in three
#: can be claimed: a 9443 read with its 9448 is filed with it) and the first busy ones'
WARM_FORMS = 70
#: the ratio the service's reading is expected to reach of extract's: it paces the
#: rounds while reading so that their requests spread over the whole read
EXPECTED_RATIO = 0.9
#: how often the batch being read is polled, as its page does (every 1.5 s): the
#: service's time is what it records (accepted → last page written), not when a poll
#: saw it, so polling more often would only take processor time from the readers
POLL_SECONDS = 1.0


class ServiceBenchError(IntakeError):
    code = "service_bench_failed"


@dataclass
class Latencies:
    """Seconds per request, by what the reviewer did."""

    samples: dict[str, list[float]] = field(default_factory=lambda: {
        "/ko": [], "review page": [], "claim": [], "approve": []})
    approved: int = 0
    #: refused claims and approvals by HTTP status and error code
    refused: Counter[str] = field(default_factory=Counter)
    #: each request's ``Server-Timing`` (ms by part), in the order of ``samples``
    timings: dict[str, list[dict[str, float]]] = field(default_factory=dict)

    def record(self, what: str, seconds: float, response: Any) -> None:
        self.samples[what].append(seconds)
        header = response.headers.get("server-timing") if response is not None else None
        self.timings.setdefault(what, []).append(parse_timing(header) if header else {})

    def enough(self, samples: int, whats: tuple[str, ...] = ("/ko", "review page",
                                                             "approve")) -> bool:
        return all(len(self.samples[what]) >= samples for what in whats)

    def split_line(self, what: str) -> str | None:
        """Where the time of ``what``'s requests went in the web process (its
        ``Server-Timing``), the median request's and the slowest tenth's on average."""
        pairs = [(s, t) for s, t in zip(self.samples[what], self.timings.get(what, []),
                                        strict=False) if t]
        if not pairs:
            return None
        pairs.sort(key=lambda pair: pair[0])
        slow = pairs[len(pairs) - max(1, len(pairs) // 10):]
        median = pairs[(len(pairs) - 1) // 2]

        def parts(chosen: list[tuple[float, dict[str, float]]]) -> str:
            def mean(key: str) -> float:
                return statistics.mean(t.get(key, 0.0) for _, t in chosen)
            client = statistics.mean(1000 * s for s, _ in chosen)
            return (f"{client:.0f} ms = app {mean('app'):.0f} (db {mean('db'):.0f}, "
                    f"lock {mean('lock'):.0f}, cpu {mean('cpu'):.0f}, "
                    f"runq {mean('runq'):.0f}, gc {mean('gc'):.0f}) + outside "
                    f"{client - mean('app'):.0f}")
        return (f"{what:12} median {parts([median])}; slowest {len(slow)}: {parts(slow)}")

    def line(self, what: str) -> str:
        values = self.samples[what]
        if not values:
            return f"{what:12} no requests"
        return (f"{what:12} p50 {1000 * percentile(values, 50):6.0f} ms  "
                f"p95 {1000 * percentile(values, 95):6.0f} ms  ({len(values)} requests)")


def percentile(values: list[float], pct: float) -> float:
    """The ``pct``th percentile, nearest rank (no interpolation: few samples)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


@dataclass
class ServiceBench:
    pages: int
    workers: int
    database: str
    files: int
    #: extract's seconds on the same files, before and after the service's run
    extract_seconds: list[float]
    service_seconds: float
    idle: Latencies
    #: idle again once the batch is read: the queue is as long as it got while reading
    idle_after: Latencies
    busy: Latencies
    peak_rss_mb: float
    rss_high_water_mb: float
    failures: list[str]
    #: with ``sus-intake worker`` processes beside ``serve --no-worker``: the pages of
    #: the measured batch each wrote (from its log), in the order they were started;
    #: empty when serve reads
    pages_per_worker: list[int] = field(default_factory=list)
    #: the upload request (sent, stored, answered): before ``service_seconds``, which
    #: starts when the service accepted the upload
    upload_seconds: float = 0.0
    #: from the upload request sent until a poll saw the batch read (the bench's view,
    #: the upload and the poll interval included)
    seen_seconds: float = 0.0
    #: the CPU priority extract read at (``nice`` above the bench's own)
    extract_nice: int = 0
    #: processor seconds the web process used while the batch was read (serving the
    #: reviewer and the polls, and with the local runner writing the pages), taken
    #: first from the readers at their lower priority; extract shares with nothing
    web_cpu_seconds: float = 0.0
    #: processor seconds of the reading pools' processes while the batch was read
    pool_cpu_seconds: float = 0.0
    #: and of the processes owning them (serve's reading process, or the ``sus-intake
    #: worker`` processes): the job engine, listing uploads, writing the pages read
    owner_cpu_seconds: float = 0.0
    #: processor seconds of each extract run (its process and its pool)
    extract_cpu_seconds: list[float] = field(default_factory=list)

    @property
    def extract_rate(self) -> float:
        return self.pages / statistics.mean(self.extract_seconds)

    @property
    def service_rate(self) -> float:
        return self.pages / self.service_seconds

    def report(self) -> list[str]:
        lines = [
            f"service bench: {self.pages} pages ({STYLE}) in {self.files} file(s), "
            f"workers {self.workers}, "
            f"cores {os.cpu_count()}, store {self.database}",
            f"extract   {self.extract_rate:6.2f} pages/s  (at nice +{self.extract_nice}; "
            f"runs before and after the service: "
            f"{', '.join(f'{s:.1f}' for s in self.extract_seconds)} s)",
            f"service   {self.service_rate:6.2f} pages/s  ({self.service_seconds:.1f} s from "
            f"the upload accepted to its last page written, as the service records them; "
            f"the upload request before it {self.upload_seconds:.1f} s, seen read by the "
            f"bench's poll after {self.seen_seconds:.1f} s)",
            f"ratio     {self.service_rate / self.extract_rate:6.2f}× extract",
            *self._cpu_lines(),
            f"web process CPU while reading: {self.web_cpu_seconds:.1f} s "
            f"({self.web_cpu_seconds / self.service_seconds / (os.cpu_count() or 1):.0%} of "
            f"the machine: the reviewer's requests, the polls)",
            f"web process peak RSS during the upload: {self.peak_rss_mb:.0f} MB "
            f"(high-water mark over the run {self.rss_high_water_mb:.0f} MB)",
        ]
        for name, latencies in self._phases():
            refused = ", ".join(f"{n} × {why}" for why, n in sorted(latencies.refused.items()))
            lines.append(f"reviewer latency, {name} (approved {latencies.approved}, "
                         f"refused {sum(latencies.refused.values())}"
                         f"{': ' + refused if refused else ''}):")
            lines += [f"  {latencies.line(what)}" for what in latencies.samples]
            splits = [latencies.split_line(what) for what in latencies.samples]
            if any(splits):
                lines.append("  where the time went (ms, Server-Timing):")
                lines += [f"    {split}" for split in splits if split]
        lines += self._ratio_lines()
        if self.pages_per_worker:
            lines.append(f"pages written per worker process: "
                         f"{', '.join(str(n) for n in self.pages_per_worker)}")
        lines += [f"not read: {failure}" for failure in self.failures]
        return lines

    def _ratio_lines(self) -> list[str]:
        """p95 while reading against idle after (the target's baseline: the queue as
        long as at the end of the read, where the slowest requests of the read are) and
        idle before (a shorter queue: ``/ko`` lists every open document)."""
        lines = []
        for what, busy in self.busy.samples.items():
            if not busy:  # a short batch can be read before the reviewer gets that far
                continue
            ratios = [f"{percentile(busy, 95) / percentile(idle, 95):.2f}× idle {name}"
                      for name, idle in (("after (target ≤ 1.5)", self.idle_after.samples[what]),
                                         ("before", self.idle.samples[what])) if idle]
            few = min(len(busy), len(self.idle.samples[what]),
                      len(self.idle_after.samples[what]))
            if ratios:
                lines.append(f"p95 {what} while reading: " + ", ".join(ratios)
                             + (f" (only {few} requests in a phase: < {SAMPLES})"
                                if few < SAMPLES else ""))
        return lines

    def _cpu_lines(self) -> list[str]:
        if not self.extract_cpu_seconds:
            return []
        per_page = statistics.mean(self.extract_cpu_seconds) / self.pages
        return [f"CPU per page: extract {per_page:.3f} s; the service's reading pool "
                f"{self.pool_cpu_seconds / self.pages:.3f} s + its owner (job engine, "
                f"page writes) {self.owner_cpu_seconds / self.pages:.3f} s + web process "
                f"{self.web_cpu_seconds / self.pages:.3f} s"]

    def _phases(self) -> list[tuple[str, Latencies]]:
        return [("idle before", self.idle), ("while reading", self.busy),
                ("idle after", self.idle_after)]

    def as_json(self) -> dict[str, Any]:
        return {
            "pages": self.pages, "files": self.files, "workers": self.workers,
            "database": self.database,
            "extract_seconds": self.extract_seconds, "extract_nice": self.extract_nice,
            "extract_pages_per_second": self.extract_rate,
            "service_seconds": self.service_seconds,
            "service_pages_per_second": self.service_rate,
            "upload_seconds": self.upload_seconds, "seen_seconds": self.seen_seconds,
            "web_cpu_seconds": self.web_cpu_seconds,
            "pool_cpu_seconds": self.pool_cpu_seconds,
            "owner_cpu_seconds": self.owner_cpu_seconds,
            "extract_cpu_seconds": self.extract_cpu_seconds,
            "ratio": self.service_rate / self.extract_rate,
            "peak_rss_mb": self.peak_rss_mb, "rss_high_water_mb": self.rss_high_water_mb,
            "latency": {name: {what: {"p50": percentile(v, 50), "p95": percentile(v, 95),
                                      "n": len(v)}
                               for what, v in lat.samples.items() if v}
                        for name, lat in self._phases()},
            "failures": self.failures,
            "pages_per_worker": self.pages_per_worker,
        }


def bench_service(*, pages: int, seed: int, workers: int, database_url: str | None = None,
                  participants: int = 60, samples: int = SAMPLES,
                  warm_forms: int = WARM_FORMS, one_pdf: bool = False,
                  worker_processes: int = 0, extract_nice: int | None = None,
                  timeout_seconds: float = 3600) -> ServiceBench:
    """Run the whole measurement on a fresh store; see the module. ``one_pdf``: the
    pages go as one PDF (a förbund's scanned batch) instead of a file per form.
    ``worker_processes``: read by that many ``sus-intake worker`` processes beside
    ``serve --no-worker``, the ``workers`` reading processes shared out among them
    (at least one each), instead of by ``serve`` itself. ``extract_nice``: the CPU
    priority extract reads at, by default the service's readers' (``reader_nice``):
    on a machine shared with other work, processes at a lower priority get less of
    it, which would be counted against the service's reading code."""
    with tempfile.TemporaryDirectory(prefix="sus-bench-service-") as folder:
        root = Path(folder)
        settings = service_settings(root / "data", workers=workers, database_url=database_url)
        uploader = make_store(settings, seed=seed, participants=participants)
        reviewer_password = make_reviewer(settings, uploader)
        rng = random.Random(seed)
        warm = write_batch(plan_batch(uploader, count=warm_forms, rng=rng, today=TODAY),
                           STYLE, root / "warm", rng)
        files = write_batch(plan_batch(uploader, count=pages, rng=rng, today=TODAY),
                            STYLE, root / "bench", rng)
        if one_pdf:
            files = [join_pdfs(files, root / "bench" / f"batch-{len(files)}p.pdf")]
        total = sum(pages_of(path) for path in files)
        nice = settings.reader_nice if extract_nice is None else extract_nice
        extract_runs = [_extract_seconds(files, settings, nice)]
        with running_service(settings, root / "serve.log",
                             worker_processes=worker_processes) as (base_url, pid, logs):
            httpx2 = _http_client()
            with httpx2.Client(base_url=base_url, timeout=600) as up_client, \
                    httpx2.Client(base_url=base_url, timeout=600) as review_client:
                up = log_in(up_client, uploader.username, uploader.password)
                reviewer = log_in(review_client, REVIEWER, reviewer_password)
                warm_batch = up.wait(up.upload(warm, forbund_id=uploader.forbund_id),
                                     timeout_seconds=timeout_seconds)
                to_review = reviewable(warm_batch)
                warm_up(review_client, to_review)
                left = deque(to_review)
                idle = idle_phase(reviewer, review_client, left, samples=samples)
                warm_written = [pages_written(log) for log in logs]  # the warm-up's pages
                with sampled_rss(pid) as peak:
                    cpu_before = cpu_seconds(pid), readers_cpu_seconds(pid)
                    started = time.perf_counter()
                    batch_id = up.upload(files, forbund_id=uploader.forbund_id)
                    upload_seconds = time.perf_counter() - started
                    busy = Latencies()
                    pace = Pace(samples=samples,
                                expected=extract_runs[0][0] / EXPECTED_RATIO)
                    batch, read_at = _review_while_reading(
                        up, reviewer, review_client, batch_id, left, busy, pages=total,
                        pace=pace, deadline=time.monotonic() + timeout_seconds)
                    web_cpu = cpu_seconds(pid) - cpu_before[0]
                    reader_cpu = [after - before for before, after in
                                  zip(cpu_before[1], readers_cpu_seconds(pid), strict=True)]
                idle_after = idle_phase(reviewer, review_client, left, samples=samples)
                high_water = max(rss_high_water_mb(pid), peak[0])  # VmHWM lags a little
        per_worker = [pages_written(log) - warm
                      for log, warm in zip(logs, warm_written, strict=True)]
        extract_runs.append(_extract_seconds(files, settings, nice))  # the machine changes
        failures = [f"{u['filename']}: {u['status']} {u['message']}" for u in batch["uploads"]
                    if u["status"] != "done"]
        return ServiceBench(pages=total, workers=workers, files=len(files),
                            database="PostgreSQL" if database_url else "SQLite",
                            extract_seconds=[seconds for seconds, _ in extract_runs],
                            extract_cpu_seconds=[cpu for _, cpu in extract_runs],
                            service_seconds=service_seconds(batch),
                            seen_seconds=read_at - started, pool_cpu_seconds=reader_cpu[0],
                            owner_cpu_seconds=reader_cpu[1],
                            idle=idle, busy=busy, idle_after=idle_after, peak_rss_mb=peak[0],
                            rss_high_water_mb=high_water, failures=failures,
                            pages_per_worker=per_worker, upload_seconds=upload_seconds,
                            extract_nice=nice, web_cpu_seconds=web_cpu)


def _http_client() -> Any:
    """httpx2, the HTTP client the test extra installs (as Starlette's TestClient needs)."""
    try:
        import httpx2
    except ImportError as exc:
        raise ServiceBenchError("bench --service behöver httpx2: installera projektet med "
                                "extrat test (scripts/install.sh gör det).") from exc
    return httpx2


def _extract_seconds(files: list[Path], settings: Settings, nice: int) -> tuple[float, float]:
    """Seconds ``extract`` takes on ``files``, in a process (and its pool) at ``nice``;
    the processor seconds it used."""
    before = os.times()
    if nice <= 0:
        seconds = _timed_extract(files, settings)
    else:
        seconds = _extract_in_child(files, settings, nice)
    after = os.times()
    return seconds, sum(after[n] - before[n] for n in range(4))  # own and children's


def _extract_in_child(files: list[Path], settings: Settings, nice: int) -> float:
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_extract_at, args=(files, settings, nice, send))
    child.start()
    send.close()
    try:
        return float(receive.recv())
    except EOFError as exc:
        raise ServiceBenchError("extract avbröts i mätningen.") from exc
    finally:
        child.join()


def service_seconds(batch: dict[str, Any]) -> float:
    """The service's own time for a batch read, from what its API reports: the first
    upload accepted until the last one finished (its last page written: every document
    stored). ServiceBenchError when an upload has no end yet."""
    uploads = batch["uploads"]
    if not uploads or any(u.get("finished_at") is None for u in uploads):
        raise ServiceBenchError(f"Batch {batch['id']} saknar tid för när läsningen slutade.")
    accepted = min(_moment(u["created_at"]) for u in uploads)
    finished = max(_moment(u["finished_at"]) for u in uploads)
    return (finished - accepted).total_seconds()


def _moment(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite's: naive UTC


def _extract_at(files: list[Path], settings: Settings, nice: int, send: Any) -> None:
    os.nice(nice)
    send.send(_timed_extract(files, settings))
    send.close()


def _timed_extract(files: list[Path], settings: Settings) -> float:
    started = time.perf_counter()
    run_extract(files, settings)
    return time.perf_counter() - started


def join_pdfs(files: list[Path], path: Path) -> Path:
    """The PDFs ``files`` as one PDF at ``path``, their truths joined beside it."""
    truth, offset = [], 0
    for file, pages in zip(files, pdf_join(files, path), strict=True):
        for document in json.loads(truth_path(file).read_text(encoding="utf-8")):
            truth.append({**document, "pages": [offset + n for n in document["pages"]]})
        offset += pages
    truth_path(path).write_text(json.dumps(truth, ensure_ascii=False), encoding="utf-8")
    return path


def pages_of(path: Path) -> int:
    """The pages of a generated file, from the truth beside it."""
    truth = json.loads(truth_path(path).read_text(encoding="utf-8"))
    return len({page for document in truth for page in document["pages"]})


def make_reviewer(settings: Settings, uploader: Uploader) -> str:
    """A granskare for every insats of the uploader's förbund; their password."""
    password = secrets.token_urlsafe(18)
    state = open_service(settings)
    today = settings.current_day()
    try:
        with state.store.transaction() as session:
            create_user(session, UserIn(username=REVIEWER, display_name="Granskare (bench)",
                                        password_hash=hash_password(password)), actor=REVIEWER)
            for insats in list_insatser(session):
                if insats.forbund_id == uploader.forbund_id:
                    grant(session, username=REVIEWER, role=Role.GRANSKARE, insats_id=insats.id,
                          valid_until=latest_valid_until(today), today=today, actor=REVIEWER)
    finally:
        state.store.dispose()
    return password


def warm_up(client: Any, documents: list[int]) -> None:
    """The queue and a review page asked for once, unmeasured, before the idle rounds:
    a service that has just started still opens its database connections and fills
    SQLAlchemy's statement cache on its first pages (its templates and form layouts
    are ready: ``intake.review.settle``), which is no part of reviewing beside a batch
    being read or not."""
    for path in ("/ko", *(f"/granska/{d}" for d in documents[:1])):
        client.get(path)


def reviewable(batch: dict[str, Any]) -> list[int]:
    """The documents of ``batch`` (as its API gives it) a granskare reviews."""
    return [d["id"] for d in batch["documents"] if d["form"] in ("9443", "9448", "9449")]


def idle_phase(reviewer: ServiceApi, client: Any, documents: deque[int], *,
               samples: int) -> Latencies:
    """Review rounds with nothing being read, on ``documents`` (taken from the left)
    until ``/ko``, the review page and approve were each timed ``samples`` times; when
    the documents run out first, the queue and a review page are looked at only."""
    latencies, seen = Latencies(), None
    while documents and not latencies.enough(samples):
        seen = documents.popleft()
        review_round(reviewer, client, seen, latencies)
    while seen is not None and not latencies.enough(samples, ("/ko", "review page")):
        look(client, seen, latencies)
    return latencies


def look(client: Any, document_id: int, latencies: Latencies) -> None:
    """The queue and a review page, timed (nothing claimed: a round without a document)."""
    for what, path in (("/ko", "/ko"), ("review page", f"/granska/{document_id}")):
        response, seconds = _timed(partial(client.get, path))
        latencies.record(what, seconds, response)
        if response.status_code != 200:
            raise ServiceBenchError(f"GET {what}: {response.status_code}")


def review_round(reviewer: ServiceApi, client: Any, document_id: int,
                 latencies: Latencies) -> None:
    """What a granskare does with one document: the queue, its page, the claim the page's
    script posts, approve. A document no longer open (filed with the 9448 it belongs
    to, say) cannot be claimed: its approve is skipped, as the page offers none."""
    look(client, document_id, latencies)
    headers = {"X-CSRF-Token": reviewer.token}
    response, seconds = _timed(lambda: client.post(f"/api/documents/{document_id}/claim",
                                                   headers=headers))
    latencies.record("claim", seconds, response)
    if response.status_code != 200:
        latencies.refused[f"claim {response.status_code} {_code(response)}"] += 1
        return
    response, seconds = _timed(lambda: client.post(f"/api/documents/{document_id}/decision",
                                                   json={"action": "approve"},
                                                   headers=headers))
    latencies.record("approve", seconds, response)
    if response.status_code == 200:
        latencies.approved += 1
    else:  # a rule refused it (a misread field, a missing consent): still a request
        latencies.refused[f"approve {response.status_code} {_code(response)}"] += 1


@dataclass(frozen=True)
class Pace:
    """How the rounds while reading spread over the whole read: a round every ``pause``
    seconds, and a document claimed and approved in it only while the decisions so
    far are behind 1.5 × ``samples`` spread evenly over the batch's pages (about two in
    three claims end in an approve), so that the approvals are timed from the read's
    start to its end rather than all in its first seconds, however fast it goes; the
    other rounds look at the queue and a review page only. ``read``: the share of the
    pages read so far, as the last poll saw it."""

    samples: int
    #: the seconds the read is expected to take (extract's over ``EXPECTED_RATIO``)
    expected: float
    read: list[float] = field(default_factory=lambda: [0.0])

    @property
    def pause(self) -> float:
        """A round at most every half second, as a person; more often for a short read."""
        if not self.samples:
            return POLL_SECONDS
        return min(0.5, max(0.05, self.expected / (2 * self.samples)))

    def may_decide(self, decided: int) -> bool:
        return decided < 1.5 * self.samples * self.read[0] + 1


def _review_while_reading(up: ServiceApi, reviewer: ServiceApi, client: Any, batch_id: int,
                          documents: deque[int], latencies: Latencies, *, pages: int,
                          pace: Pace, deadline: float) -> tuple[dict[str, Any], float]:
    """Review rounds while the batch is read, paced by ``pace``: on ``documents`` (taken
    from the left), to which the batch's own documents are added as they are read; the
    batch is polled beside them every ``POLL_SECONDS``, as its page polls. The batch read
    and when that was seen (``time.perf_counter``). On a terminal a bar shows the
    batch's ``pages`` read by the service."""
    with progress("Tjänsten läser", total=pages, unit="sida") as bar:
        return _rounds_until_read(up, reviewer, client, batch_id, documents, latencies,
                                  pace=pace, pages=pages, deadline=deadline, shown=bar)


def _rounds_until_read(up: ServiceApi, reviewer: ServiceApi, client: Any, batch_id: int,
                       documents: deque[int], latencies: Latencies, *, pace: Pace,
                       pages: int, deadline: float,
                       shown: Progress) -> tuple[dict[str, Any], float]:
    read: list[tuple[dict[str, Any], float]] = []
    failed: list[BaseException] = []
    finished = threading.Event()

    def poll() -> None:
        seen, known = 0, set(documents)
        try:
            while not finished.is_set():
                batch = up.batch(batch_id)
                documents.extend(d for d in reviewable(batch) if d not in known)
                known.update(reviewable(batch))
                done = sum(int(u.get("pages_done") or 0) for u in batch["uploads"])
                shown.advance(max(0, done - seen))
                seen = max(seen, done)
                pace.read[0] = seen / max(1, pages)
                if batch["done"]:
                    read.append((batch, time.perf_counter()))
                    return
                if time.monotonic() > deadline:
                    raise ServiceBenchError(f"Batch {batch_id} lästes inte klart i tid.")
                time.sleep(POLL_SECONDS)
        except BaseException as exc:
            failed.append(exc)
        finally:
            finished.set()

    poller = threading.Thread(target=poll, name="bench-poll", daemon=True)
    poller.start()
    last = documents[0] if documents else None
    try:
        while not finished.wait(pace.pause):
            if not pace.samples:  # no reviewer: the read alone, as the batch page polls it
                continue
            if documents and pace.may_decide(len(latencies.samples["claim"])):
                last = documents.popleft()
                review_round(reviewer, client, last, latencies)
            elif last is not None:
                look(client, last, latencies)
            else:
                response, seconds = _timed(lambda: client.get("/ko"))
                latencies.record("/ko", seconds, response)
    finally:
        finished.set()
        poller.join()
    if failed:
        raise failed[0]
    return read[0]


def _code(response: Any) -> str:
    try:
        return str(response.json().get("code", "?"))
    except ValueError:
        return "?"


def _timed(send: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    response = send()
    return response, time.perf_counter() - started


# --- the service as a subprocess -------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def service_environment(settings: Settings) -> dict[str, str]:
    """``settings`` as the SUS_ variables ``sus-intake serve`` reads."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("SUS_")}
    env.update(SUS_DATA_DIR=str(settings.data_dir), SUS_WORKERS=str(settings.workers),
               SUS_TODAY=settings.current_day().isoformat(),
               SUS_LEARN_FROM_CORRECTIONS="false", SUS_SERVER_TIMING="true")
    if settings.database_url:
        env["SUS_DATABASE_URL"] = settings.database_url
    return env


#: what a reading process logs (``-v``) for each page it wrote
PAGE_WRITTEN = "written by this worker"


def pages_written(log: Path) -> int:
    """The pages a ``sus-intake -v worker`` wrote, from its log."""
    return log.read_text(encoding="utf-8", errors="replace").count(PAGE_WRITTEN)


@contextmanager
def running_service(settings: Settings, log: Path, *, worker_processes: int = 0,
                    start_seconds: float = 120) -> Iterator[tuple[str, int, list[Path]]]:
    """``sus-intake serve`` on a free local port: its URL, process id and the logs of
    its ``worker_processes`` (``serve --no-worker`` with that many ``sus-intake
    worker`` beside it); all stopped after (the workers by SIGTERM, as systemd does)."""
    port = _free_port()
    command = [sys.executable, "-m", "intake.cli", "serve", "--host", "127.0.0.1",
               "--port", str(port)] + (["--no-worker"] if worker_processes else [])
    processes: list[subprocess.Popen[bytes]] = []
    logs = [log.with_name(f"worker-{n + 1}.log") for n in range(worker_processes)]
    try:
        with log.open("wb") as output:
            processes.append(subprocess.Popen(command, env=service_environment(settings),
                                              stdout=output, stderr=subprocess.STDOUT))
        _await_port(port, processes[0], log, start_seconds)
        share = settings.model_copy(update={"workers": max(1, settings.workers
                                                           // max(1, worker_processes))})
        for worker_log in logs:
            with worker_log.open("wb") as output:
                processes.append(subprocess.Popen(
                    [sys.executable, "-m", "intake.cli", "-v", "worker"],
                    env=service_environment(share), stdout=output, stderr=subprocess.STDOUT))
        yield f"http://127.0.0.1:{port}", processes[0].pid, logs
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _await_port(port: int, process: subprocess.Popen[bytes], log: Path,
                seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(encoding="utf-8", errors="replace")[-400:]
            raise ServiceBenchError(f"Tjänsten startade inte (kod {process.returncode}): {tail}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise ServiceBenchError(f"Tjänsten svarade inte på {seconds:.0f} s.")


def _status_mb(pid: int, key: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    """Processor seconds (user and system) the process has used, its own threads only."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def readers_cpu_seconds(web_pid: int) -> tuple[float, float]:
    """Processor seconds used so far by the reading processes alive now, this process's
    descendants but the web process (``serve``'s reading process and its pool are the
    web process's children, ``sus-intake worker`` processes this one's): the pools'
    processes (those with no children), and the processes owning them (the job engine,
    writing the pages)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(stat.parent.name))
    pools = owners = 0.0
    todo = list(children.get(os.getpid(), []))
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        if pid == web_pid:
            continue
        try:
            seconds = cpu_seconds(pid)
        except OSError:  # ended meanwhile
            continue
        if pid in children:
            owners += seconds
        else:
            pools += seconds
    return pools, owners


def rss_high_water_mb(pid: int) -> float:
    """The process's peak resident memory over its life (VmHWM)."""
    return _status_mb(pid, "VmHWM")


@contextmanager
def sampled_rss(pid: int, *, every: float = 0.1) -> Iterator[list[float]]:
    """The largest resident memory of ``pid`` (MB) seen while the block runs (only that
    process: readers in processes of their own are not the web process)."""
    peak = [_status_mb(pid, "VmRSS")]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(every):
            try:
                peak[0] = max(peak[0], _status_mb(pid, "VmRSS"))
            except OSError:
                return

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield peak
    finally:
        stop.set()
        sampler.join()


def format_report(result: ServiceBench) -> str:
    return "\n".join(result.report())


__all__ = ["Latencies", "ServiceBench", "bench_service", "format_report", "percentile"]
