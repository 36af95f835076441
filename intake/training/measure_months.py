"""Measure dates written with the month as a word ("8 maj 2026": the "words" format of
``intake.sus.values.format_date_variants``) with and without the month-word classifier
(``intake.learned.months``), on generated forms, by the font the hand wrote with.

``sus-intake eval`` cannot tell a date's format or the hand's font: both are found here
again from the generator's seed (a sample's case and its writer come from the same
random stream, ``intake.samples.make``), so a corpus made by ``samples make --style S
--seed N`` is measured as it is. ``make`` writes a corpus whose hands all write with
given fonts (the classifier's held-out font: a hand it never saw).

    .venv/bin/python -m intake.training.measure_months make --style hand-calib300 \\
        --seed 601 --count 60 --fonts SteveHand.ttf --out /tmp/me/steve
    .venv/bin/python -m intake.training.measure_months score DIR --style hand-calib300 \\
        --seed 77 [--fonts SteveHand.ttf]

Prints, with the month classifier and without: dates right, reviewed and silently wrong,
for all dates and for "words" dates, overall and for the classifier's held-out font.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

from intake.evaluate import expected_forms, find_scans, same_value
from intake.forms import FORM_IDS
from intake.learned import ReadingModels
from intake.samples.content import make_case
from intake.samples.ink import Writer
from intake.samples.make import STYLES, _make_one
from intake.settings import Settings
from intake.sus.values import MONTHS
from intake.training.glyph_data import HELD_OUT_FONT

_INDEX = re.compile(r"-(\d{3})-")


@dataclass
class Count:
    dates: int = 0
    right: int = 0
    reviewed: int = 0
    silent: int = 0

    def add(self, right: bool, reviewed: bool) -> None:
        self.dates += 1
        self.right += right
        self.reviewed += reviewed
        self.silent += not right and not reviewed

    def line(self) -> str:
        n = max(self.dates, 1)
        return (f"{self.dates:4d} dates  exact {100 * self.right / n:5.1f} %  "
                f"review {100 * self.reviewed / n:5.1f} %  silent {100 * self.silent / n:4.1f} %")


def written_with(style: str, seed: int, index: int) -> tuple[bool, str]:
    """Whether sample ``index`` of ``samples make --style style --seed seed`` writes its
    date with the month as a word, and the font its hand writes with."""
    chosen = STYLES[style]
    rng = random.Random(f"{seed}:{chosen.name}:{index}")
    case = make_case(FORM_IDS[index % len(FORM_IDS)], rng)
    writer = Writer.hand_printing(rng, chosen.hand_fonts, real_digits=chosen.real_digits,
                                  digit_part=chosen.digit_part)
    words = any(isinstance(value, str) and "dat" in name
                and any(w.casefold() in MONTHS for w in re.findall(r"[^\W\d_]+", value))
                for name, value in case.written.items())
    return words, writer.font


def score(folder: Path, *, style: str, seed: int, fonts: tuple[str, ...] | None,
          models: ReadingModels, seen: dict[str, str] | None = None) -> dict[str, Count]:
    """Date counts by group: all, words, words in the held-out font; into ``seen``, by
    scan, each date's value, truth and whether it went to review."""
    counts: dict[str, Count] = defaultdict(Count)
    for scan, expected, doc, kinds in expected_forms(find_scans(folder), Settings(), models):
        found = _INDEX.search(scan.name)
        assert found is not None
        words, font = written_with(_style(style, fonts), seed, int(found.group(1)))
        for name, value in expected["fields"].items():
            if kinds.get(name) != "date":
                continue
            got = doc.fields.get(name) if doc is not None and doc.form == expected["form"] \
                else None
            right = got is not None and same_value(got.value, value)
            reviewed = doc is not None and name in doc.needs_review
            if seen is not None:
                seen[f"{scan.name} {name}"] = (f"{got.value if got else None} "
                                               f"(true {value}){' reviewed' if reviewed else ''}")
            groups = ["all", *(["words"] if words else []),
                      *([f"words, {HELD_OUT_FONT}"] if words and font == HELD_OUT_FONT else [])]
            for group in groups:
                counts[group].add(right, reviewed)
    return counts


def _style(style: str, fonts: tuple[str, ...] | None) -> str:
    if fonts:
        STYLES[_font_style(style, fonts)] = STYLES[style].model_copy(
            update={"name": _font_style(style, fonts), "hand_fonts": fonts})
        return _font_style(style, fonts)
    return style


def _font_style(style: str, fonts: tuple[str, ...]) -> str:
    return f"{style}-{'-'.join(font.split('.')[0] for font in fonts)}"


def make(out: Path, *, style: str, seed: int, count: int, fonts: tuple[str, ...]) -> None:
    """``count`` samples of ``style`` whose hands write with ``fonts`` only."""
    name = _style(style, fonts)
    folder = out / name
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        rng = random.Random(f"{seed}:{name}:{index}")
        _make_one(folder, STYLES[name], index, rng, FORM_IDS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m intake.training.measure_months")
    sub = parser.add_subparsers(dest="command", required=True)
    made = sub.add_parser("make")
    made.add_argument("--out", type=Path, required=True)
    scored = sub.add_parser("score")
    scored.add_argument("folder", type=Path)
    for each in (made, scored):
        each.add_argument("--style", default="hand-calib300")
        each.add_argument("--seed", type=int, required=True)
        each.add_argument("--fonts", default=None, help="comma-separated (make: required)")
    made.add_argument("--count", type=int, default=60)
    args = parser.parse_args(argv)
    fonts = tuple(args.fonts.split(",")) if args.fonts else None
    if args.command == "make":
        make(args.out, style=args.style, seed=args.seed, count=args.count,
             fonts=fonts or (HELD_OUT_FONT,))
        return 0
    shipped = ReadingModels.shipped()
    outcomes: list[dict[str, str]] = []
    for label, models in (("without the month classifier", replace(shipped, months=None)),
                          ("with the month classifier", shipped)):
        print(label)
        outcomes.append({})
        for group, count in sorted(score(args.folder, style=args.style, seed=args.seed,
                                         fonts=fonts, models=models,
                                         seen=outcomes[-1]).items()):
            print(f"  {group:28} {count.line()}")
    print("dates read otherwise with the month classifier:")
    for key, before in outcomes[0].items():
        if outcomes[1].get(key) != before:
            print(f"  {key}: {before} -> {outcomes[1].get(key)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
