"""Pages that are not forms: the cover letter of a batch and the blank back of a sheet."""

from __future__ import annotations

import random

import numpy as np
from PIL import Image, ImageDraw

from intake.forms.model import PAGE_HEIGHT_MM, PAGE_WIDTH_MM
from intake.samples.ink import _font
from intake.samples.vocab import words

LETTER = (
    "Hej! Här kommer blanketter för deltagare i våra insatser. Samtyckesblanketterna"
    " i original skickas till Försäkringskassan Diariet. Hör av er om något saknas eller"
    " om en blankett behöver kompletteras. Vi har också bifogat en sammanställning över"
    " deltagare som avslutats under perioden."
)


def a4(dpi: int) -> Image.Image:
    size = (round(PAGE_WIDTH_MM / 25.4 * dpi), round(PAGE_HEIGHT_MM / 25.4 * dpi))
    return Image.new("RGB", size, "white")


def cover_letter(dpi: int, rng: random.Random) -> Image.Image:
    """A typed cover letter from a förbund: a page that is no form ("unknown")."""
    page = a4(dpi)
    draw = ImageDraw.Draw(page)
    mm = dpi / 25.4
    head = _font("LiberationSans-Regular.ttf", int(5 * mm))
    body = _font("LiberationSerif-Regular.ttf", int(3.6 * mm))
    draw.text((20 * mm, 25 * mm), rng.choice(words("forbund")), font=head, fill=(20, 20, 20))
    draw.text((20 * mm, 45 * mm), "Följebrev", font=head, fill=(20, 20, 20))
    y = 60 * mm
    for paragraph in rng.sample([LETTER, LETTER[:180] + ".", LETTER[60:]], 2):
        for line in _wrap(paragraph, 80):
            draw.text((20 * mm, y), line, font=body, fill=(25, 25, 25))
            y += 6 * mm
        y += 4 * mm
    draw.text((20 * mm, y + 10 * mm), "Med vänlig hälsning", font=body, fill=(25, 25, 25))
    return page


def blank_back(front: Image.Image, rng: random.Random) -> Image.Image:
    """The back of a duplex sheet: empty paper with faint bleed-through of the front."""
    ink = 255 - np.asarray(front.convert("L"), dtype=np.float32)
    strength = rng.uniform(0.03, 0.09)
    back = 255 - np.fliplr(ink) * strength
    return Image.fromarray(back.clip(0, 255).astype(np.uint8)).convert("RGB")


def _wrap(text: str, chars: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if len(line) + len(word) + 1 > chars:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return [*lines, line]
