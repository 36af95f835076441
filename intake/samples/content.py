"""What a synthetic form says: a person, an insats and answers consistent with SPEC §3.

A :class:`Case` holds what is *written* on each widget (text, or a tick) and the
truth per CONTRACT §3 (what the reader should report). A share of cases carries
one realistic defect on paper (wrong check digit, two ticks, Ja without percent,
no tick, 10-digit personnummer, unsigned consent), whose truth is what is written.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from functools import cache
from typing import Any

from pydantic import BaseModel, Field

from intake.samples.vocab import kommuner, stadsdelar, words
from intake.sus.codes import ArbeteTyp, Forsorjning, Forsorjningstid, Utbildning
from intake.sus.personnummer import luhn_digit
from intake.sus.values import format_date_variants

REFERENCE_DAY = date(2026, 11, 20)  # "today" for every generated form: keeps output stable
FIRST_DAY = date(2024, 1, 1)

Truth = dict[str, Any]


class Case(BaseModel):
    """One filled form: what is written per widget and what the reader must report."""

    form: str
    written: dict[str, str | bool] = Field(default_factory=dict)
    truth: Truth = Field(default_factory=dict)
    defects: list[str] = Field(default_factory=list)


class Person(BaseModel):
    personnummer: str
    namn: str


@cache
def _test_numbers() -> tuple[str, ...]:
    return tuple(n for n in words("test_personnummer") if 1950 <= int(n[:4]) <= 2006)


def pick_person(rng: random.Random) -> Person:
    first, last = rng.choice(words("fornamn")), rng.choice(words("efternamn"))
    return Person(personnummer=rng.choice(_test_numbers()), namn=f"{first} {last}")


def random_day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def write_personnummer(pnr: str, rng: random.Random) -> str:
    style = rng.choice(["plain", "hyphen", "hyphen", "space"])
    if style == "plain":
        return pnr
    return f"{pnr[:8]}{'-' if style == 'hyphen' else ' '}{pnr[8:]}"


def write_date(d: date, rng: random.Random) -> str:
    return rng.choice(list(format_date_variants(d).values()))


class StoreNames(BaseModel, frozen=True):
    """The names a store knows, for forms its service accepts: each förbund and the
    insatser (with personal data) the forms may name."""

    insatser: dict[str, tuple[str, ...]]


def make_case(form: str, rng: random.Random, *, defect_share: float = 0.15,
              organisation: StoreNames | None = None) -> Case:
    """A consistent form ``form`` ("9443", "9448" or "9449"), maybe with one defect;
    naming ``organisation``'s förbund and insatser when given, else invented ones."""
    case = _BUILDERS[form](rng)
    if organisation is not None and "insats" in case.written:
        forbund = rng.choice(sorted(organisation.insatser))
        _text(case, "samverkansorganisation", forbund)
        _text(case, "insats", rng.choice(organisation.insatser[forbund]))
    if rng.random() < defect_share:
        options = [d for d in _DEFECTS if _DEFECTS[d][0] in (None, form)]
        name = rng.choice(options)
        if _DEFECTS[name][1](case, rng):
            case.defects.append(name)
    return case


# --- the three forms -----------------------------------------------------------------


def _header(case: Case, rng: random.Random, person: Person) -> None:
    _text(case, "samverkansorganisation", rng.choice(words("forbund")))
    _text(case, "insats", rng.choice(words("insatser")))
    _text(
        case,
        "personnummer",
        write_personnummer(person.personnummer, rng),
        truth=person.personnummer,
    )
    _text(case, "namn", person.namn)


def _inregistrering(rng: random.Random) -> Case:
    case = Case(form="9448")
    _header(case, rng, pick_person(rng))
    start = random_day(rng, FIRST_DAY, REFERENCE_DAY)
    _text(case, "startdatum", write_date(start, rng), truth=start.isoformat())
    kommun = rng.choice(["Stockholm", "Göteborg", *kommuner()])
    _text(case, "kommun", kommun if rng.random() < 0.85 else None)
    parts = stadsdelar().get(kommun) if case.truth["kommun"] else None
    _text(case, "stadsdel", rng.choice(parts) if parts else None)
    _single(case, "utbildning", rng.choice(list(Utbildning)))
    _single(case, "forsorjningstid", rng.choice(list(Forsorjningstid)))
    _matning(case, rng)
    return case


def _utregistrering(rng: random.Random) -> Case:
    case = Case(form="9449")
    _header(case, rng, pick_person(rng))
    end = random_day(rng, FIRST_DAY + timedelta(days=60), REFERENCE_DAY)
    _text(case, "avslutningsdatum", write_date(end, rng), truth=end.isoformat())
    code = rng.choice([1, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9])
    _text(case, "avslutningsanledning", str(code), truth=code)
    if code in (6, 7, 8):
        _empty_matning(case)
    else:
        _matning(case, rng)
    return case


def _samtycke(rng: random.Random) -> Case:
    case = Case(form="9443")
    person = pick_person(rng)
    _text(
        case,
        "personnummer",
        write_personnummer(person.personnummer, rng),
        truth=person.personnummer,
    )
    ort = rng.choice(kommuner())
    day = random_day(rng, FIRST_DAY, REFERENCE_DAY)
    sep = rng.choice([" ", ", ", " den "])
    case.written["ort_och_datum"] = f"{ort}{sep}{write_date(day, rng)}"
    case.truth.update(ort=ort, datum=day.isoformat())
    case.written["underskrift"] = True
    case.truth["underskrift"] = True
    _text(case, "namnfortydligande", person.namn)
    return case


def _matning(case: Case, rng: random.Random) -> None:
    if rng.random() < 0.2:
        chosen = [Forsorjning.INGEN_OFFENTLIG_FORSORJNING]
    else:
        others = [f for f in Forsorjning if f is not Forsorjning.INGEN_OFFENTLIG_FORSORJNING]
        chosen = rng.sample(others, rng.choice([1, 1, 1, 2, 2, 3]))
    for option in chosen:
        case.written[f"forsorjning.{option.value}"] = True
    case.truth["forsorjning"] = sorted(o.value for o in chosen)
    _yesno(case, "aktivt_arbetssokande", rng.random() < 0.5)
    works, studies = rng.random() < 0.35, rng.random() < 0.2
    _yesno(case, "forvarvsarbete", works)
    _percent(case, "arbete_procent", _some_percent(rng) if works else None)
    if works:
        _single(case, "arbete_typ", rng.choice(list(ArbeteTyp)))
    else:
        case.truth["arbete_typ"] = None
    _yesno(case, "studerar", studies)
    _percent(case, "studier_procent", _some_percent(rng) if studies else None)


def _empty_matning(case: Case) -> None:
    case.truth.update(
        forsorjning=[],
        aktivt_arbetssokande=None,
        forvarvsarbete=None,
        arbete_procent=None,
        arbete_typ=None,
        studerar=None,
        studier_procent=None,
    )


def _some_percent(rng: random.Random) -> int:
    return rng.choice([25, 50, 50, 75, 100, 100, rng.randint(1, 100)])


# --- writing helpers -----------------------------------------------------------------


def _text(case: Case, name: str, written: str | None, *, truth: Any = ...) -> None:
    if written:
        case.written[name] = written
    case.truth[name] = written if truth is ... else truth


def _single(case: Case, field: str, option: Any) -> None:
    case.written[f"{field}.{option.value}"] = True
    case.truth[field] = option.value


def _yesno(case: Case, field: str, value: bool) -> None:
    case.written[f"{field}.{'ja' if value else 'nej'}"] = True
    case.truth[field] = value


def _percent(case: Case, field: str, value: int | None) -> None:
    _text(case, field, None if value is None else str(value), truth=value)


# --- defects on paper (each returns False when it does not apply to the case) --------


def _wrong_check_digit(case: Case, rng: random.Random) -> bool:
    pnr = case.truth["personnummer"]
    wrong = (luhn_digit(pnr[2:11]) + rng.randint(1, 9)) % 10
    bad = f"{pnr[:11]}{wrong}"
    case.written["personnummer"] = write_personnummer(bad, rng)
    case.truth["personnummer"] = bad
    return True


def _ten_digits(case: Case, rng: random.Random) -> bool:
    pnr = case.truth["personnummer"]
    case.written["personnummer"] = f"{pnr[2:8]}-{pnr[8:]}"
    return True


def _two_ticks(case: Case, rng: random.Random) -> bool:
    field = rng.choice(["utbildning", "forsorjningstid", "arbete_typ"])
    if case.form != "9448" or case.truth.get(field) is None:
        return False
    vocab = {"utbildning": Utbildning, "forsorjningstid": Forsorjningstid, "arbete_typ": ArbeteTyp}[
        field
    ]
    extra = rng.choice([o for o in vocab if o.value != case.truth[field]])
    case.written[f"{field}.{extra.value}"] = True
    case.truth[field] = None
    return True


def _no_tick(case: Case, rng: random.Random) -> bool:
    field = "utbildning" if case.form == "9448" else "aktivt_arbetssokande"
    value = case.truth.get(field)
    if value is None:
        return False
    key = f"{field}.{'ja' if value is True else 'nej' if value is False else value}"
    case.written.pop(key, None)
    case.truth[field] = None
    return True


def _ja_without_percent(case: Case, rng: random.Random) -> bool:
    if case.truth.get("forvarvsarbete") is not True:
        return False
    case.written.pop("arbete_procent", None)
    case.truth["arbete_procent"] = None
    return True


def _unsigned(case: Case, rng: random.Random) -> bool:
    case.written.pop("underskrift", None)
    case.truth["underskrift"] = False
    return True


_DEFECTS = {
    "wrong_check_digit": (None, _wrong_check_digit),
    "ten_digit_personnummer": (None, _ten_digits),
    "two_ticks_single": ("9448", _two_ticks),
    "no_tick": (None, _no_tick),
    "ja_without_percent": (None, _ja_without_percent),
    "unsigned_consent": ("9443", _unsigned),
}
_BUILDERS = {"9443": _samtycke, "9448": _inregistrering, "9449": _utregistrering}
