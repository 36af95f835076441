"""Learning a blank into the template store (what forms learn and the admin page do)."""

from __future__ import annotations

from pathlib import Path

from intake import imaging
from intake.forms.blank import write_blank_forms
from intake.forms.store import TemplateStore
from intake.templates.install import REFERENCE_DPI, install_learned


def test_a_learned_blank_is_kept_as_a_draft_with_its_reference_image(tmp_path: Path) -> None:
    blank = write_blank_forms(tmp_path / "blank")[1]  # FK9448.pdf
    store = TemplateStore(tmp_path / "templates")
    stored = install_learned(blank, "9448", store)
    assert stored.form == "9448" and not stored.active and stored.template.ready()
    reference = imaging.decode_grey(store.reference_path(stored.id).read_bytes())
    width_mm = reference.shape[1] / REFERENCE_DPI * 25.4
    assert abs(width_mm - stored.template.page_width_mm) < 0.5
    assert store.blank_path(stored.id).read_bytes() == blank.read_bytes()
