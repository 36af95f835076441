"""Reading checkboxes and the signature box (intake.ocr.ticks).

Pages come from the sample generator, scanned with each profile and warped back
into the form's frame with the generator's own homography plus a 0–3 px residual
shift (``intake.training.calibrate_ticks``), so the truth is what was inked.
"""

from __future__ import annotations

import json
from functools import cache

import numpy as np
import pytest

from intake.forms import form_layout
from intake.forms.blank import blank_pdf
from intake.learned.ticks import load_thresholds, thresholds_path
from intake.load.render import render_pdf
from intake.mapping.choices import TWO_TICKS, choice_values
from intake.ocr import ticks
from intake.reads import TickRead, mm_to_px
from intake.samples.scan import PROFILES
from intake.training.calibrate_ticks import PEN_STYLES, Sample, make_sample
from tests.tiers import slow_beyond

CONFIDENT = 0.9
THRESHOLDS = load_thresholds()


def read_ticks(aligned: np.ndarray, form: str) -> dict[str, TickRead]:
    return ticks.read_ticks(aligned, form, THRESHOLDS)


def read_signature(aligned: np.ndarray) -> TickRead:
    return ticks.read_signature(aligned, "9443", THRESHOLDS)


@cache
def sample(
    form: str, profile: str, seed: str, styles: tuple[str, ...], extra: float = 0.0
) -> Sample:
    return make_sample(form, profile, seed, styles=styles, extra_ticks=extra, unsigned=None)


@cache
def blank_page(form: str) -> np.ndarray:
    return next(render_pdf(blank_pdf(form), dpi=200, grey=True))


def checkboxes(form: str) -> list[str]:
    return [w.name for w in form_layout(form).widgets if w.kind == "checkbox"]


def read(state: str, confidence: float = 1.0) -> TickRead:
    return TickRead(ink=0.0, state=state, confidence=confidence)  # type: ignore[arg-type]


# --- checkboxes on scanned pages -------------------------------------------------------


@pytest.mark.parametrize(
    "profile", slow_beyond(["fax200", "jpeg200", "office300", "office200", "phone"], keep=2))
def test_every_pen_tick_reads_ticked_and_every_other_box_empty(profile: str) -> None:
    """GIVEN a 9448 ticked in every pen style (x, ✓, blob, scribble, overflow, typed X),
    scanned as PROFILE and aligned to within 3 px
    WHEN its boxes are read
    THEN every inked box is confidently ticked and every other box empty (on a fax a
    speck of a few pixels may leave an empty box just short of confident)."""
    page = sample("9448", profile, "pen", PEN_STYLES)
    assert set(page.styles.values()) == set(PEN_STYLES)

    reads = read_ticks(page.aligned, "9448")

    states = {name: r.state for name, r in reads.items()}
    assert states == {n: "ticked" if n in page.styles else "empty" for n in checkboxes("9448")}
    assert min(reads[name].confidence for name in page.styles) >= CONFIDENT
    assert min(r.confidence for r in reads.values()) >= 0.8


@pytest.mark.parametrize("seed", ["pencil-1", "pencil-2", "pencil-3"])
def test_light_pencil_on_fax_is_never_read_confidently_empty(seed: str) -> None:
    """GIVEN a 9448 filled in light pencil and faxed (binarised: pencil may vanish)
    WHEN its boxes are read
    THEN each pencil tick is ticked or unclear, or else empty with low confidence."""
    page = sample("9448", "fax200", seed, ("pencil",), extra=0.2)

    reads = read_ticks(page.aligned, "9448")

    for name in page.styles:
        got = reads[name]
        assert got.state != "empty" or got.confidence < CONFIDENT, (name, got)


@pytest.mark.parametrize("profile", ["office300", "office200", "phone"])
def test_light_pencil_on_grey_scans_is_ticked_or_unclear(profile: str) -> None:
    """GIVEN a 9448 filled in light pencil, scanned in grey or photographed
    WHEN its boxes are read
    THEN every pencil tick is ticked or unclear, and no empty box is ticked."""
    page = sample("9448", profile, "pencil", ("pencil",), extra=0.2)

    reads = read_ticks(page.aligned, "9448")

    assert {reads[name].state for name in page.styles} <= {"ticked", "unclear"}
    assert all(r.state != "ticked" for n, r in reads.items() if n not in page.styles)


def test_choice_values_equal_the_truth_of_a_filled_form() -> None:
    """GIVEN filled 9448 forms scanned in every profile, and a filled 9449
    WHEN the boxes are read and turned into field values
    THEN every single, multi and yesno value equals the generator's truth."""
    pages = [("9448", profile) for profile in PROFILES] + [("9449", "office200")]
    for form, profile in pages:
        page = sample(form, profile, "pen", PEN_STYLES)

        values = choice_values(form, read_ticks(page.aligned, form))

        assert {f: v.value for f, v in values.items()} == {f: page.truth[f] for f in values}


def test_two_ticks_in_a_single_choice_field_give_no_value_and_a_problem() -> None:
    """GIVEN a 9448 where both Grundskola and Gymnasium are ticked under utbildning
    WHEN its choice values are read
    THEN utbildning has no value and the problem "Två rutor ikryssade"."""
    page = sample("9448", "office300", "two", ("x",))
    aligned = page.aligned.copy()
    for option in ("grundskola", "gymnasium"):
        _draw_x(aligned, f"utbildning.{option}")

    value = choice_values("9448", read_ticks(aligned, "9448"))["utbildning"]

    assert value.value is None
    assert value.problem == TWO_TICKS


def _draw_x(aligned: np.ndarray, widget: str) -> None:
    rect = form_layout("9448").widget(widget).rect
    x0, y0, x1, y1 = (mm_to_px(v) for v in (rect.x, rect.y, rect.right, rect.bottom))
    for k in range(5, x1 - x0 - 4):
        for dx in (-1, 0, 1):
            aligned[y0 + k, x0 + k + dx] = 30
            aligned[y0 + k, x1 - k + dx] = 30


def test_a_blank_form_has_no_ticks_even_when_misregistered_by_five_px() -> None:
    """GIVEN the blank 9448 as rendered, and the same moved 5 px right and 4 px up
    WHEN its boxes are read
    THEN every box is confidently empty."""
    blank = blank_page("9448")
    for page in (blank, np.roll(blank, (-4, 5), axis=(0, 1))):
        reads = read_ticks(page, "9448")

        assert {r.state for r in reads.values()} == {"empty"}
        assert min(r.confidence for r in reads.values()) >= CONFIDENT


# --- signatures ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "profile", slow_beyond(["phone", "fax200", "office300", "office200", "jpeg200"], keep=2))
def test_signed_and_unsigned_consents_are_told_apart(profile: str) -> None:
    """GIVEN a signed 9443 and one left unsigned, both scanned as PROFILE
    WHEN their signature boxes are read
    THEN the first is signed and the second not, both confidently."""
    signed = make_sample("9443", profile, "signed", unsigned=0.0)
    unsigned = make_sample("9443", profile, "unsigned", unsigned=1.0)

    yes, no = read_signature(signed.aligned), read_signature(unsigned.aligned)

    assert (yes.state, no.state) == ("ticked", "empty")
    assert min(yes.confidence, no.confidence) >= CONFIDENT


def test_fax_speckle_and_a_stroke_poking_into_the_box_are_no_signature() -> None:
    """GIVEN a blank 9443 with fax speckle all over and a pen stroke from outside
    reaching half a millimetre into the signature box
    WHEN the signature box is read
    THEN there is no signature."""
    page = blank_page("9443").copy()
    rng = np.random.default_rng(3)
    rows, cols = (rng.integers(0, n, 4000) for n in page.shape)
    page[rows, cols] = 0
    rect = form_layout("9443").widget("underskrift").rect
    x, y = mm_to_px(rect.x + 30), mm_to_px(rect.y)
    page[y - 20 : y + mm_to_px(0.5), x : x + 3] = 20

    value = read_signature(page)

    assert value.state == "empty"
    assert value.confidence >= CONFIDENT


def test_an_unclear_signature_box_leans_to_the_nearer_side_of_the_band() -> None:
    """GIVEN signature ink just short of the shipped band's upper edge (a signature of
    a few letters) and just above its lower edge
    WHEN each is classified
    THEN both are unclear, the first leaning ticked and the second not."""
    band = THRESHOLDS.signature
    short = ticks.classify(band.high * 0.95, band)
    faint = ticks.classify(band.low * 1.5, band)

    assert (short.state, short.leans_ticked) == ("unclear", True)
    assert (faint.state, faint.leans_ticked) == ("unclear", False)


def test_the_shipped_thresholds_were_learned_from_counted_samples() -> None:
    """GIVEN the shipped tick_thresholds.json
    WHEN it is loaded
    THEN each band is ordered low < high < full and names how many boxes it came from."""
    raw = json.loads(thresholds_path().read_text(encoding="utf-8"))
    thresholds = load_thresholds()
    assert thresholds.provenance is not None and thresholds.provenance.seed is not None

    for band in (thresholds.tick, thresholds.signature):
        assert 0 < band.low < band.high < band.full
    for kind in ("tick", "signature"):
        assert raw[kind]["empty"]["count"] > 50
        assert raw[kind]["marked"]["count"] > 50
