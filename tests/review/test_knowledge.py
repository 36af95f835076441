"""Reading with what the store knows: the uploader's förbund, the insats among its
insatser, a 9449 matched to the förbund's open participations, a mailed 9443 to the
participations that wait for it — pre-filled with evidence, never silently."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from intake.demo import case_for
from intake.samples.make import write_cases
from sus_store import InsatsIn, add_insats
from tests.review.conftest import (
    FORBUND,
    INSATS,
    OTHER_FORBUND,
    OTHER_INSATS,
    TODAY,
    login,
    read_all,
    state_of,
    upload,
)
from tests.review.reads import (
    ASA,
    Seen,
    add,
    forbund_id,
    new_batch,
    participant,
    read_form,
)
from tests.sus_store.builders import KVINNA, KVINNA_2, MAN

#: KVINNA with its last-but-one digit misread (no longer a valid personnummer)
KVINNA_MISREAD = KVINNA[:10] + "9" + KVINNA[11]
KVINNA_2_MISREAD = KVINNA_2[:10] + "9" + KVINNA_2[11]


@pytest.fixture
def pyramis(client: TestClient) -> int:
    """A batch uploaded by Pyramis's uploader."""
    return new_batch(client, forbund=forbund_id(client))


def test_form_naming_no_forbund_gets_the_uploaders(client: TestClient, pyramis: int) -> None:
    """GIVEN a 9448 whose Samverkansorganisation box is empty, uploaded by Pyramis
    WHEN it is read THEN the förbund is Pyramis, not flagged."""
    seen = Seen(client, add(client, pyramis, read_form(
        "9448", personnummer=KVINNA, namn=ASA, samverkansorganisation=(None, 0.0))))
    assert seen.value("samverkansorganisation") == FORBUND
    assert not seen.flagged("samverkansorganisation")
    assert seen.forbund_id == forbund_id(client) and seen.insats_id is not None


def test_form_naming_the_uploaders_forbund_even_misread_is_confirmed(
        client: TestClient, pyramis: int) -> None:
    """GIVEN a 9448 from Pyramis whose förbund reads 'Samordningsförbundet Pyrarnis'
    (uncertain) WHEN it is read THEN it is Pyramis, spelled as in SUS, not flagged."""
    seen = Seen(client, add(client, pyramis, read_form(
        "9448", personnummer=KVINNA, namn=ASA,
        samverkansorganisation=("Samordningsförbundet Pyrarnis", 0.6, "osäker läsning"))))
    assert seen.value("samverkansorganisation") == FORBUND
    assert seen.fields["samverkansorganisation"]["read_as"] == "Samordningsförbundet Pyrarnis"
    assert not seen.flagged("samverkansorganisation")


def test_form_naming_another_forbund_is_flagged(client: TestClient, pyramis: int) -> None:
    """GIVEN a 9448 uploaded by Pyramis that clearly names Finsam Göteborg Nordost
    WHEN it is read THEN the form's förbund stays, flagged, naming both; the document
    stays with the uploader's förbund."""
    seen = Seen(client, add(client, pyramis, read_form(
        "9448", personnummer=KVINNA, namn=ASA, samverkansorganisation=OTHER_FORBUND)))
    assert seen.value("samverkansorganisation") == OTHER_FORBUND
    assert seen.flagged("samverkansorganisation")
    problem = seen.problems["samverkansorganisation"]
    assert OTHER_FORBUND in problem and FORBUND in problem
    assert seen.forbund_id == forbund_id(client)


def test_insats_is_chosen_among_the_forbunds_insatser_only(
        client: TestClient, pyramis: int) -> None:
    """GIVEN Göteborg has an insats 'Steg till arbetet' and Pyramis 'Steg till arbete'
    WHEN Pyramis's form reads 'Steg till arbetet' THEN Pyramis's insats is pre-filled,
    flagged with what was read — Göteborg's exact name is not taken."""
    with state_of(client).store.transaction() as session:
        add_insats(session, InsatsIn(forbund=OTHER_FORBUND, name="Steg till arbetet",
                                     period_start=date(2020, 1, 1)), actor="test")
    seen = Seen(client, add(client, pyramis, read_form(
        "9448", personnummer=KVINNA, namn=ASA, insats="Steg till arbetet")))
    assert seen.value("insats") == INSATS and seen.flagged("insats")
    assert "Steg till arbetet" in seen.problems["insats"]


def test_insats_of_another_forbund_is_not_chosen(client: TestClient, pyramis: int) -> None:
    """GIVEN Pyramis's form names Göteborg's insats WHEN it is read
    THEN no insats is chosen and the field is flagged."""
    seen = Seen(client, add(client, pyramis, read_form(
        "9448", personnummer=KVINNA, namn=ASA, insats=OTHER_INSATS)))
    assert seen.insats_id is None and seen.flagged("insats")


def test_9449_one_digit_misread_is_prefilled_from_the_open_participant_and_flagged(
        client: TestClient, pyramis: int) -> None:
    """GIVEN Åsa's open participation in Pyramis WHEN her 9449 is read with one digit of
    the personnummer wrong THEN her personnummer is pre-filled but flagged, with what
    was read and the evidence (one digit, the name matches)."""
    participant(client, KVINNA)
    seen = Seen(client, add(client, pyramis, read_form(
        "9449", personnummer=(KVINNA_MISREAD, 0.5, "osäker"), namn=ASA)))
    assert seen.value("personnummer") == KVINNA
    assert seen.flagged("personnummer")
    assert seen.fields["personnummer"]["read_as"] == KVINNA_MISREAD
    problem = seen.problems["personnummer"]
    assert "en siffra skiljer, namnet stämmer" in problem and "förvalt" in problem
    assert f"{KVINNA[:8]}-{KVINNA[8:]}" in problem and INSATS in problem


def test_9449_read_as_the_open_participant_is_confirmed(
        client: TestClient, pyramis: int) -> None:
    """GIVEN Åsa's open participation WHEN her 9449's personnummer is read right but
    unsure and her name right THEN both are confirmed: nothing left to review."""
    participant(client, KVINNA)
    seen = Seen(client, add(client, pyramis, read_form(
        "9449", personnummer=(KVINNA, 0.6, "osäker"), namn=("Asa Oberg-Test", 0.7))))
    assert seen.confidence("personnummer") >= 0.9
    assert seen.value("namn") == ASA and seen.fields["namn"]["read_as"] == "Asa Oberg-Test"
    assert seen.needs_review == []


def test_9449_number_misread_in_several_digits_is_found_by_the_name(
        client: TestClient, pyramis: int) -> None:
    """GIVEN Åsa Öberg-Test the only open participant of that name in Pyramis WHEN her
    9449 is read with her name unsure but right and four digits of her personnummer
    wrong THEN the name, which SUS bears out, is confirmed, and her personnummer
    pre-filled and flagged with what was read, her name and how many digits differ."""
    participant(client, KVINNA)
    participant(client, MAN, namn="Per Lind")
    misread = "198010202386"
    seen = Seen(client, add(client, pyramis, read_form(
        "9449", personnummer=(misread, 0.3, "Personnumret är svårläst; kontrollera"),
        namn=(ASA, 0.4, "Texten är svårläst"))))
    assert seen.value("namn") == ASA and not seen.flagged("namn")
    assert seen.value("personnummer") == KVINNA and seen.flagged("personnummer")
    problem = seen.problems["personnummer"]
    assert "Läst som 19801020-2386" in problem and f"namnet '{ASA}'" in problem
    assert "19800102-2386" in problem and "4 siffror skiljer" in problem and "förvalt" in problem


def test_9449_number_read_well_is_not_replaced_by_a_namesakes(
        client: TestClient, pyramis: int) -> None:
    """GIVEN Åsa Öberg-Test open in Pyramis WHEN a 9449 with her name and a personnummer
    three digits from hers, read well, comes THEN the number read stays, flagged (no open
    participation has it); hers is not pre-filled."""
    participant(client, KVINNA)
    seen = Seen(client, add(client, pyramis, read_form(
        "9449", personnummer="198010022385", namn=(ASA, 0.4, "Texten är svårläst"))))
    assert seen.value("personnummer") == "198010022385" and seen.flagged("personnummer")
    assert all(KVINNA[8:] not in p for p in seen.problems.values())


def test_9449_name_shared_by_two_open_participants_finds_no_one(
        client: TestClient, pyramis: int) -> None:
    """GIVEN two open participants named Åsa Öberg-Test WHEN a 9449 with that name and
    a personnummer far from both is read THEN neither is offered: the name stays flagged
    as read and the personnummer as read, with no participant's number in any message."""
    participant(client, KVINNA)
    participant(client, MAN)
    seen = Seen(client, add(client, pyramis, read_form(
        "9449", personnummer=("198010202386", 0.3, "svårläst"), namn=(ASA, 0.4, "svårläst"))))
    assert seen.value("personnummer") == "198010202386" and seen.flagged("namn")
    assert all(KVINNA[8:] not in p and MAN[8:] not in p for p in seen.problems.values())


def test_9449_with_a_hardly_read_name_is_offered_the_participants_name(
        client: TestClient, pyramis: int) -> None:
    """GIVEN Åsa open in Pyramis WHEN her 9449 is read with her exact personnummer and
    the name hardly read ('Asn ÖWrg', 0.1) THEN her name is pre-filled, flagged with what
    was read; read fairly ('Ebba Öberg-Test', 0.5), the name is only flagged, not
    replaced. Neither name agrees with SUS: the personnummer is not confirmed by it."""
    participant(client, KVINNA)
    seen = Seen(client, add(client, pyramis, read_form(
        "9449", personnummer=(KVINNA, 0.5, "osäker"), namn=("Asn ÖWrg", 0.1))))
    assert seen.value("namn") == ASA and seen.flagged("namn")
    assert "läst som 'Asn ÖWrg'" in seen.problems["namn"] and "förvalt" in seen.problems["namn"]
    assert seen.flagged("personnummer")
    fair = Seen(client, add(client, pyramis, read_form(
        "9449", personnummer=(KVINNA, 0.5, "osäker"), namn=("Ebba Öberg-Test", 0.5))))
    assert fair.value("namn") == "Ebba Öberg-Test" and fair.flagged("namn")
    assert fair.flagged("personnummer")


def test_9449_whose_name_does_not_match_is_not_matched(
        client: TestClient, pyramis: int) -> None:
    """GIVEN Åsa's open participation WHEN a 9449 one digit off her personnummer names
    'Per Lind' THEN nothing of hers is offered: the reading stays, flagged."""
    participant(client, KVINNA)
    seen = Seen(client, add(client, pyramis, read_form(
        "9449", personnummer=(KVINNA_MISREAD, 0.5), namn="Per Lind")))
    assert seen.value("personnummer") == KVINNA_MISREAD and seen.flagged("personnummer")
    assert seen.value("namn") == "Per Lind"
    assert all(ASA not in p and KVINNA[8:] not in p for p in seen.problems.values())


def test_well_read_first_name_is_never_replaced_by_another_from_the_list(
        client: TestClient, pyramis: int) -> None:
    """GIVEN Per Öberg-Test open with Åsa's personnummer one digit off
    WHEN a 9449 well read as 'Åsa Öberg-Test' comes THEN Åsa stays Åsa, nothing is
    pre-filled; read with her exact number, the name is flagged, not replaced."""
    participant(client, KVINNA, namn="Per Öberg-Test")
    near = Seen(client, add(client, pyramis, read_form(
        "9449", personnummer=(KVINNA_MISREAD, 0.5), namn=(ASA, 0.95))))
    assert near.value("namn") == ASA and near.value("personnummer") == KVINNA_MISREAD
    exact = Seen(client, add(client, pyramis, read_form(
        "9449", personnummer=KVINNA, namn=(ASA, 0.95))))
    assert exact.value("namn") == ASA and exact.flagged("namn")
    assert "Per Öberg-Test" in exact.problems["namn"]


def asa_open_beside_another_insats(client: TestClient) -> None:
    """Åsa open in Pyramis's 'Steg till arbete', Pyramis having a second insats."""
    with state_of(client).store.transaction() as session:
        add_insats(session, InsatsIn(forbund=FORBUND, name="Andra insatsen",
                                     period_start=date(2020, 1, 1)), actor="test")
    participant(client, KVINNA)


def test_9449_prefills_the_insats_of_the_open_participation(
        client: TestClient, pyramis: int) -> None:
    """GIVEN Åsa open in Pyramis's insats WHEN her 9449 has no insats written
    THEN the insats of her participation is pre-filled, flagged with why."""
    asa_open_beside_another_insats(client)
    seen = Seen(client, add(client, pyramis, read_form(
        "9449", personnummer=KVINNA, namn=ASA, insats=(None, 0.0))))
    assert seen.value("insats") == INSATS and seen.flagged("insats")
    assert seen.insats_id is not None and "öppna deltagande" in seen.problems["insats"]


def test_9449_misread_insats_pointing_to_the_participants_is_confirmed(
        client: TestClient, pyramis: int) -> None:
    """GIVEN Åsa open in 'Steg till arbete' among two insatser of Pyramis WHEN her 9449
    is read with her exact personnummer, her name a letter off and the insats garbled
    nearest to hers ('Stcg tiIl arbclo') THEN the insats is hers, not flagged: the
    person and the reading point to it independently; the name is pre-filled, flagged."""
    asa_open_beside_another_insats(client)
    seen = Seen(client, add(client, pyramis, read_form(
        "9449", personnummer=KVINNA, namn=("Åsa Öberg-Tesl", 0.7),
        insats=("Stcg tiIl arbclo", 0.3))))
    assert seen.value("insats") == INSATS and not seen.flagged("insats")
    assert seen.fields["insats"]["read_as"] == "Stcg tiIl arbclo"
    assert seen.value("namn") == ASA and seen.flagged("namn")


def test_9449_with_a_hardly_read_name_and_the_number_read_well_takes_the_insats(
        client: TestClient, pyramis: int) -> None:
    """GIVEN Åsa open in 'Steg till arbete' among two insatser of Pyramis since
    2026-11-02 WHEN her 9449 is read with her exact personnummer read well, the name
    hardly read ('Asn ÖWrg', 0.1), the insats garbled nearest to hers and an
    avslutningsdatum before her start THEN the insats is hers, not flagged (the number
    and the insats read point to her; the hardly read name is no evidence against
    them), the name is pre-filled and flagged, and the date flagged with her start.
    With the number doubted, the insats stays flagged."""
    asa_open_beside_another_insats(client)
    seen = Seen(client, add(client, pyramis, read_form(
        "9449", personnummer=KVINNA, namn=("Asn ÖWrg", 0.1),
        insats=("Stcg tiIl arbclo", 0.3), avslutningsdatum="2026-10-20")))
    assert seen.value("insats") == INSATS and not seen.flagged("insats")
    assert seen.fields["insats"]["read_as"] == "Stcg tiIl arbclo"
    assert seen.value("namn") == ASA and seen.flagged("namn")
    assert "2026-11-02" in seen.problems["avslutningsdatum"]
    doubted = Seen(client, add(client, pyramis, read_form(
        "9449", personnummer=(KVINNA, 0.5, "osäker"), namn=("Asn ÖWrg", 0.1),
        insats=("Stcg tiIl arbclo", 0.3))))
    assert doubted.flagged("insats")


def test_9449_insats_nearest_another_is_not_confirmed_from_the_participant(
        client: TestClient, pyramis: int) -> None:
    """GIVEN Åsa open in 'Steg till arbete' WHEN her 9449 reads the insats garbled
    nearest to Pyramis's other insats THEN her insats is pre-filled but flagged."""
    asa_open_beside_another_insats(client)
    seen = Seen(client, add(client, pyramis, read_form(
        "9449", personnummer=KVINNA, namn=ASA, insats=("Andrc insalscn", 0.3))))
    assert seen.value("insats") == INSATS and seen.flagged("insats")


def test_9449_insats_of_a_participant_one_digit_off_stays_flagged(
        client: TestClient, pyramis: int) -> None:
    """GIVEN Åsa open in 'Steg till arbete' WHEN a 9449 one digit off her personnummer
    reads the insats garbled nearest to hers THEN the insats is pre-filled, flagged:
    the person is not certain."""
    participant(client, KVINNA)
    seen = Seen(client, add(client, pyramis, read_form(
        "9449", personnummer=(KVINNA_MISREAD, 0.5), namn=ASA,
        insats=("Stcg tiIl arbclo", 0.3))))
    assert seen.value("insats") == INSATS and seen.flagged("insats")


def test_9449_ending_before_the_participation_started_is_flagged(
        client: TestClient, pyramis: int) -> None:
    """GIVEN Åsa open since 2026-11-02 WHEN her 9449's avslutningsdatum is read
    2026-10-20, sure THEN it is flagged with the start SUS has; read 2026-11-20 it is not."""
    participant(client, KVINNA)
    early = Seen(client, add(client, pyramis, read_form(
        "9449", personnummer=KVINNA, namn=ASA, avslutningsdatum="2026-10-20")))
    assert early.flagged("avslutningsdatum")
    assert "2026-11-02" in early.problems["avslutningsdatum"]
    later = Seen(client, add(client, pyramis, read_form(
        "9449", personnummer=KVINNA, namn=ASA, avslutningsdatum="2026-11-20")))
    assert not later.flagged("avslutningsdatum")


def test_participant_of_another_forbund_is_never_offered(
        client: TestClient, pyramis: int) -> None:
    """GIVEN Åsa open only in Göteborg WHEN Pyramis's 9449 reads her personnummer one
    digit off, or exactly, with her name THEN nothing of Göteborg's is offered or
    confirmed, and no message names her or her number."""
    participant(client, KVINNA_2, insats=OTHER_INSATS, forbund=OTHER_FORBUND)
    near = Seen(client, add(client, pyramis, read_form(
        "9449", personnummer=(KVINNA_2_MISREAD, 0.5), namn=ASA)))
    exact = Seen(client, add(client, pyramis, read_form(
        "9449", personnummer=(KVINNA_2, 0.6), namn=ASA)))
    assert near.value("personnummer") == KVINNA_2_MISREAD
    assert exact.flagged("personnummer") and exact.confidence("personnummer") == 0.6
    assert "Inget öppet deltagande" in exact.problems["personnummer"]
    for seen in (near, exact):
        assert all(OTHER_INSATS not in p and KVINNA_2[8:] not in p
                   for p in seen.problems.values())


def test_two_near_participants_are_not_chosen_between(
        client: TestClient, pyramis: int) -> None:
    """GIVEN two open participants one digit from what was read, both named alike
    WHEN the 9449 is read THEN neither is pre-filled; the reviewer is told there are two."""
    participant(client, KVINNA)
    participant(client, "198001022378")  # one digit from KVINNA_MISREAD as well
    seen = Seen(client, add(client, pyramis, read_form(
        "9449", personnummer=(KVINNA[:10] + "7" + KVINNA[11], 0.5), namn=ASA)))
    assert seen.value("personnummer") == KVINNA[:10] + "7" + KVINNA[11]
    assert "2 öppna deltaganden" in seen.problems["personnummer"]


def test_mailed_consent_one_digit_off_is_prefilled_from_the_waiting_participation(
        client: TestClient) -> None:
    """GIVEN Åsa's participation waiting for its consent WHEN Diariet's mailed 9443 is
    read one digit off with her name THEN her personnummer is pre-filled, flagged, and
    the consent is not filed automatically."""
    participant(client, KVINNA, pending=True)
    batch = new_batch(client, forbund=None, by="diariet")
    seen = Seen(client, add(client, batch, read_form(
        "9443", personnummer=(KVINNA_MISREAD, 0.5), namnfortydligande=ASA)))
    assert seen.value("personnummer") == KVINNA and seen.flagged("personnummer")
    assert "väntar på samtycke" in seen.problems["personnummer"]
    assert seen.status == "review"


def test_mailed_consent_read_unsure_but_matching_is_filed(client: TestClient) -> None:
    """GIVEN Åsa's participation waiting for its consent WHEN her mailed 9443 is read
    right but unsure THEN the store confirms it and it is filed and linked."""
    participant(client, KVINNA, pending=True)
    batch = new_batch(client, forbund=None, by="diariet")
    seen = Seen(client, add(client, batch, read_form(
        "9443", personnummer=(KVINNA, 0.6, "osäker"), namnfortydligande=(ASA, 0.8))))
    assert seen.needs_review == []
    assert seen.status == "approved" and "automatiskt" in (seen.outcome or "")


def test_uploaded_9449_with_a_wrong_digit_shows_the_evidence(
        client: TestClient, tmp_path: Path) -> None:
    """GIVEN Åsa open in Pyramis WHEN Pyramis uploads a digitally filled 9449 with one
    digit of her personnummer wrong THEN the review page pre-fills her number, flagged,
    with the evidence among the field's messages and what was read beside it."""
    participant(client, MAN, namn="Per Lind")
    rng = random.Random(3)
    case = case_for("9449", rng, FORBUND, INSATS, today=TODAY,
                    person=(MAN[:11] + "5", "Per Lind"))
    path = write_cases([case], "digital", tmp_path / "fk9449", rng)
    upload(client, login(client, "forbund"), [path])
    read_all(client)
    login(client, "granskare")
    (document,) = client.get("/api/documents").json()
    field = next(f for f in document["fields"] if f["name"] == "personnummer")
    assert field["value"] == MAN and field["flagged"]
    assert field["read_as"] == MAN[:11] + "5" and field["known_from"] == "mot SUS"
    assert any("en siffra skiljer, namnet stämmer" in m for m in field["messages"])
    page = client.get(f"/granska/{document['id']}")
    assert page.status_code == 200 and f"läst: {MAN[:11]}5" in page.text
