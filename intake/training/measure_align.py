"""Measure page classification and registration (intake.ocr.align) on generated scans.

For each scan profile: N filled forms of each kind (typed and hand-printed in turn),
N blank duplex backs with bleed-through and N cover letters, all seeded. Prints per
profile the classification accuracy, the registration error against the generator's
ground truth (the largest error over every widget corner of a page, in aligned px at
200 dpi: median and 95th percentile over pages), the error ``align_page`` reports
itself, how many pages needed the fallback, and the milliseconds per page: processor
time of ``align_page`` on form pages (median, 95th percentile) and on all pages, and wall
time (which also counts waiting for the processor when the machine is shared).

    .venv/bin/python scripts/measure_align.py [-n 60] [--profiles office300,phone]

``--fallback`` switches feature matching off, to measure the fallback route (page
outline or image frame, ECC, printed patches) on its own.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from intake.forms import FORM_IDS, form_layout
from intake.ocr.align import Route, align_page, quarter_turn_matrix
from intake.reads import WORK_DPI, PageImage
from intake.samples.content import make_case
from intake.samples.make import PAGE_DPI, STYLES, _ink_form
from intake.samples.pages import blank_back, cover_letter
from intake.samples.scan import PROFILES, ScannedPage, scan_page

KINDS = (*FORM_IDS, "blank", "unknown")


@dataclass(frozen=True)
class Result:
    """One page: what it is, what align_page said, and what that cost."""

    kind: str
    found: str
    confidence: float
    error_px: float | None  # against the ground truth
    reported_px: float | None  # what align_page reports
    fallback: bool
    cpu_ms: float
    wall_ms: float


def clean_page(kind: str, rng: random.Random, hand: bool) -> object:
    """The clean 300-dpi RGB page (PIL) of a form, a blank back or a cover letter."""
    style = STYLES["hand-office300" if hand else "typed-office300"]
    if kind in FORM_IDS:
        return _ink_form(make_case(kind, rng), style, rng)
    if kind == "blank":
        front = _ink_form(make_case(rng.choice(FORM_IDS), rng), style, rng)
        return blank_back(front, rng)
    return cover_letter(PAGE_DPI, rng)


def scan(profile: str, kind: str, index: int) -> ScannedPage:
    rng = random.Random(f"measure:{profile}:{kind}:{index}")
    page = clean_page(kind, rng, hand=index % 2 == 1)
    noise = np.random.default_rng(rng.randrange(2**32))
    return scan_page(np.asarray(page), PAGE_DPI, PROFILES[profile], noise)


def widget_corners(form: str) -> np.ndarray:
    """Every widget rectangle's corners in aligned px (pixel centres)."""
    scale = WORK_DPI / 25.4
    corners = [
        (x * scale - 0.5, y * scale - 0.5)
        for w in form_layout(form).widgets
        for x in (w.rect.x, w.rect.right)
        for y in (w.rect.y, w.rect.bottom)
    ]
    return np.array(corners)


def truth_error(homography: np.ndarray, scanned: ScannedPage, form: str) -> float:
    """Largest distance, over the widget corners, between where the alignment puts them
    and where they are (aligned px → 300-dpi page → scan → aligned)."""
    factor = PAGE_DPI / WORK_DPI
    to_page = np.array([[factor, 0, (factor - 1) / 2], [0, factor, (factor - 1) / 2], [0, 0, 1]])
    round_trip = homography @ np.array(scanned.homography) @ to_page
    corners = widget_corners(form)
    mapped = np.hstack([corners, np.ones((len(corners), 1))]) @ round_trip.T
    return float(np.linalg.norm(mapped[:, :2] / mapped[:, 2:] - corners, axis=1).max())


#: Pose-finding routes: every one, or (``--fallback``) the page outline alone.
ALL_ROUTES: tuple[Route, ...] = ("features", "outline")
FALLBACK_ONLY: tuple[Route, ...] = ("outline",)


def measure_page(profile: str, kind: str, index: int,
                 routes: tuple[Route, ...] = ALL_ROUTES) -> Result:
    scanned = scan(profile, kind, index)
    image = np.asarray(scanned.image.convert("L"))
    page = PageImage(source=f"{profile}-{kind}-{index}", page=1, image=image, dpi=scanned.dpi)
    wall, cpu = time.perf_counter(), time.process_time()
    alignment, _ = align_page(page, routes=routes)
    cpu_ms, wall_ms = (time.process_time() - cpu) * 1000, (time.perf_counter() - wall) * 1000
    error = None
    if alignment.homography is not None and alignment.kind == kind:
        turns = quarter_turn_matrix(image.shape, alignment.quarter_turns)
        error = truth_error(np.array(alignment.homography) @ turns, scanned, kind)
    return Result(
        kind=kind,
        found=alignment.kind,
        confidence=alignment.confidence,
        error_px=error,
        reported_px=alignment.registration_error_px,
        fallback=alignment.route == "outline",
        cpu_ms=cpu_ms,
        wall_ms=wall_ms,
    )


def warm_up() -> None:
    """Build the blank forms' features once per process, outside the timings."""
    measure_page("office300", "9448", 10**6)


def report(profile: str, results: list[Result]) -> str:
    right = sum(r.found == r.kind for r in results)
    errors = np.array([r.error_px for r in results if r.error_px is not None])
    reported = [r.reported_px for r in results if r.reported_px is not None]
    wrong_forms = sum(r.kind in FORM_IDS and r.found != r.kind for r in results)
    form_cpu = [r.cpu_ms for r in results if r.kind in FORM_IDS]
    return (
        f"| {profile:9} | {len(results):5} | {100 * right / len(results):6.2f}% "
        f"| {wrong_forms:3} | {np.median(errors):5.2f} | {np.percentile(errors, 95):5.2f} "
        f"| {errors.max():5.2f} | {np.median(reported):5.2f} "
        f"| {sum(r.fallback for r in results):3} "
        f"| {np.median(form_cpu):5.1f} | {np.percentile(form_cpu, 95):5.1f} "
        f"| {np.median([r.cpu_ms for r in results]):5.1f} "
        f"| {np.median([r.wall_ms for r in results]):5.1f} |"
    )


HEADER = (
    "| profile | pages | kind right | forms wrong | err med | err p95 | err max "
    "| self-reported med | fallback | cpu ms form med | cpu ms form p95 | cpu ms all med "
    "| wall ms all med |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def misread(results: list[Result]) -> str:
    return " ".join(f"{r.kind}→{r.found}({r.confidence:.2f})" for r in results if r.found != r.kind)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=60, help="pages per profile and kind")
    parser.add_argument("--profiles", default=",".join(PROFILES))
    parser.add_argument("--jobs", type=int, default=2, help="worker processes")
    parser.add_argument("--fallback", action="store_true", help="no feature matching")
    args = parser.parse_args(argv)
    route = "fallback only" if args.fallback else "features, fallback when they fail"
    print(f"{args.n} pages per kind ({', '.join(KINDS)}) and profile; route: {route}")
    print("errors in aligned px at 200 dpi, times in ms per page")
    print(HEADER)
    routes = FALLBACK_ONLY if args.fallback else ALL_ROUTES
    with ProcessPoolExecutor(args.jobs, initializer=warm_up) as pool:
        for profile in args.profiles.split(","):
            jobs = [(profile, kind, index, routes) for kind in KINDS for index in range(args.n)]
            results = list(pool.map(measure_page, *zip(*jobs, strict=True), chunksize=4))
            print(report(profile, results), flush=True)
            if misses := misread(results):
                print(f"  {profile} misread: {misses}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
