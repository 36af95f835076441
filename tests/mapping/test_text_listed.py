"""A free-text read made only of listed words, exactly as listed: the doubt of the engine
it answers (``TextKind.listed``, fitted by ``intake.training.calibrate_listed``)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from intake.forms import load_form
from intake.forms.model import FieldDef
from intake.learned.review import load_review_lines
from intake.learned.text import Listed, TextCalibration
from intake.mapping.base import Context
from intake.mapping.interpret import interpret
from intake.mapping.text import TEXT_CASE, listed_exactly
from intake.reads import TextRead
from tests.mapping.reads import CONTEXT
from tests.mapping.test_text_calibration import engine_read

TRUSTED = Listed(above=0.6, p_right=0.98, reads=100, wrong=2)


def with_listed(listed: Listed | None) -> Context:
    """The pipeline's context (shipped lines and signals) with every kind's ``listed``."""
    calibration = CONTEXT.calibration
    kinds = {name: kind.model_copy(update={"listed": listed})
             for name, kind in calibration.kinds.items()}
    return replace(CONTEXT, review_lines=load_review_lines(),
                   calibration=TextCalibration(kinds=kinds, provenance=calibration.provenance))


def field(form: str, name: str) -> FieldDef:
    return next(f for f in load_form(form).fields if f.name == name)


@pytest.mark.parametrize(
    ("text", "lexicon", "listed"),
    [
        ("Annika Falk", "namn", True),
        ("Karl-Erik Holm", "namn", True),  # a listed double name
        ("Annika Falk-Holm", "namn", True),  # a surname of two listed surnames
        ("Falk Annika", "namn", False),  # a given name where the surname stands
        ("Annika", "namn", False),  # no surname
        ("ANNIKA Falk", "namn", False),  # not as listed
        ("Anika Falk", "namn", False),
        ("Samordningsförbundet Uppsala län", "organisation", True),
        ("Arbetsträning Östra", "organisation", True),
        ("Samordningsförbundet Uppsala lan", "organisation", False),
    ],
)
def test_listed_exactly_takes_words_only_as_they_are_listed(
    text: str, lexicon: str, listed: bool
) -> None:
    """GIVEN a read text and the field's word list
    WHEN it is asked whether every word is listed exactly as read
    THEN only case and marks as listed count, and a name needs its surname last."""
    assert listed_exactly(text, lexicon) is listed


@pytest.mark.parametrize(("form", "name", "text"), [
    ("9448", "namn", "Annika Falk"),
    ("9448", "samverkansorganisation", "Samordningsförbundet Uppsala län"),
])
def test_doubted_read_of_listed_words_is_trusted_as_the_calibration_measured(
    form: str, name: str, text: str
) -> None:
    """GIVEN a read the engine doubts (0.82: below the field's line) whose words are all
    listed as read, and a calibration that found such reads right 98 % of the time
    WHEN it is interpreted
    THEN it takes that confidence and no longer goes to review; without the measure it
    still does."""
    read = engine_read(text, confidence=0.82)
    trusted = interpret(field(form, name), read, with_listed(TRUSTED))
    assert (trusted.value, trusted.confidence, trusted.problem) == (text, 0.98, None)
    untrusted = interpret(field(form, name), read, with_listed(None))
    assert untrusted.value == text and untrusted.problem is not None


@pytest.mark.parametrize("read", [
    engine_read("Anika Falk", confidence=0.82),  # a word not in the list
    engine_read("Annika Falk", confidence=0.55),  # below where the list was trusted
    engine_read("annika Falx", confidence=0.96),  # another signal: small first letter
])
def test_read_the_list_does_not_answer_stays_in_review(read: TextRead) -> None:
    """GIVEN a trusted list, and a name read with an unlisted word, or less surely than
    the calibration trusted listed reads, or with a signal other than the engine's doubt
    WHEN it is interpreted
    THEN it still goes to review."""
    value = interpret(field("9448", "namn"), read, with_listed(TRUSTED))
    assert value.problem is not None
    if read.text.startswith("annika"):
        assert value.problem == TEXT_CASE


def test_a_doubted_name_of_listed_words_still_goes_to_review_as_shipped() -> None:
    """GIVEN the shipped calibration and a hand-printed 'Gunnel Lindberg' the engine read,
    doubting it, as 'Gunnel Lundberg' (both listed names) WHEN it is interpreted THEN it
    goes to review: a name is never trusted for being listed, as organisations are."""
    read = engine_read("Gunnel Lundberg", confidence=0.82)
    assert listed_exactly(read.text, "namn")
    shipped = replace(CONTEXT, review_lines=load_review_lines())
    value = interpret(field("9449", "namn"), read, shipped)
    assert value.problem is not None
    organisation = interpret(field("9448", "samverkansorganisation"),
                             engine_read("Samordningsförbundet Uppsala län", confidence=0.82),
                             shipped)
    assert organisation.problem is None
