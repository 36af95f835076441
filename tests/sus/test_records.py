"""Draft records and their CONTRACT.md §2 values (intake.sus.records)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intake.errors import ParseError
from intake.sus.codes import (
    ArbeteTyp,
    Avslutningsanledning,
    FormId,
    Forsorjning,
    Forsorjningstid,
    Utbildning,
    YesNo,
)
from intake.sus.records import (
    FIELD_TYPES,
    FORM_FIELDS,
    RECORD_ADAPTER,
    Inregistrering,
    Matning,
    Samtycke,
    Utregistrering,
    contract_fields,
    multi_value,
    record_from_contract,
    single_value,
    yesno_value,
)

ANY_RECORD = Samtycke | Inregistrering | Utregistrering

CONTRACT_9448: dict[str, Any] = {
    "samverkansorganisation": "Samordningsförbundet Östra Södertörn",
    "insats": "Steg till arbete",
    "personnummer": "198503142385",
    "namn": "Åsa Öberg",
    "startdatum": "2026-03-14",
    "kommun": "Huddinge",
    "stadsdel": None,
    "utbildning": "gymnasium",
    "forsorjningstid": "upp_till_3_ar",
    "forsorjning": ["a_kassa", "forsorjningsstod"],
    "aktivt_arbetssokande": True,
    "forvarvsarbete": False,
    "arbete_procent": None,
    "arbete_typ": None,
    "studerar": True,
    "studier_procent": 50,
}


# Text values.


def test_text_is_nfc_with_collapsed_white_space() -> None:
    """GIVEN a namn with a decomposed å and runs of spaces, tabs and newlines
    WHEN a record is made
    THEN the namn is NFC with single inner spaces and no surrounding space."""
    record = Inregistrering(namn="  A\u030asa \t\n Öberg ")
    assert record.namn == "\u00c5sa Öberg"


def test_empty_text_becomes_none() -> None:
    """GIVEN an ort box holding only white space
    WHEN a 9443 record is made
    THEN ort is None (the JSON null of an empty field)."""
    assert Samtycke(ort=" \u00a0 ").ort is None


def test_text_normalised_on_assignment() -> None:
    """GIVEN a record being corrected by a reviewer
    WHEN a new insats is assigned
    THEN it is normalised like input."""
    record = Inregistrering()
    record.insats = "Steg   till arbete "
    assert record.insats == "Steg till arbete"


def test_personnummer_white_space_removed() -> None:
    """GIVEN a personnummer written in groups with spaces
    WHEN a record is made
    THEN the digits are kept as written, without the spaces."""
    assert Utregistrering(personnummer=" 19850314 2385 ").personnummer == "198503142385"


def test_personnummer_not_in_repr() -> None:
    """GIVEN a record with a personnummer
    WHEN it is shown with repr (as a log line would)
    THEN the personnummer does not appear."""
    assert "198503142385" not in repr(Inregistrering(personnummer="198503142385"))


# Ticked boxes.


def test_draft_holds_what_breaks_rules() -> None:
    """GIVEN two Utbildning ticks, a Luhn-failing personnummer and 150 %
    WHEN a record is made
    THEN it holds them all, for the rules to report."""
    record = Inregistrering(
        personnummer="198503142386",
        utbildning=[Utbildning.GYMNASIUM, Utbildning.GRUNDSKOLA],
        matning=Matning(arbete_procent=150),
    )
    assert record.utbildning == [Utbildning.GRUNDSKOLA, Utbildning.GYMNASIUM]
    assert record.personnummer == "198503142386"
    assert record.matning.arbete_procent == 150


def test_duplicate_tick_counts_once() -> None:
    """GIVEN the same box reported twice (e.g. by two readers)
    WHEN a record is made
    THEN it is one tick, not a conflict."""
    assert Matning.model_validate({"studerar": ["ja", YesNo.JA]}).studerar == [YesNo.JA]


def test_unknown_option_refused() -> None:
    """GIVEN an option code that is not on the form
    WHEN a record is made
    THEN pydantic refuses it."""
    with pytest.raises(ValueError, match="utbildning"):
        Inregistrering.model_validate({"utbildning": ["folkhogskola"]})


@pytest.mark.parametrize(
    ("ticks", "expected"),
    [([], None), ([Utbildning.GYMNASIUM], "gymnasium"), (list(Utbildning)[:2], None)],
    ids=["none", "one", "two"],
)
def test_single_value(ticks: list[Utbildning], expected: str | None) -> None:
    """GIVEN zero, one or two ticks in a single-choice field
    WHEN its contract value is taken
    THEN it is the one code, or None."""
    assert single_value(ticks) == expected


@pytest.mark.parametrize(
    ("ticks", "expected"),
    [([], None), ([YesNo.JA], True), ([YesNo.NEJ], False), ([YesNo.JA, YesNo.NEJ], None)],
    ids=["none", "ja", "nej", "both"],
)
def test_yesno_value(ticks: list[YesNo], expected: bool | None) -> None:
    """GIVEN the Ja/Nej boxes of a question
    WHEN its contract value is taken
    THEN Ja is True, Nej is False, none or both is None."""
    assert yesno_value(ticks) is expected


def test_multi_value_sorted() -> None:
    """GIVEN several försörjning ticks in any order
    WHEN the contract value is taken
    THEN it is the sorted list of codes, as plain strings."""
    ticks = [Forsorjning.STUDIESTOD_STUDIEMEDEL, Forsorjning.A_KASSA]
    assert multi_value(ticks) == ["a_kassa", "studiestod_studiemedel"]
    assert all(type(code) is str for code in multi_value(ticks))


def test_matning_filled_fields() -> None:
    """GIVEN a section 2 with a tick and a procent
    WHEN its filled fields are asked for
    THEN exactly those are named, in form order."""
    matning = Matning(studier_procent=20, forsorjning=[Forsorjning.A_KASSA])
    assert matning.filled_fields() == ("forsorjning", "studier_procent")
    assert Matning().filled_fields() == ()


# Forms and fields.


def test_form_fields_follow_spec() -> None:
    """GIVEN the three forms
    WHEN their fields are listed
    THEN they are SPEC §2's, in printed order, each with a value type."""
    assert FORM_FIELDS[FormId.FK9443] == (
        "personnummer",
        "underskrift",
        "ort",
        "datum",
        "namnfortydligande",
    )
    assert tuple(CONTRACT_9448) == FORM_FIELDS[FormId.FK9448]
    assert FORM_FIELDS[FormId.FK9449][4:7] == (
        "avslutningsdatum",
        "avslutningsanledning",
        "forsorjning",
    )
    every_field = {name for names in FORM_FIELDS.values() for name in names}
    assert every_field == set(FIELD_TYPES)


def test_record_discriminated_by_form() -> None:
    """GIVEN JSON data with form 9449
    WHEN it is validated as a Record
    THEN an Utregistrering is made."""
    record = RECORD_ADAPTER.validate_python({"form": "9449", "avslutningsanledning": 7})
    assert isinstance(record, Utregistrering)
    assert record.avslutningsanledning is Avslutningsanledning.UTAN_MATNING


# Contract values.


def test_contract_fields_of_inregistrering() -> None:
    """GIVEN a filled 9448 record
    WHEN its contract fields are taken
    THEN they are the flat JSON values of CONTRACT.md §2."""
    record = Inregistrering(
        samverkansorganisation="Samordningsförbundet Östra Södertörn",
        insats="Steg till arbete",
        personnummer="198503142385",
        namn="Åsa Öberg",
        startdatum=date(2026, 3, 14),
        kommun="Huddinge",
        utbildning=[Utbildning.GYMNASIUM],
        forsorjningstid=[Forsorjningstid.UPP_TILL_3_AR],
        matning=Matning(
            forsorjning=[Forsorjning.FORSORJNINGSSTOD, Forsorjning.A_KASSA],
            aktivt_arbetssokande=[YesNo.JA],
            forvarvsarbete=[YesNo.NEJ],
            studerar=[YesNo.JA],
            studier_procent=50,
        ),
    )
    assert contract_fields(record) == CONTRACT_9448


def test_contract_fields_of_utregistrering_code() -> None:
    """GIVEN a 9449 with avslutningsanledning 3
    WHEN its contract fields are taken
    THEN the code is the plain integer 3 and the empty section 2 is null/empty."""
    fields = contract_fields(Utregistrering.model_validate({"avslutningsanledning": 3}))
    assert type(fields["avslutningsanledning"]) is int
    assert fields["avslutningsanledning"] == 3
    assert fields["forsorjning"] == []
    assert fields["forvarvsarbete"] is None


def test_contract_fields_of_samtycke() -> None:
    """GIVEN a signed 9443
    WHEN its contract fields are taken
    THEN underskrift is a bool and datum an ISO date."""
    record = Samtycke(personnummer="198503102397", underskrift=True, datum=date(2026, 3, 14))
    assert contract_fields(record) == {
        "personnummer": "198503102397",
        "underskrift": True,
        "ort": None,
        "datum": "2026-03-14",
        "namnfortydligande": None,
    }


def test_contract_fields_conflict_is_null() -> None:
    """GIVEN two Utbildning ticks
    WHEN the contract fields are taken
    THEN utbildning is null (the rules report the conflict)."""
    record = Inregistrering(utbildning=[Utbildning.GRUNDSKOLA, Utbildning.GYMNASIUM])
    assert contract_fields(record)["utbildning"] is None


def test_record_from_contract_ticks() -> None:
    """GIVEN contract values of a 9448
    WHEN a record is made from them
    THEN a single value is one tick, True is Ja, False is Nej."""
    record = record_from_contract("9448", CONTRACT_9448)
    assert isinstance(record, Inregistrering)
    assert record.utbildning == [Utbildning.GYMNASIUM]
    assert record.matning.aktivt_arbetssokande == [YesNo.JA]
    assert record.matning.forvarvsarbete == [YesNo.NEJ]
    assert record.matning.arbete_typ == []
    assert record.startdatum == date(2026, 3, 14)


def test_record_from_contract_missing_fields_empty() -> None:
    """GIVEN contract values naming only some fields
    WHEN a record is made
    THEN the others are empty."""
    record = record_from_contract("9449", {"avslutningsanledning": 8})
    assert record == Utregistrering(avslutningsanledning=Avslutningsanledning.FELREGISTRERING)


def test_record_from_contract_unknown_form() -> None:
    """GIVEN a form id that is not 9443, 9448 or 9449
    WHEN a record is asked for
    THEN ParseError says so."""
    with pytest.raises(ParseError, match="Okänd blankett"):
        record_from_contract("blank", {})


def test_record_from_contract_field_not_on_form() -> None:
    """GIVEN startdatum for a 9449
    WHEN a record is asked for
    THEN ParseError names the field."""
    with pytest.raises(ParseError, match="startdatum"):
        record_from_contract("9449", {"startdatum": "2026-03-14"})


def test_record_from_contract_bad_value() -> None:
    """GIVEN an avslutningsanledning of 10 and a personnummer
    WHEN a record is asked for
    THEN ParseError names the field and does not echo the personnummer."""
    with pytest.raises(ParseError, match="avslutningsanledning") as caught:
        record_from_contract("9449", {"avslutningsanledning": 10, "personnummer": "198503142385"})
    assert "198503142385" not in str(caught.value)


# Round trip.

_text = st.one_of(st.none(), st.text(max_size=30))
_pnr = st.one_of(st.none(), st.from_regex(r"[0-9]{12}", fullmatch=True))
_dates = st.one_of(st.none(), st.dates(date(1990, 1, 1), date(2030, 12, 31)))
_percent = st.one_of(st.none(), st.integers(min_value=-5, max_value=200))


def _one_tick(options: Any) -> st.SearchStrategy[list[Any]]:
    return st.lists(st.sampled_from(list(options)), max_size=1)


def _any_ticks(options: Any) -> st.SearchStrategy[list[Any]]:
    return st.lists(st.sampled_from(list(options)), unique=True)


_matning = st.builds(
    Matning,
    forsorjning=_any_ticks(Forsorjning),
    aktivt_arbetssokande=_one_tick(YesNo),
    forvarvsarbete=_one_tick(YesNo),
    arbete_procent=_percent,
    arbete_typ=_one_tick(ArbeteTyp),
    studerar=_one_tick(YesNo),
    studier_procent=_percent,
)
_header = {
    "samverkansorganisation": _text,
    "insats": _text,
    "personnummer": _pnr,
    "namn": _text,
    "matning": _matning,
}
records = st.one_of(
    st.builds(
        Samtycke,
        personnummer=_pnr,
        underskrift=st.booleans(),
        ort=_text,
        datum=_dates,
        namnfortydligande=_text,
    ),
    st.builds(
        Inregistrering,
        startdatum=_dates,
        kommun=_text,
        stadsdel=_text,
        utbildning=_one_tick(Utbildning),
        forsorjningstid=_one_tick(Forsorjningstid),
        **_header,
    ),
    st.builds(
        Utregistrering,
        avslutningsdatum=_dates,
        avslutningsanledning=st.one_of(st.none(), st.sampled_from(Avslutningsanledning)),
        **_header,
    ),
)


@given(records)
def test_round_trip_through_contract(record: ANY_RECORD) -> None:
    """GIVEN any record with at most one tick in each single and Ja/Nej field
    WHEN it goes to contract values and back
    THEN the same record comes back."""
    assert record_from_contract(record.form, contract_fields(record)) == record


@given(records)
def test_round_trip_through_json(record: ANY_RECORD) -> None:
    """GIVEN any record with at most one tick in each single and Ja/Nej field
    WHEN its contract values are written as JSON and read back
    THEN the same record comes back."""
    text = json.dumps(contract_fields(record), ensure_ascii=False)
    assert record_from_contract(record.form, json.loads(text)) == record


@given(st.text(max_size=40))
def test_text_normalisation_idempotent(text: str) -> None:
    """GIVEN any written text
    WHEN it is normalised twice
    THEN the second time changes nothing."""
    once = Inregistrering(namn=text).namn
    assert Inregistrering(namn=once).namn == once
