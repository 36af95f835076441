"""Reading the text widgets of an aligned page (intake.ocr.text, intake.ocr.tesseract).

Scanned pages come from the sample generator, warped back into the form's frame
with the generator's own homography plus a 0–3 px residual shift
(``intake.training.measure_text``), so the truth is what was written. Where the engine
is not the point, a fake engine records what it was asked.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import pytest

from intake.errors import ConfigurationError
from intake.forms import form_layout
from intake.forms.blank import blank_pdf
from intake.forms.model import FieldType, Rect, Widget
from intake.learned.digits import DigitModel, load_digit_model
from intake.load.render import render_pdf
from intake.ocr.tesseract import (
    PytesseractEngine,
    Symbol,
    TesserocrEngine,
    TextEngine,
    assemble,
    parse_hocr,
    shared_engine,
    tesserocr_available,
)
from intake.ocr.text import (
    CONFIGS,
    DATE_CHARACTERS,
    DIGITS,
    MONTH_CUT_COUNTS,
    MONTH_LETTERS,
    MONTH_REREADS,
    TARGET_HEIGHT_PX,
    TEXT_THEN_DATE,
    _cut_counts,
    _may_name_a_month,
    prepare_line,
    read_text_fields,
    read_widget,
    restrict,
)
from intake.reads import PAGE_H_PX, PAGE_W_PX, TextRead, mm_to_px
from intake.samples.content import Case, make_case
from intake.samples.make import STYLES
from intake.training.measure_text import aligned_case


@cache
def shipped_digits() -> DigitModel:
    return load_digit_model()


BOX = Rect(x=20.0, y=50.0, w=60.0, h=9.0)
STROKE_PX = 4
DARK = 128


@dataclass
class FakeEngine:
    """Answers per page segmentation mode and records every call."""

    answers: dict[int, str] = field(default_factory=dict)
    default: str = "1"
    calls: list[tuple[int, str | None, str]] = field(default_factory=list)
    name: str = "fake"
    lang: str = "swe"

    def read_line(self, image: np.ndarray, *, psm: int, whitelist: str | None) -> TextRead:
        self.calls.append((psm, whitelist, self.lang))
        text = self.answers.get(psm, self.default)
        return TextRead(
            text=text, confidence=0.9 if text else 0.0, alternatives=[[(c, 0.9)] for c in text]
        )


def white_page() -> np.ndarray:
    return np.full((PAGE_H_PX, PAGE_W_PX), 245, np.uint8)


def draw_box(page: np.ndarray, rect: Rect, width: int = 2) -> None:
    """The printed border of ``rect``: ``width`` px lines just inside its edges."""
    x0, y0, x1, y1 = (mm_to_px(v) for v in (rect.x, rect.y, rect.right, rect.bottom))
    page[y0 : y0 + width, x0:x1] = 30
    page[y1 - width : y1, x0:x1] = 30
    page[y0:y1, x0 : x0 + width] = 30
    page[y0:y1, x1 - width : x1] = 30


def dark_rows_and_columns(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    dark = image < DARK
    return np.nonzero(dark.any(axis=1))[0], np.nonzero(dark.any(axis=0))[0]


def is_one_run(indices: np.ndarray) -> bool:
    return bool(len(indices)) and bool(np.all(np.diff(indices) == 1))


@cache
def blank_page(form: str) -> np.ndarray:
    return next(render_pdf(blank_pdf(form), dpi=200, grey=True))


@cache
def scanned(form: str, written: tuple[tuple[str, str], ...], style: str, seed: int) -> np.ndarray:
    case = Case(form=form, written=dict(written))
    return aligned_case(case, style, random.Random(seed))


@cache
def generated(form: str, style: str, seed: int) -> tuple[Case, np.ndarray]:
    rng = random.Random(f"test-text:{form}:{seed}")
    case = make_case(form, rng, defect_share=0.0)
    return case, aligned_case(case, style, rng)


# --- cleaning a crop -----------------------------------------------------------------


def test_a_one_written_against_the_box_edge_survives_border_removal() -> None:
    """GIVEN a box whose 2 px border a "1" (a 4 px wide, 4 mm tall stroke) touches
    WHEN the widget is prepared for the engine
    THEN the whole stroke is kept and the border is gone: the result is one narrow
         dark stroke scaled to the target height, not a box."""
    page = white_page()
    draw_box(page, BOX)
    left, top = mm_to_px(BOX.x) + 2, mm_to_px(BOX.y) + 20
    page[top : top + 32, left : left + STROKE_PX] = 40

    line = prepare_line(page, BOX).image

    assert line is not None
    rows, columns = dark_rows_and_columns(line)
    assert is_one_run(rows) and abs(len(rows) - TARGET_HEIGHT_PX) <= 3
    assert is_one_run(columns) and len(columns) <= 2 * STROKE_PX


def test_a_stroke_crossing_the_border_is_not_cut() -> None:
    """GIVEN a hand-printed stroke that runs from inside the box across its bottom border
    WHEN the widget is prepared for the engine
    THEN the stroke comes through without a gap where the border was."""
    page = white_page()
    draw_box(page, BOX)
    bottom = mm_to_px(BOX.bottom)
    x = mm_to_px(BOX.x) + 60
    page[bottom - 40 : bottom + 8, x : x + STROKE_PX] = 40

    line = prepare_line(page, BOX).image

    assert line is not None
    rows, columns = dark_rows_and_columns(line)
    assert is_one_run(rows) and is_one_run(columns)
    assert len(columns) <= 2 * STROKE_PX  # no piece of the horizontal border


def test_specks_and_the_label_above_are_not_writing() -> None:
    """GIVEN an empty box with fax-like one-pixel specks inside and a label just above it
    WHEN the widget is prepared
    THEN no writing is found."""
    page = white_page()
    draw_box(page, BOX)
    top, x = mm_to_px(BOX.y), mm_to_px(BOX.x)
    page[top - 10 : top - 3, x + 5 : x + 60] = 40  # the printed label's text
    rng = np.random.default_rng(3)
    ys = rng.integers(top + 5, mm_to_px(BOX.bottom) - 5, 25)
    xs = rng.integers(x + 5, mm_to_px(BOX.right) - 5, 25)
    page[ys, xs] = 20

    assert prepare_line(page, BOX).image is None


def _column_runs(line: np.ndarray) -> int:
    dark = (line < DARK).any(axis=0).astype(int)
    return int((np.diff(np.concatenate([[0], dark])) == 1).sum())


def test_small_print_whose_letters_are_small_marks_is_kept_whole() -> None:
    """GIVEN a long name typed small into the box and faxed: words of small marks (12 px,
    too small to be writing alone) of which only the first word's capital is big, word
    gaps wider than punctuation's reach, and one-pixel specks on the line past its end
    WHEN the widget is prepared THEN every letter of every word is kept, no speck."""
    page = white_page()
    draw_box(page, BOX)
    x, base = mm_to_px(BOX.x) + 12, mm_to_px(BOX.y) + 44
    page[base - 10 : base, x : x + 4] = 40  # the capital: 40 px, writing on its own
    letters = 1
    for _word in range(3):
        for _ in range(5):
            x += 7
            page[base - 6 : base, x : x + 2] = 40  # a small letter: 12 px
            letters += 1
        x += 6  # a word gap: 11 px from letter to letter
    page[base - 4, x + 40 : x + 100 : 15] = 20  # specks on the line, past its end

    line = prepare_line(page, BOX).image

    assert line is not None
    assert _column_runs(line) == letters


def test_a_read_beside_the_fragments_of_a_broken_stroke_is_doubted() -> None:
    """GIVEN a box with a written "1" and, beside it, a cluster of small fragments (a
    pale digit a fax broke up)
    WHEN the widget is read
    THEN the engine's sure read of the "1" comes back doubtful: a digit may be missing."""
    from intake.forms import FieldType
    from intake.forms.model import Widget
    from intake.ocr.text import CONFIGS, read_widget

    page = white_page()
    draw_box(page, BOX)
    left, top = mm_to_px(BOX.x) + 20, mm_to_px(BOX.y) + 20
    page[top : top + 32, left : left + STROKE_PX] = 40
    for dy in range(0, 30, 4):  # 2 × 2 px fragments 4 px apart: specks, yet a cluster
        for dx in range(0, 12, 4):
            page[top + dy : top + dy + 2, left + 30 + dx : left + 32 + dx] = 40
    widget = Widget(name="arbete_procent", kind="text", field="arbete_procent", rect=BOX)

    clean = read_widget(page, widget, CONFIGS[FieldType.TEXT], FakeEngine(default="1"))
    assert prepare_line(page, BOX).stray_px >= 11
    assert clean.text == "1" and clean.confidence < 0.5


def test_an_empty_form_reads_empty_without_calling_the_engine() -> None:
    """GIVEN a blank 9448 at 200 dpi with a few specks
    WHEN its text widgets are read
    THEN every widget reads "" with high confidence and the engine is never called."""
    page = blank_page("9448").copy()
    rng = np.random.default_rng(5)
    page[rng.integers(0, PAGE_H_PX, 3000), rng.integers(0, PAGE_W_PX, 3000)] = 0
    engine = FakeEngine()

    reads = read_text_fields(page, "9448", engine=engine, digits=None)

    text_widgets = {w.name for w in form_layout("9448").widgets if w.kind == "text"}
    assert set(reads) == text_widgets
    assert all(r.text == "" and r.confidence >= 0.9 for r in reads.values())
    assert engine.calls == []


# --- per-field configuration (fake engine) -------------------------------------------


FILLED_9448 = (
    ("samverkansorganisation", "Samordningsförbundet Umeå"),
    ("insats", "Steg till arbete"),
    ("personnummer", "19850314-2382"),
    ("namn", "Anna Åberg"),
    ("startdatum", "14 mars 2026"),
    ("kommun", "Umeå"),
    ("stadsdel", "Centrum"),
    ("arbete_procent", "50"),
    ("studier_procent", "25"),
)


def test_each_field_type_is_read_with_its_own_mode_whitelist_and_language() -> None:
    """GIVEN a typed 9448 with every text widget filled
    WHEN it is read with an engine that answers a plausible "1" everywhere
    THEN personnummer, dates and percentages are read with their whitelists in line
         mode and free text in Swedish without a whitelist, one call per widget."""
    engine = FakeEngine(default="1")

    page = scanned("9448", FILLED_9448, "typed-office300", 1)
    read_text_fields(page, "9448", engine=engine, digits=None)

    text = (7, None, "swe")
    calls = dict(zip([name for name, _ in FILLED_9448], engine.calls, strict=True))
    assert calls["samverkansorganisation"] == calls["namn"] == calls["stadsdel"] == text
    psm, whitelist, lang = calls["personnummer"]
    assert (psm, lang) == (7, "swe") and set(whitelist or "") == set(DIGITS + "-+ ")
    assert set(calls["startdatum"][1] or "") == set(DIGITS + "-/. " + MONTH_LETTERS)
    assert set("augustiseptemberdecember") <= set(MONTH_LETTERS)
    assert calls["arbete_procent"] == calls["studier_procent"] == (7, DIGITS, "swe")


def test_a_percent_that_line_mode_reads_as_nothing_falls_back_to_other_modes() -> None:
    """GIVEN a typed "0" in a percent box and an engine whose line mode returns nothing
    (as Tesseract's --psm 7 does for a lone "0")
    WHEN the widget is read
    THEN the word mode is tried next and its "0" is the answer."""
    page = scanned("9448", (("arbete_procent", "0"),), "typed-office300", 2)
    engine = FakeEngine(answers={7: "", 8: "0"})

    reads = read_text_fields(page, "9448", engine=engine, digits=None)

    assert reads["arbete_procent"].text == "0"
    assert [psm for psm, _, _ in engine.calls] == [7, 8]


def test_restricting_a_free_read_to_digits_uses_the_alternatives() -> None:
    """GIVEN a free read "|" whose alternatives include "1" at 0.39
    WHEN it is restricted to digits
    THEN it reads "1" with the alternative's (low) confidence."""
    free = TextRead(
        text="|", confidence=0.88, alternatives=[[("|", 0.88), ("I", 0.6), ("1", 0.39)]]
    )

    assert restrict(free, DIGITS) == TextRead(
        text="1", confidence=0.39, alternatives=[[("1", 0.39)]]
    )


# --- the engine wrapper --------------------------------------------------------------


HOCR = b"""<?xml version="1.0" encoding="UTF-8"?>
<html xmlns="http://www.w3.org/1999/xhtml"><body>
<span class='ocr_line' id='line_1_1' title="bbox 0 0 90 30">
 <span class='ocrx_word' id='word_1_1' title='bbox 0 0 40 30; x_wconf 91'>
  <span class='ocrx_cinfo' title='x_bboxes 0 0 20 30; x_conf 95.5'>1</span>
   <span class='ocrx_cinfo' id='lstm_choices_1_1_1'>
    <span class='ocrx_cinfo' id='choice_1_1_1' title='x_confs 94'>1</span>
    <span class='ocrx_cinfo' id='choice_1_1_2' title='x_confs 40'>7</span>
   </span>
  <span class='ocrx_cinfo' title='x_bboxes 20 0 40 30; x_conf 90'>9</span>
 </span>
 <span class='ocrx_word' id='word_1_2' title='bbox 50 0 90 30; x_wconf 62'>
  <span class='ocrx_cinfo' title='x_bboxes 50 0 90 30; x_conf 62'>5</span>
 </span>
</span></body></html>"""


def test_hocr_words_become_text_with_one_alternative_list_per_character() -> None:
    """GIVEN Tesseract hOCR with character confidences and LSTM choices
    WHEN it is parsed and assembled
    THEN the words are joined by one space, every character (the space too) has its
         alternatives, and the confidence is the weakest word's."""
    read = assemble(parse_hocr(HOCR))

    assert read.text == "19 5"
    assert len(read.alternatives) == len(read.text)
    assert read.alternatives[0] == [("1", 0.94), ("7", 0.4)]
    assert read.alternatives[2] == [(" ", 1.0)]
    assert read.confidence == pytest.approx(0.62)


def test_a_symbol_missing_from_its_own_choices_is_added() -> None:
    """GIVEN a symbol whose LSTM choices do not contain it (Tesseract does that)
    WHEN it is assembled THEN the symbol is among its alternatives, ranked by confidence."""
    read = assemble([([Symbol("8", 0.93, (("B", 0.1), ("6", 0.0)))], 0.9)])

    assert read.alternatives == [[("8", 0.93), ("B", 0.1), ("6", 0.0)]]


def test_a_missing_tesseract_program_is_a_configuration_error() -> None:
    """GIVEN pytesseract pointed at a program that does not exist
    WHEN a line is read THEN a ConfigurationError says what to install."""
    engine = PytesseractEngine(cmd="/nonexistent/tesseract")

    with pytest.raises(ConfigurationError, match="tesseract-ocr"):
        engine.read_line(np.full((40, 80), 255, np.uint8), psm=7, whitelist=None)


# --- real Tesseract ------------------------------------------------------------------


TYPED_FIELDS = ("personnummer", "namn", "namnfortydligande", "startdatum", "avslutningsdatum")


@pytest.mark.tesseract
@pytest.mark.parametrize(("form", "seed"), [("9443", 1), ("9448", 1), ("9448", 2), ("9449", 1)])
def test_typed_office_scans_read_personnummer_dates_and_names_exactly(form: str, seed: int) -> None:
    """GIVEN a typed form scanned at 300 dpi and aligned to within 3 px
    WHEN its text widgets are read with the default engine
    THEN personnummer, dates and names read exactly as written and empty boxes as ""."""
    case, page = generated(form, "typed-office300", seed)

    reads = read_text_fields(page, form, engine=shared_engine(), digits=shipped_digits())

    for name, read in reads.items():
        written = case.written.get(name, "")
        if name in TYPED_FIELDS or not written:
            assert read.text == written, name


@pytest.mark.tesseract
@pytest.mark.parametrize(("arbete", "studier"), [("0", "5"), ("50", "100")])
def test_percentages_including_a_lone_zero_read_right(arbete: str, studier: str) -> None:
    """GIVEN typed percentages "0", "5", "50", "100" in the percent boxes of scanned 9448s
    WHEN they are read with the default engine
    THEN each reads exactly (the lone "0" needs the fallback mode)."""
    written = (("arbete_procent", arbete), ("studier_procent", studier))
    page = scanned("9448", written, "typed-office300", 3)

    reads = read_text_fields(page, "9448", engine=shared_engine(), digits=shipped_digits())

    assert (reads["arbete_procent"].text, reads["studier_procent"].text) == (arbete, studier)


@pytest.mark.tesseract
@pytest.mark.skipif(not tesserocr_available(), reason="tesserocr is not installed")
@pytest.mark.parametrize("style", ["typed-fax200", "hand-office300"])
def test_tesserocr_and_pytesseract_read_the_same(style: str) -> None:
    """GIVEN a scanned 9448 (typed on a fax, or hand-printed)
    WHEN its text widgets are read with tesserocr and with pytesseract
    THEN both engines give the same text for every widget."""
    _, page = generated("9448", style, 3)
    engines: list[TextEngine] = [TesserocrEngine(), PytesseractEngine()]

    first, second = (
        read_text_fields(page, "9448", engine=e, digits=shipped_digits()) for e in engines
    )

    assert {k: r.text for k, r in first.items()} == {k: r.text for k, r in second.items()}


@pytest.mark.parametrize("written", ["18 revenber 2026", "14 ckcber 2025", "3 decenber 2024"])
def test_a_month_s_name_misread_in_a_third_of_its_letters_lets_its_letters_be_cut(
    written: str,
) -> None:
    """GIVEN a date whose month's name the engine read with up to two in five letters
    wrong ("revenber" for november)
    WHEN the classifier's cuts are chosen
    THEN they may hold the month's letters (the month's cut counts)."""
    assert _cut_counts(CONFIGS[FieldType.DATE], written) == MONTH_CUT_COUNTS


# --- a month's name read again ---------------------------------------------------------


def _start_widget() -> Widget:  # 9448's startdatum
    return next(w for w in form_layout("9448").widgets if w.name == "startdatum")


@pytest.mark.parametrize(("written", "rereads"), [("14 mars 2026", 3), ("2026-03-14", 0)])
def test_a_date_holding_a_word_is_read_again_for_its_month(written: str, rereads: int) -> None:
    """GIVEN a date box whose first read holds a word ("14 mars 2026") or only digits
    WHEN the widget is read
    THEN a word's line is read again at other scales and modes, with the date's
    characters, each reread kept for the month's vote; a date of digits is read once."""
    page = scanned("9448", (("startdatum", written),), "typed-office300", 3)
    engine = FakeEngine(default=written)

    read = read_widget(page, _start_widget(), CONFIGS[FieldType.DATE], engine)

    assert read.rereads == [written] * rereads
    assert [(psm, whitelist) for psm, whitelist, _ in engine.calls[1:]] == \
        [(psm, DATE_CHARACTERS) for psm, _ in MONTH_REREADS][:rereads]


def _hand_date(written: str, font: str, seed: int) -> TextRead:
    style = STYLES["hand-office300"].model_copy(update={"hand_fonts": (font,)})
    page = aligned_case(Case(form="9448", written={"startdatum": written}), style,
                        random.Random(seed))
    return read_widget(page, _start_widget(), CONFIGS[FieldType.DATE], shared_engine(),
                       shipped_digits().remembering())


@pytest.mark.tesseract
def test_a_maj_whose_first_read_lost_a_letter_is_read_whole_again() -> None:
    """GIVEN "19 maj 2025" hand-printed (SteveHand) whose first read lost the m ("aj",
    which alone is only a guess of maj)
    WHEN the widget is read
    THEN most rereads of the line read "maj" letter-perfect: enough to vote it May."""
    read = _hand_date("19 maj 2025", "SteveHand.ttf", 2)
    assert "maj" not in read.text
    assert sum("maj" in reread.split() for reread in read.rereads) >= 2


@pytest.mark.parametrize(
    ("text", "reread"),
    [("Vellinge, & juli AUC", True), ("Lilla Edet, 4/2 2025", True),
     ("Heby den 20260729", False), ("Stockholm 2026-03-14", False)],
)
def test_ort_och_datum_is_read_again_only_for_a_word_after_the_ort(text: str,
                                                                   reread: bool) -> None:
    """GIVEN 9443's "Ort och datum" read as ``text``
    WHEN it is decided whether the line is read again for a month's name
    THEN only a word after the first (the ort's) other than "den" asks for it."""
    assert _may_name_a_month(TEXT_THEN_DATE, text) is reread
