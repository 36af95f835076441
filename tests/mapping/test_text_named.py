"""A doubted free-text read the word list names clearly (``TextKind.named``, fitted by
``intake.training.calibrate_listed``), and a read the list only gave its capitals."""

from __future__ import annotations

from dataclasses import replace

import pytest

from intake.learned.review import load_review_lines
from intake.learned.text import Named, TextCalibration
from intake.mapping.base import Context
from intake.mapping.interpret import interpret
from intake.mapping.lexicon import lexicon, snap_words
from tests.mapping.reads import CONTEXT
from tests.mapping.test_text_calibration import engine_read
from tests.mapping.test_text_listed import field

CLEAR = Named(margin=3.0, p_right=0.95, reads=40, wrong=0)


def with_named(named: Named | None) -> Context:
    """The pipeline's context (shipped lines and signals) with the organisations' ``named``."""
    calibration = CONTEXT.calibration
    kinds = {name: kind.model_copy(update={"named": named if name == "organisation" else None})
             for name, kind in calibration.kinds.items()}
    return replace(CONTEXT, review_lines=load_review_lines(),
                   calibration=TextCalibration(kinds=kinds, provenance=calibration.provenance))


def test_a_doubted_read_the_list_names_clearly_leaves_review_as_measured() -> None:
    """GIVEN an insats read doubtfully ("Aktivitetskuset", 0.57, its k contested by an h)
    that one listed word is
    far nearer than any other, and a calibration that found such reads right 95 % of the
    time
    WHEN it is interpreted
    THEN the listed word is the value at that confidence, not flagged; without the
    measure it is flagged."""
    read = engine_read("Aktivitetskuset", confidence=0.57, contested={10: ("h", 0.3)})
    clear = interpret(field("9448", "insats"), read, with_named(CLEAR))
    assert (clear.value, clear.confidence, clear.problem) == ("Aktivitetshuset", 0.95, None)
    unmeasured = interpret(field("9448", "insats"), read, with_named(None))
    assert unmeasured.value == "Aktivitetshuset" and unmeasured.problem is not None


def test_a_read_as_near_two_listed_words_stays_in_review() -> None:
    """GIVEN "Samverkansteam Säder" read doubtfully: Säter (a kommun) and Söder are
    one letter from it each
    WHEN it is interpreted with the clear-naming measure
    THEN it still goes to review."""
    read = engine_read("Samverkansteam Säder", confidence=0.45)
    value = interpret(field("9449", "insats"), read, with_named(CLEAR))
    assert value.problem is not None


def test_a_read_the_list_named_by_dropping_a_word_stays_in_review() -> None:
    """GIVEN 'Samordningsförbundet Välfärd i Nacka' read doubtfully with the gap before
    the 'i' lost ('Välfärdi', its ä contested by an a), whose nearest listed words
    'Samordningsförbundet Välfärd Nacka' the list names clearly, and the same read with
    the 'i' apart; and an insats read with a letter too many ('Kraftsamlinng')
    WHEN each is interpreted with the clear-naming measure
    THEN the one named by dropping the 'i' (a word of the name) goes to review; the one
    the list named letter for letter, and the one it named by dropping a letter no word
    is spelt with alone, leave review."""
    dropped = engine_read("Samordningsförbundet Välfärdi Nacka", confidence=0.5,
                          contested={22: ("a", 0.3)})
    value = interpret(field("9448", "samverkansorganisation"), dropped, with_named(CLEAR))
    assert value.value == "Samordningsförbundet Välfärd Nacka" and value.problem is not None
    kept = engine_read("Samordningsförbundet Välfärd I Nacka", confidence=0.5,
                       contested={22: ("a", 0.3)})
    value = interpret(field("9448", "samverkansorganisation"), kept, with_named(CLEAR))
    assert (value.value, value.problem) == ("Samordningsförbundet Välfärd i Nacka", None)
    doubled = engine_read("Kraftsamlinng", confidence=0.5, contested={3: ("t", 0.3)})
    value = interpret(field("9448", "insats"), doubled, with_named(CLEAR))
    assert (value.value, value.problem) == ("Kraftsamling", None)


@pytest.mark.parametrize("written", ["Samordningsförbundet Välfärd  Nacka",
                                     "Samordningsförbundet Välfärd | Nacka"])
def test_a_read_with_a_word_the_engine_could_not_read_is_not_vouched_for(written: str) -> None:
    """GIVEN "Samordningsförbundet Välfärd i Nacka" read doubtfully with its "i" lost: a
    word the engine saw but could not read as letters (an empty word, two spaces in a
    row, or a mark) between listed words the list names clearly
    WHEN it is interpreted with the clear-naming and listed measures
    THEN it goes to review; the same read without that word leaves it."""
    read = engine_read(written, confidence=0.7, contested={22: ("a", 0.3)})
    value = interpret(field("9448", "samverkansorganisation"), read, with_named(CLEAR))
    assert value.problem is not None and value.confidence < 0.87
    whole = engine_read("Samordningsförbundet Välfärd Nacka", confidence=0.7,
                        contested={22: ("a", 0.3)})
    value = interpret(field("9448", "samverkansorganisation"), whole, with_named(CLEAR))
    assert value.problem is None


@pytest.mark.parametrize(("form", "name", "read", "value"), [
    ("9449", "insats", "samordnad rehabilitering", "Samordnad rehabilitering"),
    ("9449", "namn", "ulf Danielsson", "Ulf Danielsson"),
])
def test_a_sure_read_the_list_only_gave_its_capital_is_not_flagged(
    form: str, name: str, read: str, value: str
) -> None:
    """GIVEN a sure read (0.95) whose only fault is a small first letter, and the word
    list writes it with its capital
    WHEN it is interpreted
    THEN the value has the capital and is not flagged for its case."""
    got = interpret(field(form, name), engine_read(read, confidence=0.95), with_named(None))
    assert (got.value, got.problem) == (value, None)


def test_a_small_first_letter_the_list_changed_more_than_stays_flagged() -> None:
    """GIVEN a small first letter and a letter the list changed too ("ulf Damielsson")
    WHEN it is interpreted
    THEN it goes to review."""
    got = interpret(field("9449", "namn"), engine_read("ulf Damielsson", confidence=0.95),
                    with_named(None))
    assert got.value == "Ulf Danielsson" and got.problem is not None


def test_snapping_says_how_clearly_the_list_named_each_word() -> None:
    """GIVEN a word one letter from one listed word and far from the others, and one
    as near two listed words
    WHEN they are snapped
    THEN the first's margin over its runner-up is wide, the second's none."""
    words = lexicon("organisation")
    clear = snap_words("Aktivitetskuset", words, edit_cost=2.0, keep=(2.5, 0.6))
    torn = snap_words("Säder", words, edit_cost=2.0, keep=(2.5, 0.6))
    assert clear.text == "Aktivitetshuset" and clear.margin >= 4.0
    assert torn.margin == 0.0


def test_a_sure_read_one_letter_from_a_listed_word_goes_to_review() -> None:
    """GIVEN a samverkansorganisation read fairly surely (0.87) as 'Finsan Örebro':
    'Finsan' is no listed word but one letter from 'Finsam'; and 'Finsam Örebro' so read
    WHEN each is interpreted
    THEN the first is kept as read but goes to review; the second does not."""
    near = interpret(field("9448", "samverkansorganisation"),
                     engine_read("Finsan Örebro", confidence=0.87), with_named(None))
    assert near.value == "Finsan Örebro" and near.problem is not None
    listed = interpret(field("9448", "samverkansorganisation"),
                       engine_read("Finsam Örebro", confidence=0.87), with_named(None))
    assert (listed.value, listed.problem) == ("Finsam Örebro", None)


def test_a_listed_word_read_with_a_capital_inside_gets_its_case_as_listed() -> None:
    """GIVEN 'Samordningsförbundet ÖStra Södertörn' read fairly surely (a hand's s taken
    for its capital)
    WHEN it is interpreted
    THEN the value is written as the list writes it: 'Östra'."""
    value = interpret(field("9449", "samverkansorganisation"),
                      engine_read("Samordningsförbundet ÖStra Södertörn", confidence=0.88),
                      with_named(None))
    assert value.value == "Samordningsförbundet Östra Södertörn"


@pytest.mark.parametrize(("runner_up", "lifted"), [("o", True), ("a", False)])
def test_a_listed_read_with_a_contested_letter_leaves_review_unless_both_are_listed(
    runner_up: str, lifted: bool
) -> None:
    """GIVEN an insats read as 'Samtal och stöd' (every word listed) at 0.8, the engine
    torn at the ö: by an o ('stod', no listed word), or by an a ('stad', listed too)
    WHEN it is interpreted
    THEN the list settles the first (not flagged); the second stays in review."""
    read = engine_read("Samtal och stöd", confidence=0.8, contested={13: (runner_up, 0.3)})
    value = interpret(field("9449", "insats"), read, with_named(None))
    assert value.value == "Samtal och stöd"
    assert (value.problem is None) is lifted
