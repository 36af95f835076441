"""Every date of the calibration forms that is wrong or flagged, and the figures, from
cached page reads (``intake.training.calibrate_text collect``): the mapping replayed as
the pipeline maps, so a change to date decoding is measured in seconds::

    .venv/bin/python -m intake.training.calibrate_text collect CAL/STYLE --rows S.jsonl
    .venv/bin/python -m intake.training.measure_dates --rows S.jsonl [--all]

Per date: the style and scan, the truth, the value found, its confidence, why it was
flagged, what the engine read and what the classifier's likeliest cut reads. Then, per
style, date exact, date review, date silent and the silent rate of all fields, as
``sus-intake eval`` counts them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from intake.evaluate import Report, _score_scan, same_value
from intake.forms import load_form
from intake.learned import ReadingModels
from intake.mapping.base import Context, FieldValue
from intake.mapping.document import Document, build_document, empty_document
from intake.mapping.interpret import interpret_page
from intake.reads import Cut, PageReads, TextRead
from intake.training.calibrate_text import Row, _truth, read_rows

_SHOWN = "0123456789/x"


@dataclass(frozen=True)
class DateCase:
    """One date field of a calibration form, as replayed."""

    style: str
    scan: str
    name: str
    truth: str | None
    value: FieldValue
    reviewed: bool
    read: TextRead

    @property
    def right(self) -> bool:
        return same_value(self.value.value, self.truth)


def context_of(row: Row, models: ReadingModels) -> Context:
    return Context(today=date.fromisoformat(row["today"]), calibration=models.text,
                   priors=models.priors, review_lines=models.review)


def replay(row: Row, models: ReadingModels) -> tuple[Document, dict[str, FieldValue]]:
    """The document the pipeline makes of a cached page, and the values behind it."""
    if row["reads"] is None:
        return empty_document(row["source"], row["page"], row["form"]), {}
    context = context_of(row, models)
    values = interpret_page(PageReads(**row["reads"]), context)
    document = build_document(row["source"], row["page"], row["form"], values,
                              today=context.today, review_below=context.review_below,
                              lines=models.review)
    return document, values


def date_cases(rows: list[Row], models: ReadingModels) -> tuple[list[DateCase], Report]:
    """Every date field of the scanned form pages, and the eval report of all fields."""
    report = Report()
    cases: list[DateCase] = []
    by_scan: dict[str, list[Document]] = {}
    for row in rows:
        document, values = replay(row, models)
        by_scan.setdefault(row["scan"], []).append(document)
        cases.extend(_cases_of(row, document, values))
    for scan, docs in sorted(by_scan.items()):
        _score_scan(report, Path(scan).parent.name, _truth(scan), docs)
    return cases, report


def _cases_of(row: Row, document: Document, values: dict[str, FieldValue]
              ) -> Iterator[DateCase]:
    if row["reads"] is None or row["reads"]["exact"]:
        return
    expected = next(t for t in _truth(row["scan"]) if t["pages"][0] == row["page"])
    if expected["form"] != row["form"]:
        return
    for field in load_form(row["form"]).fields:
        if field.type.value != "date" or field.name not in expected["fields"]:
            continue
        read = TextRead(**row["reads"]["texts"][field.widget or field.name])
        yield DateCase(row["style"], Path(row["scan"]).name, field.name,
                       expected["fields"][field.name], values[field.name],
                       field.name in document.needs_review, read)


def cut_text(cut: Cut) -> str:
    """A cut as its likeliest glyphs ("x": a letter), a space where a gap stands."""
    return "".join((" " if gap else "") + _SHOWN[int(np.argmax(glyph))]
                   for glyph, gap in zip(cut.glyphs, cut.gaps, strict=True))


def describe(case: DateCase) -> str:
    value = case.value
    state = "ok " if case.right else "BAD"
    flag = "review" if case.reviewed else "SILENT" if not case.right else "pass"
    cuts = " | ".join(f"{cut_text(c)} ({c.log_weight:.1f})" for c in case.read.cuts[:3])
    return (f"{state} {flag:6} {case.style:14} {case.scan[-28:]:28} {case.name:14} "
            f"truth {case.truth} got {value.value} conf {value.confidence:.2f} "
            f"problem {value.problem!s:.40}\n      engine {case.read.text!r} "
            f"({case.read.confidence:.2f})  cuts {cuts}")


def figures(cases: list[DateCase], report: Report) -> dict[str, dict[str, Any]]:
    by_style: dict[str, dict[str, Any]] = {}
    for style in sorted({c.style for c in cases}):
        mine = [c for c in cases if c.style == style]
        n = len(mine)
        fields = report.by_style[style]
        by_style[style] = {
            "dates": n,
            "exact": sum(c.right for c in mine) / n,
            "review": sum(c.reviewed for c in mine) / n,
            "silent": sum(not c.right and not c.reviewed for c in mine) / n,
            "fields silent": fields.silent / max(fields.fields, 1),
            "fields review": fields.in_review / max(fields.fields, 1),
        }
    return by_style


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=Path, nargs="+", required=True)
    parser.add_argument("--all", action="store_true", help="list right, unflagged dates too")
    args = parser.parse_args(argv)
    rows = [row for path in args.rows for row in read_rows(path)]
    cases, report = date_cases(rows, ReadingModels.shipped())
    for case in sorted(cases, key=lambda c: (c.scan, c.name)):
        if args.all or not case.right or case.reviewed:
            print(describe(case))
    for style, scores in figures(cases, report).items():
        print(f"{style}: " + ", ".join(
            f"{k} {v}" if isinstance(v, int) else f"{k} {100 * v:.1f}%"
            for k, v in scores.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
