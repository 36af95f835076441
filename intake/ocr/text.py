"""Reading the text widgets of an aligned page with Tesseract.

Each text widget is cropped with a little padding (hand-printed text overflows its
box), cleaned (paper flattened, printed box lines removed without cutting strokes
that cross them, specks, labels and neighbouring boxes dropped), trimmed to its
ink and scaled to the text height Tesseract reads best, then read in one line mode
with a character whitelist chosen by the field's type. A box without writing is
reported as ``""`` without calling the engine.

Units: the aligned page is at ``WORK_DPI`` (200 dpi), so 1 mm ≈ 7.9 px.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import cache

import numpy as np

from intake import imaging
from intake.forms import FieldType, load_form
from intake.forms.model import Rect, Widget
from intake.forms.reading import ReadingTemplate, reading_template
from intake.learned.digits import DigitModel
from intake.learned.months import MonthModel
from intake.ocr.lattice import cut_line, date_tail
from intake.ocr.months import names_a_month, read_month
from intake.ocr.opinion import second_opinion
from intake.ocr.tesseract import TextEngine
from intake.reads import TextRead, mm_to_px
from intake.sus.values import MONTH_NAMES, MONTHS

log = logging.getLogger(__name__)

#: Crop margin around a widget: hand-printed text overflows its box a little.
PAD_MM = 1.5
#: Height Tesseract gets for the writing's core band (digits / capitals).
TARGET_HEIGHT_PX = 28
#: White margin around the trimmed, scaled writing.
MARGIN_PX = 12
#: Grey level (after flattening: paper 255) below which a pixel is ink.
INK_LEVEL = 140
#: Confidence of "this box is empty" when no writing is found at all.
EMPTY_CONFIDENCE = 0.98
#: No writing, but this much ink (px) of fragments in a 3 mm square: maybe a thin
#: stroke broken up by a fax. Measured on generated faxes: empty boxes ≤ 8 px (311
#: boxes), pale hand-printing that binarisation broke up 13–74 px.
FAINT_INK_PX = 11
FAINT_CONFIDENCE = 0.3
#: A read at least this confident (and plausible) needs no fallback read.
GOOD_CONFIDENCE = 0.8
#: Marks smaller than this (px at WORK_DPI) are always specks (a fax's noise).
DOT_AREA_PX = 2
#: A small mark beside the letters (not over them) must be this large to be a
#: hyphen, comma or full stop rather than a speck.
PUNCTUATION_AREA_PX = 6
#: Marks at least this large (px) are writing; smaller ones are dots, commas or specks.
STROKE_AREA_PX = 24
#: ... unless at least this large, half a letter tall and on the letters' line: a letter
#: of small print (a long name typed small into a narrow box, then faxed, ~12 px tall).
SMALL_LETTER_AREA_PX = 8
#: How far (px) the printed border may sit from where the form says (alignment residual).
BORDER_SLACK_PX = 6
#: Width (px) of a printed border line (0.3 mm at 200 dpi).
LINE_PX = 2
#: Gaps (px) in a printed line that are bridged before looking for it (fax dropouts).
GAP_PX = 5

DIGITS = "0123456789"
MONTH_LETTERS = "".join(
    sorted(
        set(
            "januari februari mars april maj juni juli augusti september oktober "
            "november december".replace(" ", "")
        )
    )
)


@dataclass(frozen=True, slots=True)
class FieldConfig:
    """How Tesseract reads one kind of field."""

    psm: int = 7
    whitelist: str | None = None
    fallback_psms: tuple[int, ...] = ()
    pattern: str | None = None  # what a plausible read looks like (fallbacks otherwise)
    digit_counts: tuple[int, ...] = ()  # how many digits a value of this kind has
    merge_digits: bool = True  # the digit classifier may change digits (else only confirm)
    slash_is_one: bool = False  # a slash the classifier sees is a 1 (no slash is written)
    count_slack: int = 0  # the classifier's digit count may be this far off (check digit)
    agreement: bool = True  # the classifier agreeing with Tesseract raises the confidence
    #: digit counts the classifier's cuts of the line may have (default ``digit_counts``)
    cut_counts: tuple[int, ...] = ()
    #: words then a date ("Stockholm 14/3 2026"): the date's part is cut as a date
    date_after_words: bool = False

    def plausible(self, read: TextRead) -> bool:
        if self.pattern is None:
            return bool(read.text)
        return re.fullmatch(self.pattern, read.text.strip()) is not None


TEXT = FieldConfig()
#: Digits of a date as people write it: "8/8-26" has four, "20260808" eight.
DATE_CUT_COUNTS = (4, 5, 6, 7, 8)
#: ... and with a month's name, whose letters the classifier may take for digits.
MONTH_CUT_COUNTS = tuple(range(4, 18))
#: A word this long or longer may be a month's name misread, by up to this share of the
#: name's letters ("revenber" for november or december: then the month's cut counts are
#: tried; which month it is, ``intake.mapping`` decides).
MONTH_MISREAD_MIN = 5
MONTH_MISREAD_SHARE = 0.4
#: What a date is written with: digits, separators and the letters of the months' names.
DATE_CHARACTERS = DIGITS + "-/. " + MONTH_LETTERS
#: The rereads of a date line holding a word (:func:`reread_month`): page segmentation
#: mode and scale. Chosen on the calibration forms (hand-real300 seeds 77, 81, 91,
#: fax-real200 seed 78): these three read month words the first read missed or garbled
#: ("Vellinge, & juli AUC": juli in all three; "10 Mecember": december) and vote against
#: a month read letter-perfect but wrong ("lc jun 202-44" for 16 jan 2024: no reread
#: names jun clearly).
MONTH_REREADS = ((7, 1.4), (8, 1.0), (7, 0.75))
#: Two letters or more in a row: a word, perhaps a month's name.
_WORD = re.compile(r"[^\W\d_]{2,}")
CONFIGS: dict[FieldType, FieldConfig] = {
    FieldType.TEXT: TEXT,
    FieldType.PERSONNUMMER: FieldConfig(
        whitelist=DIGITS + "-+ ", digit_counts=(10, 12), slash_is_one=True, count_slack=1
    ),
    FieldType.DATE: FieldConfig(
        whitelist=DATE_CHARACTERS, digit_counts=(6, 7, 8),
        merge_digits=False,  # no check digit: a changed digit went wrong unseen (measure_digits)
        agreement=False,  # on an unseen hand both engines read 9 as 3: 3 silent of 55 dates
        cut_counts=DATE_CUT_COUNTS,
    ),
    FieldType.PERCENT: FieldConfig(
        whitelist=DIGITS, fallback_psms=(8, 13, 10), pattern=r"0|[1-9]\d?|100",
        digit_counts=(1, 2, 3), slash_is_one=True,  # a "1" as one stroke is no separator
    ),
    FieldType.CODE: FieldConfig(
        whitelist=DIGITS, fallback_psms=(10, 8, 13), pattern=r"[1-9]", digit_counts=(1,),
        merge_digits=False, slash_is_one=True,
    ),
}
TEXT_THEN_DATE = FieldConfig(date_after_words=True)


def read_text_fields(
    aligned: np.ndarray, form: str | ReadingTemplate, *, engine: TextEngine,
    digits: DigitModel | None, months: MonthModel | None = None,
) -> dict[str, TextRead]:
    """What is written in each text widget of ``form`` (a template, or a form id for
    its built-in layout) on a page aligned to it; the
    digits of personnummer, dates, percents and codes also by the ``digits`` classifier
    (measured to pay there; percent on 4 × 132 hand fields of eval corpus e3: silent
    errors 3 -> 1, review down). Without it, Tesseract alone."""
    template = reading_template(form)
    configs = widget_configs(template.form)
    digits = None if digits is None else digits.remembering()  # each glyph classified once
    return {
        widget.name: read_widget(aligned, widget, configs.get(widget.name, TEXT), engine, digits,
                                 months)
        for widget in template.layout.widgets
        if widget.kind == "text"
    }


@cache
def widget_configs(form_id: str) -> dict[str, FieldConfig]:
    """The reading config of each text widget, from the type of the field(s) it holds.

    A widget holding several fields (9443's ``ort_och_datum``: a text and a date)
    is read as free text, its date also cut as a date.
    """
    types: dict[str, set[FieldType]] = {}
    for field in load_form(form_id).fields:
        if field.type in CONFIGS:
            types.setdefault(field.widget or field.name, set()).add(field.type)
    return {
        name: CONFIGS[next(iter(kinds))] if len(kinds) == 1 else
        TEXT_THEN_DATE if kinds == {FieldType.TEXT, FieldType.DATE} else TEXT
        for name, kinds in types.items()
    }


def read_widget(
    aligned: np.ndarray, widget: Widget, config: FieldConfig, engine: TextEngine,
    digits: DigitModel | None = None, months: MonthModel | None = None,
) -> TextRead:
    """Read one text widget; an empty box gives ``""`` without calling the engine. A
    field of digits gets the ``digits`` classifier's second opinion; a date's word
    between its day and year the ``months`` classifier's reading."""
    prepared = prepare_line(aligned, widget.rect)
    if prepared.image is None:
        return _empty(widget, prepared.stray_px)
    line = prepared.image
    read = engine.read_line(line, psm=config.psm, whitelist=config.whitelist)
    if config.fallback_psms and not _good_enough(read, config):
        read = _with_fallbacks(line, read, config, engine)
    if digits is not None and months is not None and (config.cut_counts
                                                      or config.date_after_words):
        read = read.model_copy(update={"month_word": read_month(
            line, digits, months, after_words=config.date_after_words,
            letters_read=_letter_after_digit(read.text))})
    if digits is not None and config.digit_counts:
        # A second opinion per digit from the project's own classifier (issue 3 lever):
        # +5.5 points exact personnummer on generated hands, no new silent errors.
        read = second_opinion(
            read, line, digits, lengths=config.digit_counts, merge=config.merge_digits,
            slashes=not config.slash_is_one, slack=config.count_slack,
            agreement=config.agreement, cut_lengths=_cut_counts(config, read.text, read.month_word),
        )
    if digits is not None and config.date_after_words:
        named = _names_a_month(read.text) or names_a_month(read.month_word)
        tail = date_tail(line, digits, month_named=named)
        if tail is not None:
            lengths = MONTH_CUT_COUNTS if named else DATE_CUT_COUNTS
            cuts = cut_line(tail, digits, lengths=lengths, slashes=True)
            read = read.model_copy(update={"cuts": cuts})
    if _may_name_a_month(config, read.text) or names_a_month(read.month_word):
        read = read.model_copy(update={"rereads": reread_month(line, engine)})
    if prepared.stray_px >= FAINT_INK_PX:
        # beside the writing lie fragments of a stroke a fax broke up: a pale digit or
        # letter may be missing from what was read ("75" read "7")
        log.debug("%s: %d px of fragments beside the writing", widget.name, prepared.stray_px)
        read = read.model_copy(update={"confidence": min(read.confidence, FAINT_CONFIDENCE)})
    log.debug("%s: %d chars, confidence %.2f", widget.name, len(read.text), read.confidence)
    return read


def _letter_after_digit(text: str) -> bool:
    """Whether the engine read a letter after a digit: a word after a date's day."""
    return re.search(r"\d\D*[^\W\d_]", text) is not None


def _may_name_a_month(config: FieldConfig, text: str) -> bool:
    """Whether a date's first read holds a word that may be a month's name: any word in
    a date box; in words then a date (9443's "Ort och datum"), a word after the first
    other than "den" (the first is the ort's: "Heby den 20260729" holds no month)."""
    words = _WORD.findall(text)
    if config.date_after_words:
        return any(word.casefold() != "den" for word in words[1:])
    return bool(config.cut_counts) and bool(words)


def reread_month(line: np.ndarray, engine: TextEngine) -> list[str]:
    """The line of a date read again (:data:`MONTH_REREADS`: other scales and page
    segmentation modes, the date's characters only), for a vote on its month's name: a
    hand-written word the engine misreads one way at one scale is seldom misread the
    same way at every other, and a word read alike by most is as written."""
    reads = []
    for psm, scale in MONTH_REREADS:
        scaled = line if scale == 1.0 else imaging.resize(line, scale)
        reads.append(engine.read_line(scaled, psm=psm, whitelist=DATE_CHARACTERS).text)
    return reads


def _cut_counts(config: FieldConfig, text: str, month_word: list[float] | None = None
                ) -> tuple[int, ...] | None:
    """The digit counts the classifier's cuts may have: for a date whose month the
    engine read as a word in ``text`` (or the month classifier names in ``month_word``),
    its letters may pass for digits too."""
    if config.cut_counts and (_names_a_month(text) or names_a_month(month_word or [])):
        return MONTH_CUT_COUNTS
    return config.cut_counts or None


def _names_a_month(text: str) -> bool:
    """Whether a word of ``text`` is a month's name (or its abbreviation), or one
    misread by a letter or two, or its first three letters right and about as long
    ("decenber", "febvari", "januarl", "febrvn": a hand-written month is seldom read
    letter-perfect, and without it the digits' cuts are not tried)."""
    return any(_month_like(word.casefold().rstrip(".")) for word in re.findall(r"\w+", text))


def _month_like(word: str) -> bool:
    if word in MONTHS:
        return True
    if len(word) < MONTH_MISREAD_MIN or not word.isalpha():
        return False
    return any(edit_distance(word, name) <= round(MONTH_MISREAD_SHARE * len(name))
               or (word[:3] == name[:3] and abs(len(word) - len(name)) <= 2)
               for name in MONTH_NAMES if len(name) >= MONTH_MISREAD_MIN)


def edit_distance(a: str, b: str, *, within: bool = False) -> int:
    """The fewest single-character edits that make ``a`` into ``b`` -- or, ``within``,
    into some stretch of ``b`` (free at both ends of ``b``)."""
    previous = [0] * (len(b) + 1) if within else list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (char_a != char_b)))
        previous = current
    return min(previous) if within else previous[-1]


def _empty(widget: Widget, stray_px: int) -> TextRead:
    """No writing found: sure when the box is clean, doubtful when it holds a cluster
    of fragments (a thin pen stroke that a fax's binarisation broke up)."""
    if stray_px >= FAINT_INK_PX:
        log.debug("%s: no writing but %d px of fragments", widget.name, stray_px)
        return TextRead(text="", confidence=FAINT_CONFIDENCE, alternatives=[])
    return TextRead(text="", confidence=EMPTY_CONFIDENCE, alternatives=[])


def _good_enough(read: TextRead, config: FieldConfig) -> bool:
    return config.plausible(read) and read.confidence >= GOOD_CONFIDENCE


def _with_fallbacks(
    line: np.ndarray, first: TextRead, config: FieldConfig, engine: TextEngine
) -> TextRead:
    """The best read of the line: plausible first, then most confident.

    Tried in turn until one is good enough: the fallback page segmentation modes
    (``--psm 7`` returns a lone "0" as nothing), then a read without whitelist
    restricted to the whitelist through its per-character alternatives (a hand
    "1" read as "|" still has "1" among its alternatives, which the whitelisted
    decoder drops).
    """
    reads = [first]
    for psm in config.fallback_psms:
        read = engine.read_line(line, psm=psm, whitelist=config.whitelist)
        reads.append(read)
        if _good_enough(read, config):
            return read
    if config.whitelist:
        free = engine.read_line(line, psm=config.psm, whitelist=None)
        reads.append(restrict(free, config.whitelist))
    return max(reads, key=lambda r: (config.plausible(r), r.confidence))


def restrict(read: TextRead, whitelist: str) -> TextRead:
    """``read`` with each character replaced by its best alternative in ``whitelist``;
    characters without one are dropped. The confidence is the weakest kept choice."""
    kept: list[list[tuple[str, float]]] = []
    for choices in read.alternatives:
        allowed = [(c, p) for c, p in choices if c in whitelist]
        if allowed and (allowed[0][0] != " " or kept):
            kept.append(allowed)
    while kept and kept[-1][0][0] == " ":
        kept.pop()
    if not kept:
        return TextRead(text="", confidence=0.0, alternatives=[])
    text = "".join(choices[0][0] for choices in kept)
    confidence = min(read.confidence, *(choices[0][1] for choices in kept))
    return TextRead(text=text, confidence=confidence, alternatives=kept)


# --- cleaning a crop ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Box:
    """The printed box inside a crop, in crop pixels (right/bottom exclusive)."""

    left: int
    top: int
    right: int
    bottom: int

    @property
    def height(self) -> int:
        return self.bottom - self.top


@dataclass(frozen=True, slots=True)
class PreparedLine:
    """A widget's writing ready for Tesseract (``image``, None when there is none) and
    the most ink of the marks left out (specks, fragments) within any 3 mm square of
    the box (``stray_px``)."""

    image: np.ndarray | None
    stray_px: int = 0


def prepare_line(aligned: np.ndarray, rect: Rect) -> PreparedLine:
    """The writing in widget ``rect`` of an aligned page, cleaned, trimmed and scaled."""
    grey, box = crop_widget(aligned, rect)
    flat = flatten(grey)
    ink = flat < INK_LEVEL
    horizontal, vertical = border_lines(ink, box)
    lines = horizontal | vertical
    strokes = remove_lines(ink, lines)
    writing = keep_writing(strokes, inner_box(horizontal, vertical, box))
    if writing is None:
        return PreparedLine(image=None, stray_px=stray_ink(strokes, box))
    return PreparedLine(image=render_line(flat, writing, lines),
                        stray_px=stray_ink(strokes & ~writing, box))


def stray_ink(strokes: np.ndarray, box: Box) -> int:
    """The most ink pixels inside the box (clear of its border) in any 3 mm square."""
    inner = strokes[
        box.top + BORDER_SLACK_PX : box.bottom - BORDER_SLACK_PX,
        box.left + BORDER_SLACK_PX : box.right - BORDER_SLACK_PX,
    ]
    side = mm_to_px(3)
    if min(inner.shape) < side:
        return int(inner.sum())
    sums = np.pad(inner.astype(np.int32).cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    windows = sums[side:, side:] - sums[:-side, side:] - sums[side:, :-side] + sums[:-side, :-side]
    return int(windows.max())


def crop_widget(aligned: np.ndarray, rect: Rect) -> tuple[np.ndarray, Box]:
    """The widget's pixels with ``PAD_MM`` around them, and where its box lies in them."""
    x0, y0 = mm_to_px(rect.x - PAD_MM), mm_to_px(rect.y - PAD_MM)
    x1, y1 = mm_to_px(rect.right + PAD_MM), mm_to_px(rect.bottom + PAD_MM)
    h, w = aligned.shape[:2]
    cx0, cy0 = max(x0, 0), max(y0, 0)
    grey = imaging.to_grey(aligned[cy0 : min(y1, h), cx0 : min(x1, w)])
    box = Box(
        left=mm_to_px(rect.x) - cx0,
        top=mm_to_px(rect.y) - cy0,
        right=mm_to_px(rect.right) - cx0,
        bottom=mm_to_px(rect.bottom) - cy0,
    )
    return grey, box


def flatten(grey: np.ndarray) -> np.ndarray:
    """Paper made white and ink black: divide by the local paper level, then stretch
    so that the darkest ink is black."""
    paper = imaging.local_max(grey, 15).astype(np.float32)
    flat = np.clip(grey * (255.0 / np.maximum(paper, 1.0)), 0, 255).astype(np.uint8)
    darkest = _percentile(flat, 0.005)
    if darkest >= 200:  # nothing dark at all: keep as is
        return flat
    stretch = np.clip((np.arange(256) - darkest) * (255.0 / (255 - darkest)), 0, 255)
    return stretch.astype(np.uint8)[flat]


def _percentile(image: np.ndarray, share: float) -> int:
    """The grey level below which ``share`` of the pixels of a uint8 image lie."""
    counts = np.cumsum(np.bincount(image.ravel(), minlength=256))
    return int(np.searchsorted(counts, share * counts[-1]))


def border_lines(ink: np.ndarray, box: Box) -> tuple[np.ndarray, np.ndarray]:
    """The box's printed border in the crop: horizontal and vertical line masks.

    A border line is a long straight run (horizontal: longer than any written stroke,
    8 mm; vertical: 3/4 of the box height, which a written "1" or "l" never is) within
    the alignment slack of where the form puts it. Gaps of a few pixels (a fax's
    dropouts) are bridged first.
    """
    bridged = imaging.close_lines(ink, GAP_PX, horizontal=True)
    horizontal = imaging.open_lines(bridged, mm_to_px(8), horizontal=True)
    bridged = imaging.close_lines(ink, GAP_PX, horizontal=False)
    vertical = imaging.open_lines(bridged, round(box.height * 0.75), horizontal=False)
    horizontal[_away_from(horizontal.shape[0], (box.top, box.bottom)), :] = False
    vertical[:, _away_from(vertical.shape[1], (box.left, box.right))] = False
    return _with_fringe(horizontal, ink), _with_fringe(vertical, ink)


def _away_from(size: int, edges: tuple[int, int]) -> np.ndarray:
    """Indices 0..size-1 farther than the slack from both edges."""
    index = np.arange(size)
    reach = BORDER_SLACK_PX + LINE_PX
    return (np.abs(index - edges[0]) > reach) & (np.abs(index - edges[1]) > reach)


def _with_fringe(line: np.ndarray, ink: np.ndarray) -> np.ndarray:
    """A line's core and the ink one pixel either side of it (blur, JPEG, fax edges)."""
    return imaging.dilate(line, 3) & ink


def inner_box(horizontal: np.ndarray, vertical: np.ndarray, box: Box) -> Box:
    """The inside of the printed border as found in the crop (the form's own position,
    less a line's width, where a border line is not found within the slack)."""
    rows = horizontal[:, box.left : box.right].mean(axis=1) >= 0.5
    columns = vertical[box.top : box.bottom, :].mean(axis=0) >= 0.5
    return Box(
        left=_edge(columns, box.left, inward=1),
        top=_edge(rows, box.top, inward=1),
        right=_edge(columns, box.right, inward=-1),
        bottom=_edge(rows, box.bottom, inward=-1),
    )


def _edge(is_line: np.ndarray, expected: int, *, inward: int) -> int:
    """Where the inside begins (``inward`` 1) or ends (-1) next to a border line."""
    low = max(expected - BORDER_SLACK_PX, 0)
    found = np.nonzero(is_line[low : expected + BORDER_SLACK_PX])[0] + low
    if not len(found):
        return expected + inward * LINE_PX
    return int(found.max()) + 1 if inward > 0 else int(found.min())


def remove_lines(ink: np.ndarray, lines: np.ndarray) -> np.ndarray:
    """Ink without the printed lines, keeping the pixels where a stroke crosses a line.

    A stroke crossing a line shows as ink on both sides of it: closing the remaining
    ink across the line's width bridges exactly those gaps.
    """
    rest = ink & ~lines
    across_rows = imaging.close_lines(rest, 9, horizontal=False)
    across_columns = imaging.close_lines(rest, 9, horizontal=True)
    return rest | (lines & (across_rows | across_columns))


def keep_writing(strokes: np.ndarray, inner: Box) -> np.ndarray | None:
    """The marks that are writing in the box (labels, neighbours, specks dropped).

    Writing is every mark reaching into the inside of the printed border. Small marks
    count only where writing has them: beside a letter within the line (hyphen, comma,
    full stop), just above a letter (dots of i, ä, ö; the ring of å), or as the
    letters of small print (:func:`_along_the_line`); anywhere else they are specks.
    None when no mark is big enough to be writing.
    """
    count, labels, stats = imaging.components(strokes)
    inside = _inside_labels(labels, inner)
    big = [i for i in inside if stats[i, 4] >= STROKE_AREA_PX and not _residue(stats[i], inner)]
    big = _on_the_line(big, stats)
    if not big:
        return None
    size = float(np.median(stats[big, 3]))
    small = [i for i in inside if stats[i, 4] < STROKE_AREA_PX]
    line = _along_the_line(big, small, stats, size)
    marks = [i for i in small if i not in line and _above(stats[i], stats[line], size)]
    chosen = np.zeros(count, dtype=bool)
    chosen[line + marks] = True
    return chosen[labels]


def _along_the_line(big: list[int], small: list[int], stats: np.ndarray, size: float
                    ) -> list[int]:
    """``big`` and the small marks beside them within the line (punctuation). A line of
    small print (more of its letters small marks than big ones: a long name typed small
    into a narrow box and faxed) also keeps its small letters, and the small marks
    beside any kept mark, in turn."""
    letters = [i for i in small if _small_letter(stats[i], stats[big], size)]
    small_print = len(letters) > len(big)
    line = list(big) + (letters if small_print else [])
    rest = [i for i in small if i not in line]
    while rest:
        beside = [i for i in rest if _beside(stats[i], stats[line], size)]
        line += beside
        rest = [i for i in rest if i not in beside]
        if not beside or not small_print:
            break
    return line


def _inside_labels(labels: np.ndarray, inner: Box) -> list[int]:
    """Marks reaching more than a line's width into the box (a label's parenthesis or
    descender touching the border from outside does not)."""
    reach = LINE_PX
    inside = labels[
        inner.top + reach : inner.bottom - reach, inner.left + reach : inner.right - reach
    ]
    present = np.bincount(inside.ravel())
    return [int(i) for i in np.nonzero(present)[0] if i]


def _on_the_line(big: list[int], stats: np.ndarray) -> list[int]:
    """The big marks that are on the written line: a blot sharing no rows with the
    others and well above or below their middle is not writing."""
    if len(big) < 3:
        return big
    top, bottom = stats[big, 1], stats[big, 1] + stats[big, 3]
    middle, size = float(np.median((top + bottom) / 2)), float(np.median(stats[big, 3]))
    # overlap[i, j]: mark j shares rows with mark i (a mark with itself does not count)
    overlap = (top[None, :] < bottom[:, None]) & (bottom[None, :] > top[:, None])
    np.fill_diagonal(overlap, False)
    near_middle = np.abs((top + bottom) / 2 - middle) <= size
    return [i for i, keep in zip(big, overlap.any(axis=1) | near_middle, strict=True) if keep]


def _residue(stat: np.ndarray, inner: Box) -> bool:
    """A sliver along the inside of the border: what line removal left of a rough line
    (at most ``LINE_PX`` thick; a pen stroke along the border is thicker)."""
    x, y, w, h = (int(v) for v in stat[:4])
    along_top = y <= inner.top + LINE_PX or y + h >= inner.bottom - LINE_PX
    along_side = x <= inner.left + LINE_PX or x + w >= inner.right - LINE_PX
    return (h <= LINE_PX and along_top) or (w <= LINE_PX and along_side)


def _small_letter(stat: np.ndarray, letters: np.ndarray, size: float) -> bool:
    """Whether a mark too small to be writing alone is as tall as half the letters and
    lies on their line (between their median top and bottom): a letter of small print."""
    y, h, area = int(stat[1]), int(stat[3]), int(stat[4])
    top, bottom = np.median(letters[:, 1]), np.median(letters[:, 1] + letters[:, 3])
    return (area >= SMALL_LETTER_AREA_PX and h >= 0.5 * size
            and y < bottom and y + h > top and y + h >= top + 0.5 * size)


def _beside(stat: np.ndarray, letters: np.ndarray, size: float) -> bool:
    """Whether a small mark is beside one of ``letters`` (``size`` tall) within the line:
    punctuation, or a letter of small print."""
    if int(stat[4]) < PUNCTUATION_AREA_PX:
        return False
    dx, dy = _gaps(stat, letters)
    return bool(((dy < 0) & (dx <= 0.6 * size)).any())


def _above(stat: np.ndarray, letters: np.ndarray, size: float) -> bool:
    """Whether a small mark is a diacritic just above one of ``letters`` (``size`` tall;
    no Swedish letter has one below)."""
    if int(stat[4]) < DOT_AREA_PX:
        return False
    dx, _ = _gaps(stat, letters)
    y, h = int(stat[1]), int(stat[3])
    top = letters[:, 1]
    return bool(((dx <= 1) & (y + h <= top + 0.3 * size) & (top - (y + h) <= 0.5 * size)).any())


def _gaps(stat: np.ndarray, letters: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The horizontal and vertical gaps between a mark and each letter (< 0: overlap)."""
    x, y, w, h = (int(v) for v in stat[:4])
    left, right = letters[:, 0], letters[:, 0] + letters[:, 2]
    top, bottom = letters[:, 1], letters[:, 1] + letters[:, 3]
    return np.maximum(left - (x + w), x - right), np.maximum(top - (y + h), y - bottom)


def render_line(flat: np.ndarray, writing: np.ndarray, lines: np.ndarray) -> np.ndarray:
    """The writing on white, trimmed to its ink, its darkest ink made black, scaled so
    that its core is ``TARGET_HEIGHT_PX`` tall."""
    keep = imaging.dilate(writing, 3) & ~(lines & ~writing)
    clean = np.where(keep, _blacken(flat, writing), 255).astype(np.uint8)
    rows, cols = np.nonzero(writing)
    top, left = max(rows.min() - 1, 0), max(cols.min() - 1, 0)
    trimmed = clean[top : rows.max() + 2, left : cols.max() + 2]
    scale = TARGET_HEIGHT_PX / _core_height(writing[rows.min() : rows.max() + 1])
    scaled = imaging.resize(trimmed, float(np.clip(scale, 0.4, 4.0)))
    return np.pad(scaled, MARGIN_PX, constant_values=255)


def _blacken(flat: np.ndarray, writing: np.ndarray) -> np.ndarray:
    """``flat`` stretched so that the writing's darkest tenth is black (a pale pen or
    pencil reads like ink; the printed border no longer sets the scale)."""
    darkest = float(np.percentile(flat[writing], 10))
    if darkest <= 1:
        return flat
    stretched = (flat.astype(np.float32) - darkest) * (255.0 / (255.0 - darkest))
    return np.clip(stretched, 0, 255).astype(np.uint8)


def _core_height(writing: np.ndarray) -> int:
    """Height of the writing's core (rows holding a fair share of the ink): the height
    of digits and capitals, ignoring a lone descender or accent."""
    profile = writing.sum(axis=1)
    core = np.nonzero(profile >= 0.15 * profile.max())[0]
    return max(int(core[-1] - core[0] + 1), 8)
