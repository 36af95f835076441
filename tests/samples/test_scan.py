"""Making a clean rendered page look scanned, faxed or photographed (intake.samples.scan)."""

from __future__ import annotations

import math
from functools import cache

import cv2
import numpy as np
import pytest
from pydantic import ValidationError

from intake.samples.scan import PROFILES, ScannedPage, ScanProfile, scan_page
from tests.tiers import slow_beyond

PAGE_DPI = 300
A4_MM = (210, 297)
#: A filled black square on the clean page, well away from everything else.
MARKER_CENTRE = (500.0, 600.0)
MARKER_HALF = 40
FLATBEDS = [name for name, profile in PROFILES.items() if not profile.phone]


@cache
def clean_page() -> np.ndarray:
    """A white A4 page at 300 dpi with a border, bars of 'text' and one isolated marker."""
    page = np.full((3508, 2480, 3), 255, np.uint8)
    cv2.rectangle(page, (100, 100), (2380, 3408), (0, 0, 0), 4)
    cx, cy = (round(v) for v in MARKER_CENTRE)
    corner_a = (cx - MARKER_HALF, cy - MARKER_HALF)
    corner_b = (cx + MARKER_HALF, cy + MARKER_HALF)
    cv2.rectangle(page, corner_a, corner_b, (0, 0, 0), -1)
    for row in range(20):
        top = 900 + 110 * row
        cv2.rectangle(page, (250, top), (250 + 90 * (row % 7) + 800, top + 40), (20, 20, 20), -1)
    cv2.line(page, (1300, 400), (2200, 800), (0, 0, 0), 3)
    page.setflags(write=False)
    return page


@cache
def scanned(profile: str, seed: int) -> ScannedPage:
    return scan_page(clean_page(), PAGE_DPI, PROFILES[profile], np.random.default_rng(seed))


def grey_pixels(scan: ScannedPage) -> np.ndarray:
    return np.asarray(scan.image.convert("L"), dtype=np.float64)


def dark_centroid(scan: ScannedPage, near: np.ndarray, radius: int) -> np.ndarray:
    """Centre of the dark pixels in a window around ``near`` (x, y)."""
    grey = grey_pixels(scan)
    x0, y0 = (int(v) - radius for v in near)
    window = grey[y0 : y0 + 2 * radius, x0 : x0 + 2 * radius]
    threshold = (np.percentile(window, 99) + np.percentile(window, 1)) / 2
    ys, xs = np.nonzero(window < threshold)
    return np.array([xs.mean() + x0, ys.mean() + y0])


def from_reported_parameters(scan: ScannedPage, point: tuple[float, float]) -> np.ndarray:
    """Where a page point lands, worked out only from a flatbed scan's reported values."""
    width, height = scan.image.size
    factor = scan.dpi / scan.page_dpi
    resampled = (np.array(point) + 0.5) * factor - 0.5
    centre = np.array([(width - 1) / 2, (height - 1) / 2])
    angle = math.radians(scan.rotation_deg)
    turn = np.array([[math.cos(angle), math.sin(angle)], [-math.sin(angle), math.cos(angle)]])
    placed = centre + scan.scale * turn @ (resampled - centre) + np.array(scan.shift_px)
    return np.array([width - 1, height - 1]) - placed if scan.upside_down else placed


def small_page() -> np.ndarray:
    return np.full((424, 300, 3), 255, np.uint8)


# --- size, mode and determinism ----------------------------------------------------------


@pytest.mark.parametrize("profile", FLATBEDS)
def test_scanner_delivers_a4_at_the_profile_resolution(profile: str) -> None:
    """
    GIVEN a clean A4 page rendered at 300 dpi
    WHEN it goes through a scanner or fax profile
    THEN the scan is A4 at the profile's dpi, to the pixel
    """
    scan = scanned(profile, 0)

    expected = [mm / 25.4 * PROFILES[profile].dpi for mm in A4_MM]
    assert scan.dpi == PROFILES[profile].dpi
    assert all(abs(got - want) <= 1 for got, want in zip(scan.image.size, expected, strict=True))


@pytest.mark.parametrize(
    ("profile", "mode"),
    [("office300", "L"), ("office200", "L"), ("fax200", "1"), ("jpeg200", "RGB"), ("phone", "RGB")],
)
def test_image_mode_follows_the_profile_colour(profile: str, mode: str) -> None:
    """
    GIVEN a profile that scans in grey, black-and-white or colour
    WHEN a page is scanned with it
    THEN the image has the matching PIL mode
    """
    assert scanned(profile, 0).image.mode == mode


@pytest.mark.parametrize("profile", list(PROFILES))
def test_same_seed_gives_identical_pixels(profile: str) -> None:
    """
    GIVEN the same page, profile and seed
    WHEN the page is scanned twice
    THEN both scans are identical to the pixel, with the same reported values
    """
    again = scan_page(clean_page(), PAGE_DPI, PROFILES[profile], np.random.default_rng(0))

    first = scanned(profile, 0)
    assert np.array_equal(np.asarray(again.image), np.asarray(first.image))
    assert again.model_dump(exclude={"image"}) == first.model_dump(exclude={"image"})


@pytest.mark.parametrize("profile", list(PROFILES))
def test_different_seeds_give_different_scans(profile: str) -> None:
    """
    GIVEN the same page and profile
    WHEN it is scanned with two different seeds
    THEN the pixels and the rotation differ
    """
    first, second = scanned(profile, 0), scanned(profile, 1)

    assert first.rotation_deg != second.rotation_deg
    assert first.image.size != second.image.size or not np.array_equal(
        np.asarray(first.image), np.asarray(second.image)
    )


def test_fax_scan_is_pure_black_and_white() -> None:
    """
    GIVEN the fax profile
    WHEN a page is scanned
    THEN the image holds exactly two values, with mostly white paper and some black ink
    """
    pixels = np.asarray(scanned("fax200", 0).image.convert("L"))

    assert set(np.unique(pixels).tolist()) == {0, 255}
    assert 0.005 < (pixels == 0).mean() < 0.3


# --- geometry ----------------------------------------------------------------------------


@pytest.mark.parametrize("seed", slow_beyond([0, 1, 2, 3]))
@pytest.mark.parametrize("profile", FLATBEDS)
def test_marker_is_dark_where_the_reported_rotation_shift_and_scale_put_it(
    profile: str, seed: int
) -> None:
    """
    GIVEN a page with a black square, scanned crooked
    WHEN the square's position is worked out from the reported rotation, shift, scale and
         upside_down
    THEN the scan is dark there, the square's centre within 1.5 px, and to_scan agrees
    """
    scan = scanned(profile, seed)

    predicted = from_reported_parameters(scan, MARKER_CENTRE)
    grey = grey_pixels(scan)
    assert grey[round(predicted[1]), round(predicted[0])] < 100
    assert np.linalg.norm(dark_centroid(scan, predicted, 60) - predicted) < 1.5
    assert np.allclose(scan.to_scan(MARKER_CENTRE)[0], predicted, atol=1.0)


@pytest.mark.parametrize(("seed", "upside_down"), slow_beyond([(2, True), (0, False), (1, False)]))
def test_marker_is_where_the_reported_corners_put_it_in_a_phone_photo(
    seed: int, upside_down: bool
) -> None:
    """
    GIVEN a page with a black square, photographed with a phone, upright or upside down
    WHEN the square's position is worked out from the reported page corners
    THEN the photo is dark there, the square's centre within 2 px
    """
    profile = PROFILES["phone"].model_copy(update={"upside_down_probability": float(upside_down)})
    scan = scan_page(clean_page(), PAGE_DPI, profile, np.random.default_rng(seed))

    edges = np.array([[-0.5, -0.5], [2479.5, -0.5], [2479.5, 3507.5], [-0.5, 3507.5]])
    corners = np.array(scan.corners, np.float32)
    matrix = cv2.getPerspectiveTransform(edges.astype(np.float32), corners)
    predicted = cv2.perspectiveTransform(np.array([[MARKER_CENTRE]]), matrix)[0, 0]
    assert grey_pixels(scan)[round(predicted[1]), round(predicted[0])] < 100
    assert np.linalg.norm(dark_centroid(scan, predicted, 50) - predicted) < 2.0
    assert scan.upside_down == upside_down


def test_upside_down_scan_is_the_upright_scan_turned_half_a_turn() -> None:
    """
    GIVEN office200 made to feed every page upside down, and one that never does
    WHEN the same page is scanned with the same seed by both
    THEN the upside-down scan is exactly the upright one turned 180° and says so
    """
    always = PROFILES["office200"].model_copy(update={"upside_down_probability": 1.0})
    never = PROFILES["office200"].model_copy(update={"upside_down_probability": 0.0})

    flipped = scan_page(clean_page(), PAGE_DPI, always, np.random.default_rng(5))
    upright = scan_page(clean_page(), PAGE_DPI, never, np.random.default_rng(5))

    assert flipped.upside_down and not upright.upside_down
    assert np.array_equal(np.asarray(flipped.image), np.rot90(np.asarray(upright.image), 2))
    top_left, _, bottom_right, _ = flipped.corners
    assert top_left[0] > bottom_right[0] and top_left[1] > bottom_right[1]


def test_phone_photo_shows_the_whole_page_on_a_darker_table() -> None:
    """
    GIVEN the phone profile
    WHEN a page is photographed
    THEN all four page corners are inside the photo with a margin, and the table around
         the page is clearly darker than the paper
    """
    scan = scanned("phone", 0)

    width, height = scan.image.size
    corners = np.array(scan.corners)
    assert (corners > 20).all() and (corners[:, 0] < width - 20).all()
    assert (corners[:, 1] < height - 20).all()
    page_mask = np.zeros((height, width), np.uint8)
    cv2.fillPoly(page_mask, [np.rint(corners).astype(np.int32)], 1)
    grey = grey_pixels(scan)
    assert (page_mask == 0).mean() > 0.2
    assert np.median(grey[page_mask == 0]) < np.median(grey[page_mask == 1]) - 40


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_phone_photo_covers_the_page_at_about_150_to_200_dpi(seed: int) -> None:
    """
    GIVEN the phone profile
    WHEN a page is photographed
    THEN the page's edges are as long as an A4 page at roughly 150 to 200 dpi
    """
    top_left, top_right, bottom_right, bottom_left = np.array(scanned("phone", seed).corners)

    top_dpi = np.linalg.norm(top_right - top_left) / (A4_MM[0] / 25.4)
    left_dpi = np.linalg.norm(bottom_left - top_left) / (A4_MM[1] / 25.4)
    assert 140 < top_dpi < 210
    assert 140 < left_dpi < 210


@pytest.mark.parametrize("profile", list(PROFILES))
def test_random_choices_stay_within_the_profile_limits(profile: str) -> None:
    """
    GIVEN a profile
    WHEN sixty small pages are scanned with different seeds
    THEN rotation, scale, shift and JPEG quality stay within its limits (never past 4°),
         and pages come out upside down only if the profile allows it
    """
    limits = PROFILES[profile]
    scans = [
        scan_page(small_page(), PAGE_DPI, limits, np.random.default_rng(seed)) for seed in range(60)
    ]

    shift_px = limits.max_shift_mm / 25.4 * limits.dpi
    assert all(abs(s.rotation_deg) <= min(limits.max_rotation_deg, 4.0) for s in scans)
    assert all(abs(s.scale - 1) <= limits.scale_jitter for s in scans)
    assert all(max(map(abs, s.shift_px)) <= shift_px for s in scans)
    quality = limits.jpeg_quality
    allowed = {None} if quality is None else set(range(quality[0], quality[1] + 1))
    assert {s.jpeg_quality for s in scans} <= allowed
    assert any(s.upside_down for s in scans) == (limits.upside_down_probability > 0)


# --- refusals ----------------------------------------------------------------------------


def test_scan_page_refuses_a_page_that_is_not_rgb() -> None:
    """
    GIVEN a greyscale page array
    WHEN it is scanned
    THEN a ValueError says an RGB uint8 image is needed
    """
    with pytest.raises(ValueError, match="RGB uint8"):
        scan_page(small_page()[:, :, 0], PAGE_DPI, PROFILES["office300"], np.random.default_rng())


@pytest.mark.parametrize(
    "change",
    [
        {"jpeg_quality": (50, 60)},
        {"blur_sigma": (1.0, 0.5)},
        {"max_rotation_deg": 5.0},
        {"paper_tone": (240, 260)},
    ],
)
def test_profile_refuses_impossible_settings(change: dict[str, object]) -> None:
    """
    GIVEN the fax profile's settings with one impossible change (JPEG on a bilevel scan,
          a reversed range, more than 4° rotation, paper whiter than white)
    WHEN a profile is built from them
    THEN validation fails
    """
    settings = PROFILES["fax200"].model_dump() | change

    with pytest.raises(ValidationError):
        ScanProfile(**settings)
