"""The template store: built-in layouts always active, learned ones drafts until activated."""

from __future__ import annotations

from pathlib import Path

import pytest

from intake.forms.blank import builtin_template
from intake.forms.store import TemplateError, TemplateNotFound, TemplateStore
from intake.forms.template import MatchState, Source, Template


def _learned(form_id: str = "9448", *, missing: str | None = None) -> Template:
    base = builtin_template(form_id)
    widgets = tuple(w.model_copy(update={"state": MatchState.MATCHED, "rect": None
                                         if w.name == missing else w.rect})
                    for w in base.widgets)
    return base.model_copy(update={
        "version": "002.F.001", "widgets": widgets,
        "source": Source(file="blank.pdf", sha256="ab" * 32, kind="pdf-text")})


def _add(store: TemplateStore, template: Template):
    return store.add(template, blank=b"%PDF-1.4", blank_suffix=".pdf", reference_png=b"png")


def test_an_empty_store_reads_with_the_three_builtin_layouts(tmp_path: Path) -> None:
    store = TemplateStore(tmp_path / "templates")
    assert [t.id for t in store.active()] == ["FK9443", "FK9448", "FK9449"]
    assert all(t.builtin and t.active for t in store.all())
    assert store.stamp() == (0, 0, 0)


def test_a_learned_template_is_a_draft_until_activated(tmp_path: Path) -> None:
    store = TemplateStore(tmp_path)
    stored = _add(store, _learned())
    assert stored.id == "FK9448-002.F.001-abababab" and not stored.active
    assert stored.ref.version == "002.F.001"
    assert stored.id not in [t.id for t in store.active()]
    before = store.stamp()
    store.activate(stored.id)
    assert stored.id in [t.id for t in TemplateStore(tmp_path).active()]
    assert store.stamp() != before
    assert store.blank_path(stored.id).read_bytes() == b"%PDF-1.4"
    assert store.reference_path(stored.id).read_bytes() == b"png"
    store.deactivate(stored.id)
    assert not store.get(stored.id).active


def test_a_template_with_a_missing_box_cannot_be_activated(tmp_path: Path) -> None:
    store = TemplateStore(tmp_path)
    stored = _add(store, _learned(missing="personnummer"))
    with pytest.raises(TemplateError, match="personnummer"):
        store.activate(stored.id)
    fixed = stored.template.with_box("personnummer", builtin_template("9448")
                                     .widget("personnummer").rect)
    store.update(stored.id, fixed)
    assert store.activate(stored.id).active


def test_an_active_template_is_not_changed_under_its_readers(tmp_path: Path) -> None:
    store = TemplateStore(tmp_path)
    stored = store.activate(_add(store, _learned()).id)
    with pytest.raises(TemplateError, match="i bruk"):
        store.update(stored.id, stored.template)
    with pytest.raises(TemplateError, match="i bruk"):
        _add(store, _learned())
    with pytest.raises(TemplateError, match="alltid i bruk"):
        store.deactivate("FK9443")


def test_unknown_or_path_like_ids_are_not_found(tmp_path: Path) -> None:
    store = TemplateStore(tmp_path)
    for bad in ("FK9448-nope", "../etc", "a/b", ""):
        with pytest.raises(TemplateNotFound):
            store.get(bad)


def test_each_page_of_a_learned_template_keeps_its_reference_image(tmp_path: Path) -> None:
    """GIVEN a template of two pages WHEN kept THEN page 1's image is reference.png and
    page 2's reference-2.png; a template kept without an image for each page is refused."""
    from intake.forms.template import TemplatePage

    store = TemplateStore(tmp_path)
    template = _learned().model_copy(update={"more_pages": (TemplatePage(number=2),)})
    with pytest.raises(TemplateError):
        _add(store, template)

    stored = store.add(template, blank=b"%PDF-1.4", blank_suffix=".pdf", reference_png=b"one",
                       later_references=[b"two"])

    assert store.reference_path(stored.id).read_bytes() == b"one"
    assert store.reference_path(stored.id, 2).read_bytes() == b"two"
    assert store.reference_path(stored.id, 3) is None
    assert store.get(stored.id).template.page_count == 2
