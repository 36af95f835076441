"""Fit where a digit field's contested glyph sends it to a person (the ``contested`` entry
of ``intake/learned/data/review_lines.json``) on the cached pages of calibration forms:
the ``*-calib`` styles (real digits the classifier was not fitted on) and, only when
asked (``--with-real``), the calibration seeds of the ``*-real`` styles the project's
lead set aside for it (hand-real300 77/81/91/95, fax-real200 78/82, phone-real 79; never
the evaluation's seeds). The ``*-calib`` forms alone show too few misreadings to place
the line: hand-calib300 seed 77 had no silent date, percent or code at all, while
hand-real300 seed 77 and fax-real200 seed 78 had seven, contested 0.01-0.90.

A date, a percent or a code has no check digit: where one glyph's runner-up makes
another valid value ("21" / "31", "75" / "95"), the classifier's probabilities decide
alone, and on a hand it never saw they are sure too often (``FieldValue.contested``:
that runner-up's probability as a share of the chosen reading's). Every such field of
the calibration pages is replayed with the shipped review lines and no contest line;
the line is the highest contest whose silent errors (wrong, not sent to a person
otherwise, contested below the line) stay within the budget, less a margin: the most
contested misreading among a few hundred fields is not the most there is. The values
at or past the line were right in a share of cases; that share (Laplace) is the most
such a value's confidence may be, so it stays a calibrated probability. The three
types share one line: the contest is the classifier's doubt of one glyph, whatever the
field, and a type alone has too few misreadings to fit on::

    sus-intake samples make --style hand-calib300 --count 60 --seed 77 --out CAL
    .venv/bin/python -m intake.training.calibrate_text collect CAL/hand-calib300 --rows A.jsonl
    (the same for fax-calib200 seed 78, phone-calib seed 79, hand-calib300 81, 91)
    .venv/bin/python -m intake.training.calibrate_contested --rows A.jsonl B.jsonl ...
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from intake.evaluate import same_value
from intake.forms import load_form
from intake.learned.provenance import current_commit
from intake.learned.review import lines_path, load_review_lines
from intake.learned.text import TextCalibration
from intake.mapping.document import build_document
from intake.mapping.interpret import interpret_page
from intake.reads import PageReads
from intake.samples.make import STYLES
from intake.training.calibrate_text import OUTPUT, Row, context_of, field_rows, read_rows

#: The field types a contested glyph may send to a person (a personnummer has Luhn: no
#: one glyph's runner-up makes another valid number).
TYPES = ("date", "percent", "code")
#: Silent errors the line may leave on the calibration forms, as a share of the types'
#: fields (issue 12: ≤ 0.3 % of hand fields).
BUDGET = 0.003
#: The line is this much below the lowest contest that kept the forms within budget.
MARGIN = 0.02
#: The styles whose calibration seeds ``--with-real`` admits.
REAL_STYLES = ("hand-real", "fax-real", "phone-real")
#: The lines tried, from the highest down.
GRID = tuple(round(1.0 - 0.01 * i, 2) for i in range(91))


@dataclass(frozen=True)
class Contested:
    type: str
    contested: float
    confidence: float
    right: bool
    held: bool  # sent to a person without the contest line


def contest_readings(rows: list[Row], *, with_real: bool = False) -> list[Contested]:
    """Every date, percent and code of the calibration pages, replayed with the shipped
    review lines and no contest line (refuses any style but a ``*-calib``, and a
    ``*-real`` one when ``with_real``)."""
    for row in rows:
        style = STYLES.get(row["style"])
        allowed = style is not None and (style.digit_part == "calibration" or (
            with_real and row["style"].startswith(REAL_STYLES)))
        if not allowed:
            raise SystemExit(f"{row['scan']}: not a calibration style (*-calib, or *-real "
                             "with --with-real); refusing to fit the contest line on it")
    calibration = TextCalibration.model_validate_json(OUTPUT.read_text(encoding="utf-8"))
    lines = load_review_lines().model_copy(update={"contested": None})
    found: list[Contested] = []
    done: dict[int, Any] = {}
    for row, name, truth in field_rows(rows):
        if id(row) not in done:
            context = context_of(row, calibration, lines)
            values = interpret_page(PageReads(**row["reads"]), context)
            done[id(row)] = values, build_document(
                row["source"], row["page"], row["form"], values, today=context.today,
                review_below=context.review_below, lines=lines)
        values, doc = done[id(row)]
        kind = next(f for f in load_form(row["form"]).fields if f.name == name).type.value
        if kind in TYPES:
            value = values[name]
            found.append(Contested(kind, value.contested, value.confidence,
                                   same_value(value.value, truth), name in doc.needs_review))
    return found


def fit_contest(readings: list[Contested], *, budget: float = BUDGET,
                margin: float = MARGIN) -> float:
    """The highest line on the grid whose silent errors stay within ``budget`` (a share
    of ``readings``), less ``margin``."""
    allowed = int(budget * len(readings))
    for line in GRID:
        silent = sum(1 for r in readings if not r.right and not r.held and r.contested < line)
        if silent <= allowed:
            return round(max(line - margin, GRID[-1]), 2)
    return GRID[-1]


def contested_right(readings: list[Contested], line: float) -> float:
    """The share of the values contested at or past ``line`` that were right (Laplace:
    never 0 or 1)."""
    sent = [r for r in readings if r.contested >= line]
    return round((sum(r.right for r in sent) + 1) / (len(sent) + 2), 4)


def figures(readings: list[Contested], line: float | None) -> dict[str, float]:
    n = max(len(readings), 1)
    sent = [r.held or (line is not None and r.contested >= line) for r in readings]
    return {"fields": float(len(readings)),
            "review": sum(sent) / n,
            "silent": sum(1 for r, s in zip(readings, sent, strict=True)
                          if not r.right and not s) / n}


def write_contest(rows: list[Row], sources: list[Path], path: Path, *,
                  with_real: bool = False) -> dict[str, Any]:
    """Fit the contest line on ``rows`` and set it in the review lines at ``path`` (the
    lines of every type are kept as they are)."""
    readings = contest_readings(rows, with_real=with_real)
    line = fit_contest(readings)
    before, after = figures(readings, None), figures(readings, line)
    fitted = json.loads(path.read_text(encoding="utf-8"))
    styles = sorted({row["style"] for row in rows})
    fitted["contested"] = {
        "line": line,
        "right": contested_right(readings, line),
        "provenance": {
            "made_by": "python -m intake.training.calibrate_contested "
                       + ("--with-real " if with_real else "") + "--rows "
                       + " ".join(p.name for p in sources)
                       + " (calibrate_text collect on sus-intake samples make)",
            "data": f"{len({row['scan'] for row in rows})} calibration forms "
                    f"({', '.join(styles)}), {len(readings)} {'/'.join(TYPES)} fields",
            "commit": current_commit(), "made_on": date.today().isoformat(),
            "validation": {f"{k}_without": v for k, v in before.items()}
            | {f"{k}_with": v for k, v in after.items()},
            "note": f"silent budget {BUDGET:.1%} of the fields, margin {MARGIN}",
        },
    }
    path.write_text(json.dumps(fitted, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return fitted["contested"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fit the contest line of digit fields.")
    parser.add_argument("--rows", type=Path, nargs="+", required=True,
                        help="cached pages (calibrate_text collect) of *-calib forms")
    parser.add_argument("--out", type=Path, default=lines_path())
    parser.add_argument("--with-real", action="store_true",
                        help="admit the *-real styles' calibration seeds (never the "
                             "evaluation's)")
    args = parser.parse_args(argv)
    rows = [row for path in args.rows for row in read_rows(path)]
    print(json.dumps(write_contest(rows, args.rows, args.out, with_real=args.with_real),
                     indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
