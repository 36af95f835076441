"""Measure the text-widget reader (``intake.ocr.text``) on generated pages.

Pages are generated per style (forms typed or hand-printed, scanned with the
style's profile) and warped back into the blank form's frame with the generator's
own homography plus a random 0–3 px residual shift, as alignment leaves it. Each
text widget is read with each engine and its raw text compared with what was
written (``case.written``); an unwritten widget must read ``""``.

    .venv/bin/python scripts/measure_text.py --count 40 --seed 7

Prints, per style and engine: exact-match rate per field type (and ignoring spaces),
median wall and CPU milliseconds per page for all its text widgets, and a few
examples of misreads (personnummer are never printed: only their shape).
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import re
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from multiprocessing import Pool

import numpy as np

from intake.forms import FORM_IDS, load_form
from intake.imaging import warp_perspective
from intake.learned.digits import load_digit_model
from intake.ocr.tesseract import (
    PytesseractEngine,
    TesserocrEngine,
    TextEngine,
    tesserocr_available,
)
from intake.ocr.text import read_text_fields
from intake.reads import PAGE_H_PX, PAGE_W_PX, WORK_DPI
from intake.samples.content import Case, make_case
from intake.samples.make import PAGE_DPI, STYLES, Style, _ink_form
from intake.samples.scan import PROFILES, scan_page

log = logging.getLogger("measure_text")

DEFAULT_STYLES = ("typed-office300", "typed-fax200", "hand-office300", "phone-typed", "phone-hand")
MAX_SHIFT_PX = 3.0
KINDS = ("personnummer", "date", "percent", "code", "text", "empty")


@dataclass
class Sample:
    """One aligned page and what is written in its text widgets."""

    form: str
    aligned: np.ndarray
    written: dict[str, str]


@dataclass
class Tally:
    right: Counter[str] = field(default_factory=Counter)
    loose: Counter[str] = field(default_factory=Counter)
    total: Counter[str] = field(default_factory=Counter)
    wall_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)


def aligned_page(style_name: str, seed: str) -> Sample:
    """A generated page of ``style_name`` (a form picked by ``seed``), aligned."""
    rng = random.Random(seed)
    case = make_case(rng.choice(FORM_IDS), rng)
    written = {k: v for k, v in case.written.items() if isinstance(v, str)}
    return Sample(form=case.form, aligned=aligned_case(case, style_name, rng), written=written)


def aligned_case(case: Case, style_name: str | Style, rng: random.Random) -> np.ndarray:
    """``case`` inked and scanned as the style says, warped into the blank form's
    frame at WORK_DPI by the scan's own homography plus a 0–3 px residual shift."""
    style = STYLES[style_name] if isinstance(style_name, str) else style_name
    page = _ink_form(case, style, rng)
    nprng = np.random.default_rng(rng.randrange(2**32))
    scan = scan_page(np.asarray(page), PAGE_DPI, PROFILES[style.scan or "office300"], nprng)
    pixels = np.asarray(scan.image.convert("L"))
    to_aligned = _shift(nprng) @ _scaling(WORK_DPI / PAGE_DPI) @ np.linalg.inv(scan.homography)
    return warp_perspective(pixels, to_aligned, PAGE_W_PX, PAGE_H_PX)


def _scaling(factor: float) -> np.ndarray:
    """Pixel-centre-preserving scaling between resolutions (OpenCV pixel convention)."""
    offset = 0.5 * factor - 0.5
    return np.array([[factor, 0, offset], [0, factor, offset], [0, 0, 1.0]])


def _shift(rng: np.random.Generator) -> np.ndarray:
    dx, dy = rng.uniform(-MAX_SHIFT_PX, MAX_SHIFT_PX, 2)
    return np.array([[1, 0, dx], [0, 1, dy], [0, 0, 1.0]])


def widget_kinds(form: str) -> dict[str, str]:
    """Field type of each text widget (a widget holding several fields counts as text)."""
    kinds: dict[str, set[str]] = defaultdict(set)
    for f in load_form(form).fields:
        if f.type.value in KINDS:
            kinds[f.widget or f.name].add(f.type.value)
    return {w: next(iter(k)) if len(k) == 1 else "text" for w, k in kinds.items()}


def measure(samples: list[Sample], engine: TextEngine) -> Tally:
    tally = Tally()
    digits = load_digit_model()
    for sample in samples:
        wall, cpu = time.perf_counter(), _cpu()
        reads = read_text_fields(sample.aligned, sample.form, engine=engine, digits=digits)
        tally.wall_ms.append((time.perf_counter() - wall) * 1000)
        tally.cpu_ms.append((_cpu() - cpu) * 1000)
        kinds = widget_kinds(sample.form)
        for name, read in reads.items():
            truth = sample.written.get(name, "")
            kind = kinds[name] if truth else "empty"
            tally.total[kind] += 1
            tally.right[kind] += read.text == truth
            tally.loose[kind] += read.text.replace(" ", "") == truth.replace(" ", "")
            if read.text != truth:
                tally.misses.append(f"{name}: {_show(kind, truth)!r} -> {_show(kind, read.text)!r}")
    return tally


def _cpu() -> float:
    """CPU seconds of this process and its finished children (pytesseract's tesseract)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _show(kind: str, text: str) -> str:
    return re.sub(r"\d", "9", text) if kind == "personnummer" else text


def report(style: str, engine: str, tally: Tally, examples: int) -> None:
    cells = []
    for kind in KINDS:
        n = tally.total[kind]
        if n:
            cells.append(
                f"{kind} {100 * tally.right[kind] / n:5.1f}% "
                f"(~{100 * tally.loose[kind] / n:5.1f}%, n={n})"
            )
    print(
        f"{style:16} {engine:11} wall {statistics.median(tally.wall_ms):6.0f} ms/page  "
        f"cpu {statistics.median(tally.cpu_ms):6.0f} ms/page | " + " | ".join(cells)
    )
    for miss in tally.misses[:examples]:
        print(f"    {miss}")


def engines(names: list[str]) -> Iterator[tuple[str, TextEngine]]:
    for name in names:
        if name == "tesserocr" and not tesserocr_available():
            log.warning("tesserocr is not installed: skipped")
            continue
        yield name, TesserocrEngine() if name == "tesserocr" else PytesseractEngine()


def _generate(args: tuple[str, str]) -> Sample:
    return aligned_page(*args)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=40, help="pages per style")
    parser.add_argument("--seed", default="7")
    parser.add_argument("--styles", nargs="+", default=list(DEFAULT_STYLES))
    parser.add_argument("--engines", nargs="+", default=["tesserocr", "pytesseract"])
    parser.add_argument("--jobs", type=int, default=2, help="processes generating pages")
    parser.add_argument("--examples", type=int, default=0, help="misreads shown per row")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for style in args.styles:
        seeds = [(style, f"{args.seed}:{style}:{i}") for i in range(args.count)]
        with Pool(args.jobs) as pool:
            samples = pool.map(_generate, seeds)
        for name, engine in engines(args.engines):
            report(style, name, measure(samples, engine), args.examples)
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
