"""Measure reading with learned templates (issue 17, part 3).

For each form, another printer's layout (:mod:`intake.samples.other_layout`: two
pages, the form and its page of text) is printed blank, scanned (``office300``) into
one TIFF, learned into a template store with
``install_learned`` (what ``sus-intake forms learn`` does), every widget not matched
automatically — or matched to a wrong box (an edge more than 1 mm off) — fixed from
the truth layout as an administrator would on the admin page, and activated. Then
filled forms are made in both layouts and read with the store's active templates::

    .venv/bin/python scripts/measure_templates.py [--count 12] [--seed 2026]
        [--styles typed-office300,hand-office300] [--batches 4] [--out DIR]

Prints how many widgets were matched automatically, and per style and layout the
form, field and silent-error rates (``sus-intake eval``'s scoring) and the share of
documents read with the template of their layout; then batches mixing both layouts,
with how many of their documents are a form of two pages.

``--own`` measures instead the project's own blank PDFs learned (``forms learn``) and
activated: ``eval``'s scores with and without them, and the same pages read with the
learned templates *alone* (no built-in one to fall back on) against the built-in ones,
field by field::

    .venv/bin/python scripts/measure_templates.py --own [--count 12]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from intake.evaluate import Tally, evaluate, find_scans, same_value, truth_path
from intake.forms import FORM_IDS
from intake.forms.blank import write_blank_forms
from intake.forms.reading import ActiveTemplates, ReadingTemplate
from intake.forms.store import TemplateStore
from intake.forms.template import MatchState, Template
from intake.learned import ReadingModels
from intake.load.inputs import PageRef, list_pages
from intake.mapping.document import Document
from intake.pipeline import InputFailure, Reader, extract
from intake.samples.make import PAGE_DPI, make_samples
from intake.samples.other_layout import draw, other_layout_pages
from intake.samples.scan import PROFILES, scan_page
from intake.settings import Settings
from intake.templates.install import install_learned
from intake.training.measure_learn import (
    WITHIN_MM,
    glass_placement,
    placed_back,
    truth_of,
    worst_edge_mm,
)

BLANK_PROFILE = "office300"


@dataclass
class Learned:
    """One form's other layout as learned and activated."""

    form: str
    id: str
    widgets: int
    matched: int  # automatically, to the right box
    wrong: int  # matched automatically but to a wrong box (fixed)
    fixed: int  # missing or ambiguous, fixed


def learn_other_layouts(store: TemplateStore, folder: Path, *, seed: int = 1,
                        forms: tuple[str, ...] = FORM_IDS) -> list[Learned]:
    """Learn each form's other layout from one scanned blank, fix, activate."""
    return [learn_other_layout(store, folder, form_id, seed=seed) for form_id in forms]


def learn_other_layout(store: TemplateStore, folder: Path, form_id: str, *, seed: int = 1
                       ) -> Learned:
    rng = np.random.default_rng(seed)
    first, *later = (scan_page(draw(page, PAGE_DPI), PAGE_DPI, PROFILES[BLANK_PROFILE], rng)
                     for page in other_layout_pages(form_id))
    blank = folder / f"FK{form_id}-annan-blank.tif"
    first.image.save(blank, save_all=True, append_images=[s.image for s in later],
                     dpi=(first.dpi, first.dpi), compression="tiff_lzw")
    stored = install_learned(blank, form_id, store)
    if stored.template.page_count != 1 + len(later):
        raise RuntimeError(f"FK {form_id}: {stored.template.page_count} pages learned, "
                           f"not {1 + len(later)}")
    template, wrong, fixed = fixed_from_truth(stored.template, truth_of(form_id, "other")[0])
    stored = store.update(stored.id, template)
    store.activate(stored.id)
    return Learned(form_id, stored.id, len(template.widgets),
                   len(template.widgets) - wrong - fixed, wrong, fixed)


def fixed_from_truth(learned: Template, truth: Template) -> tuple[Template, int, int]:
    """``learned`` with every widget not matched, or matched more than 1 mm off, given
    its true box (placed on the page as the scan placed the blank); how many were
    matched wrongly and how many were not matched."""
    scale, shift = glass_placement(learned, truth)
    worst = worst_edge_mm(placed_back(learned, scale, shift), truth)
    wrong = fixed = 0
    for widget in learned.widgets:
        if widget.state is MatchState.MATCHED and worst[widget.name] <= WITHIN_MM:
            continue
        wrong += widget.state is MatchState.MATCHED
        fixed += widget.state is not MatchState.MATCHED
        rect = truth.widget(widget.name).rect
        assert rect is not None
        learned = learned.with_box(widget.name, rect.model_copy(update={
            "x": rect.x * scale + shift[0], "y": rect.y * scale + shift[1],
            "w": rect.w * scale, "h": rect.h * scale}))
    return learned, wrong, fixed


def template_use(folder: Path, settings: Settings, store: TemplateStore
                 ) -> tuple[int, int]:
    """(pages of the other layout read with a learned template, such pages) and the
    same check that built-in pages are read with a built-in template, over the
    single-form samples below ``folder`` (the file name says the layout)."""
    learned = {t.id for t in store.active() if not t.builtin}
    right = total = 0
    scans = [s for s in find_scans(folder) if "batch" not in s.name]
    for item in extract(scans, settings):
        if isinstance(item, InputFailure) or item.form not in FORM_IDS:
            continue
        other = "-annan" in item.source
        total += 1
        right += item.template is not None and (item.template.id in learned) == other
    return right, total


def measure(out: Path, *, count: int, seed: int, styles: list[str], batches: int,
            workers: int = 2) -> dict[str, object]:
    store = TemplateStore(out / "templates")
    learned = learn_other_layouts(store, out)
    settings = Settings(templates_dir=store.root, workers=workers)
    rows: dict[str, dict[str, float | None]] = {}
    for layout in ("other", "builtin"):
        folder = out / f"prov-{layout}"
        make_samples(folder, styles, count=count, seed=seed, layout=layout)
        report = evaluate(folder, settings)
        for style, tally in sorted(report.by_style.items()):
            rows[f"{style} {layout}"] = _scores(tally)
        rows[f"templates {layout}"] = {"right": None, **dict(
            zip(("right", "pages"), template_use(folder, settings, store), strict=True))}
    mixed = out / "prov-mixed"
    make_samples(mixed, ["batch-pdf", "batch-tiff"], count=batches, seed=seed, layout="mixed")
    rows["batch mixed"] = {**_scores(evaluate(mixed, settings).overall),
                           "two_page_documents": _two_page_documents(mixed)}
    return {"learned": [vars(x) for x in learned], "rows": rows}


def _two_page_documents(folder: Path) -> int:
    """The documents of two pages (a form of the other layout and its page of text) in
    the truth below ``folder``: form accuracy, per page, counts such a page 2 right only
    when it was joined to its form's document."""
    return sum(len(doc["pages"]) == 2 for scan in find_scans(folder)
               for doc in json.loads(truth_path(scan).read_text()))


class _LearnedOnly(ActiveTemplates):
    """The store's active learned templates without the built-in ones (a measurement
    only: reading always has the built-in ones)."""

    def current(self) -> tuple[ReadingTemplate, ...]:
        return tuple(t for t in super().current() if not t.builtin)


def measure_own(out: Path, *, count: int, seed: int, styles: list[str],
                workers: int = 2) -> dict[str, object]:
    """The project's own blanks learned and activated: eval with and without them, and
    learned-alone against built-in reading field by field."""
    store = TemplateStore(out / "templates")
    learned = []
    for blank in write_blank_forms(out / "blanketter"):
        stored = install_learned(blank, blank.stem.removeprefix("FK"), store)
        store.activate(stored.id)
        counts = stored.template.counts()
        learned.append(Learned(stored.form, stored.id, len(stored.template.widgets),
                               counts[MatchState.MATCHED], 0, 0))
    corpus = out / "prov"
    make_samples(corpus, styles, count=count, seed=seed)
    rows: dict[str, dict[str, float | None]] = {}
    for name, folder in (("without", out / "ingen"), ("with learned", store.root)):
        report = evaluate(corpus, Settings(templates_dir=folder, workers=workers))
        for style, tally in sorted(report.by_style.items()):
            rows[f"{style} {name}"] = _scores(tally)
    settings = Settings(templates_dir=store.root, workers=1)
    models = ReadingModels.shipped()
    builtin = Reader(settings, models)  # the built-in templates only
    alone = Reader(settings, models, _LearnedOnly(store))
    rows["learned alone vs built-in"] = _field_by_field(find_scans(corpus), builtin, alone)
    return {"learned": [vars(x) for x in learned], "rows": rows}


def _field_by_field(scans: list[Path], first: Reader, second: Reader
                    ) -> dict[str, float | None]:
    """Fields right by each reader and fields whose value differs between them."""
    fields = right = right_second = differ = 0
    for scan in scans:
        truth = {t["pages"][0]: t for t in json.loads(truth_path(scan).read_text())}
        for page in list_pages(scan, dpi=first.settings.render_dpi):
            if not isinstance(page, PageRef) or page.page not in truth:
                continue
            docs = (first.read(page), second.read(page))
            for name, value in truth[page.page]["fields"].items():
                got = [_value(d, name) for d in docs]
                fields += 1
                right += same_value(got[0], value)
                right_second += same_value(got[1], value)
                differ += got[0] != got[1]
    return {"fields": fields, "builtin_right": right / max(1, fields),
            "learned_right": right_second / max(1, fields), "values_differing": differ}


def _value(document: Document, name: str) -> object:
    found = document.fields.get(name)
    return None if found is None else found.value


def _scores(tally: Tally) -> dict[str, float | None]:
    return {"pages": tally.pages, "fields": tally.fields, **tally.scores()}


def format_result(result: dict) -> str:
    lines = ["learned: form  widgets  matched  wrong-fixed  missing-fixed"]
    total = matched = 0
    for x in result["learned"]:
        lines.append(f"  FK{x['form']}  {x['widgets']:4}  {x['matched']:4}  {x['wrong']:4}"
                     f"  {x['fixed']:4}   {x['id']}")
        total += x["widgets"]
        matched += x["matched"]
    if total:
        lines.append(f"  matched automatically: {matched}/{total} "
                     f"({100 * matched / total:.1f} %)")
    for name, row in result["rows"].items():
        lines.append(f"{name:32} " + "  ".join(
            f"{k} {_fmt(v)}" for k, v in row.items() if v is not None))
    return "\n".join(lines)


def _fmt(value: float | int | None) -> str:
    if isinstance(value, float) and value <= 1:
        return f"{100 * value:.2f} %"
    return str(value)


def measuring_parser(doc: str | None, *, styles: str) -> argparse.ArgumentParser:
    """The options every template measurement takes: how many forms of which styles,
    the seed, mixed batches, reading processes, where to keep the files, JSON out."""
    parser = argparse.ArgumentParser(description=(doc or "").split("\n\n")[0])
    parser.add_argument("--count", type=int, default=12)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--styles", default=styles)
    parser.add_argument("--batches", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None,
                        help="Keep the store and samples here (default: a temporary folder).")
    parser.add_argument("--json", action="store_true", help="Print the figures as JSON.")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = measuring_parser(__doc__, styles="typed-office300,hand-office300")
    parser.add_argument("--own", action="store_true",
                        help="Measure the project's own blanks learned instead.")
    args = parser.parse_args(argv)
    if args.own:
        return measured(args, lambda out: measure_own(
            out, count=args.count, seed=args.seed, styles=args.styles.split(","),
            workers=args.workers))
    return measured(args, lambda out: measure(
        out, count=args.count, seed=args.seed, styles=args.styles.split(","),
        batches=args.batches, workers=args.workers))


def measured(args: argparse.Namespace, measuring: Callable[[Path], dict[str, Any]]) -> int:
    """Run ``measuring`` in ``--out`` (or a temporary folder) and print its figures, as
    a table or ``--json``."""
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        result = measuring(out)
    print(json.dumps(result, indent=1) if args.json else format_result(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
