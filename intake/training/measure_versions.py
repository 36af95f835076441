"""Measure choosing a form's version by its footer (issue 17): two active templates of a
form print the same boxes and differ only in the footer's version.

The project's own blank of each form drawn with the next version in its footer
(:mod:`intake.samples.revised`) is learned (what ``sus-intake forms learn`` does) and
activated beside the built-in templates. Then, per style, single-form samples printed
on either version (``layout="versions"``) and scanned batches mixing them are read,
and each form page's recorded template version is compared with the version it was
printed on::

    .venv/bin/python scripts/measure_versions.py [--count 12] [--seed 2026]
        [--styles typed-office300,hand-real300,typed-fax200] [--batches 4] [--out DIR]

Also printed: how far apart a page's own and the near-identical template fit (and, for
scale, the same form's other layout), and typed-office300 pages read with and
without the revised templates active (pages a minute, one process, in one run: only
the ratio means anything on a shared machine).
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections.abc import Iterable
from pathlib import Path

from intake.evaluate import find_scans, truth_path
from intake.forms import FORM_IDS, load_form
from intake.forms.reading import ReadingTemplate, active_readings
from intake.forms.store import TemplateStore
from intake.forms.template import MatchState
from intake.load.inputs import PageRef, list_pages
from intake.mapping.document import Document
from intake.ocr.align import template_fits
from intake.pipeline import extract, load_page
from intake.samples.content import make_case
from intake.samples.make import make_samples, write_cases
from intake.samples.revised import REVISED_VERSION, revised_pdf
from intake.settings import Settings
from intake.templates.install import install_learned
from intake.training.measure_templates import (
    learn_other_layouts,
    measured,
    measuring_parser,
)

BATCH_STYLE = "batch-tiff"


def learn_revised(store: TemplateStore, folder: Path) -> list[dict[str, object]]:
    """Each form's revised blank learned from its PDF and activated: what was learned
    (as ``format_result`` lists it)."""
    learned: list[dict[str, object]] = []
    for form_id in FORM_IDS:
        blank = folder / f"FK{form_id}-{REVISED_VERSION}.pdf"
        blank.write_bytes(revised_pdf(form_id))
        stored = install_learned(blank, form_id, store)
        if stored.template.version != REVISED_VERSION:
            raise ValueError(f"FK{form_id}: learned version {stored.template.version}")
        store.activate(stored.id)
        counts = stored.template.counts()
        learned.append({"form": form_id, "id": stored.id, "widgets": len(stored.template.widgets),
                        "matched": counts[MatchState.MATCHED], "wrong": 0,
                        "fixed": len(stored.template.widgets) - counts[MatchState.MATCHED]})
    return learned


def printed_version(form_id: str, layout: str) -> str:
    return REVISED_VERSION if layout == "revised" else load_form(form_id).version


def version_hits(documents: Iterable[object], truth: dict[tuple[str, int], str]
                 ) -> tuple[int, int]:
    """(form pages read with the version they were printed on, form pages)."""
    right = total = 0
    for doc in documents:
        if not isinstance(doc, Document) or not doc.pages:
            continue
        wanted = truth.get((doc.source, doc.pages[0]))
        if wanted is None:
            continue
        total += 1
        right += doc.template is not None and doc.template.version == wanted
    return right, total


def single_truth(files: list[Path]) -> dict[tuple[str, int], str]:
    """The printed version of each single-form sample (its name says "-rev")."""
    truth = {}
    for path in files:
        (doc,) = json.loads(truth_path(path).read_text())
        layout = "revised" if "-rev" in path.name else "builtin"
        truth[(path.name, 1)] = printed_version(doc["form"], layout)
    return truth


def mixed_batches(folder: Path, count: int, seed: int) -> tuple[list[Path], dict]:
    """``count`` scanned batches of 3-6 forms, each page on a version drawn at random."""
    rng = random.Random(f"{seed}:versions")
    files, truth = [], {}
    for index in range(count):
        forms = [rng.choice(FORM_IDS) for _ in range(rng.randint(3, 6))]
        layouts = [rng.choice(["builtin", "revised"]) for _ in forms]
        cases = [make_case(form_id, rng) for form_id in forms]
        path = write_cases(cases, BATCH_STYLE, folder / f"versioner-{index:03d}", rng,
                           layouts=layouts)
        files.append(path)
        for page, (form_id, layout) in enumerate(zip(forms, layouts, strict=True), 1):
            truth[(path.name, page)] = printed_version(form_id, layout)
    return files, truth


def fit_spread(files: list[Path], templates: tuple[ReadingTemplate, ...], others: set[str],
               dpi: int) -> dict[str, float]:
    """Over the form pages of ``files``: the largest difference in fit between the best
    template and another template of the same form printing the same boxes, and the
    smallest lead of the best over the form's other layout (ids ``others``)."""
    alike, lead = 0.0, 1.0
    for path in files:
        for ref in list_pages(path, dpi=dpi):
            if not isinstance(ref, PageRef):
                continue
            fits = template_fits(load_page(ref), templates)
            if not fits:
                continue
            best, top = max(fits, key=lambda item: item[1])
            same = [(t.ref.id in others, r) for t, r in fits if t.form == best.form]
            alike = max(alike, top - min(r for other, r in same if not other))
            lead = min([lead, *(top - r for other, r in same if other)])
    return {"alike_spread_max": round(alike, 4), "other_layout_lead_min": round(lead, 4)}


def pages_per_minute(files: list[Path], with_revised: Path, without: Path
                     ) -> dict[str, float | None]:
    """typed pages a minute read in one process with the revised templates active and without,
    alternating twice so that drift in the machine's load hits both alike."""
    seconds = {"with": 0.0, "without": 0.0}
    pages = 0
    for _ in range(2):
        for name, folder in (("without", without), ("with", with_revised)):
            settings = Settings(templates_dir=folder, workers=1)
            start = time.perf_counter()
            read = [d for d in extract(files, settings) if isinstance(d, Document)]
            seconds[name] += time.perf_counter() - start
            pages = len(read)
    rates: dict[str, float | None] = {  # per minute: above 1, so not printed as a share
        f"pages/min {k}": round(120 * pages / v, 2) for k, v in seconds.items()}
    return {**rates, "ratio with/without": round(seconds["without"] / seconds["with"], 3)}


def measure_versions(out: Path, *, count: int, seed: int, styles: list[str], batches: int,
                     workers: int = 2) -> dict[str, object]:
    store = TemplateStore(out / "templates")
    learned = learn_revised(store, out)
    settings = Settings(templates_dir=store.root, workers=workers)
    spread_store = TemplateStore(out / "spread")  # the revised and the other layouts
    learn_revised(spread_store, out)
    others = {x.id for x in learn_other_layouts(spread_store, out)}
    rows: dict[str, dict[str, float | None]] = {}
    folder = out / "prov"
    for style in styles:
        files = make_samples(folder, [style], count=count, seed=seed, layout="versions")
        right, total = version_hits(extract(files, settings), single_truth(files))
        rows[f"{style} versions"] = {
            "pages": total, "version right": right / max(1, total),
            **fit_spread(files, active_readings(spread_store), others, settings.render_dpi)}
    if batches:
        files, truth = mixed_batches(out / "batch", batches, seed)
        right, total = version_hits(extract(files, settings), truth)
        rows[f"{BATCH_STYLE} mixed versions"] = {"pages": total,
                                                 "version right": right / max(1, total)}
    typed = find_scans(folder / "typed-office300") if (folder / "typed-office300").is_dir() \
        else []
    if typed:
        rows["typed-office300 speed"] = pages_per_minute(typed, store.root, out / "ingen")
    return {"learned": learned, "rows": rows}


def main(argv: list[str] | None = None) -> int:
    parser = measuring_parser(__doc__, styles="typed-office300,hand-real300,typed-fax200")
    args = parser.parse_args(argv)
    return measured(args, lambda out: measure_versions(
        out, count=args.count, seed=args.seed, styles=args.styles.split(","),
        batches=args.batches, workers=args.workers))


if __name__ == "__main__":
    sys.exit(main())
