"""Learn a template from a blank and keep it in the service's template store, as a
draft (``sus-intake forms learn``, the admin page's upload).

What is kept besides the template: the blank as uploaded, and each of the blank's
pages as reading sees it (grey, upright, at :data:`REFERENCE_DPI`), which is what pages of the
layout are aligned onto.
"""

from __future__ import annotations

from pathlib import Path

from intake import imaging
from intake.errors import InputError
from intake.forms.store import BLANK_SUFFIXES, StoredTemplate, TemplateStore
from intake.templates.learn import learn
from intake.templates.printed import PrintedPage

#: the resolution of a learned blank's reference image (as reading renders pages)
REFERENCE_DPI = 200


def install_learned(blank: Path, form_id: str, store: TemplateStore, *,
                    version: str | None = None, lang: str = "swe",
                    tesseract_cmd: str = "tesseract") -> StoredTemplate:
    """Learn form ``form_id``'s layout from ``blank`` and keep it in ``store`` as a
    draft; the stored template says what was matched, unsure or missing."""
    suffix = blank.suffix.lower() or ".pdf"
    if suffix not in BLANK_SUFFIXES:
        raise InputError(f"{blank.name}: blanketten måste vara PDF, PNG, JPEG eller TIFF.")
    template, pages = learn(blank, form_id, version=version, lang=lang,
                            tesseract_cmd=tesseract_cmd)
    first, *later = (_reference_png(blank, page) for page in pages)
    return store.add(template, blank=blank.read_bytes(), blank_suffix=suffix,
                     reference_png=first, later_references=later)


def _reference_png(blank: Path, page: PrintedPage) -> bytes:
    """A blank's page as reading sees it, at :data:`REFERENCE_DPI`."""
    if page.image is None:
        raise InputError(f"{blank.name}: sidan kunde inte läsas som bild.")
    scale = REFERENCE_DPI / page.dpi
    reference = page.image if abs(scale - 1) < 1e-3 else imaging.resize(page.image, scale)
    return imaging.encode_png(reference)
