"""The one place pytesseract is used: running Tesseract on an image.

Tesseract runs single-threaded per call (``OMP_THREAD_LIMIT=1``): on a 2-core
machine its own threads oversubscribe the cores and a page takes far longer.
Failures become :class:`~intake.errors.ConfigurationError` with what to install.
"""

from __future__ import annotations

import os

import numpy as np
import pytesseract

from intake.errors import ConfigurationError

os.environ.setdefault("OMP_THREAD_LIMIT", "1")


def available_languages(cmd: str = "tesseract") -> list[str]:
    pytesseract.pytesseract.tesseract_cmd = cmd
    try:
        return list(pytesseract.get_languages())
    except (pytesseract.TesseractNotFoundError, OSError) as exc:
        raise ConfigurationError(
            "Tesseract saknas: installera paketen tesseract-ocr och tesseract-ocr-swe "
            "(scripts/install.sh gör det)."
        ) from exc


def image_to_text(
    image: np.ndarray, *, lang: str = "swe", psm: int = 3, cmd: str = "tesseract"
) -> str:
    """Text of ``image`` (grey or RGB uint8) read with Tesseract page segmentation ``psm``."""
    pytesseract.pytesseract.tesseract_cmd = cmd
    try:
        return str(pytesseract.image_to_string(image, lang=lang, config=f"--psm {psm}"))
    except pytesseract.TesseractNotFoundError as exc:
        raise ConfigurationError(
            "Tesseract saknas: installera tesseract-ocr och tesseract-ocr-swe."
        ) from exc
    except pytesseract.TesseractError as exc:
        raise ConfigurationError(f"Tesseract kunde inte läsa bilden: {exc}") from exc
