"""Rendering PDF pages: a scanner's page (one grey image) is decoded and scaled by us;
everything else is drawn by pdfium."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from intake.forms.blank import blank_pdf
from intake.load.render import _grey_images_only, _open, render_page, render_pdf


def scan_pdf(path: Path, mode: str) -> Path:
    """A one-page PDF holding one 300-dpi image with some texture (grey or colour)."""
    rng = np.random.default_rng(3)
    pixels = (rng.random((700, 500, 3)) * 255).astype(np.uint8)
    pixels[100:300, 50:400] = (200, 30, 30)
    Image.fromarray(pixels).convert(mode).save(path, resolution=300.0, quality=85)
    return path


def test_grey_scan_renders_as_pdfium_draws_it_in_colour(tmp_path: Path) -> None:
    """GIVEN a PDF of a grey JPEG scan WHEN rendered grey at 200 dpi (scaled by 2/3)
    THEN the image is decoded and scaled by us: the size pdfium draws, and pixels
    within a grey level or two of pdfium's colour rendering, whose channels agree."""
    path = scan_pdf(tmp_path / "scan.pdf", "L")
    (grey,) = render_pdf(path, dpi=200, grey=True)
    (colour,) = render_pdf(path, dpi=200)
    assert grey.shape == colour.shape[:2] and grey.flags.c_contiguous
    for channel in range(3):
        assert np.abs(grey.astype(int) - colour[..., channel]).mean() < 2.0
    assert np.array_equal(render_page(path, 1, dpi=200), grey)


def test_a_page_that_is_not_one_upright_image_is_drawn_by_pdfium(tmp_path: Path) -> None:
    """GIVEN a grey scan PDF and its page turned a quarter (/Rotate 90)
    WHEN rendered grey
    THEN the turned page comes out turned, as pdfium draws it, not as the raw image."""
    import pypdfium2 as pdfium

    path = scan_pdf(tmp_path / "scan.pdf", "L")
    pdf = pdfium.PdfDocument(str(path))
    pdf[0].set_rotation(90)
    turned = tmp_path / "turned.pdf"
    pdf.save(str(turned))
    pdf.close()
    (upright,) = render_pdf(path, dpi=200, grey=True)
    (rotated,) = render_pdf(turned, dpi=200, grey=True)
    assert rotated.shape == upright.shape[::-1]


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
