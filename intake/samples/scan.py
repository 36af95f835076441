"""Make a clean rendered page look scanned, faxed or photographed with a phone.

The generator renders a filled form as a clean RGB page; :func:`scan_page`
degrades it the way the intake will meet it: resampled to the scanner's
resolution, on toned paper, slightly rotated, shifted and scaled, blurred and
noisy, perhaps binarised like a fax, upside down, or photographed lying on a
table, and JPEG-compressed. Each way of scanning is a :class:`ScanProfile`; the
usual ones are in :data:`PROFILES`.

Every random choice comes from the ``rng`` passed in, so a seed reproduces a
scan pixel for pixel. The :class:`ScannedPage` returned records what was
actually applied, including the homography from page pixels to scan pixels, so
alignment can be scored against the truth.

Pixel positions follow OpenCV: ``(x, y)`` with ``(0, 0)`` the centre of the
top-left pixel. Rotations are counter-clockwise as seen on screen.
"""

from __future__ import annotations

import io
import logging
import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from PIL import Image
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from intake import imaging

logger = logging.getLogger(__name__)

MM_PER_INCH = 25.4
#: Ink darker than this share of the local paper level turns black when binarising.
BINARY_THRESHOLD = 0.6
#: Share of speckles that are black dots (the rest are white holes in the ink).
PEPPER_SHARE = 0.8
#: Largest drop of the blue channel below red for the slightly yellow paper of RGB scans.
MAX_PAPER_TINT = 6.0
#: Margin kept between a photographed page and the photo's edge, as a share of page height.
PHOTO_MARGIN = 0.03
#: RGB colours of the tables phone photos are taken on, all darker than paper.
TABLE_COLOURS = ((168, 128, 88), (96, 66, 46), (112, 112, 118), (62, 72, 88), (140, 138, 128))

Range = tuple[float, float]
Point = tuple[float, float]
Matrix = NDArray[np.float64]
#: An image as OpenCV and numpy pass it around: uint8, or float32 between steps.
Pixels = NDArray[Any]


class ScanProfile(BaseModel):
    """One way paper reaches the intake: a scanner, a fax or a phone camera.

    Ranges are ``(low, high)``; each scan draws one value uniformly from each.
    """

    model_config = ConfigDict(frozen=True)

    name: str
    dpi: int = Field(ge=72, le=600, description="Resolution; for a phone, over the page")
    color: Literal["gray", "rgb", "bilevel"]
    max_rotation_deg: float = Field(ge=0, le=4)
    max_shift_mm: float = Field(default=0.0, ge=0, le=20)
    scale_jitter: float = Field(default=0.0, ge=0, le=0.2, description="0.02 is ±2 %")
    blur_sigma: Range = Field(default=(0.0, 0.0), description="Gaussian sigma in output px")
    noise_sigma: Range = Field(default=(0.0, 0.0), description="Grey levels")
    paper_tone: tuple[int, int] = Field(default=(255, 255), description="Grey level of paper")
    jpeg_quality: tuple[int, int] | None = Field(default=None, description="None is lossless")
    upside_down_probability: float = Field(default=0.0, ge=0, le=1)
    phone: bool = False
    max_perspective: float = Field(default=0.0, ge=0, le=0.15, description="Phone keystone")
    threshold_jitter: float = Field(default=0.0, ge=0, le=0.3, description="Bilevel only")
    speckle_density: float = Field(default=0.0, ge=0, le=0.01, description="Bilevel only")

    @field_validator("blur_sigma", "noise_sigma", "paper_tone", "jpeg_quality")
    @classmethod
    def _ordered(cls, value: tuple[float, float] | None) -> tuple[float, float] | None:
        if value is not None and not 0 <= value[0] <= value[1]:
            raise ValueError(f"range {value} must be (low, high) with 0 <= low <= high")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> ScanProfile:
        if self.paper_tone[1] > 255:
            raise ValueError("paper_tone is a grey level, at most 255")
        if self.jpeg_quality is not None and not 1 <= self.jpeg_quality[0] <= 95:
            raise ValueError("jpeg_quality must lie between 1 and 95")
        if self.color == "bilevel" and (self.jpeg_quality is not None or self.phone):
            raise ValueError("a bilevel scan is neither JPEG-compressed nor photographed")
        if self.phone and self.color != "rgb":
            raise ValueError("phone photos are RGB")
        return self


PROFILES: dict[str, ScanProfile] = {
    profile.name: profile
    for profile in (
        ScanProfile(
            name="office300",
            dpi=300,
            color="gray",
            max_rotation_deg=1.5,
            max_shift_mm=2.0,
            scale_jitter=0.005,
            blur_sigma=(0.3, 0.8),
            noise_sigma=(2.0, 5.0),
            paper_tone=(238, 252),
        ),
        ScanProfile(
            name="office200",
            dpi=200,
            color="gray",
            max_rotation_deg=3.0,
            max_shift_mm=3.0,
            scale_jitter=0.01,
            blur_sigma=(0.4, 0.9),
            noise_sigma=(2.0, 6.0),
            paper_tone=(235, 250),
            upside_down_probability=0.1,
        ),
        ScanProfile(
            name="fax200",
            dpi=200,
            color="bilevel",
            max_rotation_deg=2.0,
            max_shift_mm=3.0,
            scale_jitter=0.02,
            blur_sigma=(0.5, 1.0),
            noise_sigma=(4.0, 10.0),
            paper_tone=(230, 250),
            upside_down_probability=0.05,
            threshold_jitter=0.08,
            speckle_density=0.0008,
        ),
        ScanProfile(
            name="jpeg200",
            dpi=200,
            color="rgb",
            max_rotation_deg=4.0,
            max_shift_mm=5.0,
            scale_jitter=0.02,
            blur_sigma=(0.4, 1.0),
            noise_sigma=(2.0, 6.0),
            paper_tone=(232, 250),
            jpeg_quality=(40, 70),
            upside_down_probability=0.1,
        ),
        ScanProfile(
            name="phone",
            dpi=175,
            color="rgb",
            max_rotation_deg=4.0,
            max_shift_mm=8.0,
            scale_jitter=0.12,
            blur_sigma=(0.6, 1.4),
            noise_sigma=(3.0, 7.0),
            paper_tone=(215, 245),
            jpeg_quality=(75, 90),
            upside_down_probability=0.05,
            phone=True,
            max_perspective=0.06,
        ),
    )
}


class ScannedPage(BaseModel):
    """A scan as the intake receives it, with the random choices that made it."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    image: Image.Image = Field(description='Mode "L" (gray), "1" (bilevel) or "RGB"')
    dpi: int = Field(description="Scan resolution; for a phone, the nominal one over the page")
    profile: str
    page_dpi: int = Field(description="Resolution of the clean page that was scanned")
    rotation_deg: float = Field(description="Counter-clockwise, about the page centre")
    shift_px: Point = Field(description="Displacement of the page centre, in scan pixels")
    scale: float
    upside_down: bool
    paper_tone: int
    blur_sigma: float
    noise_sigma: float
    jpeg_quality: int | None
    corners: tuple[Point, Point, Point, Point] = Field(
        description="Where the page's own top-left, top-right, bottom-right and bottom-left "
        "corners are in the scan (outer pixel edges)"
    )
    homography: tuple[tuple[float, float, float], ...] = Field(
        description="3×3 matrix taking page pixel positions to scan pixel positions"
    )

    def to_scan(self, points: ArrayLike) -> NDArray[np.float64]:
        """Where ``(x, y)`` positions of the clean page (at ``page_dpi``) are in the scan."""
        return _project(np.array(self.homography), points)


@dataclass(frozen=True, slots=True)
class _Draw:
    """The random values one scan uses, drawn up front in a fixed order."""

    rotation_deg: float
    shift_px: Point
    scale: float
    upside_down: bool
    tone: int
    tint: float
    blur_sigma: float
    noise_sigma: float
    jpeg_quality: int | None
    threshold: float


def scan_page(
    page: Pixels, page_dpi: int, profile: ScanProfile, rng: np.random.Generator
) -> ScannedPage:
    """Scan ``page``, a clean RGB uint8 page rendered at ``page_dpi``, as ``profile`` does."""
    _check_page(page, page_dpi)
    draw = _draw(profile, rng)
    grey = profile.color != "rgb"
    working, to_working = _resample(_working_colour(page, grey), page_dpi, profile.dpi)
    white = _paper_white(draw, grey)
    toned = _paper_tone(working, white)
    if profile.phone:
        pixels, placement = _photograph(toned, draw, profile, rng)
    else:
        pixels, placement = _flatbed(toned, white, draw, profile, rng)
    image = _encode(pixels, profile.color, draw.jpeg_quality)
    logger.debug("scanned page as %s: %s", profile.name, draw)
    return _scanned_page(image, profile, page_dpi, draw, placement @ to_working, page.shape)


def _check_page(page: Pixels, page_dpi: int) -> None:
    if page.ndim != 3 or page.shape[2] != 3 or page.dtype != np.uint8:
        raise ValueError(f"page must be an RGB uint8 image, got {page.dtype} {page.shape}")
    if page_dpi <= 0:
        raise ValueError(f"page_dpi must be positive, got {page_dpi}")


def _draw(profile: ScanProfile, rng: np.random.Generator) -> _Draw:
    shift = profile.max_shift_mm / MM_PER_INCH * profile.dpi
    rotation, jitter = profile.max_rotation_deg, profile.scale_jitter
    quality, wobble = profile.jpeg_quality, profile.threshold_jitter
    return _Draw(
        rotation_deg=float(rng.uniform(-rotation, rotation)),
        shift_px=(float(rng.uniform(-shift, shift)), float(rng.uniform(-shift, shift))),
        scale=float(1 + rng.uniform(-jitter, jitter)),
        upside_down=bool(rng.random() < profile.upside_down_probability),
        tone=int(rng.integers(profile.paper_tone[0], profile.paper_tone[1], endpoint=True)),
        tint=float(rng.uniform(0, MAX_PAPER_TINT)),
        blur_sigma=float(rng.uniform(*profile.blur_sigma)),
        noise_sigma=float(rng.uniform(*profile.noise_sigma)),
        jpeg_quality=None if quality is None else int(rng.integers(*quality, endpoint=True)),
        threshold=float(BINARY_THRESHOLD * (1 + rng.uniform(-wobble, wobble))),
    )


# --- colour and resolution -------------------------------------------------------------


def _working_colour(page: Pixels, grey: bool) -> Pixels:
    page = np.ascontiguousarray(page)
    return imaging.to_grey(page) if grey else page


def _resample(image: Pixels, page_dpi: int, dpi: int) -> tuple[Pixels, Matrix]:
    if dpi == page_dpi:
        return image, np.eye(3)
    height, width = image.shape[:2]
    size = (round(width * dpi / page_dpi), round(height * dpi / page_dpi))
    smooth = "area" if dpi < page_dpi else "cubic"
    resized = imaging.resize_exact(image, *size, smooth=smooth)
    return resized, _resize_matrix(image.shape, resized.shape)


def _resize_matrix(source: tuple[int, ...], target: tuple[int, ...]) -> Matrix:
    fx, fy = target[1] / source[1], target[0] / source[0]
    return np.array([[fx, 0, (fx - 1) / 2], [0, fy, (fy - 1) / 2], [0, 0, 1]])


def _paper_tone(image: Pixels, white: tuple[float, ...]) -> Pixels:
    """Darken white to the paper's tone, leaving black ink black."""
    levels = np.arange(256, dtype=np.float64)[:, None] / 255
    table = np.rint(levels * np.array(white)).astype(np.uint8)
    return imaging.lookup(image, table if image.ndim == 2 else table.reshape(1, 256, 3))


def _paper_white(draw: _Draw, grey: bool) -> tuple[float, ...]:
    """The paper's level: grey, or for colour slightly yellow (less blue than red)."""
    if grey:
        return (float(draw.tone),)
    return (float(draw.tone), draw.tone - draw.tint / 2, draw.tone - draw.tint)


# --- flatbed scanner and fax -----------------------------------------------------------


def _flatbed(
    image: Pixels,
    white: tuple[float, ...],
    draw: _Draw,
    profile: ScanProfile,
    rng: np.random.Generator,
) -> tuple[Pixels, Matrix]:
    """Lay the page crooked on the glass, scan it, and maybe feed it in upside down."""
    placement = _affine_matrix(image.shape, draw)
    height, width = image.shape[:2]
    scanned = imaging.warp_affine(image, placement[:2], width, height, border=white)
    scanned = _add_noise(_blur(scanned, draw.blur_sigma), draw.noise_sigma, rng)
    if profile.color == "bilevel":
        scanned = _speckle(_binarise(scanned, draw.threshold, profile, rng), profile, rng)
    if draw.upside_down:
        scanned = imaging.rotate90(scanned, 2)
        placement = _half_turn_matrix(scanned.shape) @ placement
    return scanned, placement


def _affine_matrix(shape: tuple[int, ...], draw: _Draw) -> Matrix:
    centre = ((shape[1] - 1) / 2, (shape[0] - 1) / 2)
    matrix = imaging.rotation_matrix(centre, draw.rotation_deg, draw.scale)
    matrix[:, 2] += np.array(draw.shift_px)
    return np.vstack([matrix, [0.0, 0.0, 1.0]])


def _half_turn_matrix(shape: tuple[int, ...]) -> Matrix:
    height, width = shape[:2]
    return np.array([[-1.0, 0, width - 1], [0, -1.0, height - 1], [0, 0, 1]])


def _blur(image: Pixels, sigma: float) -> Pixels:
    return imaging.gaussian_blur(image, sigma) if sigma > 0 else image


def _add_noise(image: Pixels, sigma: float, rng: np.random.Generator) -> Pixels:
    noisy = image.astype(np.float32)
    noise = rng.standard_normal(image.shape, dtype=np.float32)
    noise *= sigma
    noisy += noise
    np.clip(noisy, 0, 255, out=noisy)
    return np.rint(noisy, out=noisy).astype(np.uint8)


def _binarise(
    grey: Pixels, threshold: float, profile: ScanProfile, rng: np.random.Generator
) -> Pixels:
    """Black where darker than a share of the local paper level, the share wandering a little."""
    wander = _smooth_field(grey.shape, 6, rng) * (profile.threshold_jitter / 2)
    level = _paper_level(grey) * (threshold + wander)
    return (grey >= level).astype(np.uint8) * np.uint8(255)


def _paper_level(grey: Pixels) -> Pixels:
    """The brightness of the paper around each pixel, ignoring the ink on it."""
    height, width = grey.shape
    small = imaging.resize_exact(grey, max(1, width // 8), max(1, height // 8), smooth="area")
    small = imaging.local_max(small, 7)
    return imaging.resize_exact(small, width, height, smooth="linear").astype(np.float32)


def _speckle(binary: Pixels, profile: ScanProfile, rng: np.random.Generator) -> Pixels:
    """Scatter black dots and white holes of one or two pixels, as a fax line does."""
    height, width = binary.shape
    count = int(rng.poisson(profile.speckle_density * binary.size))
    rows, cols = rng.integers(0, height, count), rng.integers(0, width, count)
    values = np.where(rng.random(count) < PEPPER_SHARE, 0, 255).astype(np.uint8)
    double = rng.random(count) < 0.5
    speckled = binary.copy()
    speckled[rows, cols] = values
    speckled[np.minimum(rows[double] + 1, height - 1), cols[double]] = values[double]
    return speckled


def _smooth_field(shape: tuple[int, ...], cells: int, rng: np.random.Generator) -> Pixels:
    """A gently varying random field between about -1 and 1."""
    coarse = rng.uniform(-1, 1, (cells, cells)).astype(np.float32)
    return imaging.resize_exact(coarse, shape[1], shape[0], smooth="cubic")


# --- phone photo -----------------------------------------------------------------------


def _photograph(
    page: Pixels, draw: _Draw, profile: ScanProfile, rng: np.random.Generator
) -> tuple[Pixels, Matrix]:
    """Photograph the page lying on a table: perspective, uneven light, lens blur, noise."""
    frame = _frame_size(page.shape, profile)
    corners = _corners_in_frame(page.shape, frame, draw, profile, rng)
    placement = imaging.perspective_matrix(_page_edges(page.shape), corners).astype(np.float64)
    photo = _lay_on_table(page, placement, _table(frame, rng))
    photo = _light(_blur(photo, draw.blur_sigma), rng)
    return _add_noise(photo, draw.noise_sigma, rng), placement


def _frame_size(shape: tuple[int, ...], profile: ScanProfile) -> tuple[int, int]:
    """Width and height of a 3:4 photo that holds the page however it was placed."""
    height, width = shape[:2]
    angle = math.radians(profile.max_rotation_deg)
    cos, sin = math.cos(angle), math.sin(angle)
    reach = 0.75 * profile.max_perspective * math.hypot(width, height)
    slack = profile.max_shift_mm / MM_PER_INCH * profile.dpi + PHOTO_MARGIN * height
    scale = 1 + profile.scale_jitter
    frame_w = 2 * (scale * ((width * cos + height * sin) / 2 + reach) + slack)
    frame_h = 2 * (scale * ((height * cos + width * sin) / 2 + reach) + slack)
    frame_h = max(frame_h, frame_w * 4 / 3)
    return math.ceil(max(frame_w, frame_h * 3 / 4)), math.ceil(frame_h)


def _page_edges(shape: tuple[int, ...]) -> Pixels:
    """The outer corners of a page image: top-left, top-right, bottom-right, bottom-left."""
    height, width = shape[:2]
    right, bottom = width - 0.5, height - 0.5
    return np.array([[-0.5, -0.5], [right, -0.5], [right, bottom], [-0.5, bottom]], np.float32)


def _corners_in_frame(
    shape: tuple[int, ...],
    frame: tuple[int, int],
    draw: _Draw,
    profile: ScanProfile,
    rng: np.random.Generator,
) -> Pixels:
    height, width = shape[:2]
    half = np.array([[-width, -height], [width, -height], [width, height], [-width, height]]) / 2
    corners = (half + _keystone(width, height, profile.max_perspective, rng)) * draw.scale
    angle = math.radians(draw.rotation_deg + (180 if draw.upside_down else 0))
    cos, sin = math.cos(angle), math.sin(angle)
    turned = corners @ np.array([[cos, -sin], [sin, cos]])
    centre = np.array([(frame[0] - 1) / 2, (frame[1] - 1) / 2]) + draw.shift_px
    return (turned + centre).astype(np.float32)


def _keystone(width: int, height: int, limit: float, rng: np.random.Generator) -> Pixels:
    """Corner offsets of a camera tilted a little about both axes, plus some wobble."""
    tilt = rng.uniform(-limit / 2, limit / 2, 2) * (width, height)
    wobble = rng.uniform(-limit / 4, limit / 4, (4, 2)) * (width, height)
    sides = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]])
    return (sides[:, :1] * sides[:, 1:]) * tilt + wobble


def _table(frame: tuple[int, int], rng: np.random.Generator) -> Pixels:
    """A table top: one colour with blotches and a wood-like grain along x."""
    width, height = frame
    colour = np.array(TABLE_COLOURS[rng.integers(len(TABLE_COLOURS))]) * rng.uniform(0.85, 1.1)
    blotches = _smooth_field((height, width), 8, rng) * 0.08
    streaks = rng.standard_normal((max(2, height // 4), 6)).astype(np.float32)
    grain = imaging.resize_exact(streaks, width, height, smooth="cubic") * 0.04
    return (1 + blotches + grain)[:, :, None] * colour.astype(np.float32)


def _lay_on_table(page: Pixels, placement: Matrix, table: Pixels) -> Pixels:
    size = (table.shape[1], table.shape[0])
    flat = imaging.warp_perspective(page, placement, *size, border=None)
    cover = np.full(page.shape[:2], 1.0, np.float32)
    mask = imaging.warp_perspective(cover, placement, *size, border=0.0)
    shadow = _soft(mask, table.shape[0] / 150)
    shaded = table * (1 - 0.35 * shadow)[:, :, None]
    mask = mask[:, :, None]
    return shaded * (1 - mask) + flat.astype(np.float32) * mask


def _soft(mask: Pixels, sigma: float) -> Pixels:
    """A wide Gaussian blur, done at a quarter of the size for speed."""
    height, width = mask.shape[:2]
    small = imaging.resize_exact(mask, width // 4, height // 4, smooth="area")
    small = imaging.gaussian_blur(small, sigma / 4)
    return imaging.resize_exact(small, width, height, smooth="linear")


def _light(photo: Pixels, rng: np.random.Generator) -> Pixels:
    """Light from one side, darker corners, and a slightly wrong white balance."""
    height, width = photo.shape[:2]
    ys = np.linspace(-1, 1, height, dtype=np.float32)[:, None]
    xs = np.linspace(-1, 1, width, dtype=np.float32)[None, :]
    angle, strength = rng.uniform(0, 2 * math.pi), rng.uniform(0.05, 0.18)
    vignette, brightness = rng.uniform(0.1, 0.3), rng.uniform(0.92, 1.05)
    field = brightness + strength * (math.cos(angle) * xs + math.sin(angle) * ys)
    field = field - vignette * (xs * xs + ys * ys) / 2
    balance = (1 + rng.uniform(-0.04, 0.04, 3)).astype(np.float32)
    return photo.astype(np.float32) * field[:, :, None] * balance


# --- output ----------------------------------------------------------------------------


def _encode(pixels: Pixels, color: str, jpeg_quality: int | None) -> Image.Image:
    image = Image.fromarray(pixels)
    if color == "bilevel":
        return image.convert("1", dither=Image.Dither.NONE)
    return image if jpeg_quality is None else _jpeg_round_trip(image, jpeg_quality)


def _jpeg_round_trip(image: Image.Image, quality: int) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    buffer.seek(0)
    with Image.open(buffer) as decoded:
        return decoded.convert(image.mode)


def _project(matrix: Matrix, points: ArrayLike) -> NDArray[np.float64]:
    flat = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    mapped = np.hstack([flat, np.ones((len(flat), 1))]) @ matrix.T
    return mapped[:, :2] / mapped[:, 2:]


def _scanned_page(
    image: Image.Image,
    profile: ScanProfile,
    page_dpi: int,
    draw: _Draw,
    homography: Matrix,
    page_shape: tuple[int, ...],
) -> ScannedPage:
    corners = _project(homography, _page_edges(page_shape))
    return ScannedPage(
        image=image,
        dpi=profile.dpi,
        profile=profile.name,
        page_dpi=page_dpi,
        rotation_deg=draw.rotation_deg,
        shift_px=draw.shift_px,
        scale=draw.scale,
        upside_down=draw.upside_down,
        paper_tone=draw.tone,
        blur_sigma=draw.blur_sigma,
        noise_sigma=draw.noise_sigma,
        jpeg_quality=draw.jpeg_quality,
        corners=tuple((float(x), float(y)) for x, y in corners),  # type: ignore[arg-type]
        homography=tuple(tuple(float(v) for v in row) for row in homography),  # type: ignore[misc]
    )
