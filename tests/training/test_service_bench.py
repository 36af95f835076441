"""``sus-intake bench --service`` (``intake.training.service_bench``): the service's
pages/s against extract's on the same pages in one run, reviewer latency idle and
while a batch is read, and the web process's memory — all through the HTTP API of a
``sus-intake serve`` subprocess."""

from __future__ import annotations

import json
import time
from collections import deque
from pathlib import Path

import pytest
from click.testing import CliRunner

from intake.cli import cli
from intake.training import service_bench
from intake.training.service_bench import Latencies, ServiceBench, bench_service, percentile


@pytest.mark.tesseract
def test_bench_service_reads_every_page_through_the_api_and_compares_with_extract() -> None:
    """GIVEN a fresh SQLite store behind `sus-intake serve`, a warm-up batch read and a
    granskare made for the run
    WHEN 4 generated forms are benched through the API
    THEN every page is read by the service, both rates are measured on those pages,
    /ko, a review page and approve are timed idle and while reading, and the web
    process's memory is known."""
    result = bench_service(pages=4, seed=7, workers=2, samples=1, warm_forms=3)
    assert result.failures == []
    assert result.pages == 4
    assert result.extract_rate > 0 and result.service_rate > 0
    for latencies in (result.idle, result.busy, result.idle_after):
        assert latencies.samples["/ko"]
    for what in ("review page", "claim", "approve"):
        assert result.idle.samples[what] and result.idle_after.samples[what]
    assert result.idle.approved + result.idle_after.approved > 0
    assert result.peak_rss_mb > 50
    report = "\n".join(result.report())
    assert "× extract" in report and "p95" in report


def test_cli_bench_service_prints_the_figures_and_writes_json(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN the measurement itself stubbed out
    WHEN `sus-intake bench --service --pages 60 --json F` runs
    THEN the service bench runs with 60 pages and its report and JSON are written."""
    seen: dict[str, object] = {}
    latencies = Latencies(samples={"/ko": [0.1, 0.2], "review page": [0.1], "claim": [0.02],
                                   "approve": [0.05]})

    def fake(**kwargs: object) -> ServiceBench:
        seen.update(kwargs)
        return ServiceBench(pages=60, workers=2, database="SQLite", files=60,
                            extract_seconds=[28.0, 32.0], service_seconds=60.0,
                            idle=latencies, busy=latencies, idle_after=latencies,
                            peak_rss_mb=200.0, rss_high_water_mb=210.0, failures=[])

    monkeypatch.setattr(service_bench, "bench_service", fake)
    out = tmp_path / "bench.json"
    result = CliRunner().invoke(cli, ["bench", "--service", "--pages", "60", "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert seen["pages"] == 60
    assert "ratio       0.50× extract" in result.output
    assert json.loads(out.read_text(encoding="utf-8"))["ratio"] == pytest.approx(0.5)


def test_cli_bench_refuses_service_options_without_service() -> None:
    """GIVEN the plain bench WHEN --database-url is given THEN it says it needs --service."""
    result = CliRunner().invoke(cli, ["bench", "--database-url", "sqlite://"])
    assert result.exit_code != 0
    assert "--service" in result.output


def test_one_pdf_holds_every_page_with_its_truth_renumbered(tmp_path: Path) -> None:
    """GIVEN three generated one-page forms (typed, 300 dpi, PDF)
    WHEN they are joined for --one-pdf
    THEN the PDF has three pages and its truth the three documents on pages 1, 2, 3 in
    order, so the service and extract read (and are scored on) the very same pages."""
    from intake.evaluate import truth_path
    from intake.load.render import page_count
    from intake.samples.make import make_samples

    files = make_samples(tmp_path / "forms", [service_bench.STYLE], count=3, seed=4,
                         forms=["9448", "9443", "9449"])
    joined = service_bench.join_pdfs(sorted(files), tmp_path / "batch.pdf")
    truth = json.loads(truth_path(joined).read_text(encoding="utf-8"))
    assert page_count(joined) == 3 == service_bench.pages_of(joined)
    assert [d["pages"] for d in truth] == [[1], [2], [3]]
    assert [d["form"] for d in truth] == [
        json.loads(truth_path(f).read_text(encoding="utf-8"))[0]["form"] for f in sorted(files)]


def test_percentile_is_the_nearest_rank() -> None:
    """GIVEN 20 latencies WHEN p50 and p95 are taken THEN they are the 10th and 19th."""
    values = [float(n) for n in range(20, 0, -1)]
    assert (percentile(values, 50), percentile(values, 95), percentile([3.0], 95)) == (
        10.0, 19.0, 3.0)


def test_bench_with_worker_processes_reports_the_pages_each_wrote(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN the measurement stubbed out, two worker processes having written 31 and 29
    pages of one 60-page PDF
    WHEN `sus-intake bench --service --one-pdf --worker-processes 2 --json F` runs
    THEN the bench is asked for two worker processes and one PDF, and the report and
    the JSON say how many pages each worker wrote (neither idle)."""
    seen: dict[str, object] = {}
    latencies = Latencies(samples={"/ko": [0.1], "review page": [0.1], "claim": [0.02],
                                   "approve": [0.05]})

    def fake(**kwargs: object) -> ServiceBench:
        seen.update(kwargs)
        return ServiceBench(pages=60, workers=2, database="PostgreSQL", files=1,
                            extract_seconds=[30.0], service_seconds=31.0, idle=latencies,
                            busy=latencies, idle_after=latencies, peak_rss_mb=200.0,
                            rss_high_water_mb=210.0, failures=[], pages_per_worker=[31, 29])

    monkeypatch.setattr(service_bench, "bench_service", fake)
    out = tmp_path / "bench.json"
    result = CliRunner().invoke(cli, ["bench", "--service", "--one-pdf", "--worker-processes",
                                      "2", "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert seen["worker_processes"] == 2 and seen["one_pdf"] is True
    assert "pages written per worker process: 31, 29" in result.output
    assert json.loads(out.read_text(encoding="utf-8"))["pages_per_worker"] == [31, 29]


def test_pages_written_counts_a_workers_logged_pages(tmp_path: Path) -> None:
    """GIVEN a worker's log with two pages written and other lines
    WHEN its pages are counted THEN they are two."""
    log = tmp_path / "worker-1.log"
    log.write_text("worker: reading uploads with 1 processes\n"
                   "INFO upload 3 page 1 written by this worker\n"
                   "INFO upload 3 page 2 was written already\n"
                   "INFO upload 3 page 4 written by this worker\n", encoding="utf-8")
    assert service_bench.pages_written(log) == 2


def test_a_batch_read_before_the_reviewer_approved_anything_still_reports() -> None:
    """GIVEN a bench whose batch was read before the reviewer's first approve (a short
    batch on a fast machine): no approve was timed while reading
    WHEN the report is written
    THEN it says so for approve and gives the ratios of what was timed, not a crash."""
    idle = Latencies()
    for what in idle.samples:
        idle.samples[what] += [0.05, 0.06]
    busy = Latencies()
    busy.samples["/ko"] += [0.08, 0.09]
    result = ServiceBench(pages=4, workers=2, database="SQLite", files=4,
                          extract_seconds=[2.0], service_seconds=2.5, idle=idle, busy=busy,
                          idle_after=idle, peak_rss_mb=200.0, rss_high_water_mb=210.0,
                          failures=[])
    report = "\n".join(result.report())
    assert "p95 /ko while reading: 1.50× idle after (target ≤ 1.5), 1.50× idle before" in report
    assert "approve      no requests" in report
    assert "p95 approve while reading" not in report


def test_the_services_time_is_from_accepted_to_the_last_upload_finished() -> None:
    """GIVEN a batch of two uploads as the API gives it (SQLite's naive UTC times and
    PostgreSQL's with an offset), accepted at 10:00:00 and the last page written at
    10:00:09.5
    WHEN the service's time is taken THEN it is 9.5 s, whenever a poll saw it; an
    upload still being read (no end) is refused rather than timed."""
    batch = {"id": 3, "uploads": [
        {"created_at": "2026-12-07T10:00:00.000000", "finished_at": "2026-12-07T10:00:04"},
        {"created_at": "2026-12-07T10:00:00.010000+00:00",
         "finished_at": "2026-12-07T11:00:09.500000+01:00"}]}
    assert service_bench.service_seconds(batch) == pytest.approx(9.5)
    batch["uploads"][1]["finished_at"] = None
    with pytest.raises(service_bench.ServiceBenchError):
        service_bench.service_seconds(batch)


def test_report_gives_processor_seconds_per_page_of_extract_and_the_service() -> None:
    """GIVEN extract's two runs using 18 and 20 processor seconds on 60 pages, and the
    service's pool 17.4 s, its owner 1.2 s, the web process 0.6 s
    WHEN the report is written THEN it gives each per page."""
    latencies = Latencies(samples={"/ko": [0.1], "review page": [0.1], "claim": [0.02],
                                   "approve": [0.05]})
    result = ServiceBench(pages=60, workers=2, database="SQLite", files=60,
                          extract_seconds=[9.0, 10.0], service_seconds=10.0, idle=latencies,
                          busy=latencies, idle_after=latencies, peak_rss_mb=200.0,
                          rss_high_water_mb=210.0, failures=[], web_cpu_seconds=0.6,
                          extract_cpu_seconds=[18.0, 20.0], pool_cpu_seconds=17.4,
                          owner_cpu_seconds=1.2)
    report = "\n".join(result.report())
    assert ("CPU per page: extract 0.317 s; the service's reading pool 0.290 s + its owner "
            "(job engine, page writes) 0.020 s + web process 0.010 s") in report


def test_with_no_latency_samples_the_batch_is_read_with_no_reviewer_beside_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN `bench --service --latency-samples 0` (the throughput alone) and a batch
    that is done at the third poll
    WHEN the bench waits for it to be read
    THEN the batch is polled until read and no reviewer request (/ko, a review page,
    claim, approve) is sent meanwhile, though documents are waiting."""
    monkeypatch.setattr(service_bench, "POLL_SECONDS", 0.01)
    polls: list[int] = []

    class Uploader:
        def batch(self, batch_id: int) -> dict[str, object]:
            polls.append(batch_id)
            done = len(polls) >= 3
            return {"done": done, "uploads": [{"pages_done": 2 if done else 1}],
                    "documents": [{"id": 13, "form": "9448"}]}

    class Client:
        def get(self, url: str) -> None:
            raise AssertionError(f"a reviewer request was sent: {url}")

        post = get

    latencies = Latencies()
    batch, _ = service_bench._review_while_reading(
        Uploader(), Client(), Client(), 5, deque([11, 12]),  # type: ignore[arg-type]
        latencies, pages=2, pace=service_bench.Pace(samples=0, expected=1.0),
        deadline=time.monotonic() + 30)
    assert batch["done"] and len(polls) == 3
    assert all(not values for values in latencies.samples.values())
