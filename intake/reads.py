"""What a reader saw: small pydantic models, picklable so that pages can go to a
process pool. The readers (``intake.ocr``, and ``intake.load.digital`` for a filled
PDF) return these; ``intake.mapping`` turns them into typed values.

Coordinates: an *aligned* page is the scan warped into the blank form's frame at
``WORK_DPI`` — A4 at 200 dpi, 1654 × 2339 px — so a widget rectangle in mm
(``intake.forms``) maps to pixels by ``mm * WORK_DPI / 25.4``.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from intake.forms.model import PAGE_HEIGHT_MM, PAGE_WIDTH_MM, Rect
from intake.forms.template import TemplateRef

WORK_DPI = 200
PAGE_W_PX = round(PAGE_WIDTH_MM / 25.4 * WORK_DPI)
PAGE_H_PX = round(PAGE_HEIGHT_MM / 25.4 * WORK_DPI)

PageKind = Literal["9443", "9448", "9449", "blank", "unknown"]
#: How the version of a form was settled among its templates that fit a page alike: by
#: the footer printed on the page, or not (the footer unreadable: the best fit was kept).
VersionCheck = Literal["footer", "unconfirmed"]


def mm_to_px(mm: float, dpi: float = WORK_DPI) -> int:
    return round(mm * dpi / 25.4)


def crop(aligned: np.ndarray, rect: Rect, *, pad_mm: float = 0.0) -> np.ndarray:
    """The pixels of ``rect`` (mm, grown by ``pad_mm`` on every side) in an aligned page."""
    x0, y0 = mm_to_px(rect.x - pad_mm), mm_to_px(rect.y - pad_mm)
    x1, y1 = mm_to_px(rect.right + pad_mm), mm_to_px(rect.bottom + pad_mm)
    h, w = aligned.shape[:2]
    return aligned[max(y0, 0) : min(y1, h), max(x0, 0) : min(x1, w)]


class Model(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)


class PageImage(Model):
    """One page of an input as pixels: grey uint8 at ``dpi``."""

    source: str
    page: int  # 1-based within source
    image: np.ndarray
    dpi: float


class Alignment(Model):
    """Which form a page is and how it maps onto that blank form."""

    kind: PageKind
    confidence: float
    quarter_turns: int = 0  # counter-clockwise 90° turns applied before the homography
    homography: tuple[tuple[float, ...], ...] | None = None  # scan px → aligned px
    registration_error_px: float | None = None  # median residual, in aligned px
    inliers: int = 0
    # how the pose was found: ORB features, or the page outline refined by ECC (fallback)
    route: Literal["features", "outline"] | None = None
    #: the template (layout and version) the page was aligned onto; None unless a form
    template: TemplateRef | None = None
    #: how that template's version was told from another version's that fit alike;
    #: None when no other version fit alike
    version_check: VersionCheck | None = None


class TickRead(Model):
    """One checkbox: how much ink beyond the printed box, and what that means."""

    ink: float
    state: Literal["ticked", "empty", "unclear"]
    confidence: float
    #: an unclear box whose ink lies in the upper half of the unclear band: ticked is
    #: the better guess (still unclear, so still for a person to check)
    leans_ticked: bool = False


class Cut(Model):
    """One way the digit classifier cut a line of digits: each glyph's probabilities
    over ``intake.learned.digits.CLASSES``, whether a gap (a space or a dash) stands
    before it, and the log-likelihood that every glyph of this cut is a whole character."""

    glyphs: list[list[float]]
    gaps: list[bool]
    log_weight: float


class TextRead(Model):
    """What the engine read in one text widget, with per-character alternatives; for a
    field of digits also the classifier's ``cuts`` of the line, likeliest first."""

    text: str
    confidence: float
    alternatives: list[list[tuple[str, float]]] = Field(default_factory=list)
    cuts: list[Cut] = Field(default_factory=list)
    #: for a date with a month's name: the line read again at other scales and page
    #: segmentation modes, each read a vote on which month the word is
    rereads: list[str] = Field(default_factory=list)
    #: for a date with a word between its day and year: the month classifier's
    #: probabilities that the word is each month (then no month), empty when not read
    month_word: list[float] = Field(default_factory=list)


class PageReads(Model):
    """Everything read on one form page, by widget name (CONTRACT §3): each text
    widget's text, each checkbox, the signature box. ``exact`` when the values were
    typed into a digital form rather than read from pixels."""

    form: str
    texts: dict[str, TextRead] = Field(default_factory=dict)
    ticks: dict[str, TickRead] = Field(default_factory=dict)
    signature: TickRead | None = None
    exact: bool = False
    #: the template (layout and version) the page was read with; None for digital forms
    template: TemplateRef | None = None
