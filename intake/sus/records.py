"""Draft records: what is written on each SUS form (SPEC §2), before the rules.

A draft holds what was written even when it breaks a rule of SPEC §3 — two ticks
in a single-choice field, a personnummer failing Luhn, 150 % — so that
:mod:`intake.sus.rules` can report it. Choice fields therefore hold the list of
ticked boxes (deduplicated, sorted by code); :func:`single_value`,
:func:`yesno_value` and :func:`multi_value` give the value CONTRACT.md §2 expects.

:func:`contract_fields` flattens a record into the field → JSON value mapping of
CONTRACT.md §2, and :func:`record_from_contract` builds a record back from it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from datetime import date
from enum import Enum
from typing import Annotated, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
)

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

_Code = TypeVar("_Code", bound=Enum)

FieldType = Literal[
    "text", "personnummer", "date", "single", "multi", "yesno", "percent", "code", "signature"
]


def normalise_text(value: object) -> object:
    """NFC, surrounding white space stripped, inner runs collapsed; empty becomes None."""
    if not isinstance(value, str):
        return value
    text = " ".join(unicodedata.normalize("NFC", value).split())
    return text or None


def _normalise_personnummer(value: object) -> object:
    """NFC with all white space removed; the digits stay as written."""
    if not isinstance(value, str):
        return value
    text = "".join(unicodedata.normalize("NFC", value).split())
    return text or None


def _sorted_ticks(ticks: list[_Code]) -> list[_Code]:
    """Each ticked box once, in code order, so equal forms give equal records."""
    return sorted(set(ticks), key=lambda code: str(code.value))


Text = Annotated[str | None, BeforeValidator(normalise_text)]
PersonnummerText = Annotated[str | None, BeforeValidator(_normalise_personnummer)]
UtbildningTicks = Annotated[list[Utbildning], AfterValidator(_sorted_ticks)]
ForsorjningstidTicks = Annotated[list[Forsorjningstid], AfterValidator(_sorted_ticks)]
ForsorjningTicks = Annotated[list[Forsorjning], AfterValidator(_sorted_ticks)]
ArbeteTypTicks = Annotated[list[ArbeteTyp], AfterValidator(_sorted_ticks)]
YesNoTicks = Annotated[list[YesNo], AfterValidator(_sorted_ticks)]


class _Draft(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, hide_input_in_errors=True)


class Matning(_Draft):
    """Section 2 "Måttillfälle" of FK 9448 (before the insats) and FK 9449 (after)."""

    forsorjning: ForsorjningTicks = Field(default_factory=list)
    aktivt_arbetssokande: YesNoTicks = Field(default_factory=list)
    forvarvsarbete: YesNoTicks = Field(default_factory=list)
    arbete_procent: int | None = None
    arbete_typ: ArbeteTypTicks = Field(default_factory=list)
    studerar: YesNoTicks = Field(default_factory=list)
    studier_procent: int | None = None

    def filled_fields(self) -> tuple[str, ...]:
        """The fields with a ticked box or a written value, in form order."""
        return tuple(name for name in type(self).model_fields if getattr(self, name) not in _EMPTY)


_EMPTY: tuple[object, ...] = (None, [])


class Samtycke(_Draft):
    """FK 9443 Samtyckesblankett."""

    form: Literal["9443"] = "9443"
    personnummer: PersonnummerText = Field(default=None, repr=False)
    underskrift: bool = False
    ort: Text = None
    datum: date | None = None
    namnfortydligande: Text = None


class Inregistrering(_Draft):
    """FK 9448 Inregistrering av deltagare i SUS."""

    form: Literal["9448"] = "9448"
    samverkansorganisation: Text = None
    insats: Text = None
    personnummer: PersonnummerText = Field(default=None, repr=False)
    namn: Text = None
    startdatum: date | None = None
    kommun: Text = None
    stadsdel: Text = None
    utbildning: UtbildningTicks = Field(default_factory=list)
    forsorjningstid: ForsorjningstidTicks = Field(default_factory=list)
    matning: Matning = Field(default_factory=Matning)


class Utregistrering(_Draft):
    """FK 9449 Utregistrering av deltagare i SUS."""

    form: Literal["9449"] = "9449"
    samverkansorganisation: Text = None
    insats: Text = None
    personnummer: PersonnummerText = Field(default=None, repr=False)
    namn: Text = None
    avslutningsdatum: date | None = None
    avslutningsanledning: Avslutningsanledning | None = None
    matning: Matning = Field(default_factory=Matning)


Record = Annotated[Samtycke | Inregistrering | Utregistrering, Field(discriminator="form")]
RECORD_ADAPTER: TypeAdapter[Samtycke | Inregistrering | Utregistrering] = TypeAdapter(Record)

_MODELS: dict[FormId, type[Samtycke | Inregistrering | Utregistrering]] = {
    FormId.FK9443: Samtycke,
    FormId.FK9448: Inregistrering,
    FormId.FK9449: Utregistrering,
}

#: The section-2 fields, in the order printed.
MATNING_FIELDS: tuple[str, ...] = tuple(Matning.model_fields)


def _form_fields(model: type[BaseModel]) -> tuple[str, ...]:
    own = tuple(name for name in model.model_fields if name not in ("form", "matning"))
    return own + MATNING_FIELDS if "matning" in model.model_fields else own


#: Every field of each form (SPEC §2), in the order printed.
FORM_FIELDS: dict[FormId, tuple[str, ...]] = {
    form: _form_fields(model) for form, model in _MODELS.items()
}

#: The SPEC §2 value type of every field.
FIELD_TYPES: dict[str, FieldType] = {
    "samverkansorganisation": "text",
    "insats": "text",
    "personnummer": "personnummer",
    "namn": "text",
    "startdatum": "date",
    "kommun": "text",
    "stadsdel": "text",
    "utbildning": "single",
    "forsorjningstid": "single",
    "forsorjning": "multi",
    "aktivt_arbetssokande": "yesno",
    "forvarvsarbete": "yesno",
    "arbete_procent": "percent",
    "arbete_typ": "single",
    "studerar": "yesno",
    "studier_procent": "percent",
    "avslutningsdatum": "date",
    "avslutningsanledning": "code",
    "underskrift": "signature",
    "ort": "text",
    "datum": "date",
    "namnfortydligande": "text",
}


#: The longest value each text field may have: what the SUS store keeps of it
#: (``sus_store.schema``: namn 200, kommun, stadsdel and ort 100, insats names 200;
#: a förbund's name 50, as SUS accepts: rule 13). A longer value is refused where a
#: person enters it and flagged where it is read.
TEXT_LENGTHS: dict[str, int] = {
    "samverkansorganisation": 50,
    "insats": 200,
    "namn": 200,
    "kommun": 100,
    "stadsdel": 100,
    "ort": 100,
    "namnfortydligande": 200,
}


def too_long(name: str, value: object) -> int | None:
    """The limit ``value`` of text field ``name`` exceeds; None when it fits."""
    limit = TEXT_LENGTHS.get(name)
    if limit is None or not isinstance(value, str) or len(value) <= limit:
        return None
    return limit


def single_value(ticks: Sequence[Enum]) -> str | None:
    """The code of the one ticked box; None when none or several are ticked."""
    return str(ticks[0].value) if len(ticks) == 1 else None


def yesno_value(ticks: Sequence[Enum]) -> bool | None:
    """True for Ja, False for Nej, None when neither or both are ticked."""
    return None if len(ticks) != 1 else ticks[0] is YesNo.JA


def multi_value(ticks: Sequence[Enum]) -> list[str]:
    """The sorted codes of every ticked box."""
    return sorted({str(tick.value) for tick in ticks})


def _to_contract(kind: FieldType, value: object) -> object:
    if isinstance(value, list):
        return _choice_to_contract(kind, value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Avslutningsanledning):
        return int(value)
    return value


def _choice_to_contract(kind: FieldType, ticks: list[Enum]) -> object:
    if kind == "yesno":
        return yesno_value(ticks)
    return single_value(ticks) if kind == "single" else multi_value(ticks)


def _written_values(record: Samtycke | Inregistrering | Utregistrering) -> dict[str, object]:
    matning = getattr(record, "matning", None)
    return {
        name: getattr(matning if name in MATNING_FIELDS else record, name)
        for name in FORM_FIELDS[FormId(record.form)]
    }


def contract_fields(record: Samtycke | Inregistrering | Utregistrering) -> dict[str, object]:
    """The flat field → JSON value mapping of CONTRACT.md §2, in the order printed."""
    return {
        name: _to_contract(FIELD_TYPES[name], value)
        for name, value in _written_values(record).items()
    }


_YESNO_TICKS: dict[object, list[YesNo]] = {True: [YesNo.JA], False: [YesNo.NEJ], None: []}


def _from_contract(kind: FieldType, value: object) -> object:
    if kind == "single":
        return [] if value is None else [value] if isinstance(value, str) else value
    if kind == "yesno" and (value is None or isinstance(value, bool)):
        return list(_YESNO_TICKS[value])
    if kind == "multi" and value is None:
        return []
    return value


def _form_id(form: str) -> FormId:
    try:
        return FormId(form)
    except ValueError:
        raise ParseError(f"Okänd blankett: {form!r} (väntade 9443, 9448 eller 9449).") from None


def _unknown_fields_problem(form: FormId, names: Sequence[str]) -> ParseError:
    listed = ", ".join(sorted(names))
    return ParseError(f"Fälten {listed} finns inte på blankett FK {form.value}.")


def _invalid_values_problem(form: FormId, error: ValidationError) -> ParseError:
    names = sorted({str(part) for e in error.errors() for part in e["loc"] if part in FIELD_TYPES})
    listed = ", ".join(names) or "okänt fält"
    return ParseError(f"Ogiltigt värde i fältet {listed} på blankett FK {form.value}.")


def record_from_contract(
    form: str, fields: Mapping[str, object]
) -> Samtycke | Inregistrering | Utregistrering:
    """The draft record for CONTRACT.md §2 values; a missing field is empty.

    Raises :class:`ParseError` for an unknown form, a field the form does not have, or
    a value of the wrong type or outside the form's options.
    """
    form_id = _form_id(form)
    names = FORM_FIELDS[form_id]
    unknown = [name for name in fields if name not in names]
    if unknown:
        raise _unknown_fields_problem(form_id, unknown)
    values = {name: _from_contract(FIELD_TYPES[name], fields[name]) for name in fields}
    data: dict[str, object] = {k: v for k, v in values.items() if k not in MATNING_FIELDS}
    if "matning" in _MODELS[form_id].model_fields:
        data["matning"] = {k: v for k, v in values.items() if k in MATNING_FIELDS}
    try:
        return _MODELS[form_id].model_validate({**data, "form": form_id.value})
    except ValidationError as exc:
        raise _invalid_values_problem(form_id, exc) from exc
