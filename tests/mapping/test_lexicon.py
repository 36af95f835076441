"""Word lists a doubtful free-text read is compared with (``intake.mapping.lexicon``)."""

from __future__ import annotations

import pytest

from intake.forms import FORM_IDS, load_form
from intake.mapping.lexicon import (
    LEXICON_FILES,
    Lexicon,
    edit_distance,
    lexicon,
    read_list,
    snap_words,
)
from intake.mapping.text import TEXT_CASE, TEXT_FROM_LIST, interpret_text
from intake.reads import TextRead
from intake.settings import REVIEW_BELOW
from tests.mapping.reads import CONTEXT
from tests.mapping.test_text_calibration import engine_read

WORDS = Lexicon(["Samordningsförbundet", "Halland", "Magnus", "Lind", "Eva-Lena", "mot", "jobb"])


def snap(text: str) -> str:
    return snap_words(text, WORDS, edit_cost=2.0, keep=(2.5, 0.6)).text


def doubtful(text: str) -> TextRead:
    return TextRead(text=text, confidence=0.3, alternatives=[])


# --- the lists --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(LEXICON_FILES))
def test_each_word_list_loads_with_hundreds_of_words(name: str) -> None:
    """GIVEN a shipped word list
    WHEN it is loaded
    THEN it holds hundreds of words, none listed twice (case-blind) in its files."""
    words = lexicon(name)
    assert len(words.words) > 300
    for filename in LEXICON_FILES[name]:
        entries = [e.casefold() for e in read_list(filename)]
        assert len(entries) == len(set(entries)), filename


def test_name_lists_hold_capitalised_names_with_swedish_letters() -> None:
    """GIVEN the first-name and surname lists
    WHEN their entries are inspected
    THEN every entry starts with a capital, and å ä ö and é names are there."""
    names = read_list("fornamn.txt") + read_list("efternamn.txt")
    assert all(n[0].isupper() for n in names)
    assert {"Åsa", "Linnéa", "Jönsson", "Öberg"} <= set(names)


def test_every_form_field_names_a_known_word_list() -> None:
    """GIVEN the form definitions
    WHEN a field names a word list
    THEN the list exists; names and organisations have one."""
    named = {}
    for form_id in FORM_IDS:
        for field in load_form(form_id).fields:
            if field.lexicon is not None:
                assert field.lexicon in LEXICON_FILES
                named[field.name] = field.lexicon
    assert named["namn"] == "namn" and named["insats"] == "organisation"


# --- comparing ----------------------------------------------------------------------------------


def test_distance_is_cheap_for_case_diacritics_and_lookalikes() -> None:
    """GIVEN reads that differ from a name by a dropped ring, an rn/m look-alike part or
    a hyphen read as a space
    WHEN the weighted distance is taken
    THEN each costs less than one ordinary edit, and a different letter costs one."""
    assert edit_distance("hakansson", "håkansson") < 1.0
    assert edit_distance("eva lena", "eva-lena") < 1.0
    assert edit_distance("lind", "lint") == 1.0


def test_a_garbled_long_word_becomes_the_listed_word() -> None:
    """GIVEN handwriting read with three wrong letters in a 20-letter word
    WHEN the line is snapped
    THEN the listed word replaces it, and the rest of the line stays."""
    assert snap("Sanordnngsförbundetr Halland") == "Samordningsförbundet Halland"


def test_a_word_read_in_two_pieces_is_joined() -> None:
    """GIVEN a name read with a gap inside it ("Ma gnus")
    WHEN the line is snapped
    THEN the two pieces become the listed name."""
    assert snap("Ma gnus Lind") == "Magnus Lind"


@pytest.mark.parametrize(
    "read",
    [
        "Samordning förbundet Halland",
        "Samordning förbund ett Halland",
        "Samordn ingsförbundet Halland",
    ],
)
def test_a_compound_broken_into_listed_words_is_joined(read: str) -> None:
    """GIVEN a long compound read as two or three pieces, each maybe a word of its own
    ("samordning", "förbundet"), one letter off in all
    WHEN the line is snapped against the organisation words
    THEN the pieces become the one listed compound."""
    words = lexicon("organisation")
    assert snap_words(read, words, edit_cost=2.0, keep=(2.5, 0.6)).text == (
        "Samordningsförbundet Halland"
    )


def test_a_short_word_before_a_long_one_is_not_swallowed() -> None:
    """GIVEN "i arbetslivet" (a one-letter word before a listed word)
    WHEN the line is snapped
    THEN both words stay: a compound's parts have two letters or more."""
    words = lexicon("organisation")
    read = "Språkstöd i arbetslivet"
    assert snap_words(read, words, edit_cost=2.0, keep=(2.5, 0.6)).text == read


@pytest.mark.parametrize(
    ("read", "lexicon_name", "expected"),
    [
        ("Atergång i arbete", "organisation", "Återgång i arbete"),
        ("Finsäm Göteborg", "organisation", "Finsam Göteborg"),
        ("Asa Ostlund", "namn", "Åsa Östlund"),
    ],
)
def test_a_sure_read_missing_or_adding_the_marks_of_a_swedish_letter_is_corrected(
    read: str, lexicon_name: str, expected: str
) -> None:
    """GIVEN a sure read of a listed word without the ring of its Å (or with a speck
    taken for dots)
    WHEN it is interpreted
    THEN the listed word is written, and the field goes to review as changed by the list."""
    value = interpret_text("insats", TextRead(text=read, confidence=0.95, alternatives=[]),
                           CONTEXT, lexicon=lexicon_name)
    assert value.value == expected
    assert value.problem == TEXT_FROM_LIST


def test_a_listed_name_read_all_small_gets_its_capital_without_review() -> None:
    """GIVEN a sure read with a place name written small ("välfärd i Nacka")
    WHEN it is interpreted
    THEN the name is written as listed and nothing is flagged for it."""
    value = interpret_text(
        "samverkansorganisation",
        TextRead(text="Samordningsförbundet välfärd i Nacka", confidence=0.95, alternatives=[]),
        CONTEXT, lexicon="organisation")
    assert value.value == "Samordningsförbundet Välfärd i Nacka"
    assert value.problem is None


def test_other_accents_are_not_restored() -> None:
    """GIVEN "Linden" read surely (Linden and Lindén are both names)
    WHEN it is interpreted
    THEN it stays as read and is not flagged."""
    value = interpret_text("namn", TextRead(text="Eva Linden", confidence=0.95, alternatives=[]),
                           CONTEXT, lexicon="namn")
    assert value.value == "Eva Linden"
    assert value.problem != TEXT_FROM_LIST


def test_a_word_far_from_every_listed_word_is_kept() -> None:
    """GIVEN a name that is not listed and not close to any listed word
    WHEN the line is snapped
    THEN it is kept as read: the list never invents a name."""
    assert snap("Zofia Lind") == "Zofia Lind"


def test_listed_casing_wins_inside_a_line_and_capital_at_its_start() -> None:
    """GIVEN a hyphenated name read in lower case and an ordinary word read capitalised
    WHEN the line is snapped
    THEN each is written as listed, except that the line's first word keeps a capital."""
    assert snap("eva-lena Lind") == "Eva-Lena Lind"
    assert snap("mot Jobb") == "Mot jobb"


# --- in the reader --------------------------------------------------------------------------------


def test_a_doubtful_organisation_read_is_snapped_and_still_reviewed() -> None:
    """GIVEN a doubtful read of a samverkansorganisation with misread letters
    WHEN it is interpreted with its word list
    THEN the value is the listed spelling, and it stays in review saying why."""
    value = interpret_text(
        "samverkansorganisation", doubtful("Samordwingsförbuudet Halland"), CONTEXT,
        lexicon="organisation",
    )
    assert value.value == "Samordningsförbundet Halland"
    assert value.confidence < REVIEW_BELOW
    assert value.problem is not None


def test_a_confident_read_is_never_changed_by_a_list() -> None:
    """GIVEN a clean, confident read of a name the list lacks but resembles (Lindh)
    WHEN it is interpreted with the name list
    THEN it stays exactly as read: lists only help where a person looks anyway."""
    read = TextRead(text="Magnus Lindh", confidence=0.99, alternatives=[])
    value = interpret_text("namn", read, CONTEXT, lexicon="namn")
    assert value.value == "Magnus Lindh"
    assert value.problem != TEXT_FROM_LIST


def test_a_fairly_sure_read_of_an_unlisted_name_is_kept() -> None:
    """GIVEN a typed surname the list lacks (Ådahl), read at 0.89 — doubtful enough to
    be reviewed, one deleted letter from a listed name (Dahl)
    WHEN it is interpreted with the name list
    THEN it is kept as read: the list only replaces words of garbled reads."""
    read = TextRead(text="Nour Ådahl", confidence=0.89, alternatives=[])
    assert interpret_text("namn", read, CONTEXT, lexicon="namn").value == "Nour Ådahl"


@pytest.mark.parametrize(("written", "listed"), [
    ("Viktor Näslund", "Viktor Åslund"),
    ("Susanne Ådahl", "Susanne Dahl"),
])
def test_a_clearly_seen_unlisted_name_is_kept_however_low_the_word_confidence(
    written: str, listed: str
) -> None:
    """GIVEN a typed name the list lacks (it has a name one or two letters away), every
    letter seen clearly by the engine (sure, no runner-up) but its word confidence low
    (0.63), and the same read with one letter contested
    WHEN each is interpreted with the name list
    THEN the clear read keeps the name as written, still in review for the engine's
    doubt; the contested one is replaced by the listed name, in review too."""
    clear = interpret_text("namn", engine_read(written, confidence=0.63), CONTEXT,
                           lexicon="namn")
    contested = interpret_text(
        "namn", engine_read(written, confidence=0.63, contested={8: ("a", 0.3)}), CONTEXT,
        lexicon="namn")

    assert (clear.value, contested.value) == (written, listed)
    assert clear.problem is not None and contested.problem is not None


def test_a_typed_capital_read_as_its_small_letter_is_restored_and_still_reviewed() -> None:
    """GIVEN typed names whose capital W the engine read as the same-shaped small w
    ('Kristina wahlén', 'wilma Sörensen'), every letter seen clearly, surnames the list
    lacks (it has 'Dahlén' and 'Jensen')
    WHEN each is interpreted with the name list
    THEN the name is as written, capital restored and no letter changed by the list,
    and it goes to review saying the capitals looked wrong."""
    for written, meant in [("Kristina wahlén", "Kristina Wahlén"),
                           ("wilma Sörensen", "Wilma Sörensen")]:
        value = interpret_text("namn", engine_read(written, confidence=0.79), CONTEXT,
                               lexicon="namn")
        assert (value.value, value.problem) == (meant, TEXT_CASE)


def test_a_sure_read_with_a_gap_inside_a_listed_word_is_joined() -> None:
    """GIVEN a confident read of an organisation with a gap inside its first word
    ("Sam ordningsförbundet Halland")
    WHEN it is interpreted with its word list
    THEN the two pieces are the listed word again: a confident read is otherwise
    never changed, but a lone gap inside a listed word is no name."""
    read = TextRead(text="Sam ordningsförbundet Halland", confidence=0.95, alternatives=[])
    value = interpret_text("samverkansorganisation", read, CONTEXT, lexicon="organisation")
    assert value.value == "Samordningsförbundet Halland"


def test_listed_neighbours_are_not_joined() -> None:
    """GIVEN two listed names side by side
    WHEN gaps are checked
    THEN nothing is joined."""
    from intake.mapping.lexicon import join_split_words

    assert join_split_words("Magnus Lind", WORDS) == "Magnus Lind"
    assert join_split_words("Ma gnus Lind", WORDS) == "Magnus Lind"


def test_a_name_is_snapped_first_names_first_and_surname_last() -> None:
    """GIVEN a garbled name whose last word is nearest a first name in one list but is
    in surname position
    WHEN it is snapped with first names before the last word and surnames for it
    THEN the surname list decides the last word."""
    first = Lexicon(["Anders", "Julia"])
    surnames = Lexicon(["Wallin", "Lind"])
    snapped = snap_words("Andcrs Wal1in", first, edit_cost=1.5, keep=(2.5, 0.6), last=surnames)
    assert snapped.text == "Anders Wallin"
    one_list = Lexicon(["Anders", "Julia", "Lind"])
    assert snap_words("Andcrs Julin", one_list, edit_cost=1.5, keep=(2.5, 0.6)).text == (
        "Anders Julia"
    )
    assert snap_words(
        "Andcrs Julin", first, edit_cost=1.5, keep=(2.5, 0.6), last=Lexicon(["Julin", "Lind"])
    ).text == "Anders Julin"
