"""Why personnummer go to review: every personnummer field of cached calibration pages
(``intake.training.calibrate_text collect``) replayed through the mapping, with its
confidence, whether it is right, whether a person sees it and why (the problem the
mapping gave, or only its confidence under the review line), and where each reader's
digits differ from the truth (places only: no number is printed)::

    .venv/bin/python -m intake.training.calibrate_text collect CAL/STYLE --rows STYLE.jsonl
    .venv/bin/python -m intake.training.measure_personnummer --rows STYLE.jsonl [--list]

The summary per file: fields, exact, reviewed, right but reviewed, silent (wrong and
not reviewed), then why the right ones were reviewed and the reliability table
(confidence bins → share right) of the confidence the mapping gave.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from intake.evaluate import same_value
from intake.forms import FieldType, load_form
from intake.learned.text import TextCalibration
from intake.mapping.base import Context
from intake.mapping.personnummer import interpret_personnummer, whole_field
from intake.reads import TextRead
from intake.training.calibrate_review import Reading, reliability
from intake.training.calibrate_text import OUTPUT, Row, context_of, field_rows, read_rows

#: The reason given a value reviewed for its confidence alone.
BELOW_LINE = "below the review line"


@dataclass(frozen=True)
class PnrField:
    """One personnummer field as the mapping read it."""

    source: str
    confidence: float
    right: bool
    reviewed: bool
    reason: str  # the problem, BELOW_LINE, or "" when not reviewed
    #: places (of the 12) where the engine's digits, the classifier's likeliest glyphs
    #: and the value differ from the truth ("-": that reader read no 12 digits)
    engine: str
    seen: str
    value: str


def differing(digits: str, truth: str) -> str:
    """The places where ``digits`` differ from ``truth`` (right-aligned: a ten-digit
    read lacks the century), "=" for none, "-" for a read of another length."""
    if len(digits) not in (10, 12) or len(truth) != 12:
        return "-"
    places = [12 - i for i in range(1, len(digits) + 1) if digits[-i] != truth[-i]]
    return ",".join(str(p) for p in sorted(places)) or "="


def pnr_field(row: Row, name: str, truth: object, context: Context) -> PnrField:
    field = next(f for f in load_form(row["form"]).fields if f.name == name)
    read = TextRead(**row["reads"]["texts"][field.widget or name])
    value = interpret_personnummer(read, context)
    whole = whole_field(read.cuts, context)
    reviewed = value.confidence < context.review_below or value.problem is not None
    reason = value.problem or (BELOW_LINE if reviewed else "")
    wanted = str(truth or "")
    return PnrField(
        source=row["source"], confidence=value.confidence,
        right=same_value(value.value, truth), reviewed=reviewed, reason=reason,
        engine=differing("".join(c for c in read.text if c.isdigit()), wanted),
        seen=differing(whole.seen if whole else "", wanted),
        value=differing(str(value.value or ""), wanted),
    )


def pnr_fields(rows: list[Row]) -> list[PnrField]:
    """Every personnummer field of the cached form pages, replayed."""
    calibration = TextCalibration.model_validate_json(OUTPUT.read_text(encoding="utf-8"))
    found = []
    for row, name, truth in field_rows(rows):
        kind = next(f.type for f in load_form(row["form"]).fields if f.name == name)
        if kind is FieldType.PERSONNUMMER:
            found.append(pnr_field(row, name, truth, context_of(row, calibration)))
    return found


def summary(fields: list[PnrField]) -> dict[str, int]:
    return {
        "fields": len(fields),
        "exact": sum(f.right for f in fields),
        "reviewed": sum(bool(f.reviewed) for f in fields),
        "right but reviewed": sum(bool(f.right and f.reviewed) for f in fields),
        "silent": sum(not f.right and not f.reviewed for f in fields),
    }


def print_fields(fields: list[PnrField]) -> None:
    for f in fields:
        mark = ("right" if f.right else "WRONG") + (" reviewed" if f.reviewed else "")
        print(f"  {f.source[-34:]:34} {f.confidence:6.3f} {mark:15} {f.reason[:44]:44} "
              f"engine {f.engine:10} seen {f.seen:10} value {f.value}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=Path, nargs="+", required=True)
    parser.add_argument("--list", action="store_true", help="every field, not the summary only")
    args = parser.parse_args(argv)
    every: list[PnrField] = []
    for path in args.rows:
        fields = pnr_fields(read_rows(path))
        every.extend(fields)
        print(path.name, summary(fields))
        if args.list:
            print_fields(fields)
    why = Counter(f.reason for f in every if f.right and f.reviewed)
    print("right but reviewed, why:", dict(why.most_common()))
    readings = [Reading("personnummer", f.confidence, f.right, False) for f in every]
    for b in reliability(readings):
        print(f"  confidence {b['from']:.2f}-{b['to']:.2f}: {int(b['values']):4d} values, "
              f"{b['right']:.1%} right")
    return 0


if __name__ == "__main__":
    sys.exit(main())
