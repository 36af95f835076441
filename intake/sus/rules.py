"""The SPEC §3 rules a draft record can be checked against without the store.

Rules 1, 2, 3, 4, 5, 8, 12 and 13 (and the signature part of rule 9) need nothing
but the record and today's date; rules 6, 7, 9 (linking a consent), 10 and 11 need
the store and live with it. :func:`check` returns every broken rule as a
:class:`RuleIssue`: an ``error`` blocks the commit, a ``warning`` is a flag for the
reviewer (a late registration, a section 2 that will be ignored).

Messages are Swedish, for the reviewer; they never contain the personnummer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from enum import Enum
from typing import Literal

from pydantic import BaseModel

from intake.errors import ParseError
from intake.sus.codes import Forsorjning
from intake.sus.personnummer import parse_personnummer
from intake.sus.records import (
    TEXT_LENGTHS,
    Inregistrering,
    Matning,
    Samtycke,
    Utregistrering,
    too_long,
    yesno_value,
)

Severity = Literal["error", "warning"]

#: Rule 13: the longest samverkansorganisation name SUS accepts.
MAX_SAMVERKANSORGANISATION_LENGTH = 50

#: Rule 12: registrations are due by this day of the month after the start.
REGISTRATION_DUE_DAY = 15

#: How each field is named in a message (close to the printed label).
LABELS: dict[str, str] = {
    "samverkansorganisation": "Samverkansorganisation",
    "insats": "Insats",
    "personnummer": "Personnummer",
    "namn": "Namn",
    "startdatum": "Startdatum",
    "kommun": "Kommun",
    "stadsdel": "Stadsdel",
    "utbildning": "Utbildning",
    "forsorjningstid": "Hur länge har deltagaren haft offentlig försörjning",
    "forsorjning": "Offentlig försörjning",
    "aktivt_arbetssokande": "Aktivt arbetssökande",
    "forvarvsarbete": "Förvärvsarbete",
    "arbete_procent": "Procent arbete",
    "arbete_typ": "Typ av arbete",
    "studerar": "Studerar",
    "studier_procent": "Procent studier",
    "avslutningsdatum": "Avslutningsdatum",
    "avslutningsanledning": "Avslutningsanledning",
    "underskrift": "Underskrift",
    "ort": "Ort",
    "datum": "Datum",
    "namnfortydligande": "Namnförtydligande",
}

_COUNT_WORDS = {2: "Två", 3: "Tre", 4: "Fyra"}


class RuleIssue(BaseModel, frozen=True):
    """One broken rule: which rule, a short code, the fields concerned and why."""

    rule: str
    code: str
    fields: tuple[str, ...]
    message: str
    severity: Severity = "error"


def _error(rule: str, code: str, field: str, message: str) -> RuleIssue:
    return RuleIssue(rule=rule, code=code, fields=(field,), message=message)


def check(
    record: Samtycke | Inregistrering | Utregistrering,
    *,
    today: date,
    startdatum_of_participation: date | None = None,
    due_soon_days: int = 5,
) -> list[RuleIssue]:
    """Every rule ``record`` breaks that can be told without the store.

    ``startdatum_of_participation`` is the startdatum of the participation a 9449
    closes, when the caller knows it; ``due_soon_days`` is how close to the rule-12
    deadline a 9448 is flagged.
    """
    if isinstance(record, Samtycke):
        return check_samtycke(record, today=today)
    if isinstance(record, Inregistrering):
        return check_inregistrering(record, today=today, due_soon_days=due_soon_days)
    return check_utregistrering(
        record, today=today, startdatum_of_participation=startdatum_of_participation
    )


def check_samtycke(record: Samtycke, *, today: date) -> list[RuleIssue]:
    """FK 9443: a valid personnummer, signed, with ort and datum."""
    return [
        *_lengths(record),
        *_personnummer(record.personnummer, today=today),
        *_underskrift(record.underskrift),
        *_required_text("ort", record.ort),
        *_date("datum", record.datum, today=today),
    ]


def check_inregistrering(
    record: Inregistrering, *, today: date, due_soon_days: int = 5
) -> list[RuleIssue]:
    """FK 9448: header, startdatum, the two single fields, section 2 and the deadline."""
    return [
        *_lengths(record),
        *_samverkansorganisation(record.samverkansorganisation),
        *_personnummer(record.personnummer, today=today),
        *_required_text("namn", record.namn),
        *_date("startdatum", record.startdatum, today=today),
        *_single("utbildning", record.utbildning),
        *_single("forsorjningstid", record.forsorjningstid),
        *_section_2(record.matning),
        *_deadline(record.startdatum, today=today, due_soon_days=due_soon_days),
    ]


def check_utregistrering(
    record: Utregistrering, *, today: date, startdatum_of_participation: date | None = None
) -> list[RuleIssue]:
    """FK 9449: header, avslutningsdatum, the code and section 2 as the code requires."""
    return [
        *_lengths(record),
        *_samverkansorganisation(record.samverkansorganisation),
        *_personnummer(record.personnummer, today=today),
        *_required_text("namn", record.namn),
        *_date("avslutningsdatum", record.avslutningsdatum, today=today),
        *_ends_after_start(record.avslutningsdatum, startdatum_of_participation),
        *_avslutningsanledning(record),
        *_after_measurement(record),
    ]


# Rule 0: what the register can keep of a text field.


def _lengths(record: Samtycke | Inregistrering | Utregistrering) -> list[RuleIssue]:
    issues = []
    for name in TEXT_LENGTHS:
        limit = too_long(name, getattr(record, name, None))
        if limit is not None and name != "samverkansorganisation":  # rule 13 says it
            issues.append(_error("R0", f"{name}_too_long", name,
                                 f"{LABELS[name]} är längre än {limit} tecken."))
    return issues


# Rule 1 (and rule 9's signature): who, and that they signed.


def _personnummer(text: str | None, *, today: date) -> list[RuleIssue]:
    if text is None:
        return [_error("R1", "personnummer_missing", "personnummer", "Personnummer saknas.")]
    try:
        parsed = parse_personnummer(text, today=today)
    except ParseError as exc:
        message = f"Personnumret är ogiltigt: {exc.message}."
        return [_error("R1", "personnummer_invalid", "personnummer", message)]
    if parsed.value != text:
        message = "Personnumret ska skrivas med 12 siffror (ÅÅÅÅMMDDNNNC) utan bindestreck."
        return [_error("R1", "personnummer_invalid", "personnummer", message)]
    return []


def _required_text(field: str, value: str | None) -> list[RuleIssue]:
    if value is not None:
        return []
    return [_error("R1", f"{field}_missing", field, f"{LABELS[field]} saknas.")]


def _underskrift(signed: bool) -> list[RuleIssue]:
    if signed:
        return []
    message = "Samtycket är inte underskrivet – det får inte registreras utan underskrift."
    return [_error("R9", "samtycke_ej_underskrivet", "underskrift", message)]


# Rule 2: dates.


def _date(field: str, value: date | None, *, today: date) -> list[RuleIssue]:
    label = LABELS[field]
    if value is None:
        return [_error("R2", "date_missing", field, f"{label} saknas.")]
    if value > today:
        message = f"{label} {value.isoformat()} ligger i framtiden."
        return [_error("R2", "date_in_future", field, message)]
    return []


def _ends_after_start(avslutningsdatum: date | None, startdatum: date | None) -> list[RuleIssue]:
    if avslutningsdatum is None or startdatum is None or avslutningsdatum >= startdatum:
        return []
    message = (
        f"Avslutningsdatum {avslutningsdatum.isoformat()} ligger före deltagandets"
        f" startdatum {startdatum.isoformat()}."
    )
    return [_error("R2", "avslutningsdatum_before_startdatum", "avslutningsdatum", message)]


# Rule 3: exactly one box in a single-choice or Ja/Nej field.


def _single(field: str, ticks: Sequence[Enum], *, when: str = "") -> list[RuleIssue]:
    if len(ticks) == 1:
        return []
    yesno = field in ("aktivt_arbetssokande", "forvarvsarbete", "studerar")
    if not ticks:
        message = _missing_message(LABELS[field], yesno=yesno)
        return [_error("R3", "single_missing", field, message + when + ".")]
    message = _conflict_message(LABELS[field], len(ticks), yesno=yesno)
    return [_error("R3", "single_conflict", field, message)]


def _missing_message(label: str, *, yesno: bool) -> str:
    if yesno:
        return f"Varken Ja eller Nej är ikryssat för {label} – ett av dem ska väljas"
    return f"Ingen ruta är ikryssad för {label} – en ska väljas"


def _conflict_message(label: str, count: int, *, yesno: bool) -> str:
    if yesno:
        return f"Både Ja och Nej är ikryssade för {label} – bara ett av dem får väljas."
    number = _COUNT_WORDS.get(count, str(count))
    return f"{number} rutor är ikryssade för {label} – bara en får väljas."


def _avslutningsanledning(record: Utregistrering) -> list[RuleIssue]:
    if record.avslutningsanledning is not None:
        return []
    message = "Avslutningsanledning saknas – ange en kod 1–9."
    return [_error("R3", "avslutningsanledning_missing", "avslutningsanledning", message)]


# Rule 4: offentlig försörjning.


def _forsorjning(ticks: Sequence[Forsorjning]) -> list[RuleIssue]:
    if not ticks:
        message = "Ingen ruta är ikryssad för Offentlig försörjning – minst en ska väljas."
        return [_error("R4", "forsorjning_missing", "forsorjning", message)]
    if Forsorjning.INGEN_OFFENTLIG_FORSORJNING in ticks and len(ticks) > 1:
        message = (
            "”Ingen offentlig försörjning” är ikryssad tillsammans med andra försörjningar"
            " – den kan inte kombineras med något annat alternativ."
        )
        return [_error("R4", "forsorjning_ingen_med_andra", "forsorjning", message)]
    return []


# Rule 5: Ja/Nej decides whether procent and typ of arbete are filled in.


def _procent(question: str, field: str, answer: bool | None, value: int | None) -> list[RuleIssue]:
    asked = LABELS[question]
    if answer is True and value is None:
        message = f"{asked} är Ja men {LABELS[field].lower()} saknas – ange 1–100."
        return [_error("R5", "procent_saknas", field, message)]
    if answer is False and value is not None:
        message = f"{LABELS[field]} är ifylld fast {asked} är Nej – fältet ska vara tomt."
        return [_error("R5", "procent_ska_vara_tom", field, message)]
    lowest = 1 if answer is True else 0
    if value is not None and not lowest <= value <= 100:
        message = f"{LABELS[field]} måste vara {lowest}–100 (här står {value})."
        return [_error("R5", "procent_utanfor_intervall", field, message)]
    return []


def _arbete_typ(answer: bool | None, ticks: Sequence[Enum]) -> list[RuleIssue]:
    if answer is True:
        return _single("arbete_typ", ticks, when=" när deltagaren förvärvsarbetar")
    if answer is False and ticks:
        message = "Typ av arbete är ikryssad fast Förvärvsarbete är Nej – rutorna ska vara tomma."
        return [_error("R5", "arbete_typ_ska_vara_tom", "arbete_typ", message)]
    return []


def _section_2(matning: Matning) -> list[RuleIssue]:
    """Rules 3, 4 and 5 for section 2 "Måttillfälle"."""
    arbete = yesno_value(matning.forvarvsarbete)
    studier = yesno_value(matning.studerar)
    return [
        *_forsorjning(matning.forsorjning),
        *_single("aktivt_arbetssokande", matning.aktivt_arbetssokande),
        *_single("forvarvsarbete", matning.forvarvsarbete),
        *_procent("forvarvsarbete", "arbete_procent", arbete, matning.arbete_procent),
        *_arbete_typ(arbete, matning.arbete_typ),
        *_single("studerar", matning.studerar),
        *_procent("studerar", "studier_procent", studier, matning.studier_procent),
    ]


# Rule 8: codes 6, 7 and 8 register no after-measurement.


def _after_measurement(record: Utregistrering) -> list[RuleIssue]:
    code = record.avslutningsanledning
    filled = record.matning.filled_fields()
    if code is not None and code.without_after_measurement:
        if not filled:
            return []
        message = (
            f"Avslutningsanledning {code.value} ({code.label}) registrerar ingen mätning"
            " efter insatsen – det som är ifyllt i avsnitt 2 används inte."
        )
        return [
            RuleIssue(
                rule="R8",
                code="after_measurement_ignored",
                fields=filled,
                message=message,
                severity="warning",
            )
        ]
    if code is None and not filled:
        return []  # Whether section 2 is needed depends on the missing code.
    return _section_2(record.matning)


# Rule 12: due by the 15th of the month after the start.


def registration_deadline(startdatum: date) -> date:
    """The last day a participant who started on ``startdatum`` may be registered in."""
    if startdatum.month == 12:
        return date(startdatum.year + 1, 1, REGISTRATION_DUE_DAY)
    return date(startdatum.year, startdatum.month + 1, REGISTRATION_DUE_DAY)


def _deadline(startdatum: date | None, *, today: date, due_soon_days: int) -> list[RuleIssue]:
    if startdatum is None:
        return []
    deadline = registration_deadline(startdatum).isoformat()
    days_left = (registration_deadline(startdatum) - today).days
    if days_left < 0:
        code = "late_registration"
        message = f"Inregistreringen är sen: den skulle ha gjorts senast {deadline}"
    elif days_left <= due_soon_days:
        code = "due_soon"
        message = f"Inregistreringen ska göras senast {deadline}"
    else:
        return []
    message += " (den 15:e månaden efter startdatum)."
    return [
        RuleIssue(
            rule="R12", code=code, fields=("startdatum",), message=message, severity="warning"
        )
    ]


# Rule 13: samverkansorganisation names are at most 50 characters.


def _samverkansorganisation(name: str | None) -> list[RuleIssue]:
    if name is None or len(name) <= MAX_SAMVERKANSORGANISATION_LENGTH:
        return []
    message = (
        f"Samverkansorganisation får vara högst {MAX_SAMVERKANSORGANISATION_LENGTH} tecken"
        f" (här {len(name)})."
    )
    return [_error("R13", "name_too_long", "samverkansorganisation", message)]
