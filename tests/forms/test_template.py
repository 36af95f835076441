"""The template model: the built-in layouts expressed as templates, exactly."""

from __future__ import annotations

import hashlib

import pytest

from intake.forms import FORM_IDS, form_layout, load_form
from intake.forms.blank import blank_pdf, builtin_template
from intake.forms.model import Rect
from intake.forms.template import MatchState, Template


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_the_builtin_template_holds_exactly_what_the_builtin_layout_holds(form_id: str) -> None:
    template = builtin_template(form_id)

    assert template.page_layout() == form_layout(form_id)
    assert template.version == load_form(form_id).version
    assert template.source.sha256 == hashlib.sha256(blank_pdf(form_id)).hexdigest()
    assert template.counts()[MatchState.BUILTIN] == len(form_layout(form_id).widgets)


def test_a_template_comes_back_the_same_from_its_json() -> None:
    template = builtin_template("9448")

    assert Template.model_validate_json(template.model_dump_json()) == template


def test_a_template_with_a_widget_still_missing_cannot_be_read_with() -> None:
    template = builtin_template("9443")
    first = template.widgets[0].model_copy(update={"rect": None,
                                                   "state": MatchState.MISSING})
    unfinished = template.model_copy(update={"widgets": (first, *template.widgets[1:])})

    with pytest.raises(ValueError, match="no box"):
        unfinished.page_layout()


def test_a_box_fixed_by_the_administrator_makes_an_unfinished_template_ready() -> None:
    template = builtin_template("9443")
    name = template.widgets[0].name
    lost = template.widgets[0].model_copy(update={"rect": None, "state": MatchState.MISSING})
    unfinished = template.model_copy(update={"widgets": (lost, *template.widgets[1:])})
    drawn = Rect(x=20.0, y=200.0, w=60.0, h=9.0)

    fixed = unfinished.with_box(name, drawn)

    assert not unfinished.ready() and fixed.ready()
    assert fixed.widget(name).rect == drawn
    assert fixed.widget(name).state is MatchState.FIXED
    with pytest.raises(KeyError):
        fixed.with_box("ingen_sadan_ruta", drawn)
