"""Rendering PDF pages: a grey scan drawn straight into grey gives pdfium's own pixels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from intake.forms.blank import blank_pdf
from intake.render import _grey_images_only, _open, render_page, render_pdf


def scan_pdf(path: Path, mode: str) -> Path:
    """A one-page PDF holding one 300-dpi image with some texture (grey or colour)."""
    rng = np.random.default_rng(3)
    pixels = (rng.random((700, 500, 3)) * 255).astype(np.uint8)
    pixels[100:300, 50:400] = (200, 30, 30)
    Image.fromarray(pixels).convert(mode).save(path, resolution=300.0, quality=85)
    return path


def test_grey_scan_renders_as_pdfium_draws_it_in_colour(tmp_path: Path) -> None:
    """GIVEN a PDF of a grey JPEG scan WHEN rendered grey at 200 dpi (scaled by 2/3)
    THEN the pixels are those of pdfium's colour rendering, whose channels agree."""
    path = scan_pdf(tmp_path / "scan.pdf", "L")
    (grey,) = render_pdf(path, dpi=200, grey=True)
    (colour,) = render_pdf(path, dpi=200)
    assert grey.shape == colour.shape[:2] and grey.flags.c_contiguous
    for channel in range(3):
        assert np.array_equal(grey, colour[..., channel])
    assert np.array_equal(render_page(path, 1, dpi=200), grey)


def test_only_a_page_of_grey_images_takes_the_fast_path(tmp_path: Path) -> None:
    """GIVEN a grey scan, a colour scan and a blank form (vector drawing)
    WHEN asked whether the page holds grey images only THEN only the grey scan does."""
    answers = []
    for source in (scan_pdf(tmp_path / "grey.pdf", "L"), scan_pdf(tmp_path / "rgb.pdf", "RGB"),
                   blank_pdf("9448")):
        pdf = _open(source)
        try:
            answers.append(_grey_images_only(pdf[0]))
        finally:
            pdf.close()
    assert answers == [True, False, False]


def test_colour_scan_is_still_rendered_grey(tmp_path: Path) -> None:
    """GIVEN a colour scan WHEN rendered grey THEN one grey channel of the page's size."""
    path = scan_pdf(tmp_path / "rgb.pdf", "RGB")
    (grey,) = render_pdf(path, dpi=100, grey=True)
    assert grey.ndim == 2 and grey.dtype == np.uint8
    assert np.array_equal(render_page(path, 1, dpi=100), grey)
