"""Sample styles whose hand-printed digits are real people's (held-aside images)."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import numpy as np
from PIL import Image

from intake.forms import form_layout
from intake.forms.model import Rect
from intake.samples.content import make_case
from intake.samples.handwriting import CALIBRATION_SHARE, SHIPPED_MODEL_SEED, digit_bank, split
from intake.samples.ink import Ink, Writer, ink_crop, real_digit
from intake.samples.make import PAGE_DPI, STYLES, _ink_form, make_samples
from tests.samples.truth import truth_of

MM = PAGE_DPI / 25.4
LINE = Rect(x=5, y=5, w=190, h=12)


def _writer(seed: int, *, real: bool, jitter: float | None = None) -> Writer:
    writer = Writer.hand_printing(random.Random(seed), real_digits=real)
    return writer if jitter is None else replace(writer, jitter=jitter)


def _write(text: str, writer: Writer, seed: int, rect: Rect = LINE) -> np.ndarray:
    """``text`` hand-printed by ``writer`` on a white strip; its grey pixels."""
    page = Image.new("RGB", (round(200 * MM), round(22 * MM)), "white")
    Ink(page, PAGE_DPI, random.Random(seed)).text(rect, text, writer)
    return np.asarray(page.convert("L"))


def _crop(image: Image.Image, rect: Rect) -> np.ndarray:
    box = (round(rect.x * MM), round(rect.y * MM), round(rect.right * MM), round(rect.bottom * MM))
    return np.asarray(image.crop(box).convert("L"))


def _ink_runs(grey: np.ndarray) -> int:
    """How many separate runs of inked columns a line of writing has."""
    inked = (grey < 160).any(axis=0).astype(int)
    return int(np.count_nonzero(np.diff(inked) == 1) + inked[0])


def test_real_digit_style_writes_files_with_truth_and_repeats_by_seed(tmp_path: Path) -> None:
    """GIVEN a real-digit style made twice with one seed
    WHEN the files are compared
    THEN each has its truth beside it and the pixels are identical."""
    first = make_samples(tmp_path / "a", ["fax-real200"], count=1, seed=9)
    second = make_samples(tmp_path / "b", ["fax-real200"], count=1, seed=9)
    assert [p.suffix for p in first] == [".tif"]
    assert truth_of(first[0])[0]["fields"]["personnummer"]
    assert truth_of(first[0]) == truth_of(second[0])
    assert first[0].read_bytes() == second[0].read_bytes()


def test_the_three_real_digit_styles_are_listed() -> None:
    """GIVEN the style table WHEN the real-digit styles are looked up
    THEN hand-real300, fax-real200 and phone-real fill by hand in their formats."""
    wanted = {"hand-real300": "png", "fax-real200": "tif", "phone-real": "jpg"}
    for name, fmt in wanted.items():
        style = STYLES[name]
        assert (style.fill, style.fmt, style.real_digits) == ("hand", fmt, True)
        assert style.digit_part == "held_aside"
    assert not any(s.real_digits and s.digit_part == "held_aside"
                   for name, s in STYLES.items() if name not in wanted)


def test_real_digits_change_the_digit_ink_but_not_what_comes_before() -> None:
    """GIVEN one 9448 case inked by the same hand with font digits and with real digits
    WHEN the boxes are compared
    THEN the personnummer box differs, while the boxes written before it (no digits)
    are identical."""
    case = make_case("9448", random.Random(4))
    font = _ink_form(case, STYLES["hand-office300"], random.Random(5))
    real = _ink_form(case, STYLES["hand-real300"], random.Random(5))
    layout = form_layout("9448")
    pnr = layout.widget("personnummer").rect
    assert np.abs(_crop(font, pnr).astype(int) - _crop(real, pnr)).sum() > 100_000
    for name in ("samverkansorganisation", "insats"):
        rect = layout.widget(name).rect
        assert np.array_equal(_crop(font, rect), _crop(real, rect)), name


def test_only_held_aside_digits_are_picked() -> None:
    """GIVEN many picks of each digit WHEN compared with the digit bank
    THEN every picked image is a held-aside image of that digit, and picks vary."""
    rng = random.Random(1)
    for digit in range(10):
        held = {image.tobytes() for image in digit_bank("held_aside").of(digit)}
        picks = [real_digit(digit, rng).tobytes() for _ in range(40)]
        assert set(picks) <= held
        assert len(set(picks)) > 20


def test_a_written_digit_is_a_held_aside_image() -> None:
    """GIVEN a steady hand (no jitter) writing a single 7 with real digits
    WHEN its ink is scaled back to the bank's size
    THEN it matches one held-aside 7 almost exactly."""
    grey = _write("7", _writer(2, real=True, jitter=0.0), seed=3)
    rows = np.flatnonzero((grey < 200).any(axis=1))
    cols = np.flatnonzero((grey < 200).any(axis=0))
    drawn = 255 - grey[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1].astype(float)
    best = 0.0
    for image in digit_bank("held_aside").of(7):
        ink = ink_crop(image)
        small = Image.fromarray(drawn.astype(np.uint8)).resize(ink.shape[::-1])
        best = max(best, float(np.corrcoef(np.asarray(small, float).ravel(), ink.ravel())[0, 1]))
    assert best > 0.95  # a font 7, or the nearest train 7, comes to about 0.89


def test_neighbouring_digits_sometimes_touch() -> None:
    """GIVEN steady hands writing lines of twenty zeros with real digits
    WHEN the separate runs of ink are counted
    THEN the zeros mostly stand apart, but in some line two of them touch."""
    runs = [_ink_runs(_write("0" * 20, _writer(s, real=True, jitter=0.0), s)) for s in range(6)]
    assert all(r >= 14 for r in runs), runs
    assert min(runs) < 20, runs


def test_other_characters_are_still_drawn_by_the_font() -> None:
    """GIVEN text without digits (a month name, a hyphen, a slash, a plus, a space)
    WHEN written by the same hand with and without real digits
    THEN the pixels are identical, and ink is on the page."""
    text = "aug - / + Åsa"
    font = _write(text, _writer(6, real=False), seed=7)
    real = _write(text, _writer(6, real=True), seed=7)
    assert np.array_equal(font, real)
    assert (real < 160).sum() > 500


def test_real_digits_keep_within_a_narrow_box() -> None:
    """GIVEN personnummer and dates written with real digits in boxes too narrow for
    them at the hand's size
    WHEN the ink is found
    THEN it stays inside the box (the line is shrunk to fit)."""
    texts = ("19900101-1234", "199001011234", "22/5 2025", "2025-08-14")
    for seed in range(12):
        rect = Rect(x=10, y=5, w=30 + 5 * (seed % 3), h=10)
        grey = _write(texts[seed % 4], _writer(seed, real=True), seed, rect)
        cols = np.flatnonzero((grey < 160).any(axis=0))
        assert cols[0] >= rect.x * MM and cols[-1] <= rect.right * MM, seed


def test_calibration_styles_write_digits_the_classifier_was_not_fitted_on() -> None:
    """GIVEN the calibration styles (hand-calib300, fax-calib200, phone-calib)
    WHEN digits are picked for them
    THEN every pick is one of the train part's calibration share (which the digit model
    is not fitted on) and none is a held-aside digit the figures are measured on."""
    calibration = split(digit_bank("train"), CALIBRATION_SHARE, SHIPPED_MODEL_SEED)[1]
    held = {image.tobytes() for image in digit_bank("held_aside").images}
    for name in ("hand-calib300", "fax-calib200", "phone-calib"):
        assert STYLES[name].real_digits and STYLES[name].digit_part == "calibration"
    rng = random.Random(3)
    for digit in range(10):
        mine = {image.tobytes() for image in calibration.of(digit)}
        picks = {real_digit(digit, rng, "calibration").tobytes() for _ in range(30)}
        assert picks <= mine
        assert not picks & held
