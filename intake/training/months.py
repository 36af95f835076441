"""Training the month-word classifier (``intake/learned/data/months.npz``) and measuring
it on words written with a font it never saw.

Each example is a whole date line ("8 maj 2026", "3 Juni 2025", "12 apr. 2024") written
by a hand of the generator's kind (``intake.samples.ink``: glyph by glyph, wandering and
turned) in one of the training fonts (``glyph_data.training_fonts``: the held-out hand
kept out), into a printed box; then bent (slant, rotation, an elastic warp, another
pen), scanned (200 dpi, blur, noise, faint ink, JPEG, a fax's binarisation), prepared as
the reader prepares a widget (``intake.ocr.text.prepare_line``) and cut where the
reader cuts the word (``intake.ocr.months.month_word``). The thirteenth class is a word
that is no month (other words, random letters) between a day and a year.

Its figures — accuracy and expected calibration error — are on lines written with the
held-out font (``HELD_OUT_FONT``), which nothing here trains or calibrates on; the
softmax temperature is fitted on lines of the training fonts apart from training.

    .venv/bin/sus-intake train months [--seed 1]           # writes the shipped model
    .venv/bin/python -m intake.training.months figures [--model PATH]
"""

from __future__ import annotations

import argparse
import logging
import math
import random
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from intake import imaging
from intake.forms.model import Rect
from intake.learned.digits import AS_IT_IS, DigitModel, load_digit_model
from intake.learned.months import (
    MONTH_CLASSES,
    NO_MONTH,
    WORD_SHAPE,
    MonthModel,
    load_month_model,
    months_path,
    save_month_model,
)
from intake.learned.provenance import Provenance, current_commit
from intake.ocr.months import month_word
from intake.ocr.text import edit_distance, prepare_line
from intake.reads import WORK_DPI
from intake.samples.ink import Ink, Writer
from intake.sus.values import MONTHS, format_date_variants
from intake.training.glyph_data import HELD_OUT_FONT, training_fonts
from intake.training.network import figures, fit, fit_temperature, initial_model

log = logging.getLogger(__name__)

PAGE_DPI = 300
#: Lines per class: fitted on, fitting the temperature on, measuring (held-out font).
TRAIN_PER_CLASS = 400
CALIBRATE_PER_CLASS = 40
MEASURE_PER_CLASS = 40
EPOCHS = 14
CONV_WIDTHS = (16, 32, 32)
DENSE_WIDTHS = (64,)
#: Share of months written as their abbreviation ("aug", "sept."), capitalised, and with
#: a two-digit year ("-26").
ABBREVIATED = 0.25
CAPITALISED = 0.15
SHORT_YEAR = 0.1
#: Words that are no month but stand between digits on a form, and random letters.
NOT_MONTHS = ("den", "dag", "kl", "ca", "och", "år", "vecka", "datum", "idag", "se",
              "mån", "tis", "ons", "tors", "fre", "jul", "Heby", "Lund", "Ystad", "Borås",
              "Piteå", "Motala", "ort", "ok", "nr", "st", "hej", "vid", "till", "från")
_LETTERS = "abcdefghijklmnoprstuvyåäö"
#: Share of the no-month class written in digits between the day and the year, and
#: of its lines that are dates in digits only.
NUMERIC = 0.3
IN_DIGITS = 0.5
#: Installed fonts the generator does not write with (the italics and other weights of
#: its fonts, and its signatures' script fonts), drawn with besides its own: more ways
#: of shaping a letter than the generator's hands know (the independent evaluation
#: writes with fonts we do not have).
MORE_FONTS = ("ComicNeue-Italic.otf", "ComicNeue-Light.otf", "Andika-Italic.ttf", "dkgIt.ttf",
              "LiberationSans-Italic.ttf", "LiberationSerif-Italic.ttf",
              "DejaVuSans-Oblique.ttf", "DejaVuSerif.ttf", "KleeOne-SemiBold.ttf",
              "DancingScript-Regular.otf", "Kristi.ttf", "Delphine.ttf")
#: The box a date is written in (mm): a date box of the forms is 9-12 mm high.
_BOX = Rect(x=4.0, y=4.0, w=62.0, h=9.5)


# --- one line ---------------------------------------------------------------------------


def month_text(label: int, rng: random.Random) -> str:
    """How a writer writes class ``label``'s word: a month's name or abbreviation
    (sometimes capitalised, an abbreviation sometimes with a full stop), or no month."""
    if MONTH_CLASSES[label] == NO_MONTH:
        return _no_month(rng)
    names = [name for name, number in MONTHS.items() if number == label + 1]
    full, short = names[0], names[1:]
    word = rng.choice(short) if short and rng.random() < ABBREVIATED else full
    if word != full and rng.random() < 0.3:
        word += "."
    return word.capitalize() if rng.random() < CAPITALISED else word


def _no_month(rng: random.Random) -> str:
    """A word no month is: a usual one, random letters not within an edit of a month's
    name or abbreviation ("jul" in NOT_MONTHS is July's: left out), or digits (what a
    date in digits shows between its widest gaps: "8/8 2026", "8 8 2026")."""
    if rng.random() < NUMERIC:
        return rng.choice(("/", "/ ", " ", ".", "-", " / ")).join(
            str(rng.randint(1, 12)) for _ in range(rng.randint(1, 2)))
    while True:
        word = rng.choice(NOT_MONTHS) if rng.random() < 0.5 else "".join(
            rng.choice(_LETTERS) for _ in range(rng.randint(2, 8)))
        if all(edit_distance(word.casefold(), name) > 1 for name in MONTHS):
            return word


def date_text(label: int, rng: random.Random) -> str:
    """A date line whose word is of class ``label``; for no month, half the time a date
    written in digits only ("2024-03-21", "21/3 2024"): what stands between its day and
    year as the reader cuts it is no month either."""
    if MONTH_CLASSES[label] == NO_MONTH and rng.random() < IN_DIGITS:
        when = date(rng.randint(2019, 2027), rng.randint(1, 12), rng.randint(1, 28))
        return rng.choice([v for k, v in format_date_variants(when).items() if k != "words"])
    year = rng.randint(2019, 2027)
    written = f"-{year % 100:02d}" if rng.random() < SHORT_YEAR else str(year)
    return f"{rng.randint(1, 28)} {month_text(label, rng)} {written}"


def draw_line(text: str, font: str, rng: random.Random) -> np.ndarray:
    """``text`` hand-printed in ``font`` into a date box, bent and scanned: the page's
    box region at the reader's resolution (grey, uint8), the box at :data:`_BOX`."""
    size = (round((_BOX.right + 4) * PAGE_DPI / 25.4), round((_BOX.bottom + 4) * PAGE_DPI / 25.4))
    page = Image.new("RGB", size, (255, 255, 255))
    writer = Writer.hand_printing(rng, (font,))
    Ink(page, PAGE_DPI, rng).text(_BOX, text, writer)
    darkness = 1.0 - np.asarray(page.convert("L"), np.float32) / 255
    darkness = _bend(_pen(darkness, rng), rng)
    darkness = np.maximum(darkness, _box(size, rng))
    return _scan(darkness, rng)


def _pen(darkness: np.ndarray, rng: random.Random) -> np.ndarray:
    roll = rng.random()
    if roll < 0.5:
        return darkness
    image = Image.fromarray((darkness * 255).astype(np.uint8))
    image = image.filter(ImageFilter.MaxFilter(3) if roll < 0.8 else ImageFilter.MinFilter(3))
    return np.asarray(image, np.float32) / 255


def _bend(darkness: np.ndarray, rng: random.Random) -> np.ndarray:
    """Slant, a small turn, and an elastic warp a few pixels strong (a letter's height
    is about 60 px here)."""
    h, w = darkness.shape
    angle, slant = math.radians(rng.uniform(-2.5, 2.5)), rng.uniform(-0.3, 0.3)
    cos, sin = math.cos(angle), math.sin(angle)
    linear = np.array([[cos, -sin + slant], [sin, cos]])
    centre = np.array([w / 2, h / 2])
    matrix = np.hstack([linear, (centre - linear @ centre)[:, None]])
    moved = imaging.warp_affine((darkness * 255).astype(np.uint8), matrix, w, h, border=(0,))
    noise = np.random.default_rng(rng.randrange(2**32))
    sigma, strength = 9.0, rng.uniform(0, 4.0)
    dx = imaging.gaussian_blur(noise.uniform(-1, 1, (h, w)).astype(np.float32), sigma)
    dy = imaging.gaussian_blur(noise.uniform(-1, 1, (h, w)).astype(np.float32), sigma)
    scale = strength / max(float(np.abs(dx).max()), float(np.abs(dy).max()), 1e-6)
    ys, xs = np.indices((h, w), dtype=np.float32)
    return imaging.remap(moved, xs + dx * scale, ys + dy * scale).astype(np.float32) / 255


def _box(size: tuple[int, int], rng: random.Random) -> np.ndarray:
    """The printed box's border, a little off where the form puts it."""
    image = Image.new("L", size, 0)
    px = PAGE_DPI / 25.4
    dx, dy = rng.uniform(-0.4, 0.4) * px, rng.uniform(-0.4, 0.4) * px
    ImageDraw.Draw(image).rectangle(
        (_BOX.x * px + dx, _BOX.y * px + dy, _BOX.right * px + dx, _BOX.bottom * px + dy),
        outline=rng.randint(150, 255), width=max(1, round(rng.uniform(0.15, 0.35) * px)))
    return np.asarray(image, np.float32) / 255


def _scan(darkness: np.ndarray, rng: random.Random) -> np.ndarray:
    """At the reader's resolution (through a lower one, sometimes), blurred, noisy,
    faint, JPEG'd or binarised as a fax is: grey paper-white uint8."""
    scale = WORK_DPI / PAGE_DPI
    low = rng.uniform(0.5, 1.0) if rng.random() < 0.3 else 1.0
    small = imaging.resize((darkness * 255).astype(np.uint8), scale * low)
    if low != 1.0:
        small = imaging.resize(small, 1 / low)
    if rng.random() < 0.6:
        small = imaging.gaussian_blur(small, rng.uniform(0.3, 1.1))
    noise = np.random.default_rng(rng.randrange(2**32))
    ink = small.astype(np.float32) / 255 * rng.uniform(0.65, 1.0)
    ink = np.clip(ink + noise.normal(0, 0.04, ink.shape), 0, 1)
    grey = ((1 - ink) * rng.uniform(225, 255)).astype(np.uint8)
    if rng.random() < 0.2:
        grey = _jpeg(grey, rng.randint(25, 85))
    if rng.random() < 0.25:
        grey = np.where(grey < rng.uniform(110, 190), 0, 255).astype(np.uint8)
    return grey


def _jpeg(grey: np.ndarray, quality: int) -> np.ndarray:
    import io

    buffer = io.BytesIO()
    Image.fromarray(grey).save(buffer, "JPEG", quality=quality)
    buffer.seek(0)
    return np.asarray(Image.open(buffer).convert("L"), np.uint8)


def reading_digits() -> DigitModel:
    """The shipped digit classifier, as it cuts the word here: read once, unshifted
    (three times faster; where it sees letters hardly changes)."""
    return replace(load_digit_model(), shifts=AS_IT_IS)


def word_example(label: int, font: str, rng: random.Random,
                 digits: DigitModel) -> np.ndarray | None:
    """One normalised word of class ``label`` as the reader cuts it from a line written
    in ``font``; None when the reader would not cut a word from that line."""
    grey = draw_line(date_text(label, rng), font, rng)
    prepared = prepare_line(grey, _BOX)
    if prepared.image is None:
        return None
    return month_word(prepared.image, digits.remembering())


# --- the sets ---------------------------------------------------------------------------


def word_set(*, per_class: int, fonts: tuple[str, ...], seed: int,
             digits: DigitModel) -> tuple[np.ndarray, np.ndarray]:
    """``per_class`` words of every class (fewer where a line gave no word: the reader
    would not have read it either), N × WORD_SHAPE float32, and their labels."""
    rng = random.Random(seed)
    images, labels = [], []
    for label in range(len(MONTH_CLASSES)):
        for _ in range(per_class):
            word = word_example(label, rng.choice(fonts), rng, digits)
            if word is not None:
                images.append(word)
                labels.append(label)
    if not images:
        return np.zeros((0, *WORD_SHAPE), np.float32), np.zeros(0, np.int64)
    return np.stack(images).astype(np.float32), np.array(labels, np.int64)


def train_month_model(*, seed: int = 1, epochs: int = EPOCHS,
                      per_class: int = TRAIN_PER_CLASS,
                      held_out: tuple[str, ...] = (HELD_OUT_FONT,)) -> MonthModel:
    """The classifier trained on lines of every training font but ``held_out``, its
    temperature fitted on others of those fonts, its figures on ``held_out``'s."""
    digits = reading_digits()
    fonts = tuple(f for f in (*training_fonts(None), *MORE_FONTS) if f not in held_out)
    started = time.perf_counter()
    x, y = word_set(per_class=per_class, fonts=fonts, seed=seed, digits=digits)
    xc, yc = word_set(per_class=CALIBRATE_PER_CLASS, fonts=fonts, seed=seed + 1000,
                      digits=digits)
    xm, ym = word_set(per_class=MEASURE_PER_CLASS, fonts=held_out, seed=seed + 2000,
                      digits=digits)
    log.info("%d training, %d calibrating, %d held-out-font words (%.0f s)",
             len(y), len(yc), len(ym), time.perf_counter() - started)
    initial = initial_model(seed, conv_widths=CONV_WIDTHS, dense_widths=DENSE_WIDTHS,
                            shape=WORD_SHAPE, classes=len(MONTH_CLASSES))
    network = fit(initial, x, y, epochs=epochs, seed=seed, batch=64, rate=2e-3)
    network = _with_temperature(network, fit_temperature(network, xc, yc))
    validation = {f"held_out_font_{k}": v for k, v in figures(network, xm, ym).items()}
    validation |= {f"calibration_{k}": v for k, v in figures(network, xc, yc).items()}
    validation["seconds"] = round(time.perf_counter() - started)
    provenance = Provenance(
        made_by=f"sus-intake train months --seed {seed}",
        data=(f"{per_class} date lines a class (12 months, no month) hand-printed with the "
              f"sample generator's fonts (not {', '.join(held_out)}) and MORE_FONTS, scanned "
              f"(intake.training.months); temperature on {CALIBRATE_PER_CLASS} a class "
              f"apart; figures on {MEASURE_PER_CLASS} a class in {', '.join(held_out)}"),
        seed=seed, commit=current_commit(), made_on=date.today(), validation=validation,
        note=f"{epochs} epochs; conv {CONV_WIDTHS}, dense {DENSE_WIDTHS}; input {WORD_SHAPE}",
    )
    return MonthModel(network=replace(network, provenance=provenance))


def _with_temperature(network: DigitModel, temperature: float) -> DigitModel:
    return replace(network, temperature=temperature)


def held_out_figures(model: MonthModel, *, seed: int = 7, per_class: int = MEASURE_PER_CLASS,
                     fonts: tuple[str, ...] = (HELD_OUT_FONT,)) -> dict[str, float]:
    """Accuracy, ECE and NLL of ``model`` on fresh lines written in ``fonts``."""
    x, y = word_set(per_class=per_class, fonts=fonts, seed=seed, digits=reading_digits())
    return figures(model.network, x, y)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m intake.training.months")
    sub = parser.add_subparsers(dest="command", required=True)
    train = sub.add_parser("train", help="train the month-word classifier")
    train.add_argument("--seed", type=int, default=1)
    train.add_argument("--epochs", type=int, default=EPOCHS)
    train.add_argument("--per-class", type=int, default=TRAIN_PER_CLASS)
    train.add_argument("--held-out", default=HELD_OUT_FONT,
                       help="fonts kept out of training, comma-separated (figures on them)")
    train.add_argument("--out", type=Path, default=None)
    measure = sub.add_parser("figures", help="accuracy and ECE on held-out-font words")
    measure.add_argument("--model", type=Path, default=None)
    measure.add_argument("--fonts", default=HELD_OUT_FONT)
    measure.add_argument("--per-class", type=int, default=MEASURE_PER_CLASS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.command == "train":
        model = train_month_model(seed=args.seed, epochs=args.epochs, per_class=args.per_class,
                                  held_out=tuple(args.held_out.split(",")))
        out = args.out or months_path()
        save_month_model(model, out)
        assert model.provenance is not None
        for name, value in model.provenance.validation.items():
            print(f"{name:32} {value:g}")
        print(f"wrote {out}")
    else:
        model = load_month_model(args.model)
        shown = held_out_figures(model, per_class=args.per_class,
                                 fonts=tuple(args.fonts.split(",")))
        for name, value in shown.items():
            print(f"{name:12} {value:g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
