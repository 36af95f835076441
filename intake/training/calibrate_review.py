"""Fit where review begins for each digit field type (``intake/learned/data/
review_lines.json``) on forms written with real digits the digit classifier was not
fitted on: the train part's calibration share, written by the ``*-calib`` sample styles.
Never on the held-aside digits (the ``*-real*`` styles): the figures are measured there.

Every field of the calibration forms is read once with the review line where
``Settings.review_below`` puts it, and kept as (type, confidence, right, held): held
when something other than its confidence sends it to a person (a broken rule, two
readers disagreeing, an invalid number). A line ``t`` for a type then flags a value
held or below ``t``; a wrong value neither is a silent error. The line is the lowest on
the grid whose silent errors on the calibration forms stay within the budget — a share
of the type's fields (:data:`BUDGET`) — plus a margin, so what is flagged follows how
often a reading that sure was right there (the table of confidence → share right is
saved with it). A type with too few calibration fields keeps ``review_below``.

    sus-intake samples make --style hand-calib300 --count 60 --seed 77 --out DIR
    sus-intake samples make --style fax-calib200 --count 30 --seed 78 --out DIR
    .venv/bin/python -m intake.training.calibrate_review DIR

A candidate digit model is calibrated before it is shipped with ``--digits MODEL --out
FILE``: the lines fitted for it (the free-text and ticked-box lines kept from the
shipped file) go beside it, to be shipped together.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from intake.evaluate import expected_forms, find_scans, same_value
from intake.learned import ReadingModels, ReviewLines
from intake.learned.digits import load_digit_model
from intake.learned.provenance import Provenance, current_commit
from intake.learned.review import lines_path
from intake.mapping.base import EMPTY_UNSURE
from intake.mapping.numbers import DATE_UNSURE, VALUE_UNSURE
from intake.mapping.personnummer import PNR_CORRECTED, PNR_UNSURE
from intake.samples.make import STYLES
from intake.settings import REVIEW_BELOW, Settings

log = logging.getLogger(__name__)

#: The types given a line of their own. Free text's lines (one per kind of field) are
#: fitted on cached pages by ``intake.training.calibrate_text review-line``; a personnummer
#: keeps ``review_below``: its budget (≤ 0.1 % silent) is one error in a thousand, which
#: a few dozen calibration forms cannot show, and its misreads are valid numbers (Luhn
#: holds for two digits swapped) that look as sure as right ones.
TYPES = ("date", "percent", "code")
#: The ticked-box types, fitted apart (``--types single,multi,yesno``): their reads come
#: from the ink of the boxes, which a new digit classifier does not move. A box whose ink
#: lies in the unclear band, or two ticks, is held for review whatever the line.
CHOICE_TYPES = ("single", "multi", "yesno")
#: Silent errors allowed on the calibration forms, as a share of the type's fields
#: (issue 12: ≤ 0.3 % of hand fields).
BUDGET = {"date": 0.003, "percent": 0.003, "code": 0.003,
          "single": 0.003, "multi": 0.003, "yesno": 0.003}
#: A type with fewer calibration fields gets no line (keeps ``review_below``).
MIN_FIELDS = 50
#: The line is this much above the lowest that kept the calibration forms within the
#: budget: the surest misreading among a few dozen forms is not the surest there is.
MARGIN = 0.05
#: The lines tried: no lower than this (below it a reading is a guess whatever the
#: calibration forms say), up to REVIEW_BELOW and beyond.
GRID = tuple(round(0.30 + 0.01 * i, 2) for i in range(70))
#: Problems a value gets only for being below the line (``valued``, ``empty``).
BELOW_LINE = frozenset({DATE_UNSURE, VALUE_UNSURE, PNR_UNSURE, PNR_CORRECTED, EMPTY_UNSURE})
#: Confidence bins of the saved reliability table.
BINS = (0.0, 0.2, 0.4, 0.6, 0.8, 0.9, 0.95, 1.01)


@dataclass(frozen=True)
class Reading:
    type: str
    confidence: float
    right: bool
    held: bool  # sent to a person whatever the line


def calibration_readings(folders: list[Path], settings: Settings,
                         types: tuple[str, ...] = TYPES,
                         digits: Path | None = None) -> list[Reading]:
    """Every field of ``types`` (default the digit types) of the calibration forms in
    ``folders``, read with no per-type line and the digit model in ``digits`` (default
    the shipped one); refuses a folder of any style but a ``*-calib`` one."""
    scans = [s for folder in folders for s in find_scans(folder)]
    for scan in scans:
        style = STYLES.get(scan.parent.name)
        if style is None or style.digit_part != "calibration":
            raise SystemExit(f"{scan}: not a calibration style (*-calib); refusing to fit "
                             "review lines on it")
    shipped = ReadingModels.shipped()
    # (the contest line stays: a value it sends to a person is held, as in the pipeline)
    models = replace(shipped, review=ReviewLines(
        contested=shipped.review.contested, contested_right=shipped.review.contested_right))
    if digits is not None:
        models = replace(models, digits=load_digit_model(digits))
    readings = []
    for _scan, expected, doc, kinds in expected_forms(scans, settings, models):
        for name, truth in expected["fields"].items():
            if kinds[name] not in types:
                continue
            if doc is None or doc.form != expected["form"]:
                readings.append(Reading(kinds[name], 0.0, False, True))
                continue
            got = doc.fields[name]
            ruled = any(name in i.fields for i in doc.issues if i.severity == "error")
            problem = doc.problems.get(name)
            held = ruled or (problem is not None and problem not in BELOW_LINE)
            readings.append(Reading(kinds[name], got.confidence,
                                    same_value(got.value, truth), held))
    return readings


def fit_line(readings: list[Reading], budget: float, *, margin: float = MARGIN) -> float:
    """The lowest line on the grid whose silent errors stay within ``budget`` (a share
    of ``readings``), plus ``margin``."""
    allowed = int(budget * len(readings))
    for line in GRID:
        silent = sum(1 for r in readings if not r.right and not r.held and r.confidence >= line)
        if silent <= allowed:
            return round(min(line + margin, GRID[-1]), 2)
    return GRID[-1]


def figures(readings: list[Reading], line: float) -> dict[str, float]:
    n = max(len(readings), 1)
    flagged = [r.held or r.confidence < line for r in readings]
    return {
        "fields": float(len(readings)),
        "accuracy": sum(r.right for r in readings) / n,
        "review": sum(flagged) / n,
        "silent": sum(1 for r, f in zip(readings, flagged, strict=True)
                      if not r.right and not f) / n,
        "review_at_default": sum(r.held or r.confidence < REVIEW_BELOW for r in readings) / n,
    }


def _made_by(folders: list[Path], types: tuple[str, ...], digits: Path | None) -> str:
    """The command as run: the folders by name and the forms each holds (a folder is
    what ``sus-intake samples make --style STYLE --count N --seed S --out DIR`` wrote)."""
    model = "" if digits is None else f" --digits {digits.name}"
    option = "" if types == TYPES else f" --types {','.join(types)}"
    held = ", ".join(f"{folder.name}: {len(find_scans(folder))} forms" for folder in folders)
    return (f"python -m intake.training.calibrate_review{option} "
            + " ".join(folder.name for folder in folders) + model + f" ({held})")


def reliability(readings: list[Reading]) -> list[dict[str, float]]:
    """Per confidence bin: how many values (not held) and what share was right."""
    table = []
    for low, high in zip(BINS, BINS[1:], strict=False):
        inside = [r for r in readings if not r.held and low <= r.confidence < high]
        if inside:
            table.append({"from": low, "to": min(high, 1.0), "values": float(len(inside)),
                          "right": sum(r.right for r in inside) / len(inside)})
    return table


def calibrate(folders: list[Path], settings: Settings, types: tuple[str, ...] = TYPES,
              digits: Path | None = None) -> dict:
    readings = calibration_readings(folders, settings, types, digits)
    lines, measured, tables = {}, {}, {}
    for kind in types:
        mine = [r for r in readings if r.type == kind]
        if len(mine) < MIN_FIELDS:
            continue
        lines[kind] = fit_line(mine, BUDGET[kind])
        measured[kind] = figures(mine, lines[kind])
        tables[kind] = reliability(mine)
    styles = sorted({s.parent.name for folder in folders for s in find_scans(folder)})
    forms = sum(len(find_scans(folder)) for folder in folders)
    provenance = Provenance(
        made_by=_made_by(folders, types, digits),
        data=f"{forms} calibration forms ({', '.join(styles)}): real digits of the train "
             "part's calibration share, never fitted on by the digit classifier; not the "
             "held-aside digits",
        commit=current_commit(), made_on=date.today(),
        validation={f"{k}_{m}": v for k, figs in measured.items() for m, v in figs.items()},
        note="silent budget per type: " + ", ".join(f"{k} {v:.1%}" for k, v in BUDGET.items()),
    )
    return {"lines": lines, "reliability": tables,
            "provenance": provenance.model_dump(mode="json")}


def keep_text_lines(fitted: dict[str, Any], path: Path) -> dict[str, Any]:
    """``fitted`` (the digit types' lines) with the free-text lines already in ``path``
    kept as they are: those are fitted by ``calibrate_text review-line``, on Tesseract's
    reads, which a change of the digit classifier does not move."""
    if not path.is_file():
        return fitted
    old = json.loads(path.read_text(encoding="utf-8"))
    text = {k: v for k, v in old.get("lines", {}).items() if k == "text" or k.startswith("text:")}
    if not text:
        return fitted
    tables = {k: v for k, v in old.get("reliability", {}).items()
              if k == "text" or k.startswith("text:")}  # by group ("text:name"), not field
    before = old.get("provenance", {})
    provenance = dict(fitted["provenance"])
    provenance["validation"] = provenance["validation"] | {
        k: v for k, v in before.get("validation", {}).items() if k.startswith("text_")}
    for key in ("made_by", "data", "note"):
        kept = str(before.get(key, "")).partition("; text")[2]
        if kept:
            provenance[key] = f"{provenance[key]}; text{kept}"
    return {"lines": fitted["lines"] | text, "reliability": fitted["reliability"] | tables,
            "provenance": provenance}


def keep_choice_lines(fitted: dict[str, Any], path: Path) -> dict[str, Any]:
    """``fitted`` with the ticked-box types' lines already in ``path`` kept as they are,
    with their tables and their own provenance (``choice_provenance``): they are fitted
    apart (:data:`CHOICE_TYPES`), on the ink of the boxes."""
    if not path.is_file():
        return fitted
    old = json.loads(path.read_text(encoding="utf-8"))
    lines = {k: v for k, v in old.get("lines", {}).items() if k in CHOICE_TYPES}
    if not lines:
        return fitted
    tables = {k: v for k, v in old.get("reliability", {}).items() if k in lines}
    return fitted | {"lines": fitted["lines"] | lines,
                     "reliability": fitted["reliability"] | tables,
                     "choice_provenance": old.get("choice_provenance")}


def keep_contest(fitted: dict[str, Any], path: Path) -> dict[str, Any]:
    """``fitted`` with the contest line already in ``path`` kept as it is (fitted apart
    by ``intake.training.calibrate_contested``)."""
    if not path.is_file():
        return fitted
    old = json.loads(path.read_text(encoding="utf-8"))
    return fitted | ({"contested": old["contested"]} if "contested" in old else {})


def with_choice_lines(fitted: dict[str, Any], path: Path) -> dict[str, Any]:
    """The ticked-box types' lines (``fitted``) set among the lines already in ``path``,
    which stay as they are; the fit's provenance is kept apart (``choice_provenance``)."""
    old = json.loads(path.read_text(encoding="utf-8"))
    return old | {"lines": old["lines"] | fitted["lines"],
                  "reliability": old.get("reliability", {}) | fitted["reliability"],
                  "choice_provenance": fitted["provenance"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fit the review line of each digit field type.")
    parser.add_argument("folders", type=Path, nargs="+")
    parser.add_argument("--out", type=Path, default=lines_path())
    parser.add_argument("--digits", type=Path, default=None,
                        help="the digit model to read with (default the shipped one): "
                             "a candidate's lines, written to --out beside it")
    parser.add_argument("--types", default=",".join(TYPES),
                        help="the types to fit (default the digit types; the ticked-box "
                             "types are fitted apart: single,multi,yesno)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    types = tuple(args.types.split(","))
    # the lines not fitted now come from --out, or the shipped file for a new one
    kept_from = args.out if args.out.is_file() else lines_path()
    if types != TYPES:
        fitted = with_choice_lines(calibrate(args.folders, Settings(), types, args.digits),
                                   kept_from)
        args.out.write_text(json.dumps(fitted, ensure_ascii=False, indent=1) + "\n",
                            encoding="utf-8")
        print({k: fitted["lines"][k] for k in types if k in fitted["lines"]})
        return 0
    fitted = keep_contest(keep_choice_lines(
        keep_text_lines(calibrate(args.folders, Settings(), digits=args.digits), kept_from),
        kept_from), kept_from)
    args.out.write_text(json.dumps(fitted, ensure_ascii=False, indent=1) + "\n",
                        encoding="utf-8")
    for kind, line in fitted["lines"].items():
        figs = {k: v for k, v in fitted["provenance"]["validation"].items()
                if k.startswith(kind + "_")}
        print(f"{kind:13} line {line:.2f}  " + "  ".join(
            f"{k.removeprefix(kind + '_')} {v:.3f}" for k, v in figs.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
