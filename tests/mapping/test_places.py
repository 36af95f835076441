"""Kommuner snapped to the 290 names; FK 9443's "Ort och datum" split."""

from __future__ import annotations

import pytest

from intake.mapping.places import (
    KOMMUN_NEAREST,
    ORT_NOT_KOMMUN,
    kommuner,
    snap_kommun,
    split_ort_och_datum,
)
from intake.mapping.text import interpret_text
from intake.reads import TextRead
from intake.settings import REVIEW_BELOW
from tests.mapping.reads import CONTEXT, cut_of, read_of


def test_kommun_list_has_290_names() -> None:
    """GIVEN the shipped list WHEN it is loaded THEN it has 290 distinct kommuner."""
    assert len(set(kommuner())) == 290


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Goteborg", "Göteborg"),
        ("Upsala", "Uppsala"),
        ("Malmo", "Malmö"),
        ("UPPSALA", "Uppsala"),
        ("ostersund", "Östersund"),
        ("Göteborgs stad", "Göteborg"),
        ("Upplands Bro", "Upplands-Bro"),
        ("Upp5ala", "Uppsala"),
    ],
)
def test_kommun_is_snapped(written: str, expected: str) -> None:
    """GIVEN a kommun written without diacritics, in capitals or with OCR noise
    WHEN it is snapped and interpreted
    THEN it is the kommun's name, with high confidence."""
    assert snap_kommun(written)[0] == expected
    value = interpret_text("kommun", read_of(written), CONTEXT)
    assert value.value == expected and value.confidence >= REVIEW_BELOW


@pytest.mark.parametrize("written", ["Paris", "Xyzabc", "Kista"])
def test_non_kommun_is_not_snapped(written: str) -> None:
    """GIVEN a name that is no kommun
    WHEN it is snapped and interpreted
    THEN the snap is None; the field keeps what was read, low, with a problem."""
    assert snap_kommun(written)[0] is None
    value = interpret_text("kommun", read_of(written), CONTEXT)
    assert value.value == written and value.confidence < REVIEW_BELOW and value.problem


def test_kommun_between_two_names_is_not_trusted() -> None:
    """GIVEN "Habo" (Habo and Håbo are both kommuner)
    WHEN it is interpreted
    THEN it is Habo, but under review."""
    value = interpret_text("kommun", read_of("Habo"), CONTEXT)
    assert value.value == "Habo" and value.confidence < REVIEW_BELOW


def test_kommun_written_with_its_diacritics_is_trusted() -> None:
    """GIVEN "Håbo" read with its ring (engines drop diacritics, they rarely invent them)
    WHEN it is interpreted
    THEN it is Håbo with high confidence."""
    value = interpret_text("kommun", read_of("Håbo"), CONTEXT)
    assert value.value == "Håbo" and value.confidence >= REVIEW_BELOW


def test_snap_margin_is_thin_between_two_kommuner() -> None:
    """GIVEN "Habo" (Håbo differs only by a ring) and "Uppsala" (no kommun near)
    WHEN they are snapped
    THEN Habo's margin is under one edit, Uppsala's several."""
    assert snap_kommun("Habo") == ("Habo", 0.25)
    assert snap_kommun("Uppsala")[1] >= 2


@pytest.mark.parametrize(
    ("written", "ort"),
    [
        ("Uppsala 2026-03-14", "Uppsala"),
        ("Uppsala, 14/3 2026", "Uppsala"),
        ("Uppsala den 14 mars 2026", "Uppsala"),
        ("2026-03-14 Uppsala", "Uppsala"),
        ("Uppsala,20260314", "Uppsala"),
        ("Malung-Sälen 14 mars 2026", "Malung-Sälen"),
        ("Upplands Väsby den 14/3 2026", "Upplands Väsby"),
        ("Goteborg 2026-03-14", "Göteborg"),
    ],
)
def test_ort_och_datum_is_split(written: str, ort: str) -> None:
    """GIVEN one "Ort och datum" line in a usual style
    WHEN it is split
    THEN ort is the (snapped) kommun and datum the ISO date, both confident."""
    ort_value, datum = split_ort_och_datum(read_of(written), CONTEXT)
    assert (ort_value.value, datum.value) == (ort, "2026-03-14")
    assert min(ort_value.confidence, datum.confidence) >= REVIEW_BELOW


def test_a_surely_read_ort_that_is_no_kommun_is_the_ort_as_written() -> None:
    """GIVEN a place that is not a kommun ("Kista", a district of Stockholm), read surely
    WHEN the line is split
    THEN the ort is the place as written and not flagged (SPEC §2.1: ort is text, where
    the form was signed, not a kommun); the date is unaffected."""
    ort, datum = split_ort_och_datum(read_of("Kista 2026-03-14"), CONTEXT)
    assert (ort.value, ort.problem) == ("Kista", None)
    assert ort.confidence >= REVIEW_BELOW
    assert datum.value == "2026-03-14"


def test_a_doubtfully_read_ort_that_is_no_kommun_is_kept_for_review() -> None:
    """GIVEN a doubtful read of a place that is no kommun and near none
    WHEN the line is split
    THEN it is kept as written, under review."""
    read = TextRead(text="Kista 2026-03-14", confidence=0.5, alternatives=[])
    ort, _ = split_ort_och_datum(read, CONTEXT)
    assert ort.value == "Kista" and ort.confidence < REVIEW_BELOW


@pytest.mark.parametrize(
    ("line", "ort"),
    [("Tranemo, I” LU", "Tranemo"), ("Svedala den D AY", "Svedala"),
     ("Kumla, Va LOG", "Kumla"), ("Mullsjö den FOT 4-/0-2Y", "Mullsjö")],
)
def test_the_ort_is_what_stands_before_a_comma_or_den(line: str, ort: str) -> None:
    """GIVEN "Ort och datum" read with its date garbled into letters after "Ort," or
    "Ort den" (as people write it)
    WHEN the line is split
    THEN the ort is the kommun before the comma or "den", not flagged as no kommun."""
    value, _ = split_ort_och_datum(TextRead(text=line, confidence=0.1, alternatives=[]),
                                   CONTEXT)
    assert value.value == ort
    assert value.problem != ORT_NOT_KOMMUN


def test_ort_och_datum_without_a_date_has_no_datum() -> None:
    """GIVEN only a place
    WHEN the line is split
    THEN datum is None with confidence 0."""
    ort, datum = split_ort_och_datum(read_of("Uppsala"), CONTEXT)
    assert ort.value == "Uppsala" and (datum.value, datum.confidence) == (None, 0.0)


def test_split_keeps_the_date_alternatives() -> None:
    """GIVEN "Uppsala 2026-13-14" with 0 listed for the 1 of the month
    WHEN it is split
    THEN the date is corrected from the alternatives of its own characters."""
    read = read_of("Uppsala 2026-13-14", alternatives={12: [("1", 0.6), ("0", 0.4)]})
    assert split_ort_och_datum(read, CONTEXT)[1].value == "2026-03-14"


def test_ort_ends_where_a_date_read_as_capitals_begins() -> None:
    """GIVEN a hand-printed "Ort och datum" whose date Tesseract read as capital
    letters and digits ("Alvesta LUT4 O-U2")
    WHEN the line is split
    THEN the ort is the place alone, and the date is missing for review."""
    ort, datum = split_ort_och_datum(read_of("Alvesta LUT4 O-U2", confidence=0.1), CONTEXT)
    assert ort.value == "Alvesta"
    assert datum.value is None and datum.problem is not None


def test_a_kommun_with_a_box_remnant_after_it_is_still_found() -> None:
    """GIVEN a kommun read with a stray token of box-line bits after it ("Hedemora [&/")
    WHEN it is interpreted
    THEN the remnant is dropped and the kommun is named."""
    value = interpret_text("kommun", read_of("Hedemora [&/"), CONTEXT)
    assert value.value == "Hedemora"


def test_a_garbled_kommun_gets_the_nearest_kommun_as_a_suggestion_to_check() -> None:
    """GIVEN a hand-printed kommun read too badly to snap ("Tomelua")
    WHEN it is interpreted
    THEN the one nearest kommun is suggested, low in confidence, saying so."""
    read = TextRead(text="Tomelua", confidence=0.23, alternatives=[])
    value = interpret_text("kommun", read, CONTEXT)
    assert value.value == "Tomelilla"
    assert value.problem == KOMMUN_NEAREST
    assert value.confidence < REVIEW_BELOW


def test_a_garbled_kommun_as_near_two_kommuner_stays_as_read() -> None:
    """GIVEN a read as near to two kommuner as to each other ("Terolkea": Dorotea, Trosa)
    WHEN it is interpreted
    THEN nothing is suggested: the read is shown, flagged."""
    read = TextRead(text="Terolkea", confidence=0.5, alternatives=[])
    value = interpret_text("kommun", read, CONTEXT)
    assert value.value == "Terolkea"
    assert value.confidence < REVIEW_BELOW


@pytest.mark.parametrize(
    ("line", "ort"),
    [("Orust VO sanvari", "Orust"), ("Habo Jen vn", "Habo"), ("Ikungalv VV nals", "Kungälv")],
)
def test_a_doubtful_ort_followed_by_a_garbled_date_is_the_kommun_of_its_first_words(
    line: str, ort: str
) -> None:
    """GIVEN "Ort och datum" read doubtfully, the date garbled into words after the ort
    WHEN the line is split
    THEN the ort is the kommun its first words name, flagged for review."""
    value, _ = split_ort_och_datum(TextRead(text=line, confidence=0.3, alternatives=[]),
                                   CONTEXT)
    assert value.value == ort
    assert value.confidence < REVIEW_BELOW


def test_a_sure_ort_that_is_no_kommun_is_kept_as_written() -> None:
    """GIVEN a surely read ort that is a town, not a kommun ("Kista")
    WHEN the line is split
    THEN it is kept as written, not replaced by a kommun."""
    value, _ = split_ort_och_datum(
        TextRead(text="Kista 2026-11-02", confidence=0.97, alternatives=[]), CONTEXT)
    assert value.value == "Kista"


def test_a_hand_printed_date_the_engine_lost_is_read_from_the_line_s_cuts() -> None:
    """GIVEN "Ort och datum" of which the engine read only the place, and the digit
    classifier's cut of the line's date part
    WHEN it is split
    THEN the ort is the place and the datum the date written (for review)."""
    read = TextRead(text="Stockholm", confidence=0.9, cuts=[cut_of("14/3 2026")])
    ort, datum = split_ort_och_datum(read, CONTEXT)
    assert ort.value == "Stockholm"
    assert datum.value == "2026-03-14"


def test_the_date_the_engine_read_and_the_cuts_agree() -> None:
    """GIVEN the engine and the classifier's cut reading the same date after the place
    WHEN it is split
    THEN the datum is that date, not flagged."""
    read = read_of("Stockholm 14/3 2026").model_copy(update={"cuts": [cut_of("14/3 2026")]})
    _, datum = split_ort_och_datum(read, CONTEXT)
    assert datum.value == "2026-03-14"
    assert datum.confidence >= REVIEW_BELOW


@pytest.mark.parametrize(("written", "expected"), [("Öckera", "Öckerö"),
                                                   ("Vzemdö", "Värmdö")])
def test_a_doubtful_read_one_kommun_clearly_names_is_that_kommun_unflagged(
    written: str, expected: str
) -> None:
    """GIVEN a hand-printed kommun the engine read with letters wrong and no confidence
    (0.0), nearer one kommun by a clear margin than any other
    WHEN it is interpreted
    THEN it is that kommun, not flagged (such reads were right on every calibration
    form); a read as near two kommuner ('Habo', Håbo) is still flagged, and so is one
    only an edit nearer one than the next ('Nack': Nacka, but 'Mark' was written)."""
    value = interpret_text("kommun", read_of(written, confidence=0.0), CONTEXT)
    assert (value.value, value.problem) == (expected, None)
    assert value.confidence >= REVIEW_BELOW
    for torn in ("Habo", "Nack"):
        assert interpret_text("kommun", read_of(torn, confidence=0.0), CONTEXT).problem


def test_a_doubtful_ort_is_trusted_only_when_spelt_as_a_kommun() -> None:
    """GIVEN "Ort och datum" lines read with no confidence: 'Ydre' spelt as the kommun,
    and 'Bålsta' (a tätort, two letters from the kommun Båstad)
    WHEN they are split
    THEN Ydre is the ort, not flagged; Bålsta is not silently made Båstad."""
    ydre, _ = split_ort_och_datum(read_of("Ydre, 2025-06-23", confidence=0.0), CONTEXT)
    assert (ydre.value, ydre.problem) == ("Ydre", None)
    balsta, _ = split_ort_och_datum(read_of("Bålsta 2025-06-23", confidence=0.0), CONTEXT)
    assert balsta.problem is not None and balsta.confidence < REVIEW_BELOW


def test_a_place_and_a_date_with_its_month_run_into_the_year_are_split() -> None:
    """GIVEN "Habo, 24 december2024" read "Huobo, &4 decenber 20 4" and the classifier's
    cut of its date part, the month's letters running into the year
    WHEN it is split
    THEN the datum is 24 December 2024 and the ort what stands before the comma."""
    read = TextRead(text="Huobo, &4 decenber 20 4", confidence=0.1,
                    cuts=[cut_of("24 xxxxxxxx2024")])
    ort, datum = split_ort_och_datum(read, CONTEXT)
    assert datum.value == "2024-12-24"
    assert ort.value == "Huobo"


def test_an_ort_like_a_month_s_name_is_no_vote_on_the_date_s_month() -> None:
    """GIVEN "Mora 2025-07-28" whose rereads read the ort "mars" (a month's name)
    WHEN Ort och datum is split
    THEN the date is 28 July 2025, as sure as without them: the words before the date's
    first digit are the ort's."""
    read = read_of("Mora 2025-07-28")
    alone = split_ort_och_datum(read, CONTEXT)[1]
    again = split_ort_och_datum(read.model_copy(
        update={"rereads": ["mars 2025-07-28", "mars 2025-07-28", "mora 2025-07-28"]}),
        CONTEXT)[1]
    assert again.value == alone.value == "2025-07-28"
    assert again.confidence == alone.confidence


def test_a_garbled_month_in_ort_och_datum_is_read_by_the_rereads() -> None:
    """GIVEN "Avesta 10 december 2024" read "Avesta 10 Mecember IGLY", the rereads
    reading december (one letter-perfect) and the classifier the digits
    WHEN Ort och datum is split
    THEN the date is 10 December 2024."""
    read = TextRead(text="Avesta 10 Mecember IGLY", confidence=0.3,
                    cuts=[cut_of("10 xxxxxxxx 2024")],
                    rereads=["vesta 10 cember 4", "vesta 10 ecember 4", "vesta 10 december 4"])
    assert split_ort_och_datum(read, CONTEXT)[1].value == "2024-12-10"
