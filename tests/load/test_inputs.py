"""Loading inputs: every page of PDFs and images, clear errors for the unreadable."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter

from intake.errors import InputError
from intake.forms.blank import blank_pdf
from intake.forms.fill import fill_pdf
from intake.load.inputs import DigitalPage, PageRef, list_pages, load_page, read_input
from intake.reads import PageImage


def page(shade: int = 255, size: tuple[int, int] = (827, 1170)) -> Image.Image:
    return Image.new("L", size, shade)


def test_multipage_tiff_gives_every_page_in_order(tmp_path: Path) -> None:
    """GIVEN a 3-page G4 TIFF WHEN read THEN three pages numbered 1..3 come out."""
    path = tmp_path / "batch.tif"
    frames = [page().convert("1") for _ in range(3)]
    frames[0].save(path, save_all=True, append_images=frames[1:], compression="group4",
                   dpi=(200, 200))
    pages = list(read_input(path, dpi=200))
    assert [p.page for p in pages] == [1, 2, 3]
    assert all(isinstance(p, PageImage) and p.dpi == 200 for p in pages)


def test_digitally_filled_pdf_is_read_from_its_widgets(tmp_path: Path) -> None:
    """GIVEN a filled FK9448 PDF WHEN read THEN the page is digital with its values."""
    path = tmp_path / "filled.pdf"
    fill_pdf(blank_pdf("9448"), {"namn": "Åsa Öberg", "utbildning.gymnasium": True}, path)
    (only,) = read_input(path, dpi=200)
    assert isinstance(only, DigitalPage)
    values = {w.name: w.value for w in only.widgets}
    assert values["namn"] == "Åsa Öberg"
    assert values["utbildning.gymnasium"] not in (None, "Off")


def test_scanned_pdf_pages_become_images(tmp_path: Path) -> None:
    """GIVEN an image-only PDF of two pages WHEN read THEN two grey page images."""
    path = tmp_path / "scan.pdf"
    page().save(path, save_all=True, append_images=[page(200)], resolution=100.0)
    pages = list(read_input(path, dpi=100))
    assert [type(p) for p in pages] == [PageImage, PageImage]
    assert pages[1].image.mean() == pytest.approx(200, abs=3)


def test_jpeg_without_dpi_gets_a_resolution_from_its_size(tmp_path: Path) -> None:
    """GIVEN a phone photo without dpi WHEN read THEN a plausible dpi is guessed."""
    path = tmp_path / "photo.jpg"
    page(240, (1500, 2000)).save(path)
    (only,) = read_input(path, dpi=200)
    assert 100 < only.dpi < 250


@pytest.mark.parametrize(
    ("name", "content"),
    [("broken.pdf", b"%PDF-1.7\nnot really"), ("photo.jpg", b"\xff\xd8\xff\xe0garbage"),
     ("notes.txt", b"hello"), ("empty.png", b"")],
)
def test_unreadable_inputs_raise_a_one_line_input_error(tmp_path: Path, name: str,
                                                        content: bytes) -> None:
    """GIVEN a corrupt or foreign file WHEN read THEN InputError names the file."""
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError) as err:
        list(read_input(path, dpi=200))
    assert name in err.value.message and "\n" not in err.value.message


def test_encrypted_pdf_is_refused_clearly(tmp_path: Path) -> None:
    """GIVEN a password-protected PDF WHEN read THEN InputError, not a crash."""
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt("hemligt", algorithm="AES-128")
    path = tmp_path / "locked.pdf"
    with path.open("wb") as fh:
        writer.write(fh)
    assert PdfReader(path).is_encrypted
    with pytest.raises(InputError):
        list(read_input(path, dpi=200))


def test_absurd_pixel_count_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN an image far larger than any scan WHEN read THEN InputError."""
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    path = tmp_path / "huge.png"
    Image.fromarray(np.zeros((100, 100), np.uint8)).save(path)
    with pytest.raises(InputError, match="orimligt stor"):
        list(read_input(path, dpi=200))


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    """GIVEN a path that does not exist WHEN read THEN InputError."""
    with pytest.raises(InputError, match="finns inte"):
        list(read_input(tmp_path / "nope.pdf", dpi=200))


def test_scanned_pages_are_listed_as_small_references(tmp_path: Path) -> None:
    """GIVEN a scanned PDF, a 3-page TIFF and a filled PDF WHEN listed
    THEN scanned pages are references (no pixels, picklable) and digital pages are read."""
    scan = tmp_path / "scan.pdf"
    page().save(scan, save_all=True, append_images=[page(200)], resolution=100.0)
    batch = tmp_path / "batch.tif"
    page().save(batch, save_all=True, append_images=[page(100), page(50)])
    filled = tmp_path / "filled.pdf"
    fill_pdf(blank_pdf("9448"), {"namn": "Åsa Öberg"}, filled)
    listed = [p for path in (scan, batch, filled) for p in list_pages(path, dpi=100)]
    assert [type(p) for p in listed] == [PageRef] * 5 + [DigitalPage]
    assert [(p.source, p.page) for p in listed[:5]] == [
        ("scan.pdf", 1), ("scan.pdf", 2), ("batch.tif", 1), ("batch.tif", 2), ("batch.tif", 3)
    ]
    assert len(pickle.dumps(listed[:5])) < 2000


def test_a_reference_loads_the_pixels_read_input_gives(tmp_path: Path) -> None:
    """GIVEN a scanned PDF and a TIFF of pages of different shades
    WHEN each listed page is loaded THEN it is that page, as read_input gives it."""
    scan = tmp_path / "scan.pdf"
    page(230).save(scan, save_all=True, append_images=[page(200)], resolution=100.0)
    batch = tmp_path / "batch.tif"
    page(180).save(batch, save_all=True, append_images=[page(100), page(50)], dpi=(200, 200))
    for path, shades in ((scan, [230, 200]), (batch, [180, 100, 50])):
        loaded = [load_page(ref) for ref in list_pages(path, dpi=100)]
        eager = list(read_input(path, dpi=100))
        assert [p.image.mean() for p in loaded] == pytest.approx(shades, abs=3)
        for one, other in zip(loaded, eager, strict=True):
            assert isinstance(other, PageImage) and np.array_equal(one.image, other.image)
            assert (one.source, one.page, one.dpi) == (other.source, other.page, other.dpi)


def test_image_that_breaks_off_fails_when_loaded(tmp_path: Path) -> None:
    """GIVEN a PNG cut off after its header WHEN listed THEN one reference;
    WHEN loaded THEN a one-line InputError naming the file."""
    whole = tmp_path / "whole.png"
    Image.fromarray(np.random.default_rng(1).integers(0, 255, (400, 300), np.uint8)).save(whole)
    cut = tmp_path / "avbruten.png"
    cut.write_bytes(whole.read_bytes()[:2000])
    (ref,) = list_pages(cut, dpi=200)
    with pytest.raises(InputError) as err:
        load_page(ref)
    assert "avbruten.png" in err.value.message and "\n" not in err.value.message


def test_photo_is_turned_upright_as_its_exif_says(tmp_path: Path) -> None:
    """GIVEN a portrait JPEG stored on its side with EXIF orientation 6
    WHEN read THEN the page comes out upright (its stored width becomes its height)."""
    path = tmp_path / "photo.jpg"
    stored = Image.new("L", (300, 200), 255)
    stored.paste(0, (0, 0, 30, 200))  # a dark band at the stored image's left edge
    exif = Image.Exif()
    exif[0x0112] = 6  # the camera was turned: rotate 90° clockwise to view
    stored.save(path, exif=exif, dpi=(150, 150))
    (only,) = read_input(path, dpi=200)
    assert only.image.shape == (300, 200) and only.dpi == 150
    assert only.image[:20].mean() < 60 and only.image[-20:].mean() > 200


@pytest.mark.parametrize("exif", [False, True])
def test_a_grey_png_reads_as_stored_unless_its_exif_turns_it(tmp_path: Path, exif: bool) -> None:
    """GIVEN a grey PNG scan, once as it is and once stored on its side with EXIF
    orientation 6
    WHEN read
    THEN the first gives exactly its stored pixels and resolution, the second comes out
    upright (grey PNGs without EXIF are decoded by OpenCV, the rest by PIL)."""
    path = tmp_path / "scan.png"
    stored = Image.fromarray(np.random.default_rng(4).integers(0, 256, (200, 300), np.uint8))
    stored.paste(0, (0, 0, 30, 200))  # a dark band at the stored image's left edge
    saved = Image.Exif()
    if exif:
        saved[0x0112] = 6
    stored.save(path, exif=saved, dpi=(150, 150))
    (only,) = read_input(path, dpi=200)
    assert round(only.dpi) == 150  # PNG stores dots per metre
    if exif:
        assert only.image.shape == (300, 200) and only.image[:20].mean() < 60
    else:
        assert np.array_equal(only.image, np.asarray(stored))
