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


def test_each_page_of_a_two_page_blank_is_kept_as_its_reference_image(tmp_path: Path) -> None:
    """GIVEN a blank of two pages (the form, then a page of text) WHEN learned into the
    store THEN page 2's reference image is kept too, and it shows page 2's print."""
    from intake.samples.other_layout import other_layout_pages
    from tests.templates.blanks import pdf_of_pages

    blank = pdf_of_pages(other_layout_pages("9448"), tmp_path / "annan.pdf")
    store = TemplateStore(tmp_path / "templates")

    stored = install_learned(blank, "9448", store)

    first, second = (imaging.decode_grey(store.reference_path(stored.id, page).read_bytes())
                     for page in (1, 2))
    assert stored.template.page_count == 2 and first.shape == second.shape
    ink = [int((image < 128).sum()) for image in (first, second)]
    assert ink[0] != ink[1] and min(ink) > 1000
