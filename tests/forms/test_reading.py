"""The active templates as reading uses them (intake.forms.reading)."""

from __future__ import annotations

from pathlib import Path

import pytest

from intake.forms.blank import builtin_template
from intake.forms.model import PAGE_HEIGHT_MM, PAGE_WIDTH_MM
from intake.forms.reading import ActiveTemplates, a4_layout, builtin_readings
from intake.forms.store import TemplateStore
from intake.forms.template import Source

PNG = b"\x89PNG not decoded here"


def _learned_draft(store: TemplateStore, *, sha: str = "ab" * 32) -> str:
    template = builtin_template("9448").model_copy(update={
        "source": Source(file="blank.png", sha256=sha, kind="scan")})
    return store.add(template, blank=PNG, blank_suffix=".png", reference_png=PNG).id


def test_without_a_store_reading_uses_the_three_builtin_templates() -> None:
    assert ActiveTemplates(None).current() == builtin_readings()
    assert [t.ref.id for t in builtin_readings()] == ["FK9443", "FK9448", "FK9449"]


def test_a_template_activated_elsewhere_is_picked_up_and_one_deactivated_dropped(
        tmp_path: Path) -> None:
    """GIVEN a reader's active templates WHEN another process activates a learned one,
    then deactivates it THEN the reader reads with it, then without it — no restart."""
    store = TemplateStore(tmp_path)
    active = ActiveTemplates(TemplateStore(tmp_path))
    template_id = _learned_draft(store)
    assert len(active.current()) == 3  # a draft is not read with

    store.activate(template_id)
    assert [t.ref.id for t in active.current()][3:] == [template_id]
    assert active.current()[3].reference == tmp_path / template_id / "reference.png"

    store.deactivate(template_id)
    assert len(active.current()) == 3


def test_a_learned_pages_millimetres_are_scaled_onto_a4() -> None:
    """GIVEN a template learned from a scan a little larger than A4 WHEN read THEN its
    boxes are where they fall on the aligned A4 page."""
    template = builtin_template("9448").model_copy(update={
        "page_width_mm": PAGE_WIDTH_MM * 1.02, "page_height_mm": PAGE_HEIGHT_MM * 1.01})
    namn = template.widget("namn").rect
    assert namn is not None

    scaled = a4_layout(template).widget("namn").rect

    assert scaled.x == pytest.approx(namn.x / 1.02) and scaled.w == pytest.approx(namn.w / 1.02)
    assert scaled.y == pytest.approx(namn.y / 1.01) and scaled.h == pytest.approx(namn.h / 1.01)
