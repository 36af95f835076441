"""Learning a template from a blank (issue 17): the project's own blanks, as fillable
PDF, flat PDF, PDF with other widget names and office scan, give the built-in boxes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from intake.cli import cli
from intake.errors import InputError
from intake.forms import FORM_IDS, form_layout
from intake.forms.blank import builtin_template
from intake.forms.model import LineOp, Rect
from intake.forms.template import MatchState, Source, Template, template_of_layout
from intake.samples.other_layout import (
    draw,
    information_page,
    other_layout,
    other_layout_pages,
)
from intake.samples.scan import PROFILES, scan_page
from intake.templates.learn import learn_template
from intake.training.measure_learn import glass_placement, placed_back, worst_edge_mm
from tests.templates.blanks import (
    SCAN_DPI,
    flat_blank,
    pdf_of,
    pdf_of_pages,
    renamed_blank,
    scanned_blank,
)
from tests.tiers import slow_beyond

WITHIN_MM = 1.0


def _all_within(learned: Template, form_id: str) -> None:
    assert learned.counts()[MatchState.MATCHED] == len(learned.widgets)
    worst = worst_edge_mm(learned, builtin_template(form_id))
    far = {name: round(mm, 2) for name, mm in worst.items() if mm > WITHIN_MM}
    assert not far, f"boxes more than {WITHIN_MM} mm from the built-in layout: {far}"


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_the_projects_fillable_blank_gives_the_builtin_template(
        form_id: str, blank_forms: Path) -> None:
    learned = learn_template(blank_forms / f"FK{form_id}.pdf", form_id)

    _all_within(learned, form_id)
    assert learned.version == builtin_template(form_id).version
    assert learned.source.kind == "pdf-widgets"
    assert all(w.pdf_name == w.name for w in learned.widgets)


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_a_flat_blank_pdf_is_learned_from_its_printed_labels_and_boxes(
        form_id: str, tmp_path: Path) -> None:
    learned = learn_template(flat_blank(form_id, tmp_path), form_id)

    assert learned.source.kind == "pdf-text"
    _all_within(learned, form_id)


@pytest.mark.parametrize("form_id", ["9448"])
def test_a_fillable_pdf_whose_widgets_have_other_names_is_matched_by_labels(
        form_id: str, tmp_path: Path) -> None:
    path, names = renamed_blank(form_id, tmp_path)

    learned = learn_template(path, form_id)

    _all_within(learned, form_id)
    assert {w.name: w.pdf_name for w in learned.widgets} == names


@pytest.mark.tesseract
@pytest.mark.parametrize("form_id", slow_beyond(["9448", "9443", "9449"]))
def test_an_office_scan_of_the_blank_gives_the_builtin_boxes(
        form_id: str, tmp_path: Path) -> None:
    scan_path, scan = scanned_blank(flat_blank(form_id, tmp_path), tmp_path, seed=3)

    learned = learn_template(scan_path, form_id)

    assert learned.source.kind == "scan"
    assert learned.version == builtin_template(form_id).version  # read from the footer
    # the page lay shifted and scaled on the glass: only that is undone, and it must be
    # what the scanner did (its scale, and its shift of the page's centre)
    scale, shift = glass_placement(learned, builtin_template(form_id))
    centre_mm = np.array([105.0, 148.5])
    expected_shift = (1 - scan.scale) * centre_mm + np.array(scan.shift_px) / scan.dpi * 25.4
    assert scale == pytest.approx(scan.scale, abs=0.002)
    assert np.abs(shift - expected_shift).max() < 0.5
    _all_within(placed_back(learned, scale, shift), form_id)


@pytest.mark.tesseract
@pytest.mark.parametrize(("profile", "seed", "suffix"), slow_beyond([
    ("office200", 5, ".pdf"),  # fed in upside down, 1.8° askew, a scanner's PDF
    ("fax200", 5, ".png"),  # bilevel with speckles; its digits misread ("Upp till Sår")
]))
def test_a_blank_scanned_upside_down_or_faxed_still_gives_the_builtin_boxes(
        profile: str, seed: int, suffix: str, tmp_path: Path) -> None:
    path, scan = scanned_blank(flat_blank("9448", tmp_path), tmp_path, seed=seed,
                               profile=profile, suffix=suffix)

    learned = learn_template(path, "9448")

    assert learned.source.upside_down == scan.upside_down
    truth = builtin_template("9448")
    _all_within(placed_back(learned, *glass_placement(learned, truth)), "9448")


def test_the_version_is_read_from_the_footer_unless_given(tmp_path: Path) -> None:
    layout = form_layout("9448")
    texts = tuple(t.model_copy(update={"text": "FK 9448 (003 F 002) Fastställt av "
                                               "Försäkringskassan"})
                  if t.text.startswith("FK 9448") else t for t in layout.texts)
    blank = pdf_of(layout.model_copy(update={"texts": texts, "widgets": ()}),
                   tmp_path / "ny.pdf")

    assert learn_template(blank, "9448").version == "003.F.002"
    assert learn_template(blank, "9448", version="004.F.001").version == "004.F.001"


def test_a_blank_of_another_form_is_refused_by_its_footer(tmp_path: Path) -> None:
    blank = flat_blank("9449", tmp_path)

    with pytest.raises(InputError, match="sidfoten säger FK 9449, inte FK 9448"):
        learn_template(blank, "9448")


def test_a_field_whose_label_and_box_are_not_printed_is_reported_missing(
        tmp_path: Path) -> None:
    layout = form_layout("9448")
    namn = layout.widget("namn").rect
    texts = tuple(t for t in layout.texts if t.text != "Namn")
    boxes = tuple(b for b in layout.boxes if b.rect != namn)
    blank = pdf_of(layout.model_copy(update={"texts": texts, "boxes": boxes, "widgets": ()}),
                   tmp_path / "utan-namn.pdf")

    learned = learn_template(blank, "9448")

    assert learned.widget("namn").state is MatchState.MISSING
    assert learned.widget("namn").rect is None
    assert learned.counts()[MatchState.MATCHED] == len(learned.widgets) - 1


def test_two_boxes_under_the_same_label_make_the_field_ambiguous_with_both_as_candidates(
        tmp_path: Path) -> None:
    layout = form_layout("9448")
    box = layout.widget("namn").rect
    label = next(t for t in layout.texts if t.text == "Namn")
    other = Rect(x=120.0, y=262.0, w=60.0, h=box.h)  # labelled as the first one is
    texts = (*layout.texts, label.model_copy(update={"x": label.x - box.x + other.x,
                                                     "y": label.y - box.y + other.y}))
    boxes = (*layout.boxes, LineOp(rect=other, width=0.3))
    blank = pdf_of(layout.model_copy(update={"texts": texts, "boxes": boxes, "widgets": ()}),
                   tmp_path / "två-namn.pdf")

    namn = learn_template(blank, "9448").widget("namn")

    assert namn.state is MatchState.AMBIGUOUS
    tops = sorted(round(c.rect.y) for c in namn.candidates)
    assert tops == [round(layout.widget("namn").rect.y), 262]


def test_forms_learn_writes_the_template_and_reports_each_field_in_swedish(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUS_TEMPLATES_DIR", str(tmp_path / "mallar"))
    blank = flat_blank("9443", tmp_path)
    out = tmp_path / "mall.json"

    result = CliRunner().invoke(cli, ["forms", "learn", str(blank), "--form", "9443",
                                      "--out", str(out)])

    assert result.exit_code == 0, result.output
    template = Template.model_validate_json(out.read_text(encoding="utf-8"))
    assert template.form == "9443" and template.version == "002.F.001"
    assert template.source.file == blank.name and len(template.source.sha256) == 64
    assert template.learned_at is not None
    assert "personnummer" in result.output and "hittad" in result.output
    assert "Hittade 4 av 4 fält (100.0 %)" in result.output
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written["page_width_mm"] == pytest.approx(210, abs=0.1)


def test_learning_a_file_that_is_no_blank_says_so_in_swedish(tmp_path: Path) -> None:
    junk = tmp_path / "inte.pdf"
    junk.write_bytes(b"%PDF-1.4 trasig")

    with pytest.raises(InputError, match="inte.pdf: kan inte läsas som PDF"):
        learn_template(junk, "9448")


@pytest.mark.tesseract
@pytest.mark.parametrize("form_id", slow_beyond(["9448", "9449", "9443"]))
def test_another_printers_layout_is_learned_from_one_office_scan_of_its_blank(
        form_id: str, tmp_path: Path) -> None:
    layout = other_layout(form_id)
    truth = template_of_layout(form_id, "002.F.001", layout,
                               Source(file="annan.png", sha256="0" * 64, kind="builtin"))
    page = draw(layout, SCAN_DPI)
    scan = scan_page(page, SCAN_DPI, PROFILES["office300"], np.random.default_rng(4))
    path = tmp_path / "annan.png"
    scan.image.save(path, dpi=(scan.dpi, scan.dpi))

    learned = learn_template(path, form_id)

    scale, shift = glass_placement(learned, truth)
    worst = worst_edge_mm(placed_back(learned, scale, shift), truth)
    right = [w.name for w in learned.widgets
             if w.state is MatchState.MATCHED and worst[w.name] <= WITHIN_MM]
    wrong = [w.name for w in learned.widgets
             if w.state is MatchState.MATCHED and worst[w.name] > WITHIN_MM]
    assert len(right) >= 0.95 * len(learned.widgets), f"found right only {right}"
    assert not wrong, f"matched to the wrong box: {wrong}"


def test_a_two_page_blank_is_learned_with_its_page_of_text(tmp_path: Path) -> None:
    """GIVEN another printer's blank of two pages (the form, then a page of text) as a
    flat PDF WHEN learned THEN every widget is on page 1, and page 2 is kept as a page of
    text: its size and printed lines, the footer's version read."""
    pages = other_layout_pages("9449")
    blank = pdf_of_pages(pages, tmp_path / "annan-9449.pdf")

    learned = learn_template(blank, "9449")

    assert learned.page_count == 2 and learned.version == "002.F.001"
    assert {w.page for w in learned.widgets} == {1}
    assert learned.page_layout(2).widgets == ()
    text = " ".join(t.text for t in learned.page(2).texts)
    assert "Information om behandling av personuppgifter" in text and "Sida 2 (2)" in text
    assert learned.page(2).page_height_mm == pytest.approx(297, abs=0.5)


def test_a_field_printed_on_page_2_is_learned_on_page_2(tmp_path: Path) -> None:
    """GIVEN a blank whose "Namn" box (with its label) is printed on page 2 WHEN learned
    THEN the widget is on page 2 at its box, the others on page 1."""
    layout = form_layout("9448")
    rect = layout.widget("namn").rect
    label = [t for t in layout.texts if t.text == "Namn" and abs(t.y - rect.y) < 2]
    box = [b for b in layout.boxes if b.rect == rect]
    first = layout.model_copy(update={
        "texts": tuple(t for t in layout.texts if t not in label),
        "boxes": tuple(b for b in layout.boxes if b not in box)})
    second = information_page("9448")
    second = second.model_copy(update={"texts": (*second.texts, *label), "boxes": tuple(box)})
    blank = pdf_of_pages([first, second], tmp_path / "namn-sida-2.pdf")

    learned = learn_template(blank, "9448")

    namn = learned.widget("namn")
    assert namn.page == 2 and namn.state is MatchState.MATCHED
    assert namn.rect is not None
    edges = [(namn.rect.x, rect.x), (namn.rect.y, rect.y), (namn.rect.right, rect.right),
             (namn.rect.bottom, rect.bottom)]
    assert max(abs(a - b) for a, b in edges) <= WITHIN_MM
    assert {w.page for w in learned.widgets if w.name != "namn"} == {1}
