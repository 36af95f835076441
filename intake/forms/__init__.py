"""The SUS forms as data: definitions loaded from ``data/*.toml`` and their layout.

``load_form("9448")`` gives the definition; ``form_layout("9448")`` the computed
page (printed text, boxes and named widgets). Both are cached: they are pure
functions of the shipped data.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

from pydantic import ValidationError

from intake.errors import FormDefinitionError
from intake.forms.layout import layout_form
from intake.forms.model import FieldDef, FieldType, FormDefinition, PageLayout, Widget
from intake.sus.codes import VOCABULARIES, FormId

__all__ = [
    "FieldDef",
    "FieldType",
    "FormDefinition",
    "PageLayout",
    "Widget",
    "form_layout",
    "load_form",
    "FORM_IDS",
]

FORM_IDS: tuple[str, ...] = tuple(f.value for f in FormId)


@cache
def load_form(form_id: str) -> FormDefinition:
    """The definition of form ``form_id`` ("9443", "9448" or "9449")."""
    if form_id not in FORM_IDS:
        raise FormDefinitionError(f"Okänd blankett {form_id!r}; kända är {', '.join(FORM_IDS)}.")
    source = resources.files("intake.forms") / "data" / f"FK{form_id}.toml"
    raw = tomllib.loads(source.read_text(encoding="utf-8"))
    try:
        form = FormDefinition.model_validate(
            {**raw["form"], "fields": raw["fields"], "items": raw["items"]}
        )
    except (ValidationError, KeyError) as exc:
        raise FormDefinitionError(f"FK{form_id}.toml is no valid form definition: {exc}") from exc
    _check_vocabularies(form)
    return form


@cache
def form_layout(form_id: str) -> PageLayout:
    """The computed page of form ``form_id``: printed text, boxes and widgets."""
    return layout_form(load_form(form_id))


def _check_vocabularies(form: FormDefinition) -> None:
    for f in form.fields:
        if f.type.is_choice and f.vocabulary not in VOCABULARIES:
            raise FormDefinitionError(
                f"FK{form.form_id}: field {f.name} names unknown vocabulary {f.vocabulary!r}"
            )
