"""``sus-intake eval``: score extraction against truth files (CONTRACT §3, §4).

A field is correct when its value equals the truth (text after NFC, trimming and
collapsing inner white space; everything else exactly). A field that is wrong and
not in ``needs_review`` is a *silent error*. When a page's form is wrong, every
truth field of it counts as wrong — silent unless the page was sent to a person
as ``unknown``.
"""

from __future__ import annotations

import json
import resource
import time
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from intake.forms import load_form
from intake.learned import ReadingModels
from intake.load.inputs import IMAGE_SUFFIXES
from intake.mapping.document import Document
from intake.pipeline import InputFailure, extract
from intake.settings import Settings

SCAN_SUFFIXES = IMAGE_SUFFIXES | {".pdf"}


@dataclass
class Tally:
    """Counts behind the scores of one group (overall, a style, a field type…)."""

    pages: int = 0
    forms_right: int = 0
    fields: int = 0
    fields_right: int = 0
    in_review: int = 0
    silent: int = 0
    documents: int = 0
    documents_right: int = 0

    def add_field(self, right: bool, reviewed: bool) -> None:
        self.fields += 1
        self.fields_right += right
        self.in_review += reviewed
        self.silent += (not right) and (not reviewed)

    def scores(self) -> dict[str, float | None]:
        return {
            "form_accuracy": _share(self.forms_right, self.pages),
            "field_accuracy": _share(self.fields_right, self.fields),
            "document_accuracy": _share(self.documents_right, self.documents),
            "review_rate": _share(self.in_review, self.fields),
            "silent_error_rate": _share(self.silent, self.fields),
        }


@dataclass
class Report:
    overall: Tally = field(default_factory=Tally)
    by_style: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_type: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_field: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_style_type: dict[tuple[str, str], Tally] = field(default_factory=lambda: defaultdict(Tally))
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    peak_mb: float = 0.0


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def find_scans(folder: Path) -> list[Path]:
    """Every scan below ``folder`` that has NAME.truth.json beside it."""
    return sorted(
        p for p in folder.rglob("*")
        if p.suffix.lower() in SCAN_SUFFIXES and truth_path(p).exists()
    )


def truth_path(scan: Path) -> Path:
    return scan.with_name(scan.stem + ".truth.json")


def expected_forms(scans: list[Path], settings: Settings, models: ReadingModels | None = None,
                   ) -> Iterator[tuple[Path, dict, Document | None, dict[str, str]]]:
    """Every form the truth files of ``scans`` expect (blank and unknown pages left
    out), read by ``extract``: (scan, the truth's document, the document found on its
    first page or None, its fields' SPEC types) -- what the calibration and analysis
    scripts compare field by field. Scans of the same name in different folders (one
    style's corpora of several seeds) are told apart: a document names only its file."""
    found: dict[tuple[Path, str], list[Document]] = defaultdict(list)
    for folder in dict.fromkeys(scan.parent for scan in scans):
        for item in extract([s for s in scans if s.parent == folder], settings, models):
            if not isinstance(item, InputFailure):
                found[(folder, item.source)].append(item)
    for scan in scans:
        by_page = {page: doc for doc in found[(scan.parent, scan.name)] for page in doc.pages}
        for expected in json.loads(truth_path(scan).read_text()):
            if expected["form"] in ("blank", "unknown"):
                continue
            types = {f.name: f.type.value for f in load_form(expected["form"]).fields}
            yield scan, expected, by_page.get(expected["pages"][0]), types


def evaluate(folder: Path, settings: Settings) -> Report:
    scans = find_scans(folder)
    report = Report()
    started = time.perf_counter()
    by_source: dict[str, list[Document]] = defaultdict(list)
    for item in extract(scans, settings):
        if isinstance(item, InputFailure):
            report.failures.append(f"{item.source}: {item.message}")
        else:
            by_source[item.source].append(item)
    report.seconds = time.perf_counter() - started
    report.peak_mb = _peak_mb()
    for scan in scans:
        style = scan.parent.name  # a corpus keeps one style per folder
        _score_scan(report, style, json.loads(truth_path(scan).read_text()), by_source[scan.name])
    return report


def _score_scan(report: Report, style: str, truth: list[dict], docs: list[Document]) -> None:
    by_page = {page: doc for doc in docs for page in doc.pages}
    for expected in truth:
        found = by_page.get(expected["pages"][0])
        joined = [by_page.get(page) is found for page in expected["pages"]]
        _score_document(report, style, expected, found, joined)


def _score_document(report: Report, style: str, expected: dict, found: Document | None,
                    joined: list[bool] | None = None) -> None:
    """Score one true document against the document found for its first page; form
    accuracy is per page: a later page counts as right only when it was found in that
    same document (``joined``, one flag per page; default all)."""
    groups = [report.overall, report.by_style[style]]
    form_right = found is not None and found.form == expected["form"]
    pages_right = len(expected["pages"]) if joined is None else sum(joined)
    for tally in groups:
        tally.pages += len(expected["pages"])
        tally.forms_right += form_right * pages_right
    if expected["form"] in ("blank", "unknown"):
        return
    all_right = form_right
    types = {f.name: f.type.value for f in load_form(expected["form"]).fields}
    for name, value in expected["fields"].items():
        got = found.fields.get(name) if form_right and found else None
        right = got is not None and same_value(got.value, value)
        reviewed = found is not None and (name in found.needs_review or found.form == "unknown")
        all_right = all_right and right
        by_kind = (report.by_type[types[name]], report.by_style_type[(style, types[name])])
        for tally in (*groups, *by_kind, report.by_field[name]):
            tally.add_field(right, reviewed)
    for tally in groups:
        tally.documents += 1
        tally.documents_right += all_right


def same_value(got: Any, expected: Any) -> bool:
    if isinstance(expected, str) and isinstance(got, str):
        return _text(got) == _text(expected)
    return bool(got == expected)


def _text(value: str) -> str:
    return " ".join(unicodedata.normalize("NFC", value).split())


def _peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def format_report(report: Report, *, worst: int = 8) -> str:
    lines = [_header()]
    lines.append(_row("overall", report.overall))
    lines += [_row(f"style {s}", t) for s, t in sorted(report.by_style.items())]
    lines += [_row(f"type {s}", t) for s, t in sorted(report.by_type.items())]
    pages = report.overall.pages
    rate = pages / report.seconds if report.seconds else 0.0
    lines.append(f"\npages: {pages}  seconds: {report.seconds:.1f}  pages/s: {rate:.2f}  "
                 f"peak memory: {report.peak_mb:.0f} MB")
    lines.append("worst fields: " + ", ".join(_worst(report, worst)))
    for wanted in ("personnummer", "date"):
        lines.append(f"{wanted} exact per style: " + ", ".join(
            f"{style} {_pct(tally.scores()['field_accuracy'])}"
            for (style, kind), tally in sorted(report.by_style_type.items())
            if kind == wanted
        ))
    lines += [f"unreadable: {f}" for f in report.failures]
    return "\n".join(lines)


def _header() -> str:
    cols = ("form acc", "field acc", "doc acc", "review", "silent err", "fields")
    return f"{'':28}" + "".join(f"{c:>11}" for c in cols)


def _row(name: str, tally: Tally) -> str:
    scores = tally.scores()
    cells = [_pct(scores[k]) for k in ("form_accuracy", "field_accuracy", "document_accuracy",
                                        "review_rate", "silent_error_rate")]
    return f"{name:28}" + "".join(f"{c:>11}" for c in cells) + f"{tally.fields:>11}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.2f}%"


def _worst(report: Report, count: int) -> Iterable[str]:
    ranked = sorted(report.by_field.items(), key=lambda kv: kv[1].scores()["field_accuracy"] or 0)
    for name, tally in ranked[:count]:
        yield f"{name} {_pct(tally.scores()['field_accuracy'])}"
