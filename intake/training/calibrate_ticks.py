"""Learn the tick and signature thresholds from generated pages, and measure them.

Pages are generated with the sample generator: forms filled by hand or typed, each
page ticked in one style (as one person fills one form; "typed" is an office
printer's X), some extra boxes ticked so that every style has enough ticked boxes,
consents signed or not; every combination of form, scan profile and tick style
comes round in turn. Each page is scanned and warped back into the blank form's
frame with the generator's own homography, plus a random 0–3 px residual shift like
the alignment leaves. The truth is what was inked.

    .venv/bin/python scripts/calibrate_ticks.py calibrate --pages 420 --seed 1
    .venv/bin/python scripts/calibrate_ticks.py measure --pages 420 --seed 2

``calibrate`` writes ``intake/learned/data/tick_thresholds.json``; ``measure`` reads it
and prints, per tick style and profile, accuracy, unclear rate and confident errors
(a wrong state with confidence ≥ 0.9). Measure on other seeds than you calibrate on.
The tests (``tests/ocr/test_ticks.py``) make their pages with :func:`make_sample`.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from multiprocessing import Pool
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from intake.forms import form_layout
from intake.imaging import warp_perspective
from intake.learned.provenance import Provenance, current_commit
from intake.learned.ticks import TickThresholds, load_thresholds, thresholds_path
from intake.ocr import ticks
from intake.reads import PAGE_H_PX, PAGE_W_PX, WORK_DPI, TickRead
from intake.samples.content import Case, make_case
from intake.samples.ink import TICK_STYLES, Ink, Writer
from intake.samples.make import PAGE_DPI, blank_image
from intake.samples.scan import PROFILES, scan_page

log = logging.getLogger("calibrate_ticks")

OUTPUT = thresholds_path()
FORMS = ("9448", "9449", "9443")
#: Tick styles: the generator's hand styles, plus "typed" (an office printer's X).
STYLES = ("typed", *TICK_STYLES)
PEN_STYLES = tuple(s for s in STYLES if s != "pencil")
#: Share of the boxes a case leaves empty that get an extra tick (more ticked samples).
EXTRA_TICKS = 0.2
#: Share of consent forms left unsigned.
UNSIGNED = 0.5
MAX_SHIFT_PX = 3
#: Safety factors between what was seen on the calibration pages and the band's edges.
EMPTY_MARGIN = 1.3
MARKED_MARGIN = 1.3
#: An empty box may hold this share of the faintest mark seen and still read empty.
FLOOR_SHARE = 0.05
#: A wrong state with at least this confidence is a confident error.
CONFIDENT = 0.9

#: One feature row: page, form, profile, kind (tick/signature), name, style, truth, ink.
Row = dict[str, Any]


@dataclass(frozen=True)
class Sample:
    """One generated page, aligned, with what was inked on it."""

    form: str
    profile: str
    aligned: np.ndarray
    styles: dict[str, str]  # ticked checkbox -> tick style
    signed: bool
    truth: dict[str, Any]  # the contract values (CONTRACT §3) of what was written


# --- generating aligned pages ----------------------------------------------------------


def make_sample(
    form: str,
    profile: str,
    seed: int | str,
    *,
    styles: Iterable[str] = STYLES,
    extra_ticks: float = EXTRA_TICKS,
    unsigned: float | None = UNSIGNED,
) -> Sample:
    """A filled page of ``form``, scanned as ``profile`` and aligned with a residual shift.

    The ticked boxes take the ``styles`` in turn; ``unsigned`` None keeps the
    case's own signature (else a consent is left unsigned with that probability).
    """
    rng = random.Random(f"{seed}:{form}:{profile}")
    case = make_case(form, rng)
    if unsigned is not None and form == "9443" and rng.random() < unsigned:
        case.written.pop("underskrift", None)
    _add_ticks(case, rng, extra_ticks)
    page, inked = ink_page(case, rng, tuple(styles))
    aligned = aligned_scan(page, profile, rng)
    signed = "underskrift" in case.written
    truth = case.truth | ({"underskrift": signed} if form == "9443" else {})
    return Sample(form, profile, aligned, inked, signed=signed, truth=truth)


def _add_ticks(case: Case, rng: random.Random, share: float) -> None:
    for widget in form_layout(case.form).widgets:
        if widget.kind == "checkbox" and rng.random() < share:
            case.written[widget.name] = True


def ink_page(
    case: Case, rng: random.Random, styles: tuple[str, ...]
) -> tuple[Image.Image, dict[str, str]]:
    """The clean filled page (RGB, 300 dpi) and the tick style of each ticked box."""
    page = Image.fromarray(blank_image(case.form).copy())
    hand = Writer.hand_printing(rng)
    text_writer = hand if rng.random() < 0.6 else Writer.typed(rng)
    ink = Ink(page, PAGE_DPI, rng)
    layout = form_layout(case.form)
    inked: dict[str, str] = {}
    turn = rng.randrange(len(styles))
    for name, value in case.written.items():
        widget = layout.widget(name)
        if widget.kind == "checkbox":
            style = styles[(turn + len(inked)) % len(styles)]
            writer = Writer.typed(rng) if style == "typed" else replace(hand, tick_style=style)
            ink.tick(widget.rect, writer)
            inked[name] = style
        elif widget.kind == "signature":
            signer = case.truth.get("namnfortydligande") or "Signatur"
            ink.signature(widget.rect, Writer.hand_printing(rng), signer)
        else:
            ink.text(widget.rect, str(value), text_writer)
    return page, inked


def aligned_scan(page: Image.Image, profile: str, rng: random.Random) -> np.ndarray:
    """Scan ``page`` as ``profile`` and warp it back into the form's frame at WORK_DPI,
    off by a random residual shift of up to ``MAX_SHIFT_PX`` in x and y."""
    scan = scan_page(np.asarray(page), PAGE_DPI, PROFILES[profile], _np_rng(rng))
    grey = np.asarray(scan.image.convert("L"))
    scale = PAGE_DPI / WORK_DPI
    to_page = np.array([[scale, 0, (scale - 1) / 2], [0, scale, (scale - 1) / 2], [0, 0, 1]])
    sx, sy = (rng.uniform(-MAX_SHIFT_PX, MAX_SHIFT_PX) for _ in range(2))
    unshift = np.array([[1, 0, -sx], [0, 1, -sy], [0, 0, 1.0]])
    to_scan = np.array(scan.homography) @ to_page @ unshift
    return warp_perspective(grey, np.linalg.inv(to_scan), PAGE_W_PX, PAGE_H_PX)


def _np_rng(rng: random.Random) -> np.random.Generator:
    return np.random.default_rng(rng.randrange(2**32))


# --- features per page -----------------------------------------------------------------


def page_plan(index: int) -> tuple[str, str, str]:
    """Form, scan profile and tick style of page ``index``: every combination comes
    round once in ``len(FORMS) · len(PROFILES) · len(STYLES)`` pages. One tick style
    per page, as one person fills one form."""
    form = FORMS[index % len(FORMS)]
    profile = tuple(PROFILES)[(index // len(FORMS)) % len(PROFILES)]
    style = STYLES[(index // (len(FORMS) * len(PROFILES))) % len(STYLES)]
    return form, profile, style


def page_rows(job: tuple[int, int]) -> list[Row]:
    """Feature rows of page ``index`` of the corpus of ``seed``: every checkbox, and
    the signature box of a consent."""
    seed, index = job
    form, profile, style = page_plan(index)
    sample = make_sample(form, profile, f"{seed}:{index}", styles=(style,))
    base: Row = {"page": index, "form": form, "profile": profile}
    rows = [
        base
        | {"kind": "tick", "name": name, "ink": ink}
        | {"style": sample.styles.get(name, "empty"), "truth": name in sample.styles}
        for name, ink in ticks.tick_ink(sample.aligned, form).items()
    ]
    if form == "9443":
        ink = ticks.signature_ink(sample.aligned, form)
        style = "signed" if sample.signed else "unsigned"
        rows.append(
            base | {"kind": "signature", "style": style, "truth": sample.signed, "ink": ink}
        )
    return rows


def collect(pages: int, seed: int, jobs: int) -> list[Row]:
    """The feature rows of pages 0 … ``pages`` - 1 of the corpus of ``seed``."""
    work = [(seed, index) for index in range(pages)]
    rows: list[Row] = []
    with Pool(jobs) as pool:
        for done, page in enumerate(pool.imap(page_rows, work, chunksize=2), start=1):
            rows.extend(page)
            if done % 20 == 0:
                log.info("%d / %d pages", done, pages)
    return rows


def read_rows(path: Path) -> list[Row]:
    """Rows written by ``--rows``; their seed must be given again with ``--seed``."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# --- learning --------------------------------------------------------------------------


def learn(rows: list[Row], *, seed: int, pages: int) -> dict[str, object]:
    """The bands and the evidence they were learned on."""
    tick_rows = [r for r in rows if r["kind"] == "tick"]
    sig_rows = [r for r in rows if r["kind"] == "signature"]
    tick = band_of(
        empty=_inks(r for r in tick_rows if not r["truth"]),
        marked=_inks(r for r in tick_rows if r["style"] in PEN_STYLES),
    )
    tick["pencil"] = _summary(_inks(r for r in tick_rows if r["style"] == "pencil"))
    signature = band_of(
        empty=_inks(r for r in sig_rows if not r["truth"]),
        marked=_inks(r for r in sig_rows if r["truth"]),
    )
    return {
        "feature": {
            "tick": "mean darkness inside the re-found box, 4 px inside its border lines "
            "(darkness = share of the local paper-to-ink contrast beyond a noise floor, "
            "isolated specks dropped)",
            "signature": "the same, inside the signature box 1 mm from its border",
        },
        "rule": f"low = max(largest empty × {EMPTY_MARGIN}, faintest mark × {FLOOR_SHARE}); "
        f"high = max(faintest pen mark / {MARKED_MARGIN}, 1.5 × low); "
        f"full = max(faintest pen mark, {MARKED_MARGIN} × high): confidence 1 from there. "
        "Pencil is measured, not learned from.",
        "learned_on": {"pages": pages, "seed": seed, "profiles": list(PROFILES)},
        "tick": tick,
        "signature": signature,
    }


def with_provenance(learned: dict[str, object], rows: list[Row], *, seed: int,
                    pages: int) -> dict[str, object]:
    """``learned`` with how it was made and what it scores on the pages it was learned
    on (the held-out figure comes from ``measure`` on another seed)."""
    thresholds = TickThresholds.model_validate(
        {kind: learned[kind]["band"] for kind in ("tick", "signature")}  # type: ignore[index]
    )
    pen = [s for s in measure(rows, thresholds)
           if s["profile"] == "all" and s["style"] != "pencil"]
    provenance = Provenance(
        made_by=f"scripts/calibrate_ticks.py calibrate --pages {pages} --seed {seed}",
        data=f"{pages} generated pages, profiles {', '.join(PROFILES)}",
        seed=seed, commit=current_commit(), made_on=date.today(),
        validation={
            "calibration_pages_confident_errors": sum(int(str(s["confident_errors"]))
                                                      for s in pen),
            "calibration_pages_boxes": sum(int(str(s["n"])) for s in pen),
        },
        note=f"held out: scripts/calibrate_ticks.py measure --pages {pages} --seed {seed + 1}",
    )
    return {**learned, "provenance": provenance.model_dump(mode="json")}


def band_of(*, empty: np.ndarray, marked: np.ndarray) -> dict[str, object]:
    """Empty below ``low``, marked above ``high``, unclear between (see ``rule``)."""
    faintest = float(marked.min())
    low = max(float(empty.max()) * EMPTY_MARGIN, faintest * FLOOR_SHARE)
    high = max(faintest / MARKED_MARGIN, 1.5 * low)
    full = max(faintest, MARKED_MARGIN * high)
    return {
        "band": {"low": round(low, 5), "high": round(high, 5), "full": round(full, 5)},
        "empty": _summary(empty),
        "marked": _summary(marked),
    }


def _inks(rows: Iterable[Row]) -> np.ndarray:
    return np.array([float(r["ink"]) for r in rows])


def _summary(values: np.ndarray) -> dict[str, float | int]:
    """Count and quantiles (q0 … q100) of ``values``."""
    if not len(values):
        return {"count": 0}
    quantiles = (0, 1, 10, 50, 90, 99, 100)
    points = np.percentile(values, quantiles)
    summary: dict[str, float | int] = {"count": len(values)}
    summary |= {f"q{q}": round(float(v), 5) for q, v in zip(quantiles, points, strict=True)}
    return summary


# --- measuring -------------------------------------------------------------------------


def measure(rows: list[Row], thresholds: TickThresholds) -> list[dict[str, object]]:
    """Per (kind, style, profile) and per (kind, style) over all profiles: boxes,
    accuracy, unclear rate, wrong states and confident errors. Ticks are classified a
    page at a time, as ``read_ticks`` does."""
    groups: dict[tuple[str, str, str], list[tuple[bool, TickRead]]] = defaultdict(list)
    for row, read in _reads(rows, thresholds):
        for profile in (str(row["profile"]), "all"):
            groups[(str(row["kind"]), str(row["style"]), profile)].append(
                (bool(row["truth"]), read)
            )
    return [_score(key, reads) for key, reads in sorted(groups.items())]


def _reads(rows: list[Row], thresholds: TickThresholds) -> Iterator[tuple[Row, TickRead]]:
    pages: dict[object, list[Row]] = defaultdict(list)
    for row in rows:
        if row["kind"] == "signature":
            yield row, ticks.classify(float(row["ink"]), thresholds.signature)
        else:
            pages[row["page"]].append(row)
    for page in pages.values():
        inks = {str(r["name"]): float(r["ink"]) for r in page}
        reads = ticks.classify_page(inks, thresholds.tick)
        yield from ((r, reads[str(r["name"])]) for r in page)


def _score(key: tuple[str, str, str], reads: list[tuple[bool, TickRead]]) -> dict[str, object]:
    right = sum(read.state == ("ticked" if truth else "empty") for truth, read in reads)
    unclear = sum(read.state == "unclear" for _, read in reads)
    wrong = [read for truth, read in reads if read.state == ("empty" if truth else "ticked")]
    kind, style, profile = key
    return {
        "kind": kind,
        "style": style,
        "profile": profile,
        "n": len(reads),
        "accuracy": right / len(reads),
        "unclear": unclear / len(reads),
        "wrong": len(wrong),
        "confident_errors": sum(read.confidence >= CONFIDENT for read in wrong),
        "doubtful": sum(read.confidence < CONFIDENT for _, read in reads) / len(reads),
    }


def print_table(scores: list[dict[str, object]]) -> None:
    """A Markdown table; "conf < 0.9" is the share of boxes below the confident line,
    right or wrong (what a reviewer would be shown)."""
    columns = "boxes | accuracy | unclear | conf < 0.9 | wrong | confident errors"
    print(f"| kind | style | profile | {columns} |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|")
    for s in scores:
        print(
            f"| {s['kind']} | {s['style']} | {s['profile']} | {s['n']} | {s['accuracy']:.2%} "
            f"| {s['unclear']:.2%} | {s['doubtful']:.2%} | {s['wrong']} | {s['confident_errors']} |"
        )


# --- command line ----------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Learn or measure the tick thresholds.")
    parser.add_argument("command", choices=["calibrate", "measure"])
    parser.add_argument("--pages", type=int, default=360)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--rows", type=Path, help="also write the feature rows (JSON lines)")
    parser.add_argument("--from-rows", type=Path, help="use rows written before by --rows")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.from_rows:
        rows = read_rows(args.from_rows)
        args.pages = len({r["page"] for r in rows})
    else:
        rows = collect(args.pages, args.seed, args.jobs)
    if args.rows:
        args.rows.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    if args.command == "calibrate":
        learned = learn(rows, seed=args.seed, pages=args.pages)
        learned = with_provenance(learned, rows, seed=args.seed, pages=args.pages)
        OUTPUT.write_text(json.dumps(learned, indent=1) + "\n", encoding="utf-8")
        log.info("wrote %s", OUTPUT)
    print_table(measure(rows, load_thresholds(OUTPUT)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
