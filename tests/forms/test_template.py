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


def _two_pages(template: Template, *, on_page_2: str | None = None) -> Template:
    from intake.forms.template import TemplatePage

    text = template.texts[0].model_copy(update={"text": "Information om behandling"})
    widgets = tuple(w.model_copy(update={"page": 2}) if w.name == on_page_2 else w
                    for w in template.widgets)
    return template.model_copy(update={"widgets": widgets, "more_pages": (
        TemplatePage(number=2, texts=(text,)),)})


def test_a_template_written_before_pages_came_loads_as_one_page() -> None:
    """GIVEN a template.json without pages (as learned before) WHEN loaded THEN it is
    one page, every widget on it."""
    import json

    raw = json.loads(builtin_template("9448").model_dump_json())
    raw.pop("more_pages")
    for widget in raw["widgets"]:
        widget.pop("page")

    template = Template.model_validate(raw)

    assert template.page_count == 1 and {w.page for w in template.widgets} == {1}
    assert template.page_layout() == form_layout("9448")


def test_a_page_of_text_has_its_printed_matter_and_no_widgets() -> None:
    template = _two_pages(builtin_template("9448"))

    again = Template.model_validate_json(template.model_dump_json())

    assert again == template and again.page_count == 2
    assert again.page_layout(2).widgets == ()
    assert again.page_layout(2).texts[0].text == "Information om behandling"
    assert again.page_layout(1) == form_layout("9448")


def test_a_widget_on_page_2_is_read_on_page_2_only() -> None:
    template = _two_pages(builtin_template("9448"), on_page_2="namn")

    assert [w.name for w in template.page_layout(2).widgets] == ["namn"]
    assert "namn" not in {w.name for w in template.page_layout(1).widgets}
    moved = template.with_box("namn", Rect(x=20.0, y=30.0, w=80.0, h=9.0), page=1)
    assert moved.widget("namn").page == 1


def test_a_widget_on_a_page_the_template_does_not_have_is_refused() -> None:
    raw = _two_pages(builtin_template("9448"), on_page_2="namn").model_dump()
    raw["more_pages"] = ()

    with pytest.raises(ValueError, match="namn"):
        Template.model_validate(raw)
    with pytest.raises(KeyError):
        builtin_template("9448").with_box("namn", Rect(x=1.0, y=1.0, w=5.0, h=5.0), page=2)
