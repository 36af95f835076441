"""Lines of digits drawn as ``intake.ocr.text.prepare_line`` leaves writing, for the
tests of the digit reader; and the shipped digit model."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from intake.learned.digits import load_digit_model
from intake.ocr import glyphs
from intake.samples.ink import font_path

MODEL = load_digit_model()


def line_of(text: str, font_name: str = "ComicNeue-Regular.otf") -> np.ndarray:
    """``text`` drawn black on white about as ``prepare_line`` leaves it (core ~28 px)."""
    font = ImageFont.truetype(str(font_path(font_name)), 40)
    image = Image.new("L", (int(font.getlength(text)) + 40, 64), 255)
    ImageDraw.Draw(image).text((20, 48), text, font=font, fill=0, anchor="ls")
    return np.asarray(image)


def zero_in_two_strokes(text: str) -> np.ndarray:
    """``text`` drawn with the 0 before the first 8 broken into two halves (an open
    zero written as two strokes)."""
    line = line_of(text).copy()
    zero = glyphs.segment(line)[text.index("08")]  # type: ignore[index]
    middle = (zero.left + zero.right) // 2
    line[:, middle - 1 : middle + 2] = 255
    return line
