"""Learn when a free-text read the engine is sure of is still wrong, and measure it.

A corpus is what ``sus-intake samples make`` writes (one folder per style, a truth
file beside every scan). ``collect`` reads it once as the pipeline does (split, align,
ticks, Tesseract per text widget) and caches per page the raw text reads and the
values that need no text, so that everything after Tesseract replays in seconds:

    .venv/bin/sus-intake samples make --out /tmp/cal/train --count 60 --seed 101
    .venv/bin/python scripts/calibrate_text.py collect /tmp/cal/train --rows /tmp/cal/train.jsonl
    (the same for seeds 102 and 104 into train2 and train3, and for 303 into test)
    .venv/bin/python scripts/calibrate_text.py calibrate \
        --rows /tmp/cal/train.jsonl /tmp/cal/train2.jsonl /tmp/cal/train3.jsonl
    .venv/bin/python scripts/calibrate_text.py measure --rows /tmp/cal/test.jsonl

``review-line`` fits where review of free text begins (the ``text`` line of
``intake/learned/data/review_lines.json``) on the cached pages of calibration forms
(the ``*-calib`` styles only): the lowest line whose silent errors stay within
:data:`TEXT_BUDGET` for typed and for hand forms alike. Flags then follow the
calibrated confidence only (``intake.mapping.text.text_doubt``)::

    sus-intake samples make --style hand-calib300 --count 60 --seed 77 --out CAL
    (fax-calib200 30 seed 78, typed-calib300 60 seed 80, phone-calib 30 seed 79)
    .venv/bin/python -m intake.training.calibrate_text collect CAL/STYLE --rows STYLE.jsonl
    .venv/bin/python -m intake.training.calibrate_text review-line --rows *.jsonl

``calibrate`` learns, per kind of free-text field (names, organisations), *signals*:
evidence in a read (``intake.mapping.text.text_evidence``: a small first letter where the field
is capitalised, a lone letter, a runner-up character the engine also saw, …) and a
threshold from which reads the engine was sure of are wrong often enough that a
review pays (SILENT_COST; ``learn_signals``); it writes
``intake/learned/data/text_calibration.json``.
``calibrate`` and ``measure`` then replay the cached pages through ``interpret_page`` and
``build_document`` and print per style field accuracy, review rate and silent error
rate as ``sus-intake eval`` counts them, without and with the signals. Calibrate on
one seed's corpus (several ``--rows`` files may be given), measure on another.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Iterator
from datetime import date
from multiprocessing import Pool
from pathlib import Path
from typing import Any

from intake.evaluate import (
    Report,
    _score_scan,
    find_scans,
    same_value,
    truth_path,
)
from intake.forms import load_form
from intake.learned import ReadingModels, ReviewLines
from intake.learned.provenance import Provenance, current_commit
from intake.learned.review import lines_path, load_review_lines
from intake.learned.text import TEXT_EVIDENCE, TextCalibration, calibration_path
from intake.load.digital import classify_digital, digital_reads
from intake.load.inputs import DigitalPage, read_input
from intake.mapping.base import Context, FieldValue
from intake.mapping.document import Document, build_document, empty_document
from intake.mapping.interpret import interpret_page
from intake.mapping.places import KOMMUN_UNKNOWN
from intake.mapping.text import TEXT_FROM_LIST, evidence_of
from intake.ocr.align import align_page
from intake.ocr.fields import read_fields
from intake.ocr.tesseract import shared_engine
from intake.reads import PageReads, TextRead
from intake.samples.make import STYLES
from intake.settings import REVIEW_BELOW
from intake.training.calibrate_review import Reading, figures, fit_line, reliability

log = logging.getLogger("calibrate_text")

OUTPUT = calibration_path()
RENDER_DPI = 200

#: One cached page: style, scan, source, page, today, form and what was read on it.
Row = dict[str, Any]


# --- reading a corpus once --------------------------------------------------------------


def page_rows(job: tuple[str, str]) -> list[Row]:
    """The cached rows of every page of one scan."""
    scan, today = Path(job[0]), date.fromisoformat(job[1])
    models = ReadingModels.shipped()
    rows = []
    for page in read_input(scan, dpi=RENDER_DPI):
        row: Row = {"style": scan.parent.name, "scan": str(scan.resolve()), "source": page.source,
                    "page": page.page, "today": today.isoformat(), "reads": None}
        reads = None
        if isinstance(page, DigitalPage):
            row["form"] = classify_digital(page)
            reads = digital_reads(page, row["form"])
        else:
            alignment, aligned = align_page(page)
            row["form"] = alignment.kind
            if aligned is not None and alignment.kind not in ("blank", "unknown"):
                reads = read_fields(aligned, alignment.kind, engine=shared_engine(),
                                    models=models)
        row["reads"] = None if reads is None else reads.model_dump(mode="json")
        rows.append(row)
    return rows


def collect(folder: Path, jobs: int) -> list[Row]:
    today = date.today().isoformat()
    work = [(str(scan), today) for scan in find_scans(folder)]
    rows: list[Row] = []
    with Pool(jobs) as pool:
        for done, page in enumerate(pool.imap(page_rows, work, chunksize=1), start=1):
            rows.extend(page)
            if done % 50 == 0:
                log.info("%d / %d scans", done, len(work))
    return rows


def read_rows(path: Path) -> list[Row]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# --- replaying the mapping --------------------------------------------------------------


def context_of(row: Row, calibration: TextCalibration,
               lines: ReviewLines | None = None) -> Context:
    return Context(today=date.fromisoformat(row["today"]), calibration=calibration,
                   review_below=REVIEW_BELOW, review_lines=lines or ReviewLines())


def replay(row: Row, calibration: TextCalibration,
           lines: ReviewLines | None = None) -> Document:
    """The document the pipeline makes of a cached page, with ``calibration`` and the
    review ``lines`` (none: every type reviewed below ``REVIEW_BELOW``)."""
    form_id = row["form"]
    if row["reads"] is None:
        return empty_document(row["source"], row["page"], form_id)
    context = context_of(row, calibration, lines)
    values = interpret_page(PageReads(**row["reads"]), context)
    return build_document(row["source"], row["page"], form_id, values, today=context.today,
                          review_below=context.review_below, lines=lines)


def score(rows: list[Row], *, calibrated: bool = True) -> Report:
    """The eval report of the cached pages (truth files beside the scans), with the
    shipped text calibration or without it (the engine's own confidence), and the
    shipped review lines as the pipeline has them."""
    shipped = TextCalibration.model_validate_json(OUTPUT.read_text(encoding="utf-8"))
    return _score(rows, shipped if calibrated else without_signals(shipped),
                  load_review_lines())


def without_signals(calibration: TextCalibration) -> TextCalibration:
    """The same kinds of field, none with a signal: every read keeps its confidence."""
    kinds = {n: k.model_copy(update={"signals": ()}) for n, k in calibration.kinds.items()}
    return calibration.model_copy(update={"kinds": kinds})


def _score(rows: list[Row], calibration: TextCalibration,
           lines: ReviewLines | None = None) -> Report:
    report = Report()
    by_scan: dict[str, list[Document]] = {}
    for row in rows:
        by_scan.setdefault(row["scan"], []).append(replay(row, calibration, lines))
    for scan, docs in sorted(by_scan.items()):
        _score_scan(report, Path(scan).parent.name, _truth(scan), docs)
    return report


def _truth(scan: str) -> list[dict[str, Any]]:
    return list(json.loads(truth_path(Path(scan)).read_text(encoding="utf-8")))


def field_rows(rows: list[Row]) -> Iterator[tuple[Row, str, Any]]:
    """Every (page, field name, truth value) of the scanned form pages."""
    truths: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if row["reads"] is None or row["reads"]["exact"]:
            continue
        if row["scan"] not in truths:
            truths[row["scan"]] = _truth(row["scan"])
        expected = next(t for t in truths[row["scan"]] if t["pages"][0] == row["page"])
        if expected["form"] != row["form"]:
            continue
        for name, value in expected["fields"].items():
            yield row, name, value


# --- free-text samples -----------------------------------------------------------------


def text_samples(rows: list[Row]) -> list[Row]:
    """One sample per free-text field of every scanned form page: its style, name,
    evidence, the value as mapped without signals, whether that value is right, and
    whether it goes to review all the same."""
    shipped = TextCalibration.model_validate_json(OUTPUT.read_text(encoding="utf-8"))
    bare = without_signals(shipped)
    samples = []
    values: dict[int, dict[str, FieldValue]] = {}
    for row, name, truth in field_rows(rows):
        if bare.kind_of(name) is None:
            continue
        context = context_of(row, bare)
        if id(row) not in values:
            values[id(row)] = interpret_page(PageReads(**row["reads"]), context)
        samples.append(_sample(row, name, truth, values[id(row)][name], context))
    return samples


def _sample(row: Row, name: str, truth: Any, value: FieldValue, context: Context) -> Row:
    field = next(f for f in load_form(row["form"]).fields if f.name == name)
    read = TextRead(**row["reads"]["texts"][field.widget or name])
    return {
        "style": row["style"], "name": name, "truth": truth, "value": value.value,
        "evidence": evidence_of(field, read, context),
        "right": same_value(value.value, truth),
        "reviewed": value.confidence < REVIEW_BELOW or value.problem is not None,
    }


# --- learning ---------------------------------------------------------------------------

#: Evidence that may become a signal, "more = worse" (``intake.mapping.text.text_evidence``).
SIGNAL_EVIDENCE = TEXT_EVIDENCE
#: A silent error costs as much as this many needless reviews: a signal is kept when
#: it catches more than 1 / (1 + SILENT_COST) wrong reads among those it sends.
SILENT_COST = 40.0
#: A signal must catch at least this many wrong reads of the training corpus.
MIN_CAUGHT = 2


def learn_signals(samples: list[Row]) -> list[dict[str, Any]]:
    """Signals for one kind, chosen greedily: each round adds the evidence and
    threshold that most lower the cost (needless reviews + SILENT_COST × silent
    errors) over the reads nothing has sent to review yet."""
    open_ = [s for s in samples if not s["reviewed"]]
    signals: list[dict[str, Any]] = []
    while True:
        best = _best_signal(open_, {s["evidence"] for s in signals})
        if best is None:
            return signals
        signals.append(best)
        open_ = [s for s in open_ if s["evidence"][best["evidence"]] < best["at"]]


def _best_signal(open_: list[Row], used: set[str]) -> dict[str, Any] | None:
    best: dict[str, Any] | None = None
    for name in SIGNAL_EVIDENCE:
        if name in used:
            continue
        for at in sorted({s["evidence"][name] for s in open_ if s["evidence"][name] > 0}):
            sent = [s for s in open_ if s["evidence"][name] >= at]
            wrong = sum(not s["right"] for s in sent)
            gain = SILENT_COST * wrong - (len(sent) - wrong)
            if wrong >= MIN_CAUGHT and gain > 0 and (best is None or gain > best["gain"]):
                best = {"evidence": name, "at": at, "gain": gain,
                        "sent": len(sent), "caught": wrong}
    if best is None:
        return None
    below = [v for s in open_ if (v := s["evidence"][best["evidence"]]) < best["at"]]
    if below:  # halfway to the next value seen below: not on the edge of one read
        best["at"] = round((best["at"] + max(below)) / 2, 6)
    right = best["sent"] - best["caught"]
    best["p_right"] = round((right + 1) / (best["sent"] + 2), 4)  # Laplace: never 0 or 1
    return best


def learn(samples: list[Row], base: dict[str, Any], source: str) -> dict[str, Any]:
    """The calibration file: ``base``'s kinds, each with the signals learned for it."""
    kinds = {}
    for name, kind in base["kinds"].items():
        kinds[name] = {k: kind[k] for k in ("fields", "capitals") if k in kind}
        mine = [s for s in samples if s["evidence"] and s["name"] in kind["fields"]]
        if mine:
            kinds[name]["signals"] = learn_signals(mine)
            kinds[name]["learned_from"] = {
                "reads": len(mine), "wrong": sum(not s["right"] for s in mine),
                "silent_without_signals": sum(not s["right"] and not s["reviewed"] for s in mine),
            }
    return {
        "about": "Per kind of free-text field, signals that a read the engine was sure of "
        "is wrong: evidence (intake.mapping.text.text_evidence) at or above 'at'. "
        "Chosen greedily on a generated corpus while each lowers needless reviews + "
        f"{SILENT_COST:g} x silent errors and catches at least {MIN_CAUGHT} wrong reads; "
        "'sent' reads were sent by it, 'caught' of them wrong, p_right = (sent - caught + 1) "
        "/ (sent + 2) becomes the read's confidence. Learned by scripts/calibrate_text.py.",
        "learned_on": source,
        "kinds": kinds,
        "provenance": Provenance(
            made_by="scripts/calibrate_text.py calibrate --rows …", data=source,
            commit=current_commit(), made_on=date.today(),
            validation=_caught(samples, kinds),
            note="measure on another seed's corpus: scripts/calibrate_text.py measure",
        ).model_dump(mode="json"),
    }


def _caught(samples: list[Row], kinds: dict[str, Any]) -> dict[str, float]:
    """What the learned signals catch on the samples they were learned from."""
    figures: dict[str, float] = {}
    for name, kind in kinds.items():
        learned = kind.get("learned_from")
        if learned:
            figures[f"{name}_silent_without_signals"] = learned["silent_without_signals"]
            figures[f"{name}_caught"] = sum(s["caught"] for s in kind.get("signals", []))
    return figures


# --- where review of free text begins ---------------------------------------------------

#: Silent errors the text line may leave on the calibration forms, as a share of their
#: free-text fields: typed forms ≤ 0.1 %, handwritten (office, fax, phone) ≤ 0.3 %.
TEXT_BUDGET = {"typed": 0.001, "hand": 0.003}
#: A fill with fewer calibration fields of a group sets no bound on its line.
MIN_TEXT_FIELDS = 50
#: The group of the free-text fields of no kind (ort, kommun, stadsdel): the "text" line.
OTHER = "other"
#: How the shipped lines' cached pages were made (recorded in their provenance).
TEXT_CORPUS = ("each STYLE.jsonl from calibrate_text collect on sus-intake samples make "
               "--style STYLE --count N --seed S: hand-calib300 60/77, fax-calib200 30/78, "
               "phone-calib 30/79, typed-calib300 60/80")
#: The line is this much above the lowest that kept a fill within its budget. Smaller
#: than the digit types' margin: a signal's reads all take its one measured rate (the
#: names' 0.919, the organisations' 0.952 and 0.955), so 0.05 above the names' rate
#: would flag every read the organisations' signals set off and more, the clean reads
#: the line is to spare; what the margin guards against is measured on held-out forms.
TEXT_MARGIN = 0.01
#: Problems that send a text field to a person whatever its confidence: the word list
#: changed what was read, or the kommun is none of the 290. Every other problem is
#: taken as one only a confidence below the line brings (so the fit counts it as silent
#: if the line were lower: the cautious reading).
TEXT_HELD = frozenset({TEXT_FROM_LIST, KOMMUN_UNKNOWN})


def text_readings(rows: list[Row]) -> dict[str, dict[str, list[Reading]]]:
    """Per group of free-text field (a kind of the text calibration, "name" or
    "organisation"; :data:`OTHER` for the rest) and fill ("typed", "hand"), every such
    field of the calibration pages as :mod:`intake.training.calibrate_review` weighs
    them: its confidence read with no per-type line, right or not, held or not.
    Refuses any style but a ``*-calib``."""
    for row in rows:
        style = STYLES.get(row["style"])
        if style is None or style.digit_part != "calibration":
            raise SystemExit(f"{row['scan']}: not a calibration style (*-calib); refusing "
                             "to fit the text line on it")
    calibration = TextCalibration.model_validate_json(OUTPUT.read_text(encoding="utf-8"))
    group_of = {f: kind for kind, k in calibration.kinds.items() for f in k.fields}
    found: dict[str, dict[str, list[Reading]]] = {}
    docs: dict[int, Document] = {}
    for row, name, truth in field_rows(rows):
        if id(row) not in docs:
            docs[id(row)] = replay(row, calibration)
        doc = docs[id(row)]
        types = {f.name: f.type.value for f in load_form(row["form"]).fields}
        if types[name] != "text":
            continue
        ruled = any(name in i.fields for i in doc.issues if i.severity == "error")
        held = ruled or doc.problems.get(name) in TEXT_HELD
        got = doc.fields[name]
        fill = "typed" if STYLES[row["style"]].fill == "typed" else "hand"
        found.setdefault(group_of.get(name, OTHER), {}).setdefault(fill, []).append(
            Reading("text", got.confidence, same_value(got.value, truth), held))
    return found


def fit_text_line(readings: dict[str, list[Reading]]) -> float | None:
    """The line that keeps every fill within its budget: the highest of their lines
    (None when no fill has :data:`MIN_TEXT_FIELDS`)."""
    fitted = [fit_line(mine, TEXT_BUDGET[fill], margin=TEXT_MARGIN)
              for fill, mine in readings.items() if len(mine) >= MIN_TEXT_FIELDS]
    return max(fitted, default=None)


def text_lines(readings: dict[str, dict[str, list[Reading]]]) -> dict[str, float]:
    """The lines of free text, as ``review_lines.json`` keeps them: "text" for the
    fields of no kind, "text:FIELD" for each field of a kind (its kind's line)."""
    calibration = TextCalibration.model_validate_json(OUTPUT.read_text(encoding="utf-8"))
    lines: dict[str, float] = {}
    for group, by_fill in readings.items():
        line = fit_text_line(by_fill)
        if line is None:
            continue
        fields = calibration.kinds[group].fields if group != OTHER else ()
        lines |= {f"text:{f}": line for f in fields} if fields else {"text": line}
    return lines


def write_text_line(rows: list[Row], sources: list[Path]) -> dict[str, Any]:
    """Fit the lines of free text on ``rows`` and set them in the shipped review lines,
    with their reliability tables and figures (the other types' lines are kept)."""
    readings = text_readings(rows)
    lines = text_lines(readings)
    fitted = json.loads(lines_path().read_text(encoding="utf-8"))
    fitted["lines"] = {k: v for k, v in fitted["lines"].items()
                       if k != "text" and not k.startswith("text:")} | lines
    provenance = fitted["provenance"]
    validation = {k: v for k, v in provenance["validation"].items()
                  if not k.startswith("text_")}
    tables = fitted.setdefault("reliability", {})
    for group, by_fill in readings.items():
        key = "text" if group == OTHER else f"text:{group}"
        tables[key] = reliability([r for mine in by_fill.values() for r in mine])
        line = fit_text_line(by_fill)
        for fill, mine in by_fill.items():
            if line is not None:
                validation |= {f"text_{group}_{fill}_{k}": v
                               for k, v in figures(mine, line).items()}
    styles = sorted({row["style"] for row in rows})
    text_made_by = ("text: python -m intake.training.calibrate_text review-line --rows "
                    + " ".join(p.name for p in sources) + f" ({TEXT_CORPUS})")
    provenance["made_by"] = provenance["made_by"].split("; text:")[0] + "; " + text_made_by
    provenance["data"] = (provenance["data"].split("; text:")[0] + f"; text: "
                          f"{len({row['scan'] for row in rows})} calibration forms "
                          f"({', '.join(styles)})")
    provenance["validation"] = validation
    provenance["commit"], provenance["made_on"] = current_commit(), date.today().isoformat()
    provenance["note"] = (provenance["note"].split("; text")[0] + "; text silent budget: "
                          + ", ".join(f"{k} {v:.1%}" for k, v in TEXT_BUDGET.items()))
    lines_path().write_text(json.dumps(fitted, ensure_ascii=False, indent=1) + "\n",
                            encoding="utf-8")
    return {"lines": lines, **validation}


# --- measuring --------------------------------------------------------------------------


def print_comparison(before: Report, after: Report) -> None:
    """Per style: field accuracy, review rate and silent error rate, without and with
    the text calibration (Markdown)."""
    print("| style | fields | accuracy | review before | review after "
          "| silent before | silent after |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for style in sorted(before.by_style) + ["overall"]:
        b = before.overall if style == "overall" else before.by_style[style]
        a = after.overall if style == "overall" else after.by_style[style]
        sb, sa = b.scores(), a.scores()
        print(f"| {style} | {b.fields} | {_pct(sa['field_accuracy'])} "
              f"| {_pct(sb['review_rate'])} | {_pct(sa['review_rate'])} "
              f"| {_pct(sb['silent_error_rate'])} ({b.silent}) "
              f"| {_pct(sa['silent_error_rate'])} ({a.silent}) |")


def print_text_fields(report: Report) -> None:
    """Per style, the free-text fields alone: how many, review rate, silent errors."""
    print("| style | text fields | accuracy | review | silent |")
    print("|---|---:|---:|---:|---:|")
    for (style, kind), tally in sorted(report.by_style_type.items()):
        if kind == "text":
            figs = tally.scores()
            print(f"| {style} | {tally.fields} | {_pct(figs['field_accuracy'])} "
                  f"| {_pct(figs['review_rate'])} | {_pct(figs['silent_error_rate'])} "
                  f"({tally.silent}) |")


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.2f}%"


# --- command line -----------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Learn or measure the text calibration.")
    parser.add_argument("command", choices=["collect", "calibrate", "measure", "review-line"])
    parser.add_argument("corpus", type=Path, nargs="?", help="corpus folder (collect)")
    parser.add_argument("--rows", type=Path, nargs="+", required=True,
                        help="cached reads, JSON lines (collect writes one file)")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.command == "collect":
        if args.corpus is None or len(args.rows) != 1:
            parser.error("collect needs a corpus folder and one --rows file")
        rows = collect(args.corpus, args.jobs)
        args.rows[0].write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        log.info("wrote %d pages to %s", len(rows), args.rows[0])
        return 0
    rows = [row for path in args.rows for row in read_rows(path)]
    if args.command == "calibrate":
        base = json.loads(OUTPUT.read_text(encoding="utf-8"))
        source = ", ".join(p.name for p in args.rows) + f": {len(rows)} pages"
        learned = learn(text_samples(rows), base, source=source)
        OUTPUT.write_text(json.dumps(learned, indent=1, ensure_ascii=False) + "\n", "utf-8")
        log.info("wrote %s", OUTPUT)
    if args.command == "review-line":
        fitted = write_text_line(rows, args.rows)
        print("lines " + ", ".join(f"{k} {v:.2f}" for k, v in fitted.pop("lines").items()))
        for key, value in fitted.items():
            if key.startswith("text_"):
                print(f"  {key} {value:.4f}")
        return 0
    before, after = score(rows, calibrated=False), score(rows, calibrated=True)
    print_comparison(before, after)
    print_text_fields(after)
    return 0


if __name__ == "__main__":
    sys.exit(main())
