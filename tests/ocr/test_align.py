"""Telling what a scanned page is and registering it onto its blank form (intake.ocr.align).

Pages come from the sample generator with fixed seeds; its record of how each page
was scanned (``ScannedPage.homography``) is the ground truth for the registration.
"""

from __future__ import annotations

import random
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from intake import imaging
from intake.forms import form_layout
from intake.ocr.align import align_page, quarter_turn_matrix
from intake.reads import PAGE_H_PX, PAGE_W_PX, WORK_DPI, Alignment, PageImage
from intake.samples.content import make_case
from intake.samples.make import PAGE_DPI, STYLES, _ink_form
from intake.samples.pages import blank_back, cover_letter
from intake.samples.scan import PROFILES, ScannedPage, scan_page
from tests.tiers import slow_beyond

FORMS = ("9443", "9448", "9449")
#: Largest distance (aligned px at 200 dpi) between a widget corner and where it should be.
MAX_ERROR_PX = 2.0


@cache
def scanned(profile: str, kind: str, seed: int) -> ScannedPage:
    """A generated page (a form, a blank back or a cover letter) scanned as ``profile``."""
    rng = random.Random(f"test-align:{profile}:{kind}:{seed}")
    style = STYLES["hand-office300" if seed % 2 else "typed-office300"]
    if kind in FORMS:
        page = _ink_form(make_case(kind, rng), style, rng)
    elif kind == "blank":
        page = blank_back(_ink_form(make_case("9448", rng), style, rng), rng)
    else:
        page = cover_letter(PAGE_DPI, rng)
    noise = np.random.default_rng(rng.randrange(2**32))
    return scan_page(np.asarray(page), PAGE_DPI, PROFILES[profile], noise)


def grey(scan: ScannedPage, turns: int = 0) -> np.ndarray:
    """The scan as grey pixels, turned ``turns`` × 90° counter-clockwise."""
    return imaging.rotate90(np.asarray(scan.image.convert("L")), turns)


def page_of(image: np.ndarray, dpi: float) -> PageImage:
    return PageImage(source="test", page=1, image=image, dpi=dpi)


def widget_corners(form: str) -> np.ndarray:
    """The corners of every widget rectangle, in aligned px (pixel centres)."""
    scale = WORK_DPI / 25.4
    rects = [w.rect for w in form_layout(form).widgets]
    corners = [
        (x * scale - 0.5, y * scale - 0.5)
        for r in rects
        for x in (r.x, r.right)
        for y in (r.y, r.bottom)
    ]
    return np.array(corners)


def registration_error(alignment: Alignment, scan: ScannedPage, turns: int = 0) -> float:
    """Largest distance, over the widget corners, between where the alignment maps them
    (aligned px → clean 300-dpi page → scan → turned scan → aligned px) and themselves."""
    assert alignment.homography is not None
    shape = np.asarray(scan.image).shape
    turned_shape = shape if turns % 2 == 0 else (shape[1], shape[0])
    ours = np.array(alignment.homography) @ quarter_turn_matrix(
        turned_shape, alignment.quarter_turns
    )
    factor = PAGE_DPI / WORK_DPI
    to_page = np.array([[factor, 0, (factor - 1) / 2], [0, factor, (factor - 1) / 2], [0, 0, 1]])
    truth = quarter_turn_matrix(shape, turns) @ np.array(scan.homography) @ to_page
    corners = widget_corners(alignment.kind)
    mapped = np.hstack([corners, np.ones((len(corners), 1))]) @ (ours @ truth).T
    return float(np.linalg.norm(mapped[:, :2] / mapped[:, 2:] - corners, axis=1).max())


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("profile", slow_beyond(PROFILES))
def test_each_form_from_each_profile_is_recognised_and_registered_within_2px(
    profile: str, form: str
) -> None:
    """
    GIVEN a filled form scanned as an office scanner, fax, JPEG or phone photo makes it
    WHEN the page is aligned
    THEN it is that form, confidently, its widget corners land within 2 px of the
         truth, the reported error is small and the warped page has the blank form's size
    """
    scan = scanned(profile, form, 1)
    alignment, aligned = align_page(page_of(grey(scan), scan.dpi))
    assert (alignment.kind, alignment.route) == (form, "features")
    assert alignment.confidence >= 0.9
    assert registration_error(alignment, scan) <= MAX_ERROR_PX
    assert alignment.registration_error_px is not None
    assert alignment.registration_error_px <= 1.0
    assert aligned is not None
    assert (aligned.shape, aligned.dtype) == ((PAGE_H_PX, PAGE_W_PX), np.uint8)


@pytest.mark.parametrize(
    ("profile", "form"), [("office200", "9448"), ("phone", "9443"), ("fax200", "9449")]
)
def test_upside_down_page_is_turned_upright(profile: str, form: str) -> None:
    """
    GIVEN a form scanned upside down
    WHEN the page is aligned
    THEN it is recognised, two quarter turns are reported (none if the scanner had
         already fed it upside down) and it registers within 2 px
    """
    scan = scanned(profile, form, 2)
    alignment, _ = align_page(page_of(grey(scan, 2), scan.dpi))
    assert alignment.kind == form
    assert alignment.quarter_turns == (2 + 2 * scan.upside_down) % 4
    assert registration_error(alignment, scan, 2) <= MAX_ERROR_PX


@pytest.mark.parametrize(
    ("profile", "form", "turns"), [("jpeg200", "9448", 1), ("office300", "9449", 3)]
)
def test_page_lying_on_its_side_is_turned_upright(profile: str, form: str, turns: int) -> None:
    """
    GIVEN a form scanned lying on its side (turned a quarter either way)
    WHEN the page is aligned
    THEN it is recognised, turned back by the opposite quarter turn and registered within 2 px
    """
    scan = scanned(profile, form, 3)
    alignment, _ = align_page(page_of(grey(scan, turns), scan.dpi))
    assert alignment.kind == form
    assert alignment.quarter_turns == (4 - turns + 2 * scan.upside_down) % 4
    assert registration_error(alignment, scan, turns) <= MAX_ERROR_PX


def test_homography_after_the_quarter_turns_reproduces_the_warped_page() -> None:
    """
    GIVEN a form scanned on its side
    WHEN the page is aligned
    THEN turning the scan by quarter_turns and warping it by the homography gives the
         warped page that align_page returned
    """
    scan = scanned("office200", "9448", 1)
    image = grey(scan, 1)
    alignment, aligned = align_page(page_of(image, scan.dpi))
    assert alignment.homography is not None and aligned is not None
    turned = imaging.rotate90(image, alignment.quarter_turns)
    matrix = np.array(alignment.homography)
    rewarped = imaging.warp_perspective(turned, matrix, PAGE_W_PX, PAGE_H_PX)
    assert np.abs(rewarped.astype(int) - aligned.astype(int)).mean() < 1.0


def test_phone_photo_tagged_72_dpi_still_registers_within_2px() -> None:
    """
    GIVEN a phone photo of a form whose file says 72 dpi (phones often do)
    WHEN the page is aligned
    THEN the resolution is taken from the image size instead, and the form is
         recognised and registered within 2 px
    """
    scan = scanned("phone", "9448", 1)
    alignment, _ = align_page(page_of(grey(scan), 72))
    assert alignment.kind == "9448"
    assert registration_error(alignment, scan) <= MAX_ERROR_PX


@pytest.mark.parametrize("profile", ["office300", "fax200", "jpeg200"])
def test_blank_back_with_bleed_through_is_blank(profile: str) -> None:
    """
    GIVEN the empty back of a duplex sheet, with the front faintly showing through,
          on toned paper with scanner noise (and fax speckle)
    WHEN the page is aligned
    THEN it is blank, confidently, and no warped page is returned
    """
    scan = scanned(profile, "blank", 1)
    alignment, aligned = align_page(page_of(grey(scan), scan.dpi))
    assert alignment.kind == "blank"
    assert alignment.confidence >= 0.9
    assert aligned is None


@pytest.mark.parametrize("profile", ["office200", "phone"])
def test_cover_letter_is_unknown(profile: str) -> None:
    """
    GIVEN a typed cover letter that mentions Försäkringskassan
    WHEN the page is aligned
    THEN it is unknown, confidently, and no warped page is returned
    """
    scan = scanned(profile, "unknown", 1)
    alignment, aligned = align_page(page_of(grey(scan), scan.dpi))
    assert alignment.kind == "unknown"
    assert alignment.confidence >= 0.9
    assert aligned is None


@pytest.mark.parametrize("binary", [False, True])
def test_random_noise_is_not_a_form(binary: bool) -> None:
    """
    GIVEN an A4-sized image of random noise (grey, or black and white like a bad fax)
    WHEN the page is aligned
    THEN it is no form
    """
    rng = np.random.default_rng(7)
    noise = rng.integers(0, 256, (PAGE_H_PX, PAGE_W_PX), dtype=np.uint8)
    if binary:
        noise = np.where(noise < 128, 0, 255).astype(np.uint8)
    alignment, aligned = align_page(page_of(noise, WORK_DPI))
    assert alignment.kind in ("unknown", "blank")
    assert aligned is None


def test_9449_without_its_lower_half_is_not_taken_for_9448() -> None:
    """
    GIVEN a 9449 whose lower half is missing, leaving the header and section 1 it shares
          with 9448
    WHEN the page is aligned
    THEN it is not called 9448, and whatever it is called, not with high confidence
    """
    scan = scanned("office200", "9449", 1)
    image = grey(scan).copy()
    image[image.shape[0] // 2 :] = 245
    alignment, _ = align_page(page_of(image, scan.dpi))
    assert alignment.kind != "9448"
    assert alignment.confidence <= 0.5


@pytest.mark.parametrize(("profile", "form"), [("office200", "9449"), ("phone", "9448")])
def test_outline_fallback_registers_when_features_fail(profile: str, form: str) -> None:
    """
    GIVEN a form on which feature matching finds nothing
    WHEN the page is aligned
    THEN the page outline (or image frame) refined by ECC and the printed patches still
         recognises it and registers it within 2 px
    """
    scan = scanned(profile, form, 1)
    alignment, _ = align_page(page_of(grey(scan), scan.dpi), routes=("outline",))
    assert (alignment.kind, alignment.route) == (form, "outline")
    assert registration_error(alignment, scan) <= MAX_ERROR_PX



def test_whole_number_shrink_averages_blocks_and_reports_its_exact_factor() -> None:
    image = np.arange(7 * 10, dtype=np.uint8).reshape(7, 10) * 3
    small, sx, sy = imaging.shrink(image, 1 / 3.01)
    assert (sx, sy) == (1 / 3, 1 / 3)
    assert small.shape == (2, 3)  # the row and column that fill no 3 × 3 block are dropped
    assert abs(int(small[1, 2]) - float(image[3:6, 6:9].mean())) <= 1


def test_fractional_shrink_keeps_the_whole_image() -> None:
    image = np.full((100, 70), 200, np.uint8)
    small, sx, sy = imaging.shrink(image, 0.4)
    assert small.shape == (40, 28)
    assert (sx, sy) == (28 / 70, 40 / 100)


# --- a learned template of two pages: its page of text is recognised --------------------


def _active_two_page_templates(folder: Path, pages_of: Any, template_of: Any) -> Any:
    """Each form's two pages (``pages_of(form)``) drawn at 200 dpi as its blank and
    references, its template (``template_of(form, first, second, source)``) stored and
    activated, and the readings reading takes from that store."""
    from intake.forms.reading import active_readings
    from intake.forms.store import TemplateStore
    from intake.forms.template import Source
    from intake.samples.other_layout import draw

    store = TemplateStore(folder)
    for form in FORMS:
        first, second = pages_of(form)
        pngs = [imaging.encode_png(imaging.to_grey(draw(page, 200))) for page in (first, second)]
        source = Source(file=f"{folder.name}.png", sha256=f"{form}{'0' * 60}", kind="scan",
                        dpi=200)
        stored = store.add(template_of(form, first, second, source), blank=pngs[0],
                           blank_suffix=".png", reference_png=pngs[0],
                           later_references=pngs[1:])
        store.activate(stored.id)
    return active_readings(store)


@pytest.fixture(scope="module")
def two_page_templates(tmp_path_factory: pytest.TempPathFactory):
    """Every form's other layout active as a learned template of two pages (the form,
    then a page of text), as reading takes them from the store."""
    from intake.forms.template import TemplatePage, template_of_layout
    from intake.samples.other_layout import other_layout_pages

    def template_of(form, first, text, source):
        return template_of_layout(form, "002.F.001", first, source).model_copy(
            update={"more_pages": (TemplatePage(number=2, texts=text.texts),)})

    return _active_two_page_templates(tmp_path_factory.mktemp("mallar"), other_layout_pages,
                                      template_of)


@pytest.mark.parametrize("profile", ["office300", "fax200"])
@pytest.mark.parametrize("form", FORMS)
def test_a_learned_forms_page_of_text_is_recognised_as_its_page_2(
        two_page_templates, profile: str, form: str) -> None:
    """GIVEN each form's two-page layout active WHEN the page of text of one form is
    scanned THEN it is that form, aligned onto page 2 of its template — although the
    three pages of text share their paragraphs on personal data."""
    from intake.samples.make import blank_image

    rng = np.random.default_rng(len(profile) + int(form))
    scan = scan_page(blank_image(form, "other", 2), PAGE_DPI, PROFILES[profile], rng)

    alignment, _ = align_page(page_of(grey(scan), scan.dpi), templates=two_page_templates)

    assert alignment.kind == form and alignment.template is not None
    assert alignment.template.id.startswith(f"FK{form}-") and alignment.template.page == 2


@pytest.mark.parametrize("kind", ["cover", "9449", "blank"])
def test_pages_of_text_learned_leave_letters_blanks_and_builtin_forms_as_they_were(
        two_page_templates, kind: str) -> None:
    """GIVEN pages of text among the active templates WHEN a cover letter, a built-in
    form and a blank back are aligned THEN they are unknown, that form (built-in
    layout) and blank, as without them."""
    scan = scanned("fax200", kind, 3)

    alignment, _ = align_page(page_of(grey(scan), scan.dpi), templates=two_page_templates)

    expected = {"cover": "unknown", "9449": "9449", "blank": "blank"}[kind]
    assert alignment.kind == expected
    assert kind != "9449" or (alignment.template is not None
                              and alignment.template.id == "FK9449")


@pytest.fixture(scope="module")
def split_templates(tmp_path_factory: pytest.TempPathFactory):
    """Each form's split variant of the other layout active: its form goes on to page 2
    (a few fields under the page's text)."""
    from intake.forms.template import Anchor, TemplatePage, TemplateWidget, template_of_layout
    from intake.samples.other_layout import split_layout_pages

    def template_of(form, first, second, source):
        template = template_of_layout(form, "002.F.001", first, source)
        return template.model_copy(update={
            "widgets": (*template.widgets, *(TemplateWidget(
                name=w.name, kind=w.kind, field=w.field, option=w.option, rect=w.rect,
                page=2) for w in second.widgets)),
            "more_pages": (TemplatePage(number=2, texts=second.texts, boxes=second.boxes,
                                        anchors=tuple(Anchor(kind="box", rect=b.rect)
                                                      for b in second.boxes)),)})

    return _active_two_page_templates(tmp_path_factory.mktemp("delade"), split_layout_pages,
                                      template_of)


@pytest.mark.parametrize("profile", ["office300", "fax200"])
@pytest.mark.parametrize("form", FORMS)
def test_a_filled_later_page_with_fields_is_recognised_as_its_page_2(
        split_templates, profile: str, form: str) -> None:
    """GIVEN each form's split layout active (page 2: text, then a few fields) WHEN its
    filled page 2 is scanned THEN it is that form, aligned onto page 2 of its template
    (its glyph patches do not settle the pose: the whole page's likeness does), and its
    filled page 1 onto page 1 as before."""
    from intake.samples.make import _ink_pages

    case = make_case(form, random.Random(int(form)), defect_share=0.0)
    pages = _ink_pages(case, STYLES["typed-office300"], random.Random(int(form)), "split")
    rng = np.random.default_rng(len(profile) + int(form))

    for number, image in enumerate(pages, start=1):
        scan = scan_page(np.asarray(image), PAGE_DPI, PROFILES[profile], rng)
        alignment, _ = align_page(page_of(grey(scan), scan.dpi), templates=split_templates)
        assert alignment.kind == form and alignment.template is not None
        assert alignment.template.id.startswith(f"FK{form}-")
        assert alignment.template.page == number
