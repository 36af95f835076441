"""Putting ink on a rendered blank page: typed text, hand printing, ticks, signatures.

Works on a PIL image of the page at a known dpi, using the widget rectangles of
the form layout, so what is written lands where a person would write it.
"""

from __future__ import annotations

import math
import os
import random
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from intake.forms.model import Rect
from intake.samples.handwriting import WrittenPart, written_bank

TYPED_FONTS = (
    "LiberationSans-Regular.ttf",
    "LiberationSerif-Regular.ttf",
    "LiberationMono-Regular.ttf",
    "DejaVuSans.ttf",
)
#: Handwriting fonts that cover å ä ö é (Debian packages named in scripts/install.sh).
HAND_FONTS = (
    "ComicNeue-Regular.otf",
    "dkg.ttf",
    "Breip.ttf",
    "SteveHand.ttf",
    "KleeOne-Regular.ttf",
    "Andika-Regular.ttf",
)
#: Script fonts for signatures.
SIGNATURE_FONTS = ("Kristi.ttf", "DancingScript-Regular.otf", "Delphine.ttf")
TICK_STYLES = ("x", "check", "blob", "scribble", "pencil", "overflow")
#: A real handwritten digit stands this tall against the hand's font size (about a
#: capital's height), so it sits among the font's letters like a person's would.
DIGIT_HEIGHT = 0.72
#: Grey level (of 255) above which a pixel of a real digit image counts as ink.
DIGIT_INK = 40
#: Gap after a real digit, as a share of its height; now and then a negative one, so
#: neighbours touch as people's digits sometimes do.
DIGIT_GAP = (0.08, 0.35)
TOUCHING_GAP = -0.05
TOUCHING_SHARE = 0.08


@cache
def font_path(name: str) -> Path:
    """The installed font file called ``name``: as fontconfig lists it, else found in
    the font folders of the XDG base directories."""
    found = _fontconfig_files().get(name)
    if found is not None:
        return found
    for root in _font_dirs():
        found = next(root.rglob(name), None) if root.is_dir() else None
        if found:
            return found
    raise FileNotFoundError(
        f"font {name} is missing: run scripts/install.sh (it installs the fonts-* packages)"
    )


@cache
def _fontconfig_files() -> dict[str, Path]:
    """Every font file fontconfig knows, by file name (empty without ``fc-list``)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return {}
    try:
        listed = subprocess.run([fc_list, "--format", "%{file}\\n"], check=True,
                                capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    files = (Path(line) for line in listed.splitlines() if line)
    return {path.name: path for path in sorted(files)}


def _font_dirs() -> list[Path]:
    data_home = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local/share")
    data_dirs = os.environ.get("XDG_DATA_DIRS") or "/usr/local/share:/usr/share"
    return [data_home / "fonts", Path.home() / ".fonts",
            *(Path(d) / "fonts" for d in data_dirs.split(":") if d)]


@cache
def _font(name: str, size_px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path(name)), size_px)


def real_digit(digit: int, rng: random.Random,
               part: WrittenPart = "held_aside") -> np.ndarray:
    """A random held-aside handwritten image of ``digit`` (28 × 28, white on black).

    Only the held-aside part: the rest of the train part is what the digit classifier
    learns from, and a sample written with it would measure the classifier on digits it
    has seen. Or (``part="calibration"``) the train part's calibration share, which the
    classifier is not fitted on: for forms the field decisions are calibrated on."""
    images = written_bank(part).of(digit)
    image: np.ndarray = images[rng.randrange(len(images))]
    return image


def ink_crop(image: np.ndarray) -> np.ndarray:
    """``image`` cut to the rows and columns that hold ink (grey above DIGIT_INK)."""
    rows = np.flatnonzero((image > DIGIT_INK).any(axis=1))
    cols = np.flatnonzero((image > DIGIT_INK).any(axis=0))
    if rows.size == 0:
        return image
    return image[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def _real_digit_advance(image: np.ndarray, size: float) -> float:
    """The expected advance of real digit ``image`` (cut to its ink) written at font size
    ``size`` px: its width at DIGIT_HEIGHT and the mean gap after it (touching ones
    included); its height jitter and actual gap are drawn only when it is written."""
    gap = (1 - TOUCHING_SHARE) * sum(DIGIT_GAP) / 2 + TOUCHING_SHARE * TOUCHING_GAP
    rows, cols = image.shape
    return DIGIT_HEIGHT * size * (cols / rows + gap)


@dataclass(frozen=True)
class Writer:
    """How one person (or one office printer) writes on a form."""

    font: str
    hand: bool
    ink: tuple[int, int, int]
    size_mm: float
    jitter: float  # 0 for typed text; ~1 for an ordinary hand
    tick_style: str
    pen_mm: float
    #: hand printing whose digits 0-9 are real people's (held-aside images), not the font's
    real_digits: bool = False
    #: which real digits: held aside (figures) or the calibration share (thresholds)
    digit_part: WrittenPart = "held_aside"

    @classmethod
    def typed(cls, rng: random.Random) -> Writer:
        return cls(
            font=rng.choice(TYPED_FONTS),
            hand=False,
            ink=(20, 20, 20),
            size_mm=rng.uniform(3.6, 4.4),
            jitter=0.0,
            tick_style="x",
            pen_mm=0.35,
        )

    @classmethod
    def hand_printing(
        cls, rng: random.Random, fonts: tuple[str, ...] = HAND_FONTS, *, real_digits: bool = False,
        digit_part: WrittenPart = "held_aside",
    ) -> Writer:
        ink = rng.choice([(25, 35, 120), (20, 20, 25), (30, 30, 80), (60, 60, 70)])
        return cls(
            font=rng.choice(fonts),
            hand=True,
            ink=ink,
            size_mm=rng.uniform(4.2, 5.6),
            jitter=rng.uniform(0.6, 1.3),
            tick_style=rng.choice(TICK_STYLES),
            pen_mm=rng.uniform(0.3, 0.55),
            real_digits=real_digits,
            digit_part=digit_part,
        )


class Ink:
    """Draws on ``page`` (RGB, ``dpi``); coordinates come in millimetres."""

    def __init__(self, page: Image.Image, dpi: int, rng: random.Random) -> None:
        self.page = page
        self.dpi = dpi
        self.rng = rng
        self.draw = ImageDraw.Draw(page)

    def px(self, mm: float) -> float:
        return mm * self.dpi / 25.4

    def text(self, rect: Rect, text: str, writer: Writer) -> None:
        size = self.px(writer.size_mm)
        digits = self._pick_digits(text, writer) if writer.hand and writer.real_digits else []
        width = self._width(text, writer, size, digits)
        room = self.px(rect.w - 3.0)
        if width > room:
            size *= room / width
        x = self.px(rect.x + 1.5 + (self.rng.uniform(0, 1.5) if writer.hand else 0))
        baseline = self.px(rect.y + rect.h * 0.5) + size * 0.35
        if writer.hand:
            baseline += self.px(self.rng.uniform(-0.8, 0.8))
            self._hand(text, x, baseline, size, writer, iter(digits))
        else:
            font = _font(writer.font, int(size))
            self.draw.text((x, baseline), text, font=font, fill=writer.ink, anchor="ls")

    def _pick_digits(self, text: str, writer: Writer) -> list[np.ndarray]:
        """A real image (of the writer's part), cut to its ink, for each digit of ``text`` in turn:
        picked before writing so the line's width is measured, not guessed."""
        part = writer.digit_part
        return [ink_crop(real_digit(int(c), self.rng, part)) for c in text if _is_digit(c)]

    def _width(
        self, text: str, writer: Writer, size: float, digits: list[np.ndarray]
    ) -> float:
        """About how wide ``text`` comes out at font size ``size`` px; ``digits`` are
        the real digit images that stand in for its digits (none: the font draws them)."""
        margin = 1.08 if writer.hand else 1.0
        if digits:
            text = "".join(c for c in text if not _is_digit(c))
        real = sum(_real_digit_advance(image, size) for image in digits)
        return (_font(writer.font, int(size)).getlength(text) + real) * margin

    def _hand(
        self, text: str, x: float, baseline: float, size: float, writer: Writer,
        digits: Iterator[np.ndarray],
    ) -> None:
        """Hand printing, glyph by glyph with a hand's wander; the digits are the next of
        ``digits`` (real ones) where the writer writes real digits."""
        slope = self.rng.uniform(-0.02, 0.02) * writer.jitter
        start = x
        for char in text:
            if writer.real_digits and _is_digit(char):
                dy = self._wander(x - start, slope, size, writer)
                x += self._write_real_digit(next(digits), x, baseline + dy, size, writer)
                continue
            s = int(size * (1 + self.rng.uniform(-0.08, 0.08) * writer.jitter))
            font = _font(writer.font, max(s, 8))
            dy = self._wander(x - start, slope, size, writer)
            if not char.isspace():
                self._glyph(char, font, x, baseline + dy, writer)
            x += font.getlength(char) * (1 + self.rng.uniform(-0.05, 0.12) * writer.jitter)

    def _wander(self, along: float, slope: float, size: float, writer: Writer) -> float:
        """How far a hand's next glyph sits off the baseline: a little at random, and
        more the further along a sloping line it is."""
        return self.rng.uniform(-0.06, 0.06) * size * writer.jitter + along * slope

    def _write_real_digit(
        self, image: np.ndarray, x: float, foot: float, size: float, writer: Writer
    ) -> float:
        """Writes real digit ``image`` (cut to its ink) at ``x`` with its bottom on
        ``foot``, about a capital's height tall; returns the advance: its width and a
        gap, now and then a touching one."""
        height = DIGIT_HEIGHT * size * (1 + self.rng.uniform(-0.1, 0.1) * writer.jitter)
        mask = _scaled_digit(image, height)
        self._paste_digit(mask, x, foot, writer)
        if self.rng.random() < TOUCHING_SHARE:
            return mask.width + TOUCHING_GAP * mask.height
        return mask.width + self.rng.uniform(*DIGIT_GAP) * mask.height

    def _paste_digit(self, mask: Image.Image, x: float, foot: float, writer: Writer) -> None:
        """Pastes ink through ``mask`` (grey = coverage) with its bottom-left at
        (``x``, ``foot``), turned a little about its centre as a hand turns a glyph."""
        angle = self.rng.uniform(-6, 6) * writer.jitter
        turned = mask.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)
        centre_x, centre_y = x + mask.width / 2, foot - mask.height / 2
        corner = (round(centre_x - turned.width / 2), round(centre_y - turned.height / 2))
        self.page.paste(Image.new("RGB", turned.size, writer.ink), corner, turned)

    def _glyph(
        self, char: str, font: ImageFont.FreeTypeFont, x: float, y: float, writer: Writer
    ) -> None:
        pad = int(font.size)
        tile = Image.new("L", (pad * 3, pad * 3), 0)
        ImageDraw.Draw(tile).text((pad, pad * 2), char, font=font, fill=255, anchor="ls")
        tile = tile.rotate(
            self.rng.uniform(-6, 6) * writer.jitter, resample=Image.Resampling.BICUBIC
        )
        colour = Image.new("RGB", tile.size, writer.ink)
        self.page.paste(colour, (int(x - pad), int(y - pad * 2)), tile)

    # --- ticks and signatures --------------------------------------------------------

    def tick(self, rect: Rect, writer: Writer) -> None:
        style = writer.tick_style if writer.hand else "x"
        {
            "x": self._tick_x,
            "check": self._tick_check,
            "blob": self._tick_blob,
            "scribble": self._tick_scribble,
            "pencil": self._tick_pencil,
            "overflow": self._tick_overflow,
        }[style](rect, writer)

    def _jit(self, mm: float) -> float:
        return self.rng.uniform(-mm, mm)

    def _line(
        self,
        pts: list[tuple[float, float]],
        writer: Writer,
        *,
        colour: tuple[int, int, int] | None = None,
        width_mm: float | None = None,
    ) -> None:
        xy = [(self.px(x), self.px(y)) for x, y in pts]
        width = max(1, round(self.px(width_mm or writer.pen_mm)))
        self.draw.line(xy, fill=colour or writer.ink, width=width, joint="curve")

    def _tick_x(self, r: Rect, w: Writer, grow: float = 0.0) -> None:
        m = 0.6 - grow
        j = 0.35 if w.hand else 0.0
        self._line(
            [
                (r.x + m + self._jit(j), r.y + m + self._jit(j)),
                (r.right - m + self._jit(j), r.bottom - m + self._jit(j)),
            ],
            w,
        )
        self._line(
            [
                (r.right - m + self._jit(j), r.y + m + self._jit(j)),
                (r.x + m + self._jit(j), r.bottom - m + self._jit(j)),
            ],
            w,
        )

    def _tick_check(self, r: Rect, w: Writer) -> None:
        self._line(
            [
                (r.x + 0.6, r.y + r.h * 0.55),
                (r.x + r.w * 0.4, r.bottom - 0.5),
                (r.right + self.rng.uniform(0, 1.2), r.y - self.rng.uniform(0, 1.5)),
            ],
            w,
        )

    def _tick_blob(self, r: Rect, w: Writer) -> None:
        box = [
            self.px(r.x + 0.7 + self._jit(0.3)),
            self.px(r.y + 0.7 + self._jit(0.3)),
            self.px(r.right - 0.7 + self._jit(0.3)),
            self.px(r.bottom - 0.7 + self._jit(0.3)),
        ]
        self.draw.ellipse(box, fill=w.ink)

    def _tick_scribble(self, r: Rect, w: Writer) -> None:
        pts = [
            (r.x + self.rng.uniform(0.6, r.w - 0.6), r.y + self.rng.uniform(0.6, r.h - 0.6))
            for _ in range(self.rng.randint(5, 9))
        ]
        self._line(pts, w)

    def _tick_pencil(self, r: Rect, w: Writer) -> None:
        grey = self.rng.randint(105, 150)
        for a, b in (((0.7, 0.7), (r.w - 0.7, r.h - 0.7)), ((r.w - 0.7, 0.7), (0.7, r.h - 0.7))):
            self._line(
                [(r.x + a[0], r.y + a[1]), (r.x + b[0], r.y + b[1])],
                w,
                colour=(grey, grey, grey),
                width_mm=0.25,
            )

    def _tick_overflow(self, r: Rect, w: Writer) -> None:
        self._tick_x(r, w, grow=self.rng.uniform(1.0, 2.2))

    def signature(self, rect: Rect, writer: Writer, name: str) -> None:
        """A signature: the name in a script hand (slanted, shrunk to fit) or pen loops,
        with a flourish stroke; it may run over the box's edge like real ones do."""
        if self.rng.random() < 0.7:
            script = Writer(
                font=self.rng.choice(SIGNATURE_FONTS),
                hand=True,
                ink=writer.ink,
                size_mm=rect.h * self.rng.uniform(0.45, 0.7),
                jitter=0.5,
                tick_style="x",
                pen_mm=writer.pen_mm,
            )
            surname = name.split()[-1] if self.rng.random() < 0.4 else name
            self.text(rect, surname, script)
        else:
            self._loops(rect, writer)
        y = rect.y + rect.h * self.rng.uniform(0.65, 0.9)
        x0 = rect.x + self.rng.uniform(3, 10)
        x1 = x0 + rect.w * self.rng.uniform(0.25, 0.6)
        bend = self.rng.uniform(-2, 2)
        pts = [(x0 + (x1 - x0) * t / 20, y + bend * math.sin(math.pi * t / 20)) for t in range(21)]
        self._line(pts, writer, width_mm=writer.pen_mm * 0.8)

    def _loops(self, rect: Rect, writer: Writer) -> None:
        """Cursive-like loops: a prolate cycloid with a wandering radius."""
        x0, mid = rect.x + self.rng.uniform(3, 10), rect.y + rect.h * 0.55
        speed, omega = self.rng.uniform(0.5, 0.9), self.rng.uniform(0.6, 1.1)
        radius = rect.h * self.rng.uniform(0.15, 0.3)
        pts = []
        for k in range(self.rng.randint(140, 280)):
            t = k / 2
            r = radius * (1 + 0.35 * math.sin(t / 9))
            x = x0 + speed * t - r * math.sin(omega * t) * 0.8
            y = mid + r * math.cos(omega * t) * self.rng.uniform(0.9, 1.1)
            if x > rect.right - 3:
                break
            pts.append((x, y))
        self._line(pts, writer, width_mm=writer.pen_mm * 0.9)


def _is_digit(char: str) -> bool:
    return char in "0123456789"


def _scaled_digit(image: np.ndarray, height: float) -> Image.Image:
    """Digit ``image`` (cut to its ink) scaled to ``height`` px with its aspect ratio
    kept (a 1 stays narrow), as a greyscale mask."""
    rows, cols = image.shape
    tall = max(4, round(height))
    wide = max(1, round(cols * tall / rows))
    return Image.fromarray(image).resize((wide, tall), Image.Resampling.LANCZOS)
