"""The SPEC §3 rules that need no store (intake.sus.rules)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from intake.sus.codes import (
    ArbeteTyp,
    Avslutningsanledning,
    Forsorjning,
    Forsorjningstid,
    Utbildning,
    YesNo,
)
from intake.sus.personnummer import is_valid_personnummer
from intake.sus.records import (
    MATNING_FIELDS,
    RECORD_ADAPTER,
    Inregistrering,
    Samtycke,
    Utregistrering,
)
from intake.sus.rules import RuleIssue, check, registration_deadline

TODAY = date(2026, 3, 20)

# Skatteverket test numbers from intake/samples/data/test_personnummer.txt.
PNR_KVINNA = "198503142385"
PNR_MAN = "198503102397"
SAMORDNINGSNUMMER = "191401682396"

ANY_RECORD = Samtycke | Inregistrering | Utregistrering
Build = Callable[..., Any]

VALID_MATNING: dict[str, Any] = {
    "forsorjning": [Forsorjning.A_KASSA, Forsorjning.FORSORJNINGSSTOD],
    "aktivt_arbetssokande": [YesNo.JA],
    "forvarvsarbete": [YesNo.JA],
    "arbete_procent": 25,
    "arbete_typ": [ArbeteTyp.SUBVENTIONERAT],
    "studerar": [YesNo.NEJ],
    "studier_procent": None,
}
HEADER: dict[str, Any] = {
    "samverkansorganisation": "Samordningsförbundet Östra Södertörn",
    "insats": "Steg till arbete",
    "personnummer": PNR_KVINNA,
    "namn": "Åsa Öberg",
}
VALID: dict[str, dict[str, Any]] = {
    "9443": {
        "personnummer": PNR_MAN,
        "underskrift": True,
        "ort": "Uppsala",
        "datum": date(2026, 3, 14),
        "namnfortydligande": "Erik Ek",
    },
    "9448": {
        **HEADER,
        "startdatum": date(2026, 3, 10),
        "kommun": "Huddinge",
        "utbildning": [Utbildning.GYMNASIUM],
        "forsorjningstid": [Forsorjningstid.UPP_TILL_3_AR],
        "matning": VALID_MATNING,
    },
    "9449": {
        **HEADER,
        "avslutningsdatum": date(2026, 3, 18),
        "avslutningsanledning": Avslutningsanledning.TILL_ARBETE_STUDIER,
        "matning": VALID_MATNING,
    },
}
EMPTY_MATNING: dict[str, Any] = {
    name: (None if name.endswith("procent") else []) for name in MATNING_FIELDS
}


@pytest.fixture
def build() -> Build:
    """A valid record of the form, with some fields changed (section 2 fields by name)."""

    def _build(form: str, **changes: Any) -> ANY_RECORD:
        data = copy.deepcopy(VALID[form])
        for name, value in changes.items():
            target = data["matning"] if name in MATNING_FIELDS else data
            target[name] = value
        return RECORD_ADAPTER.validate_python({"form": form, **data})

    return _build


def only_issue(record: ANY_RECORD, **kwargs: Any) -> RuleIssue:
    issues = check(record, today=TODAY, **kwargs)
    assert len(issues) == 1, issues
    return issues[0]


def assert_issue(
    issue: RuleIssue, rule: str, code: str, fields: tuple[str, ...], severity: str = "error"
) -> None:
    assert (issue.rule, issue.code, issue.fields, issue.severity) == (rule, code, fields, severity)
    assert issue.message.endswith(".")


# The builder's records.


def test_builder_uses_valid_test_personnummer() -> None:
    """GIVEN the Skatteverket test numbers the builder uses
    WHEN they are checked by the personnummer module
    THEN they are valid."""
    for text in (PNR_KVINNA, PNR_MAN, SAMORDNINGSNUMMER):
        assert is_valid_personnummer(text, today=TODAY)


@pytest.mark.parametrize("form", ["9443", "9448", "9449"])
def test_valid_record_has_no_issues(build: Build, form: str) -> None:
    """GIVEN a correctly filled form
    WHEN it is checked
    THEN no rule is broken."""
    assert check(build(form), today=TODAY) == []


def test_rule_issue_is_frozen() -> None:
    """GIVEN a rule issue
    WHEN someone tries to change it
    THEN pydantic refuses."""
    issue = RuleIssue(rule="R1", code="namn_missing", fields=("namn",), message="Namn saknas.")
    with pytest.raises(ValidationError):
        issue.code = "other"  # type: ignore[misc]


# Rule 1: personnummer and namn.


@pytest.mark.parametrize("form", ["9443", "9448", "9449"])
def test_r1_personnummer_missing(build: Build, form: str) -> None:
    """GIVEN a form with no personnummer
    WHEN it is checked
    THEN R1 personnummer_missing is reported."""
    issue = only_issue(build(form, personnummer=None))
    assert_issue(issue, "R1", "personnummer_missing", ("personnummer",))


@pytest.mark.parametrize("form", ["9443", "9448", "9449"])
def test_r1_personnummer_wrong_check_digit(build: Build, form: str) -> None:
    """GIVEN a personnummer whose last digit fails Luhn
    WHEN the form is checked
    THEN R1 personnummer_invalid names the check digit, without the number."""
    issue = only_issue(build(form, personnummer="198503142386"))
    assert_issue(issue, "R1", "personnummer_invalid", ("personnummer",))
    assert "Kontrollsiffran" in issue.message
    assert "198503142386" not in issue.message


def test_r1_personnummer_no_such_date(build: Build) -> None:
    """GIVEN a personnummer with 30 February as birth date
    WHEN the 9448 is checked
    THEN R1 personnummer_invalid says the date does not exist."""
    issue = only_issue(build("9448", personnummer="198502302385"))
    assert_issue(issue, "R1", "personnummer_invalid", ("personnummer",))
    assert "Datumet finns inte" in issue.message


def test_r1_personnummer_ten_digits(build: Build) -> None:
    """GIVEN a personnummer written with ten digits and a hyphen
    WHEN the 9448 is checked
    THEN R1 asks for the 12-digit form, without echoing the number."""
    issue = only_issue(build("9448", personnummer="850314-2385"))
    assert_issue(issue, "R1", "personnummer_invalid", ("personnummer",))
    assert "12 siffror" in issue.message
    assert "2385" not in issue.message


def test_r1_samordningsnummer_accepted(build: Build) -> None:
    """GIVEN a valid samordningsnummer (day + 60)
    WHEN the 9448 is checked
    THEN no rule is broken."""
    assert check(build("9448", personnummer=SAMORDNINGSNUMMER), today=TODAY) == []


@pytest.mark.parametrize("form", ["9448", "9449"])
def test_r1_namn_missing(build: Build, form: str) -> None:
    """GIVEN a 9448/9449 whose namn box holds only white space
    WHEN it is checked
    THEN R1 namn_missing is reported."""
    issue = only_issue(build(form, namn="   "))
    assert_issue(issue, "R1", "namn_missing", ("namn",))


def test_r1_ort_missing_on_samtycke(build: Build) -> None:
    """GIVEN a 9443 with a date but no ort in "Ort och datum"
    WHEN it is checked
    THEN R1 ort_missing is reported."""
    issue = only_issue(build("9443", ort=None))
    assert_issue(issue, "R1", "ort_missing", ("ort",))


def test_r1_namnfortydligande_optional(build: Build) -> None:
    """GIVEN a signed 9443 without namnförtydligande
    WHEN it is checked
    THEN no rule is broken."""
    assert check(build("9443", namnfortydligande=None), today=TODAY) == []


# Rule 9 (the part a form alone can tell): the consent is signed.


def test_r9_samtycke_not_signed(build: Build) -> None:
    """GIVEN a 9443 with an empty signature box
    WHEN it is checked
    THEN R9 samtycke_ej_underskrivet is an error."""
    issue = only_issue(build("9443", underskrift=False))
    assert_issue(issue, "R9", "samtycke_ej_underskrivet", ("underskrift",))
    assert "inte underskrivet" in issue.message


# Rule 2: dates.


@pytest.mark.parametrize(
    ("form", "field"), [("9443", "datum"), ("9448", "startdatum"), ("9449", "avslutningsdatum")]
)
def test_r2_date_missing(build: Build, form: str, field: str) -> None:
    """GIVEN a form whose date is empty
    WHEN it is checked
    THEN R2 date_missing names that date field."""
    issue = only_issue(build(form, **{field: None}))
    assert_issue(issue, "R2", "date_missing", (field,))


@pytest.mark.parametrize(
    ("form", "field"), [("9443", "datum"), ("9448", "startdatum"), ("9449", "avslutningsdatum")]
)
def test_r2_date_in_future(build: Build, form: str, field: str) -> None:
    """GIVEN a form dated the day after today
    WHEN it is checked
    THEN R2 date_in_future names that date field."""
    issue = only_issue(build(form, **{field: date(2026, 3, 21)}))
    assert_issue(issue, "R2", "date_in_future", (field,))
    assert "2026-03-21" in issue.message


@pytest.mark.parametrize(
    ("form", "field"), [("9443", "datum"), ("9448", "startdatum"), ("9449", "avslutningsdatum")]
)
def test_r2_date_today_accepted(build: Build, form: str, field: str) -> None:
    """GIVEN a form dated today
    WHEN it is checked
    THEN no rule is broken."""
    assert check(build(form, **{field: TODAY}), today=TODAY) == []


def test_r2_avslutningsdatum_before_startdatum(build: Build) -> None:
    """GIVEN a 9449 ending the day before the participation's startdatum
    WHEN it is checked with that startdatum
    THEN R2 avslutningsdatum_before_startdatum is reported."""
    record = build("9449", avslutningsdatum=date(2026, 3, 9))
    issue = only_issue(record, startdatum_of_participation=date(2026, 3, 10))
    assert_issue(issue, "R2", "avslutningsdatum_before_startdatum", ("avslutningsdatum",))


def test_r2_avslutningsdatum_on_startdatum_accepted(build: Build) -> None:
    """GIVEN a 9449 ending on the day the participation started
    WHEN it is checked with that startdatum
    THEN no rule is broken."""
    record = build("9449", avslutningsdatum=date(2026, 3, 10))
    assert check(record, today=TODAY, startdatum_of_participation=date(2026, 3, 10)) == []


# Rule 3: exactly one box.


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ("9448", "utbildning"),
        ("9448", "forsorjningstid"),
        ("9448", "aktivt_arbetssokande"),
        ("9448", "forvarvsarbete"),
        ("9448", "studerar"),
        ("9449", "aktivt_arbetssokande"),
        ("9449", "studerar"),
    ],
)
def test_r3_single_missing(build: Build, form: str, field: str) -> None:
    """GIVEN a form with no box ticked in a single-choice or Ja/Nej field
    WHEN it is checked
    THEN R3 single_missing names that field."""
    issue = only_issue(build(form, **{field: []}))
    assert_issue(issue, "R3", "single_missing", (field,))


def test_r3_utbildning_conflict(build: Build) -> None:
    """GIVEN a 9448 with Grundskola and Gymnasium both ticked
    WHEN it is checked
    THEN R3 single_conflict says two boxes are ticked for Utbildning."""
    issue = only_issue(build("9448", utbildning=[Utbildning.GRUNDSKOLA, Utbildning.GYMNASIUM]))
    assert_issue(issue, "R3", "single_conflict", ("utbildning",))
    assert issue.message == "Två rutor är ikryssade för Utbildning – bara en får väljas."


def test_r3_forsorjningstid_conflict(build: Build) -> None:
    """GIVEN a 9448 with three ticks for how long offentlig försörjning lasted
    WHEN it is checked
    THEN R3 single_conflict is reported for forsorjningstid."""
    ticks = [
        Forsorjningstid.UPP_TILL_1_AR,
        Forsorjningstid.UPP_TILL_2_AR,
        Forsorjningstid.MER_AN_9_AR,
    ]
    issue = only_issue(build("9448", forsorjningstid=ticks))
    assert_issue(issue, "R3", "single_conflict", ("forsorjningstid",))
    assert issue.message.startswith("Tre rutor")


def test_r3_yesno_conflict(build: Build) -> None:
    """GIVEN a 9448 with both Ja and Nej ticked for aktivt arbetssökande
    WHEN it is checked
    THEN R3 single_conflict is reported for aktivt_arbetssokande."""
    issue = only_issue(build("9448", aktivt_arbetssokande=[YesNo.JA, YesNo.NEJ]))
    assert_issue(issue, "R3", "single_conflict", ("aktivt_arbetssokande",))
    assert "Både Ja och Nej" in issue.message


def test_r3_arbete_typ_missing_when_working(build: Build) -> None:
    """GIVEN a 9448 with Förvärvsarbete Ja and no typ of arbete ticked
    WHEN it is checked
    THEN R3 single_missing is reported for arbete_typ."""
    issue = only_issue(build("9448", arbete_typ=[]))
    assert_issue(issue, "R3", "single_missing", ("arbete_typ",))
    assert "förvärvsarbetar" in issue.message


def test_r3_arbete_typ_conflict_when_working(build: Build) -> None:
    """GIVEN a 9449 with Förvärvsarbete Ja and two typ of arbete ticked
    WHEN it is checked
    THEN R3 single_conflict is reported for arbete_typ."""
    ticks = [ArbeteTyp.EGET_FORETAG, ArbeteTyp.SUBVENTIONERAT]
    issue = only_issue(build("9449", arbete_typ=ticks))
    assert_issue(issue, "R3", "single_conflict", ("arbete_typ",))


def test_r3_avslutningsanledning_missing(build: Build) -> None:
    """GIVEN a 9449 with a filled section 2 but no avslutningsanledning
    WHEN it is checked
    THEN R3 avslutningsanledning_missing is reported and section 2 is still checked."""
    issue = only_issue(build("9449", avslutningsanledning=None))
    assert_issue(issue, "R3", "avslutningsanledning_missing", ("avslutningsanledning",))


def test_r3_avslutningsanledning_missing_with_empty_section_2(build: Build) -> None:
    """GIVEN a 9449 with neither an avslutningsanledning nor anything in section 2
    WHEN it is checked
    THEN only the missing code is reported (section 2 may not be needed)."""
    issue = only_issue(build("9449", avslutningsanledning=None, **EMPTY_MATNING))
    assert_issue(issue, "R3", "avslutningsanledning_missing", ("avslutningsanledning",))


# Rule 4: offentlig försörjning.


@pytest.mark.parametrize("form", ["9448", "9449"])
def test_r4_forsorjning_missing(build: Build, form: str) -> None:
    """GIVEN section 2 with no försörjning ticked
    WHEN the form is checked
    THEN R4 forsorjning_missing is reported."""
    issue = only_issue(build(form, forsorjning=[]))
    assert_issue(issue, "R4", "forsorjning_missing", ("forsorjning",))


def test_r4_ingen_offentlig_forsorjning_with_others(build: Build) -> None:
    """GIVEN "Ingen offentlig försörjning" ticked together with A-kassa
    WHEN the 9448 is checked
    THEN R4 forsorjning_ingen_med_andra is reported."""
    ticks = [Forsorjning.INGEN_OFFENTLIG_FORSORJNING, Forsorjning.A_KASSA]
    issue = only_issue(build("9448", forsorjning=ticks))
    assert_issue(issue, "R4", "forsorjning_ingen_med_andra", ("forsorjning",))


def test_r4_ingen_offentlig_forsorjning_alone_accepted(build: Build) -> None:
    """GIVEN only "Ingen offentlig försörjning" ticked
    WHEN the 9448 is checked
    THEN no rule is broken."""
    record = build("9448", forsorjning=[Forsorjning.INGEN_OFFENTLIG_FORSORJNING])
    assert check(record, today=TODAY) == []


# Rule 5: Ja/Nej and the procent and typ that go with it.


@pytest.mark.parametrize(
    ("question", "field"), [("forvarvsarbete", "arbete_procent"), ("studerar", "studier_procent")]
)
def test_r5_procent_missing_when_ja(build: Build, question: str, field: str) -> None:
    """GIVEN Ja ticked but no procent written
    WHEN the 9448 is checked
    THEN R5 procent_saknas names the procent field."""
    changes = {question: [YesNo.JA], field: None, "arbete_typ": [ArbeteTyp.EGET_FORETAG]}
    issue = only_issue(build("9448", **changes))
    assert_issue(issue, "R5", "procent_saknas", (field,))


@pytest.mark.parametrize("value", [0, 101, 150])
def test_r5_procent_out_of_range_when_ja(build: Build, value: int) -> None:
    """GIVEN Förvärvsarbete Ja with a procent outside 1–100
    WHEN the 9448 is checked
    THEN R5 procent_utanfor_intervall is reported for arbete_procent."""
    issue = only_issue(build("9448", arbete_procent=value))
    assert_issue(issue, "R5", "procent_utanfor_intervall", ("arbete_procent",))
    assert f"här står {value}" in issue.message


@pytest.mark.parametrize("value", [1, 100])
def test_r5_procent_bounds_accepted(build: Build, value: int) -> None:
    """GIVEN Studerar Ja with 1 % or 100 %
    WHEN the 9449 is checked
    THEN no rule is broken."""
    record = build("9449", studerar=[YesNo.JA], studier_procent=value)
    assert check(record, today=TODAY) == []


@pytest.mark.parametrize(
    "changes",
    [
        {"forvarvsarbete": [YesNo.NEJ], "arbete_procent": 50, "arbete_typ": []},
        {"studerar": [YesNo.NEJ], "studier_procent": 50},
    ],
    ids=["arbete_procent", "studier_procent"],
)
def test_r5_procent_given_when_nej(build: Build, changes: dict[str, Any]) -> None:
    """GIVEN Nej ticked but a procent written
    WHEN the 9449 is checked
    THEN R5 procent_ska_vara_tom names the procent field."""
    field = next(name for name in changes if name.endswith("procent"))
    issue = only_issue(build("9449", **changes))
    assert_issue(issue, "R5", "procent_ska_vara_tom", (field,))


def test_r5_arbete_typ_given_when_nej(build: Build) -> None:
    """GIVEN Förvärvsarbete Nej but a typ of arbete ticked
    WHEN the 9448 is checked
    THEN R5 arbete_typ_ska_vara_tom is reported."""
    changes = {"forvarvsarbete": [YesNo.NEJ], "arbete_procent": None}
    issue = only_issue(build("9448", **changes))
    assert_issue(issue, "R5", "arbete_typ_ska_vara_tom", ("arbete_typ",))


def test_r5_nej_with_both_empty_accepted(build: Build) -> None:
    """GIVEN Förvärvsarbete Nej with neither procent nor typ
    WHEN the 9448 is checked
    THEN no rule is broken."""
    changes = {"forvarvsarbete": [YesNo.NEJ], "arbete_procent": None, "arbete_typ": []}
    assert check(build("9448", **changes), today=TODAY) == []


def test_r5_unanswered_question_with_impossible_procent(build: Build) -> None:
    """GIVEN Ja and Nej both ticked for Förvärvsarbete and 150 % written
    WHEN the 9448 is checked
    THEN the conflict (R3) and the impossible procent (R5) are both reported."""
    issues = check(
        build("9448", forvarvsarbete=[YesNo.JA, YesNo.NEJ], arbete_procent=150), today=TODAY
    )
    assert [(i.rule, i.code, i.fields) for i in issues] == [
        ("R3", "single_conflict", ("forvarvsarbete",)),
        ("R5", "procent_utanfor_intervall", ("arbete_procent",)),
    ]


# Rule 8: codes 6, 7 and 8 have no after-measurement.


@pytest.mark.parametrize("code", [6, 7, 8])
def test_r8_no_after_measurement_needed(build: Build, code: int) -> None:
    """GIVEN a 9449 with code 6, 7 or 8 and an empty section 2
    WHEN it is checked
    THEN no rule is broken."""
    record = build("9449", avslutningsanledning=code, **EMPTY_MATNING)
    assert check(record, today=TODAY) == []


def test_r8_after_measurement_ignored(build: Build) -> None:
    """GIVEN a 9449 with code 7 (utan mätning) and section 2 partly filled
    WHEN it is checked
    THEN an R8 after_measurement_ignored warning names the filled fields."""
    changes = {**EMPTY_MATNING, "forsorjning": [Forsorjning.A_KASSA], "studier_procent": 120}
    issue = only_issue(build("9449", avslutningsanledning=7, **changes))
    fields = ("forsorjning", "studier_procent")
    assert_issue(issue, "R8", "after_measurement_ignored", fields, severity="warning")
    assert "Utskrivning – utan mätning" in issue.message


@pytest.mark.parametrize("code", [1, 2, 3, 4, 5, 9])
def test_r8_after_measurement_required(build: Build, code: int) -> None:
    """GIVEN a 9449 with code 1–5 or 9 and an empty section 2
    WHEN it is checked
    THEN the whole section 2 is reported missing (R3, R4)."""
    record = build("9449", avslutningsanledning=code, **EMPTY_MATNING)
    issues = check(record, today=TODAY)
    assert [(i.rule, i.code, i.fields) for i in issues] == [
        ("R4", "forsorjning_missing", ("forsorjning",)),
        ("R3", "single_missing", ("aktivt_arbetssokande",)),
        ("R3", "single_missing", ("forvarvsarbete",)),
        ("R3", "single_missing", ("studerar",)),
    ]


# Rule 12: due by the 15th of the month after the start.


@pytest.mark.parametrize(
    ("startdatum", "deadline"),
    [
        (date(2026, 3, 10), date(2026, 4, 15)),
        (date(2026, 1, 31), date(2026, 2, 15)),
        (date(2026, 3, 20), date(2026, 4, 15)),
        (date(2025, 12, 1), date(2026, 1, 15)),
        (date(2025, 12, 31), date(2026, 1, 15)),
    ],
)
def test_r12_registration_deadline(startdatum: date, deadline: date) -> None:
    """GIVEN a startdatum
    WHEN its registration deadline is computed
    THEN it is the 15th of the following month, across the new year too."""
    assert registration_deadline(startdatum) == deadline


def test_r12_late_registration(build: Build) -> None:
    """GIVEN a 9448 that started in January, read on 20 March
    WHEN it is checked
    THEN an R12 late_registration warning names the deadline."""
    issue = only_issue(build("9448", startdatum=date(2026, 1, 20)))
    assert_issue(issue, "R12", "late_registration", ("startdatum",), severity="warning")
    assert "2026-02-15" in issue.message


@pytest.mark.parametrize("today", [date(2026, 4, 10), date(2026, 4, 15)])
def test_r12_due_soon(build: Build, today: date) -> None:
    """GIVEN a 9448 that started on 10 March, read 5 days or less before 15 April
    WHEN it is checked
    THEN an R12 due_soon warning is given."""
    issues = check(build("9448"), today=today)
    assert len(issues) == 1
    assert_issue(issues[0], "R12", "due_soon", ("startdatum",), severity="warning")


def test_r12_due_soon_days_respected(build: Build) -> None:
    """GIVEN a 9448 due in 6 days
    WHEN it is checked with due_soon_days 5 and then 6
    THEN only the second flags it."""
    today = date(2026, 4, 9)
    assert check(build("9448"), today=today, due_soon_days=5) == []
    assert [i.code for i in check(build("9448"), today=today, due_soon_days=6)] == ["due_soon"]


def test_r12_not_for_utregistrering(build: Build) -> None:
    """GIVEN a 9449 closing a participation long ago
    WHEN it is checked
    THEN no registration deadline is flagged."""
    record = build("9449", avslutningsdatum=date(2025, 1, 2))
    assert check(record, today=TODAY) == []


# Rule 13: samverkansorganisation at most 50 characters.


@pytest.mark.parametrize("form", ["9448", "9449"])
def test_r13_name_too_long(build: Build, form: str) -> None:
    """GIVEN a samverkansorganisation of 51 characters
    WHEN the form is checked
    THEN R13 name_too_long is reported."""
    issue = only_issue(build(form, samverkansorganisation="Å" * 51))
    assert_issue(issue, "R13", "name_too_long", ("samverkansorganisation",))
    assert "51" in issue.message


def test_r13_name_of_50_characters_accepted(build: Build) -> None:
    """GIVEN a samverkansorganisation of exactly 50 characters (decomposed å counts once)
    WHEN the 9448 is checked
    THEN no rule is broken."""
    name = "a\u030a" * 50
    assert check(build("9448", samverkansorganisation=name), today=TODAY) == []
