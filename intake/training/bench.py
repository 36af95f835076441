"""``sus-intake bench``: throughput and memory on generated corpora, with full-page
Tesseract on the same pages, in the same run, as the baseline.

Figures are medians over repeats; the machine is small and noisy, so ratios
against the baseline measured alongside say more than absolute numbers.
"""

from __future__ import annotations

import json
import logging
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pydantic import BaseModel

from intake.load.inputs import read_input
from intake.load.render import page_count
from intake.pipeline import InputFailure, extract
from intake.progress import progress
from intake.reads import PageImage
from intake.samples.make import make_samples
from intake.settings import Settings

log = logging.getLogger(__name__)


class BenchResult(BaseModel):
    name: str
    pages: int
    seconds: list[float]

    @property
    def pages_per_second(self) -> float:
        return self.pages / statistics.median(self.seconds)


def timed(name: str, pages: int, run: Callable[[], object], repeats: int) -> BenchResult:
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - started)
    return BenchResult(name=name, pages=pages, seconds=seconds)


def run_extract(files: Sequence[Path], settings: Settings) -> None:
    for item in extract(files, settings):
        if isinstance(item, InputFailure):
            raise RuntimeError(item.message)


def full_page_tesseract(files: Sequence[Path], settings: Settings) -> None:
    """The baseline: `tesseract PAGE stdout -l swe` on every page, one per core."""
    images = [p for f in files for p in read_input(f, dpi=300) if isinstance(p, PageImage)]
    folder = Path(os.environ.get("TMPDIR", "/tmp"))
    paths = []
    for index, page in enumerate(images):
        from PIL import Image

        path = folder / f"sus-bench-{os.getpid()}-{index}.png"
        Image.fromarray(page.image).save(path)
        paths.append(path)
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}

    def one(path: Path) -> None:
        subprocess.run([settings.tesseract_cmd, str(path), "stdout", "-l", "swe"],
                       check=True, capture_output=True, env=env)

    try:
        with ThreadPoolExecutor(settings.workers) as pool:
            list(pool.map(one, paths))
    finally:
        for path in paths:
            path.unlink(missing_ok=True)


_MEMORY_PROBE = """
import json, resource, sys
from pathlib import Path
from intake.training.bench import run_extract
from intake.settings import Settings
run_extract([Path(p) for p in sys.argv[2:]], Settings(workers=int(sys.argv[1])))
# VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so it would count the
# process that started this one.
status = Path("/proc/self/status").read_text()
own = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM"))
workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"parent": own / 1024, "worker": workers / 1024}))
"""


def peak_memory_mb(files: Sequence[Path], workers: int) -> dict[str, float]:
    """Peak RSS (MB) of the parent and of the largest worker of one extraction, measured
    in a fresh process so that nothing this process did before is counted."""
    cmd = [sys.executable, "-c", _MEMORY_PROBE, str(workers), *map(str, files)]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def bench(out: Path, *, pages: int, repeats: int, seed: int, settings: Settings) -> list[str]:
    """Run every measurement; returns the report lines."""
    scans = make_samples(out, ["typed-office300"], count=pages, seed=seed, forms=["9448"])
    hand = make_samples(out, ["hand-office300"], count=pages, seed=seed, forms=["9448"])
    digital = make_samples(out, ["digital"], count=pages, seed=seed, forms=["9448"])
    with progress("Mäter", total=3 * repeats + 1, unit="körning") as bar:

        def step(run: Callable[[], object]) -> Callable[[], None]:
            def counted() -> None:
                run()
                bar.advance()
            return counted

        results = [
            timed("extract typed 300 dpi 9448", pages,
                  step(lambda: run_extract(scans, settings)), repeats),
            timed("extract hand 300 dpi 9448", pages,
                  step(lambda: run_extract(hand, settings)), repeats),
            timed("extract digital PDF 9448", pages,
                  step(lambda: run_extract(digital, settings)), repeats),
            timed("baseline full-page tesseract -l swe", pages,
                  step(lambda: full_page_tesseract(scans, settings)), 1),
        ]
    lines = [f"workers: {settings.workers}, cores: {os.cpu_count()}, pages per corpus: {pages}"]
    base = results[-1].pages_per_second
    for r in results:
        runs = ", ".join(f"{s:.1f}" for s in r.seconds)
        lines.append(f"{r.name:40} {r.pages_per_second:7.2f} pages/s  "
                     f"({base and r.pages_per_second / base:.1f}× baseline; runs {runs} s)")
    return lines


def memory_report(out: Path, *, pages: int, seed: int, workers: int) -> str:
    """Peak memory reading about ``pages`` pages of scanned batches in one call."""
    (batch,) = make_samples(out, ["batch-pdf"], count=1, seed=seed)
    per_file = page_count(batch)
    files = [batch] * max(1, round(pages / per_file))
    mb = peak_memory_mb(files, workers)
    total = per_file * len(files)
    return (f"peak RSS over {total} batch pages: parent {mb['parent']:.0f} MB, "
            f"largest worker {mb['worker']:.0f} MB")
