"""The hand-printed digit classifier: segmentation, the shipped model, combining."""

from __future__ import annotations

import random

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from intake.ocr import digits
from intake.ocr.model import TextRead
from intake.samples.ink import font_path


def _line(text: str, font_name: str = "ComicNeue-Regular.otf") -> np.ndarray:
    """``text`` drawn black on white about as ``prepare_line`` leaves it (core ~28 px)."""
    font = ImageFont.truetype(str(font_path(font_name)), 40)
    image = Image.new("L", (int(font.getlength(text)) + 40, 64), 255)
    ImageDraw.Draw(image).text((20, 48), text, font=font, fill=0, anchor="ls")
    return np.asarray(image)


def test_segment_cuts_a_personnummer_into_twelve_glyphs() -> None:
    """GIVEN a written personnummer with a hyphen
    WHEN it is segmented
    THEN there is one glyph per digit and the hyphen is dropped."""
    glyphs = digits.segment(_line("19820721-2385"))
    assert glyphs is not None
    assert len(glyphs) == 12


def test_segment_splits_touching_digits() -> None:
    """GIVEN two digits drawn so close that their ink touches
    WHEN the line is segmented
    THEN the touching pair is cut into two glyphs."""
    line = _line("00")
    joined = np.minimum(line, np.roll(line, -6, axis=1))  # the second 0 over the first
    assert len(digits.segment(line) or []) == 2
    assert len(digits.segment(joined) or []) == 2


def test_model_reads_digits_of_a_held_out_font() -> None:
    """GIVEN digits rendered and degraded in the hand font left out of training
    WHEN the shipped model classifies them
    THEN far more are read right than chance (10 %): measured 48 % on a hand never seen,
    against 72–97 % on the fonts it was trained on."""
    rng = random.Random(5)
    truth, images = [], []
    for _ in range(200):
        digit = rng.choice(digits.DIGITS)
        image = digits.render_glyph(digit, digits.HELD_OUT_FONT, rng)
        if image is not None:
            truth.append(digits.CLASSES.index(digit))
            images.append(image)
    predicted = digits.classify(images).argmax(axis=1)
    assert float(np.mean(predicted == np.array(truth))) >= 0.4


def test_digit_alternatives_of_a_typed_line() -> None:
    """GIVEN a cleanly drawn date in a typed font
    WHEN its digit alternatives are asked for
    THEN there are eight positions whose top choices spell the date."""
    alternatives = digits.digit_alternatives(_line("2024-12-07", "DejaVuSans.ttf"))
    assert alternatives is not None
    assert "".join(a[0][0] for a in alternatives) == "20241207"


def test_combine_keeps_tesseract_when_counts_disagree() -> None:
    """GIVEN a Tesseract read with three digits and classifier alternatives for two
    WHEN they are combined
    THEN Tesseract's read is returned unchanged."""
    read = TextRead(text="123", confidence=0.9, alternatives=[[("1", 0.9)]] * 3)
    alternatives = [[("7", 0.9)], [("2", 0.9)]]
    assert digits.combine(read, alternatives) == read


def test_combine_lets_a_sure_classifier_overrule_a_torn_tesseract() -> None:
    """GIVEN Tesseract torn between 1 and 7 at one position and the classifier sure of 7
    WHEN they are combined
    THEN that position reads 7, the hyphen stays and alternatives align with the text."""
    read = TextRead(
        text="1-2",
        confidence=0.6,
        alternatives=[[("1", 0.55), ("7", 0.45)], [("-", 0.99)], [("2", 0.99)]],
    )
    combined = digits.combine(read, [[("7", 0.95), ("1", 0.05)], [("2", 0.99)]])
    assert combined.text == "7-2"
    assert len(combined.alternatives) == 3
    assert combined.alternatives[1] == [("-", 0.99)]


def test_second_opinion_reads_the_digits_tesseract_lost() -> None:
    """GIVEN a hand-printed personnummer of which Tesseract kept only two groups
    WHEN the classifier cuts the line into twelve digits
    THEN the classifier's twelve digits are the read, with its alternatives."""
    line = _line("198203182384")
    lost = TextRead(text="20 2384", confidence=0.4, alternatives=[])
    read = digits.second_opinion(lost, line, lengths=(10, 12))
    assert read.text == "198203182384"
    assert len(read.alternatives) == 12
    assert 0.0 < read.confidence <= 1.0


def test_second_opinion_keeps_a_read_with_a_plausible_count() -> None:
    """GIVEN Tesseract read ten digits (a short personnummer) of a line the classifier
    cuts differently
    WHEN the second opinion is asked
    THEN Tesseract's read stands: only a lost or invented digit count is replaced."""
    line = _line("1982031823845")
    ten = TextRead(text="8203182384", confidence=0.9, alternatives=[])
    assert digits.second_opinion(ten, line, lengths=(10, 12)) == ten


def test_touching_digits_far_from_the_left_edge_are_cut_where_they_stand() -> None:
    """GIVEN a touching pair of digits after other digits on the line
    WHEN the line is segmented
    THEN each piece is a non-empty glyph inside the pair, left to right (cuts were
    once taken relative to the pair but used as page columns)."""
    line = _line("2024 00")
    pair = _line("00")
    joined_pair = np.minimum(pair, np.roll(pair, -6, axis=1))[:, 20:]
    joined = np.concatenate([line[:, : line.shape[1] - pair.shape[1] + 20], joined_pair], axis=1)
    glyphs = digits.segment(joined)
    assert glyphs is not None and len(glyphs) == 6
    for before, after in zip(glyphs, glyphs[1:], strict=False):
        assert before.left < before.right <= after.left + 2
    assert all(g.ink[:, g.left : g.right].any() for g in glyphs)


def test_classifier_line_keeps_slashes_and_spaces_of_a_date() -> None:
    """GIVEN a date written "30/10 2025"
    WHEN the classifier reads the line alone
    THEN it gives the digits with the slash and the space, which the date parser reads."""
    read = digits.classifier_line(_line("30/10 2025"))
    assert read is not None
    assert read.text == "30/10 2025"


def test_second_opinion_reads_a_code_tesseract_saw_nothing_in() -> None:
    """GIVEN a one-digit code box where Tesseract read nothing
    WHEN the classifier sees one digit
    THEN that digit is the read."""
    empty = TextRead(text="", confidence=0.0, alternatives=[])
    read = digits.second_opinion(empty, _line("7"), lengths=(1,), merge=False)
    assert read.text == "7"


def test_second_opinion_without_merge_never_changes_a_digit() -> None:
    """GIVEN a date Tesseract read with a digit the classifier sees differently
    WHEN the classifier may only confirm (no check digit to catch a wrong change)
    THEN Tesseract's read stands."""
    line = _line("20251030")
    read = TextRead(text="20251036", confidence=0.9, alternatives=[])
    assert digits.second_opinion(read, line, lengths=(8,), merge=False) == read


def test_a_slash_in_a_field_without_slashes_counts_as_a_one() -> None:
    """GIVEN a glyph distribution that puts most of its mass on the slash class
    WHEN the field holds no slashes (a personnummer)
    THEN that mass goes to the digit 1; where slashes are written it stays a slash."""
    row = np.zeros(len(digits.CLASSES))
    row[digits.CLASSES.index("/")], row[digits.CLASSES.index("7")] = 0.7, 0.3
    assert np.argmax(digits._digit_share(row, slashes=False)) == 1
    assert digits._digit_share(row, slashes=True)[1] == 0.0


def test_second_opinion_with_slack_takes_a_count_one_off() -> None:
    """GIVEN Tesseract kept six digits of a personnummer line the classifier cuts into
    thirteen
    WHEN one digit of slack is allowed (the Luhn decoding guesses one digit)
    THEN the classifier's thirteen digits are the read; without slack Tesseract's."""
    line = _line("1982031823845")
    lost = TextRead(text="20 2384", confidence=0.4, alternatives=[])
    assert digits.second_opinion(lost, line, lengths=(10, 12), slack=1).text == "1982031823845"
    assert digits.second_opinion(lost, line, lengths=(10, 12)) == lost


def _zero_in_two_strokes(text: str) -> np.ndarray:
    """``text`` drawn with the 0 before the first 8 broken into two halves (an open
    zero written as two strokes)."""
    line = _line(text).copy()
    zero = digits.segment(line)[text.index("08")]  # type: ignore[index]
    middle = (zero.left + zero.right) // 2
    line[:, middle - 1 : middle + 2] = 255
    return line


def test_a_zero_in_two_strokes_is_one_digit_when_the_count_is_known() -> None:
    """GIVEN a personnummer whose 0 came apart into two strokes (13 marks)
    WHEN it is read knowing that a personnummer has 10 or 12 digits
    THEN the two halves are merged back into the 0; without the counts they stay two."""
    line = _zero_in_two_strokes("198203082384")
    found = digits.read_glyphs(line, lengths=(10, 12), slashes=False)
    assert found is not None
    _, probabilities = found
    assert "".join(digits.CLASSES[i] for i in probabilities.argmax(axis=1)) == "198203082384"
    assert len(digits.read_glyphs(line, slashes=False)[0]) == 13  # type: ignore[index]


def test_second_opinion_reads_the_personnummer_tesseract_lost_in_a_broken_zero() -> None:
    """GIVEN Tesseract lost half the digits of a line whose 0 came apart
    WHEN the classifier gives its second opinion
    THEN the personnummer is read whole."""
    lost = TextRead(text="1982 2384", confidence=0.3, alternatives=[])
    read = digits.second_opinion(
        lost, _zero_in_two_strokes("198203082384"), lengths=(10, 12), slashes=False, slack=1
    )
    assert read.text.replace(" ", "") == "198203082384"


def test_classifier_line_keeps_the_digits_tesseract_kept() -> None:
    """GIVEN Tesseract lost a digit of a personnummer but read its 4s, and the classifier
    cut all twelve but took the 4s for 9s
    WHEN the two readings are aligned and merged
    THEN each 4 Tesseract read stands, the lost 1 comes from the classifier, and the
    merged read is no surer than the two agree."""
    tesseract = TextRead(text="2000224 2384", confidence=0.7, alternatives=[])

    def unsure(digit: str, other: str) -> list[tuple[str, float]]:
        return [(digit, 0.8), (other, 0.15)]

    sure = [[(d, 0.99)] for d in "20001229"]
    sure[7] = unsure("9", "4")
    classifier = TextRead(
        text="20001229 2389",
        confidence=0.5,
        alternatives=[*sure, [("2", 0.99)], [("3", 0.99)], [("8", 0.99)], unsure("9", "4")],
    )
    merged = digits.aligned_merge(tesseract, classifier)
    assert merged.text == "20001224 2384"
    assert merged.confidence < 0.9


def test_a_one_written_as_a_stroke_in_a_percent_is_not_dropped_as_a_separator() -> None:
    """GIVEN a percent "61" whose 1 is one slanted stroke, and Tesseract reading only "6"
    WHEN the classifier gives its second opinion as a percent field does (no slashes)
    THEN it does not confirm a lone 6: the read keeps Tesseract's low confidence."""
    lost = TextRead(text="6", confidence=0.36, alternatives=[[("6", 0.36)]])
    read = digits.second_opinion(lost, _line("6/"), lengths=(1, 2, 3), slashes=False)
    assert not (read.text == "6" and read.confidence > 0.5)


def test_the_doubt_about_a_slash_survives_the_merge_with_tesseract() -> None:
    """GIVEN the classifier read "2025 10 /2" sure of every digit but only half sure the
    stroke before the 2 is a slash and not a 1
    WHEN it is merged with what Tesseract kept
    THEN the merged read stays about half sure, however sure its digits."""
    classifier = TextRead(
        text="2025 10 /2",
        confidence=0.5,
        alternatives=[[(c, 1.0)] if c == "/" else [(c, 0.99)] for c in "202510/2"],
    )
    tesseract = TextRead(text="2025-10-", confidence=0.3, alternatives=[])
    assert digits.aligned_merge(tesseract, classifier).confidence < 0.6


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("/7//0 2025", "17/10 2025"),
        ("2025 10 /2", "2025 10 12"),
        ("17 / 10 2025", "17 / 10 2025"),
        ("30/10 2025", "30/10 2025"),
    ],
)
def test_a_one_written_as_a_stroke_in_a_date_is_told_from_the_separator(
    written: str, read: str
) -> None:
    """GIVEN a date whose 1s are single strokes the model takes for slashes
    WHEN the classifier reads the line
    THEN a stroke joined to a digit on one side only is a 1, and of two strokes between
    digits one is the separator and the other a 1; slashes between digits stay."""
    line = digits.classifier_line(_line(written), lengths=(6, 7, 8))
    assert line is not None and line.text == read


def test_a_date_with_a_month_name_keeps_tesseracts_words(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """GIVEN a typed "8 maj 2024", which Tesseract read right (five digits, a month), and
    a classifier that takes "maj" for the digits 781
    WHEN the classifier gives its second opinion
    THEN the read stays "8 maj 2024": a line with a word is more than digits."""
    guess = TextRead(text="8 781 2024", confidence=0.9,
                     alternatives=[[(d, 0.99)] for d in "87812024"])
    monkeypatch.setattr(digits, "_line_of", lambda *args, **kwargs: guess)
    read = TextRead(text="8 maj 2024", confidence=0.95, alternatives=[])
    line = _line("8 maj 2024", "DejaVuSans.ttf")
    assert digits.second_opinion(read, line, lengths=(6, 7, 8), merge=False).text == "8 maj 2024"


@pytest.mark.parametrize(("agreement", "raised"), [(False, False), (True, True)])
def test_agreement_raises_a_dates_confidence_only_where_it_is_trusted(
    monkeypatch: pytest.MonkeyPatch, agreement: bool, raised: bool
) -> None:
    """GIVEN Tesseract's "25/3 2026" at 0.83 and a classifier that reads the same digits
    surely (on a hand both took a 9 for a 3)
    WHEN a date (no check digit, agreement not trusted) gets the second opinion
    THEN the read keeps Tesseract's confidence; where agreement is trusted it rises."""
    agreeing = [[(d, 0.99)] for d in "2532026"]
    monkeypatch.setattr(digits, "_alternatives_of", lambda *args, **kwargs: agreeing)
    read = TextRead(text="25/3 2026", confidence=0.83, alternatives=[])
    opinion = digits.second_opinion(read, _line("25/3 2026"), lengths=(6, 7, 8), merge=False,
                                    agreement=agreement)
    assert opinion.text == "25/3 2026"
    assert (opinion.confidence > 0.9) is raised
