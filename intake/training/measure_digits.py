"""Measure the digit classifier (``intake.ocr.digits``) against and with Tesseract.

Hand-printed pages (``Writer.hand_printing``) are generated per scan profile with
seeds the classifier never saw (it is trained on rendered glyphs, not pages), and a
second set per profile is written only in the hand font left out of training
(``intake.training.digits.HELD_OUT_FONT``). Each personnummer and date widget is read
four ways and decoded by ``intake.mapping``:

- ``tesseract``: Tesseract's read alone;
- ``classifier``: the classifier's digits alone (in Tesseract's layout when the digit
  counts agree);
- ``combined``: :func:`intake.ocr.opinion.combine` of the two;
- ``second opinion``: :func:`intake.ocr.opinion.second_opinion` (what the reader does):
  combined, or the classifier alone where Tesseract lost digits.

exact = decoded value equals the truth; silent = wrong with confidence ≥ the review line.

    .venv/bin/python scripts/measure_digits.py --count 40 --seed 11
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from multiprocessing import Pool

import numpy as np

from intake.forms import FORM_IDS, FieldType, Widget, form_layout, load_form
from intake.learned import DigitModel, ReadingModels
from intake.mapping.base import Context, FieldValue
from intake.mapping.numbers import interpret_date
from intake.mapping.personnummer import interpret_personnummer
from intake.ocr.digits import digit_alternatives
from intake.ocr.opinion import combine, second_opinion
from intake.ocr.tesseract import shared_engine
from intake.ocr.text import CONFIGS, prepare_line, read_widget
from intake.reads import TextRead
from intake.samples.content import REFERENCE_DAY, make_case
from intake.samples.make import STYLES, Style
from intake.training.digits import HELD_OUT_FONT
from intake.training.measure_text import aligned_case

#: The hand-printed style of each scan profile (jpeg200 has none among the sample styles).
PROFILES: dict[str, Style] = {
    "office300": STYLES["hand-office300"],
    "office200": STYLES["hand-office200"],
    "fax200": STYLES["hand-fax200"],
    "jpeg200": Style(name="hand-jpeg200", fill="hand", scan="jpeg200", fmt="jpg"),
    "phone": STYLES["phone-hand"],
}
METHODS = ("tesseract", "classifier", "combined", "second opinion")
KINDS = {FieldType.PERSONNUMMER: "personnummer", FieldType.DATE: "date"}


@dataclass(frozen=True)
class Score:
    profile: str
    hands: str  # "seen" (all hand fonts) or "held-out" (only the font left out)
    kind: str
    method: str
    exact: bool
    silent: bool


def score_page(job: tuple[str, str, str]) -> list[Score]:
    """Every personnummer and date on one generated page, read the three ways."""
    profile, hands, seed = job
    rng = random.Random(seed)
    style = PROFILES[profile]
    if hands == "held-out":
        style = style.model_copy(update={"hand_fonts": (HELD_OUT_FONT,)})
    case = make_case(rng.choice(FORM_IDS), rng)
    aligned = aligned_case(case, style, rng)
    widgets = {w.name: w for w in form_layout(case.form).widgets}
    scores = []
    for field in load_form(case.form).fields:
        name = field.widget or field.name
        truth = case.truth.get(field.name)
        if field.type not in KINDS or name not in widgets or not case.written.get(name):
            continue
        if name == "ort_och_datum" or truth is None:
            continue
        for method, read in reads(aligned, widgets[name], field.type).items():
            value = decode(field.type, read)
            exact = value.value == truth
            silent = not exact and value.confidence >= _context().review_below
            scores.append(Score(profile, hands, KINDS[field.type], method, exact, silent))
    return scores


@cache
def _models() -> ReadingModels:
    return ReadingModels.shipped()


@cache
def _context() -> Context:
    return Context(today=REFERENCE_DAY, calibration=_models().text)


def reads(aligned: np.ndarray, widget: Widget, kind: FieldType) -> dict[str, TextRead]:
    config = CONFIGS[kind]
    model = _models().digits
    assert model is not None
    tesseract = read_widget(aligned, widget, config, shared_engine(), digits=None)
    line = prepare_line(aligned, widget.rect).image
    if line is None:
        return dict.fromkeys(METHODS, tesseract)
    return {
        "tesseract": tesseract,
        "classifier": classifier_read(line, tesseract, model),
        "combined": combine(tesseract, digit_alternatives(line, model)),
        "second opinion": second_opinion(
            tesseract, line, model, lengths=config.digit_counts, merge=config.merge_digits,
            slashes=not config.slash_is_one, slack=config.count_slack,
            agreement=config.agreement,
        ),
    }


def decode(kind: FieldType, read: TextRead) -> FieldValue:
    if kind is FieldType.PERSONNUMMER:
        return interpret_personnummer(read, _context())
    return interpret_date(read, _context())


def classifier_read(line: np.ndarray, like: TextRead, model: DigitModel) -> TextRead:
    """The classifier alone: Tesseract's layout with only the classifier's digits
    when the counts agree, else the classifier's digits run together (for measuring)."""
    alts = digit_alternatives(line, model)
    if alts is None:
        return TextRead(text="", confidence=0.0, alternatives=[])
    combined = combine(like, alts, tesseract_weight=0.0)
    if combined is not like:
        return combined
    text = "".join(a[0][0] for a in alts)
    return TextRead(text=text, confidence=min(a[0][1] for a in alts), alternatives=alts)


def report(scores: list[Score]) -> None:
    groups: dict[tuple[str, str, str], dict[str, list[Score]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for s in scores:
        groups[(s.kind, s.hands, s.profile)][s.method].append(s)
    header = " | ".join(f"{m} exact / silent" for m in METHODS)
    print(f"| kind | hands | profile | n | {header} |")
    print("|---|---|---|---|" + "---|" * len(METHODS))
    for (kind, hands, profile), by_method in sorted(groups.items()):
        n = len(by_method["tesseract"])
        cells = [
            f"{_pct(sum(s.exact for s in by_method[m]), n)} / "
            f"{_pct(sum(s.silent for s in by_method[m]), n)}"
            for m in METHODS
        ]
        print(f"| {kind} | {hands} | {profile} | {n} | " + " | ".join(cells) + " |")


def _pct(count: int, n: int) -> str:
    return f"{100 * count / max(n, 1):.1f}% ({count})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=40, help="pages per profile and hand set")
    parser.add_argument("--seed", default="11")
    parser.add_argument("--profiles", nargs="+", default=list(PROFILES))
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    jobs = [
        (profile, hands, f"digits-eval:{args.seed}:{profile}:{hands}:{i}")
        for profile in args.profiles
        for hands in ("seen", "held-out")
        for i in range(args.count)
    ]
    with Pool(args.jobs) as pool:
        pages = pool.map(score_page, jobs, chunksize=4)
    report([s for page in pages for s in page])
    return 0


if __name__ == "__main__":
    sys.exit(main())
