"""A 9443 and a 9448 of one person in one batch vote on personnummer and name:
agreeing raises both, differing flags both with what the other read."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from intake.review.purge import forget_documents
from intake.review.schema import Document
from tests.review.conftest import state_of
from tests.review.reads import ASA, Seen, add, forbund_id, new_batch, read_form
from tests.sus_store.builders import KVINNA, MAN

KVINNA_MISREAD = KVINNA[:10] + "9" + KVINNA[11]


@pytest.fixture
def batch(client: TestClient) -> int:
    return new_batch(client, forbund=forbund_id(client))


def test_agreeing_readings_raise_both(client: TestClient, batch: int) -> None:
    """GIVEN a 9448 and a 9443 whose personnummer and name were read alike but unsure
    WHEN both are read into one batch THEN both readings are confirmed: not flagged."""
    first = add(client, batch, read_form("9448", personnummer=(KVINNA, 0.7, "osäker"),
                                         namn=(ASA, 0.8)))
    second = add(client, batch, read_form("9443", personnummer=(KVINNA, 0.6),
                                          namnfortydligande=(ASA, 0.85)))
    for seen in (Seen(client, first), Seen(client, second)):
        assert seen.confidence("personnummer") >= 0.9
        assert seen.needs_review == []


def test_agreeing_names_keep_the_accented_spelling(client: TestClient, batch: int) -> None:
    """GIVEN a 9448 read 'Asa Oberg-Test' and its 9443 'Åsa Öberg-Test'
    WHEN they vote THEN both say 'Åsa Öberg-Test', confirmed."""
    first = add(client, batch, read_form("9448", personnummer=KVINNA,
                                         namn=("Asa Oberg-Test", 0.8)))
    add(client, batch, read_form("9443", personnummer=KVINNA, namnfortydligande=(ASA, 0.8)))
    seen = Seen(client, first)
    assert seen.value("namn") == ASA and not seen.flagged("namn")


def test_doubted_personnummer_is_prefilled_from_the_well_read_one_which_stands(
        client: TestClient, batch: int) -> None:
    """GIVEN a 9448 read well with Åsa's personnummer and her 9443 read one digit off,
    doubted WHEN they vote THEN the 9443 gets the 9448's number pre-filled, flagged with
    what was read and the evidence; the 9448's number, read well, stands unflagged: a
    reading its reader doubted is no evidence against it."""
    first = add(client, batch, read_form("9448", personnummer=KVINNA, namn=ASA))
    second = add(client, batch, read_form("9443", personnummer=(KVINNA_MISREAD, 0.5),
                                          namnfortydligande=ASA))
    registration, consent = Seen(client, first), Seen(client, second)
    assert consent.value("personnummer") == KVINNA and consent.flagged("personnummer")
    assert consent.fields["personnummer"]["read_as"] == KVINNA_MISREAD
    assert "en siffra skiljer, namnet stämmer" in consent.problems["personnummer"]
    assert registration.value("personnummer") == KVINNA
    assert not registration.flagged("personnummer")


def test_differing_well_read_personnummer_flags_both_and_replaces_neither(
        client: TestClient, batch: int) -> None:
    """GIVEN a 9448 and its 9443 both read well, their personnummer one digit apart
    WHEN they vote THEN both stay as read, each flagged with what the other read: a
    disagreeing reading is never silently overwritten."""
    first = add(client, batch, read_form("9448", personnummer=KVINNA, namn=ASA))
    second = add(client, batch, read_form("9443", personnummer=(KVINNA_MISREAD, 0.95),
                                          namnfortydligande=ASA))
    registration, consent = Seen(client, first), Seen(client, second)
    assert registration.value("personnummer") == KVINNA
    assert registration.flagged("personnummer")
    assert KVINNA_MISREAD[8:] in registration.problems["personnummer"]
    assert consent.flagged("personnummer")
    assert KVINNA[8:] in consent.problems["personnummer"]


def test_outcome_does_not_depend_on_which_is_read_first(client: TestClient) -> None:
    """GIVEN the same disagreeing pair in two batches, in opposite order
    WHEN each batch is read THEN each form ends the same in both."""
    forms = {"9448": read_form("9448", personnummer=KVINNA, namn=(ASA, 0.7)),
             "9443": read_form("9443", personnummer=(KVINNA_MISREAD, 0.5),
                               namnfortydligande=("Åsa Öberg-Tesk", 0.6))}
    outcomes = []
    for order in (("9448", "9443"), ("9443", "9448")):
        batch = new_batch(client, forbund=forbund_id(client))
        ids = {form: add(client, batch, forms[form]) for form in order}
        outcomes.append({form: (Seen(client, i).fields, Seen(client, i).problems)
                         for form, i in ids.items()})
    assert outcomes[0] == outcomes[1]


def test_differing_well_read_names_are_flagged_never_replaced(
        client: TestClient, batch: int) -> None:
    """GIVEN a 9448 well read as 'Åsa Öberg-Test' and a 9443 with the same personnummer
    well read as 'Per Öberg-Test' WHEN they vote THEN both names stay as read, both
    flagged with what the other form says."""
    first = add(client, batch, read_form("9448", personnummer=KVINNA, namn=(ASA, 0.95)))
    second = add(client, batch, read_form("9443", personnummer=KVINNA,
                                          namnfortydligande=("Per Öberg-Test", 0.95)))
    registration, consent = Seen(client, first), Seen(client, second)
    assert registration.value("namn") == ASA and registration.flagged("namn")
    assert "Per Öberg-Test" in registration.problems["namn"]
    assert consent.value("namnfortydligande") == "Per Öberg-Test"
    assert ASA in consent.problems["namnfortydligande"]


def test_badly_read_name_is_prefilled_from_the_well_read_one(
        client: TestClient, batch: int) -> None:
    """GIVEN a 9448 with the name well read and its 9443 with it badly read, alike
    WHEN they vote THEN the 9443's name is pre-filled from the 9448, flagged."""
    add(client, batch, read_form("9448", personnummer=KVINNA, namn=(ASA, 0.95)))
    second = add(client, batch, read_form("9443", personnummer=KVINNA,
                                          namnfortydligande=("Åsa Obcrg-Tcst", 0.4)))
    consent = Seen(client, second)
    assert consent.value("namnfortydligande") == ASA and consent.flagged("namnfortydligande")
    assert "Obcrg" in consent.problems["namnfortydligande"]


def test_other_people_and_other_batches_do_not_vote(client: TestClient, batch: int) -> None:
    """GIVEN a 9448 of Åsa and, in the same batch, a 9443 of someone else, and Åsa's own
    9443 in another batch WHEN all are read THEN nothing votes: Åsa's unsure
    personnummer stays unsure."""
    first = add(client, batch, read_form("9448", personnummer=(KVINNA, 0.6), namn=ASA))
    add(client, batch, read_form("9443", personnummer=MAN, namnfortydligande="Per Lind"))
    add(client, new_batch(client, forbund=forbund_id(client)),
        read_form("9443", personnummer=KVINNA, namnfortydligande=ASA))
    seen = Seen(client, first)
    assert seen.confidence("personnummer") == 0.6 and seen.flagged("personnummer")


def test_two_consents_of_one_person_do_not_vote(client: TestClient, batch: int) -> None:
    """GIVEN two 9443 of Åsa in one batch (a scan twice) WHEN her 9448 is read
    THEN it votes with neither: which one is hers is not for the reader to choose."""
    add(client, batch, read_form("9443", personnummer=KVINNA, namnfortydligande=ASA))
    add(client, batch, read_form("9443", personnummer=KVINNA, namnfortydligande=ASA))
    seen = Seen(client, add(client, batch, read_form("9448", personnummer=(KVINNA, 0.6),
                                                     namn=ASA)))
    assert seen.confidence("personnummer") == 0.6


def test_same_name_pairs_a_personnummer_misread_in_two_digits(
        client: TestClient, batch: int) -> None:
    """GIVEN a 9448 and its 9443 with the same name, both read unsure, and the
    personnummer (both unsure too) two digits apart WHEN they vote THEN both personnummer
    are flagged with what the other read, neither replaced; the names, whose agreement
    paired them, are not confirmed by it: they stay unsure."""
    two_off = KVINNA[:9] + "99" + KVINNA[11]
    first = add(client, batch, read_form("9448", personnummer=(two_off, 0.3),
                                         namn=(ASA, 0.85)))
    second = add(client, batch, read_form("9443", personnummer=(KVINNA, 0.8),
                                          namnfortydligande=(ASA, 0.85)))
    registration, consent = Seen(client, first), Seen(client, second)
    assert registration.flagged("namn") and consent.flagged("namnfortydligande")
    assert registration.confidence("namn") == 0.85
    assert registration.value("personnummer") == two_off
    assert consent.value("personnummer") == KVINNA
    assert registration.flagged("personnummer") and consent.flagged("personnummer")
    assert KVINNA[8:] in registration.problems["personnummer"]
    assert two_off[8:] in consent.problems["personnummer"]


def test_badly_read_name_with_the_same_first_name_bears_out_the_well_read(
        client: TestClient, batch: int) -> None:
    """GIVEN a 9448 with the name well read and its 9443's read badly, the first name
    alike and the surname garbled WHEN they vote THEN the 9448's name stands unflagged
    and the 9443's is flagged with it."""
    first = add(client, batch, read_form("9448", personnummer=KVINNA, namn=(ASA, 0.95)))
    second = add(client, batch, read_form("9443", personnummer=KVINNA,
                                          namnfortydligande=("Åsa IRGNT", 0.1)))
    registration, consent = Seen(client, first), Seen(client, second)
    assert registration.value("namn") == ASA and not registration.flagged("namn")
    assert consent.flagged("namnfortydligande") and ASA in consent.problems["namnfortydligande"]


def test_badly_read_other_first_name_still_flags_the_well_read(
        client: TestClient, batch: int) -> None:
    """GIVEN a 9448 with 'Åsa Öberg-Test' well read and its 9443 read badly as 'Ebba
    Öberg-Test' WHEN they vote THEN both are flagged: a different first name is evidence
    against the well-read one."""
    first = add(client, batch, read_form("9448", personnummer=KVINNA, namn=(ASA, 0.95)))
    add(client, batch, read_form("9443", personnummer=KVINNA,
                                 namnfortydligande=("Ebba Öberg-Test", 0.4)))
    registration = Seen(client, first)
    assert registration.flagged("namn") and "Ebba" in registration.problems["namn"]


def test_a_namesake_does_not_take_the_partner_read_with_the_same_number(
        client: TestClient, batch: int) -> None:
    """GIVEN Åsa's 9448, then a 9443 of another Åsa Öberg-Test (a personnummer far from
    hers), then Åsa's own 9443, in one batch WHEN all three are read THEN Åsa's own
    pair votes: her unsure personnummer is confirmed, not flagged with the namesake's."""
    other = MAN[:6] + "0101" + MAN[10:]
    first = add(client, batch, read_form("9448", personnummer=(KVINNA, 0.6), namn=ASA))
    add(client, batch, read_form("9443", personnummer=other, namnfortydligande=ASA))
    add(client, batch, read_form("9443", personnummer=KVINNA, namnfortydligande=ASA))
    seen = Seen(client, first)
    assert seen.confidence("personnummer") >= 0.9 and not seen.flagged("personnummer")


def test_hardly_read_other_first_name_does_not_flag_the_well_read(
        client: TestClient, batch: int) -> None:
    """GIVEN a 9448 with 'Åsa Öberg-Test' well read and its 9443 hardly read as 'Ebba
    Öberg-Test' (0.1) WHEN they vote THEN the 9448's name stands unflagged, and the
    9443's is flagged with it."""
    first = add(client, batch, read_form("9448", personnummer=KVINNA, namn=(ASA, 0.95)))
    second = add(client, batch, read_form("9443", personnummer=KVINNA,
                                          namnfortydligande=("Ebba Öberg-Test", 0.1)))
    registration, consent = Seen(client, first), Seen(client, second)
    assert not registration.flagged("namn")
    assert consent.flagged("namnfortydligande") and ASA in consent.problems["namnfortydligande"]



def test_same_name_pair_prefills_a_doubted_number_from_the_well_read_one(
        client: TestClient, batch: int) -> None:
    """GIVEN a 9448 whose personnummer was read doubted two digits off and its 9443,
    the same name, with the number read well WHEN they vote THEN the 9448 is pre-filled
    with the 9443's number, flagged with what was read and how many digits differ; the
    9443's stands unflagged."""
    two_off = KVINNA[:9] + "99" + KVINNA[11]
    first = add(client, batch, read_form("9448", personnummer=(two_off, 0.5, "osäker"),
                                         namn=ASA))
    second = add(client, batch, read_form("9443", personnummer=KVINNA, namnfortydligande=ASA))
    registration, consent = Seen(client, first), Seen(client, second)
    assert registration.value("personnummer") == KVINNA
    assert registration.flagged("personnummer")
    assert registration.fields["personnummer"]["read_as"] == two_off
    assert "2 siffror skiljer" in registration.problems["personnummer"]
    assert not consent.flagged("personnummer")


def test_hardly_read_name_is_prefilled_from_the_well_read_one_whatever_its_first_name(
        client: TestClient, batch: int) -> None:
    """GIVEN a 9448 with 'Åsa Öberg-Test' read well and its 9443's name hardly read as
    'Ebba Öberg-Test' (0.1) WHEN they vote THEN the 9443 is pre-filled with 'Åsa
    Öberg-Test', flagged with what was read; the well-read name is untouched."""
    first = add(client, batch, read_form("9448", personnummer=KVINNA, namn=(ASA, 0.95)))
    second = add(client, batch, read_form("9443", personnummer=KVINNA,
                                          namnfortydligande=("Ebba Öberg-Test", 0.1)))
    registration, consent = Seen(client, first), Seen(client, second)
    assert consent.value("namnfortydligande") == ASA
    assert consent.flagged("namnfortydligande")
    assert consent.fields["namnfortydligande"]["read_as"] == "Ebba Öberg-Test"
    assert registration.value("namn") == ASA and not registration.flagged("namn")


def test_fairly_read_other_first_name_is_not_replaced(client: TestClient, batch: int) -> None:
    """GIVEN a 9448 with 'Åsa Öberg-Test' read well and its 9443 read fairly (0.4) as
    'Ebba Öberg-Test' WHEN they vote THEN 'Ebba' stays on the 9443, flagged: a name read
    fairly is never replaced by a different one."""
    add(client, batch, read_form("9448", personnummer=KVINNA, namn=(ASA, 0.95)))
    second = add(client, batch, read_form("9443", personnummer=KVINNA,
                                          namnfortydligande=("Ebba Öberg-Test", 0.4)))
    consent = Seen(client, second)
    assert consent.value("namnfortydligande") == "Ebba Öberg-Test"
    assert consent.flagged("namnfortydligande") and ASA in consent.problems["namnfortydligande"]


def test_numbers_two_digits_apart_and_close_names_vote_on_the_number(
        client: TestClient, batch: int) -> None:
    """GIVEN a 9448 read well as Åsa's and a 9443 read well but two digits off, its name
    a letter off ('Åsa Öberg-Tesk') WHEN they vote THEN both personnummer are flagged
    with what the other read (a number read well and wrong is not let through), neither
    replaced; the names, part of what paired them, are not voted on."""
    two_off = KVINNA[:9] + "99" + KVINNA[11]
    first = add(client, batch, read_form("9448", personnummer=KVINNA, namn=ASA))
    second = add(client, batch, read_form("9443", personnummer=(two_off, 0.95),
                                          namnfortydligande=("Åsa Öberg-Tesk", 0.8)))
    registration, consent = Seen(client, first), Seen(client, second)
    assert registration.flagged("personnummer") and consent.flagged("personnummer")
    assert registration.value("personnummer") == KVINNA
    assert consent.value("personnummer") == two_off
    assert two_off[8:] in registration.problems["personnummer"]
    assert not registration.flagged("namn") and registration.value("namn") == ASA
    assert consent.value("namnfortydligande") == "Åsa Öberg-Tesk"


def test_numbers_two_digits_apart_with_other_names_do_not_vote(
        client: TestClient, batch: int) -> None:
    """GIVEN a 9448 of Åsa and a 9443 of Per Lind whose personnummer is two digits from
    hers WHEN both are read THEN they do not vote: Åsa's number is not flagged."""
    two_off = KVINNA[:9] + "99" + KVINNA[11]
    first = add(client, batch, read_form("9448", personnummer=KVINNA, namn=ASA))
    add(client, batch, read_form("9443", personnummer=(two_off, 0.95),
                                 namnfortydligande="Per Lind"))
    assert not Seen(client, first).flagged("personnummer")


def test_a_pair_in_a_long_batch_is_found_without_reading_the_batch(
        client: TestClient, batch: int) -> None:
    """GIVEN a batch where 30 other people's 9448 and 9443 wait for review, and Åsa's
    9448 WHEN her 9443 is read into it, the name misread a little THEN the two vote as
    in a batch of two (both numbers confirmed, her consent's name pre-filled) and of the
    queue only her 9448 was loaded: writing a page costs the same however long its batch."""
    for n in range(1, 31):  # no group of four digits in common with hers
        number = f"{1900 + n}0615{5000 + n}"
        add(client, batch, read_form("9448", personnummer=number, namn=f"Per Lind{n}"))
        add(client, batch, read_form("9443", personnummer=number,
                                     namnfortydligande=f"Per Lind{n}"))
    first = add(client, batch, read_form("9448", personnummer=KVINNA, namn=ASA))
    loaded: list[int] = []

    def count(row: Document, _context: object) -> None:
        loaded.append(row.id)

    event.listen(Document, "load", count)
    try:
        second = add(client, batch, read_form("9443", personnummer=(KVINNA, 0.6),
                                              namnfortydligande=("Åsa Öberg-Tesk", 0.5)))
    finally:
        event.remove(Document, "load", count)
    registration, consent = Seen(client, first), Seen(client, second)
    assert loaded == [first]
    assert consent.value("personnummer") == KVINNA and not consent.flagged("personnummer")
    assert registration.confidence("personnummer") >= 0.9
    assert consent.value("namnfortydligande") == ASA and consent.flagged("namnfortydligande")


def test_a_forgotten_document_keeps_no_vote_keys(client: TestClient, batch: int) -> None:
    """GIVEN Åsa's 9448 in a batch, which keeps her personnummer and name as the keys its
    partner is found by WHEN what was read on it is forgotten (sent back) THEN the keys
    are gone with it: no personal data is left in the row."""
    first = add(client, batch, read_form("9448", personnummer=KVINNA, namn=ASA))
    state = state_of(client)
    with state.store.transaction() as session:
        row = session.get_one(Document, first)
        assert (row.vote_personnummer, row.vote_name) == (KVINNA, "asa oberg test")
        forget_documents(session, state, [row], status="returned", outcome="Skickad tillbaka.")
    with state.store.transaction() as session:
        row = session.get_one(Document, first)
        assert (row.vote_personnummer, row.vote_name) == (None, None)
