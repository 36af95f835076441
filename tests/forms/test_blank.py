"""The blank forms: printed text faithful to seed 000, widgets named per CONTRACT §3."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from intake.forms import FORM_IDS, form_layout, load_form
from intake.forms.model import FieldType
from intake.load.pdftext import form_widgets, page_texts
from intake.load.render import render_pdf
from intake.sus.codes import VOCABULARIES
from tests.tiers import slow_beyond

SEED = (Path(__file__).parents[1] / "fixtures" / "seed_000.txt").read_text(encoding="utf-8")

# Where seed 000 (a transcription of slides) garbles the printed form, and what the
# form really says. Everything else must appear word for word.
SEED_GARBLES = {
    "Samverkanorganisation": "Samverkansorganisation",
    "Samverksamhetsorganisation": "Samverkansorganisation",
    "obrottn": "obruten",
    "Förvänsarbetar": "Förvärvsarbetar",
    "Förvärsarbetar": "Förvärvsarbetar",
    "Sjuksättning": "Sjukersättning",
    "arbetsökande": "arbetssökande",
    "PK 9448 (002.0.001) Förelagd av": "FK 9448 (002.F.001) Fastställt av",
    "PK 9449 (025 S 021) Föreläsa av": "FK 9449 (002.F.001) Fastställt av",
}
SEED_SPANS = {
    "9443": ("Originalt skickas till", "FK9443 (002.F.001) Fastställt av Försäkringskassan"),
    "9448": ("Underlag\nInregistrering av deltagare", "PK 9448 (002.0.001) Förelagd av"),
    "9449": ("Underlag\nUtregistrering av deltagare", "PK 9449 (025 S 021) Föreläsa av"),
}


def words(text: str) -> list[str]:
    text = text.replace("–", "-")
    for garbled, printed in SEED_GARBLES.items():
        text = text.replace(garbled, printed)
    text = text.replace('<input type="checkbox"/>', " ").replace("_", " ")
    return re.findall(r"[\wåäöÅÄÖé]+", text)


def seed_fragments(form_id: str) -> list[list[str]]:
    start, end = SEED_SPANS[form_id]
    begin = SEED.index(start)
    segment = SEED[begin : SEED.index(end, begin) + len(end)]
    cells = [cell for line in segment.splitlines() for cell in line.split("\t")]
    return [w for w in (words(cell) for cell in cells) if w]


def appears_in_order(fragment: list[str], text: list[str]) -> bool:
    """``fragment``'s words appear in order in ``text`` within a window near each other."""
    window = max(3 * len(fragment), len(fragment) + 25)
    for start in (i for i, w in enumerate(text) if w == fragment[0]):
        position, found = start, 1
        for word in fragment[1:]:
            try:
                position = text.index(word, position + 1, start + window)
            except ValueError:
                break
            found += 1
        if found == len(fragment):
            return True
    return False


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_printed_text_reproduces_seed_000(blank_forms: Path, form_id: str) -> None:
    """GIVEN the blank form FK{form_id}.pdf
    WHEN its text layer is read
    THEN every line seed 000 prints on that form is there, in order."""
    texts = page_texts(blank_forms / f"FK{form_id}.pdf")
    assert len(texts) == 1
    printed = words(texts[0])
    missing = [" ".join(f) for f in seed_fragments(form_id) if not appears_in_order(f, printed)]
    assert missing == []


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_footer_names_the_form_number(blank_forms: Path, form_id: str) -> None:
    """GIVEN a blank form WHEN its text is read THEN the footer carries its FK number."""
    text = page_texts(blank_forms / f"FK{form_id}.pdf")[0]
    assert re.search(rf"FK ?{form_id} \(002\.F\.001\) Fastställt av Försäkringskassan", text)


def expected_widget_names(form_id: str) -> set[str]:
    names: set[str] = set()
    for field in load_form(form_id).fields:
        if field.type.is_choice:
            names |= {f"{field.name}.{code.value}" for code in VOCABULARIES[field.vocabulary or ""]}
        else:
            names.add(field.widget or field.name)
    return names


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_widgets_are_named_as_the_contract_says(blank_forms: Path, form_id: str) -> None:
    """GIVEN a blank form WHEN its AcroForm widgets are listed
    THEN there is exactly one widget per text field and one checkbox per option."""
    found = [w.name for w in form_widgets(blank_forms / f"FK{form_id}.pdf")]
    assert len(found) == len(set(found))
    assert set(found) == expected_widget_names(form_id)


def test_consent_has_ort_och_datum_and_signature_widgets(blank_forms: Path) -> None:
    """GIVEN FK9443 WHEN its widgets are listed THEN 'Ort och datum' is one widget
    ort_och_datum and the signature box is the widget underskrift."""
    names = {w.name for w in form_widgets(blank_forms / "FK9443.pdf")}
    assert names == {"personnummer", "underskrift", "ort_och_datum", "namnfortydligande"}


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_widget_rectangles_in_pdf_match_the_layout(blank_forms: Path, form_id: str) -> None:
    """GIVEN the layout computed from the form data WHEN the PDF's widgets are read
    THEN each rectangle is where the layout says (the reader relies on it)."""
    layout = {w.name: w.rect for w in form_layout(form_id).widgets}
    for widget in form_widgets(blank_forms / f"FK{form_id}.pdf"):
        expected = layout[widget.name]
        assert widget.rect.x == pytest.approx(expected.x, abs=0.05)
        assert widget.rect.y == pytest.approx(expected.y, abs=0.05)
        assert widget.rect.w == pytest.approx(expected.w, abs=0.05)


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_every_widget_box_is_visible_when_printed(blank_forms: Path, form_id: str) -> None:
    """GIVEN a blank form rendered as paper at 150 dpi
    WHEN the pixels on each widget's border are looked at
    THEN each box has a drawn, dark border (people must see where to write)."""
    dpi = 150
    page = next(render_pdf(blank_forms / f"FK{form_id}.pdf", dpi=dpi, grey=True))
    px = dpi / 25.4
    for widget in form_layout(form_id).widgets:
        r = widget.rect
        x0, y0, x1, y1 = (round(v * px) for v in (r.x, r.y, r.right, r.bottom))
        left = page[y0 + 2 : y1 - 2, x0 - 1 : x0 + 2].min(axis=1)
        top = page[y0 - 1 : y0 + 2, x0 + 2 : x1 - 2].min(axis=0)
        assert np.median(left) < 128 and np.median(top) < 128, widget.name
        inside = page[y0 + 3 : y1 - 2, x0 + 3 : x1 - 2]
        assert inside.mean() > 250, f"{widget.name} is not empty inside"


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_form_fits_one_a4_page_without_overlaps(form_id: str) -> None:
    """GIVEN a form's layout THEN no two widgets overlap and all lie inside the page."""
    widgets = form_layout(form_id).widgets
    for w in widgets:
        assert w.rect.x > 5 and w.rect.right < 205 and w.rect.y > 10 and w.rect.bottom < 285
    for i, a in enumerate(widgets):
        for b in widgets[i + 1 :]:
            apart = (
                a.rect.right <= b.rect.x
                or b.rect.right <= a.rect.x
                or a.rect.bottom <= b.rect.y
                or b.rect.bottom <= a.rect.y
            )
            assert apart, (a.name, b.name)


def test_every_choice_field_has_a_vocabulary_and_type() -> None:
    """GIVEN the form data WHEN loaded THEN choice fields name a known vocabulary."""
    for form_id in FORM_IDS:
        for field in load_form(form_id).fields:
            assert (field.vocabulary in VOCABULARIES) == field.type.is_choice
            assert isinstance(field.type, FieldType)


@pytest.mark.tesseract
@pytest.mark.parametrize("form_id", slow_beyond(FORM_IDS))
def test_rendered_form_reads_back_as_seed_text(blank_forms: Path, form_id: str) -> None:
    """GIVEN a blank form printed (rendered at 300 dpi, no text layer)
    WHEN Tesseract (swe) reads the page image
    THEN the title, footer and nearly every seed line are legible on it."""
    from intake.ocr.tesseract import image_to_text

    page = next(render_pdf(blank_forms / f"FK{form_id}.pdf", dpi=300, grey=True))
    read = words(image_to_text(page, lang="swe", psm=3))
    assert appears_in_order(words(load_form(form_id).title), read)
    assert appears_in_order(["Fastställt", "av", "Försäkringskassan"], read)
    fragments = seed_fragments(form_id)
    legible = [f for f in fragments if appears_in_order(f, read)]
    assert len(legible) / len(fragments) >= 0.9, [
        " ".join(f) for f in fragments if f not in legible
    ]
