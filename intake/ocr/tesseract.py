"""The one place Tesseract is called: pytesseract, or tesserocr when it is installed.

Both engines sit behind :class:`TextEngine`: ``read_line`` reads one prepared line
image and returns a :class:`~intake.reads.TextRead` with the text, a confidence
and Tesseract's LSTM alternatives per character (``lstm_choice_mode=2``).

- :class:`PytesseractEngine` runs the ``tesseract`` program once per call (hOCR
  output); always available where Tesseract is installed, ~80 ms per call.
- :class:`TesserocrEngine` keeps the library loaded in the process (~10 ms per
  call). It must be built against the system Tesseract
  (``pip install --no-binary tesserocr tesserocr``): the PyPI wheel bundles another
  Tesseract whose output differs.

Both run with the same variables on the same PNG-equivalent pixels and give the
same text, in the language they were made for (``Settings.tesseract_lang``; the
program is ``Settings.tesseract_cmd``). Tesseract runs single-threaded per call
(``OMP_THREAD_LIMIT=1``, set when an engine is made, before the library loads): on
a 2-core machine its own threads oversubscribe the cores and a page takes far
longer. Failures become :class:`~intake.errors.ConfigurationError` with what to
install.
"""

from __future__ import annotations

import logging
import os
import re
import shlex
import threading
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pytesseract
from PIL import Image

from intake.errors import ConfigurationError
from intake.reads import TextRead

log = logging.getLogger(__name__)

OEM_LSTM = 1
#: The resolution Tesseract is told; line images are scaled to a fixed text height
#: before reading, so this only silences its "invalid resolution" guess.
ASSUMED_DPI = 300
MISSING_TESSERACT = (
    "Tesseract saknas: installera paketen tesseract-ocr och tesseract-ocr-swe "
    "(scripts/install.sh gör det)."
)
MISSING_TESSEROCR = (
    "tesserocr saknas: installera apt-paketen libtesseract-dev libleptonica-dev "
    "pkg-config och kör sedan '.venv/bin/pip install --no-binary tesserocr tesserocr'."
)


class TextEngine(Protocol):
    """Reads one line of text from a prepared grey image (dark ink on white), in the
    engine's language."""

    name: str
    lang: str

    def read_line(self, image: np.ndarray, *, psm: int, whitelist: str | None) -> TextRead: ...


def single_threaded() -> None:
    """Tesseract (the library loaded here, or a program started from here) runs one
    thread per call. OpenMP reads this when the library loads, so it is set before."""
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")


@dataclass(frozen=True, slots=True)
class Symbol:
    """One recognised character with its confidence and the LSTM's alternatives (0–1)."""

    text: str
    confidence: float
    choices: tuple[tuple[str, float], ...]


def engine_variables(psm: int, whitelist: str | None) -> dict[str, str]:
    """The Tesseract variables both engines set for one read."""
    variables = {"lstm_choice_mode": "2", "user_defined_dpi": str(ASSUMED_DPI)}
    # The space must stay in a whitelist: without it Tesseract's LSTM decoder joins
    # the words and reports confidence 0 (tesseract-ocr/tesseract#2923).
    characters = "".join(sorted(set(whitelist) | {" "})) if whitelist else ""
    variables["tessedit_char_whitelist"] = characters
    return variables


def assemble(words: list[tuple[list[Symbol], float]]) -> TextRead:
    """A :class:`TextRead` from ``(symbols, word confidence 0–1)`` in reading order.

    Words are joined by one space; a space gets the alternative ``(" ", 1.0)`` so
    that ``alternatives`` has exactly one entry per character of ``text``. The
    confidence is the lowest word confidence: one doubtful word makes the field doubtful.
    """
    words = [(symbols, conf) for symbols, conf in words if symbols]
    if not words:
        return TextRead(text="", confidence=0.0, alternatives=[])
    text_parts: list[str] = []
    alternatives: list[list[tuple[str, float]]] = []
    for index, (symbols, _) in enumerate(words):
        if index:
            text_parts.append(" ")
            alternatives.append([(" ", 1.0)])
        for symbol in symbols:
            text_parts.append(symbol.text)
            alternatives.extend([_choices_of(symbol)] * len(symbol.text))
    confidence = min(conf for _, conf in words)
    return TextRead(text="".join(text_parts), confidence=confidence, alternatives=alternatives)


def _choices_of(symbol: Symbol) -> list[tuple[str, float]]:
    """The symbol's alternatives, best first, always including the symbol itself."""
    choices = dict(symbol.choices)
    choices.setdefault(symbol.text, symbol.confidence)
    return sorted(choices.items(), key=lambda item: -item[1])


def _unit(value: float) -> float:
    return min(max(value / 100.0, 0.0), 1.0)


# --- pytesseract: one process per call, hOCR output -----------------------------------

_HOCR_CONF = re.compile(r"x_confs? ([\d.]+)")
_WORD_CONF = re.compile(r"x_wconf (\d+)")


class PytesseractEngine:
    """Tesseract through pytesseract: a new ``tesseract`` process per call."""

    name = "pytesseract"

    def __init__(self, cmd: str = "tesseract", lang: str = "swe") -> None:
        single_threaded()
        self.cmd = cmd
        self.lang = lang

    def read_line(self, image: np.ndarray, *, psm: int, whitelist: str | None) -> TextRead:
        lang = self.lang
        variables = {**engine_variables(psm, whitelist), "hocr_char_boxes": "1"}
        config = f"--psm {psm} --oem {OEM_LSTM} " + " ".join(
            f"-c {shlex.quote(f'{key}={value}')}" for key, value in variables.items() if value
        )
        pytesseract.pytesseract.tesseract_cmd = self.cmd
        try:
            hocr = pytesseract.image_to_pdf_or_hocr(
                Image.fromarray(image), lang=lang, config=config, extension="hocr"
            )
        except pytesseract.TesseractNotFoundError as exc:
            raise ConfigurationError(MISSING_TESSERACT) from exc
        except pytesseract.TesseractError as exc:
            raise ConfigurationError(f"Tesseract kunde inte läsa bilden ({lang}): {exc}") from exc
        return assemble(parse_hocr(hocr))


def parse_hocr(hocr: bytes) -> list[tuple[list[Symbol], float]]:
    """Words of Tesseract's hOCR (with ``hocr_char_boxes`` and ``lstm_choice_mode=2``)."""
    root = ET.fromstring(hocr)
    words: list[tuple[list[Symbol], float]] = []
    for element in root.iter():
        if element.get("class") == "ocrx_word":
            match = _WORD_CONF.search(element.get("title", ""))
            conf = _unit(float(match.group(1))) if match else 0.0
            words.append((_hocr_symbols(element), conf))
    return words


def _hocr_symbols(word: ET.Element) -> list[Symbol]:
    symbols: list[Symbol] = []
    for child in word:
        if child.get("class") != "ocrx_cinfo":
            continue
        if child.get("id", "").startswith("lstm_choices") and symbols:
            last = symbols.pop()
            choices = tuple((c.text, _hocr_conf(c)) for c in child if c.text)
            symbols.append(Symbol(last.text, last.confidence, choices))
        elif child.text:
            symbols.append(Symbol(child.text, _hocr_conf(child), ()))
    return symbols


def _hocr_conf(element: ET.Element) -> float:
    match = _HOCR_CONF.search(element.get("title", ""))
    return _unit(float(match.group(1))) if match else 0.0


# --- tesserocr: the library loaded once per process ----------------------------------


class TesserocrEngine:
    """Tesseract through tesserocr: the library stays loaded, no process per call.

    One ``PyTessBaseAPI`` per language, created on first use and guarded by a lock
    (the API is not thread-safe). Pickling drops the loaded APIs, so an engine can
    be sent to a worker process, where it loads them again.
    """

    name = "tesserocr"

    def __init__(self, lang: str = "swe") -> None:
        self._tesserocr = _import_tesserocr()
        self.lang = lang
        self._apis: dict[str, Any] = {}
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        return {"lang": self.lang}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["lang"])  # type: ignore[misc]

    def read_line(self, image: np.ndarray, *, psm: int, whitelist: str | None) -> TextRead:
        with self._lock:
            api = self._api(self.lang)
            api.SetPageSegMode(psm)
            for key, value in engine_variables(psm, whitelist).items():
                api.SetVariable(key, value)
            _set_image(api, image)
            api.Recognize()
            return assemble(self._words(api))

    def close(self) -> None:
        with self._lock:
            for api in self._apis.values():
                api.End()
            self._apis.clear()

    def _api(self, lang: str) -> Any:
        if lang not in self._apis:
            tess = self._tesserocr
            try:
                self._apis[lang] = tess.PyTessBaseAPI(lang=lang, oem=tess.OEM.LSTM_ONLY)
            except RuntimeError as exc:
                raise ConfigurationError(
                    f"Tesseract hittar inte språket {lang!r}: installera tesseract-ocr-{lang}."
                ) from exc
        return self._apis[lang]

    def _words(self, api: Any) -> list[tuple[list[Symbol], float]]:
        tess = self._tesserocr
        words: list[tuple[list[Symbol], float]] = []
        iterator = api.GetIterator()
        if iterator is None:
            return words
        for result in tess.iterate_level(iterator, tess.RIL.SYMBOL):
            if result.IsAtBeginningOf(tess.RIL.WORD):
                # int(): as in hOCR's x_wconf, so both engines report the same confidence
                words.append(([], _unit(int(result.Confidence(tess.RIL.WORD)))))
            symbol = _utf8(result, tess.RIL.SYMBOL)
            if symbol and words:
                words[-1][0].append(self._symbol(result, symbol))
        return words

    def _symbol(self, result: Any, text: str) -> Symbol:
        confidence = _unit(result.Confidence(self._tesserocr.RIL.SYMBOL))
        choices = tuple(
            (str(c.GetUTF8Text()), _unit(c.Confidence()))
            for c in result.GetChoiceIterator()
            if c.GetUTF8Text()
        )
        return Symbol(text, confidence, choices)


def _set_image(api: Any, image: np.ndarray) -> None:
    """Give Tesseract the pixels: a grey image as raw bytes (what a PIL image becomes
    after tesserocr's BMP round trip, without it), anything else through PIL."""
    if image.ndim == 2 and image.dtype == np.uint8:
        height, width = image.shape
        api.SetImageBytes(np.ascontiguousarray(image).tobytes(), width, height, 1, width)
    else:
        api.SetImage(Image.fromarray(image))


def _utf8(result: Any, level: int) -> str:
    try:
        return str(result.GetUTF8Text(level))
    except RuntimeError:  # tesserocr raises on an empty element
        return ""


def _import_tesserocr() -> Any:
    single_threaded()
    try:
        import tesserocr  # type: ignore[import-not-found,unused-ignore]
    except ImportError as exc:
        raise ConfigurationError(MISSING_TESSEROCR) from exc
    return tesserocr


def tesserocr_available() -> bool:
    try:
        _import_tesserocr()
    except ConfigurationError:
        return False
    return True


_SHARED: dict[tuple[int, str, str], TextEngine] = {}


def shared_engine(cmd: str = "tesseract", lang: str = "swe") -> TextEngine:
    """This process's engine for ``lang``: tesserocr when it is importable (much
    faster), else pytesseract running ``cmd``. Shared, because loading Tesseract's
    model costs ~0.1 s; a forked child makes its own."""
    key = (os.getpid(), cmd, lang)
    if key not in _SHARED:
        if any(pid != key[0] for pid, _, _ in _SHARED):
            _SHARED.clear()  # a forked child must not share its parent's loaded API
        _SHARED[key] = TesserocrEngine(lang) if tesserocr_available() else _fallback(cmd, lang)
    return _SHARED[key]


def _fallback(cmd: str, lang: str) -> TextEngine:
    log.info("tesserocr not installed: reading text with pytesseract (one process per call)")
    return PytesseractEngine(cmd, lang)


# --- whole images ---------------------------------------------------------------------


def available_languages(cmd: str = "tesseract") -> list[str]:
    pytesseract.pytesseract.tesseract_cmd = cmd
    try:
        return list(pytesseract.get_languages())
    except (pytesseract.TesseractNotFoundError, OSError) as exc:
        raise ConfigurationError(MISSING_TESSERACT) from exc


def image_to_text(
    image: np.ndarray, *, lang: str = "swe", psm: int = 3, cmd: str = "tesseract"
) -> str:
    """Text of ``image`` (grey or RGB uint8) read with Tesseract page segmentation ``psm``."""
    single_threaded()
    pytesseract.pytesseract.tesseract_cmd = cmd
    try:
        return str(pytesseract.image_to_string(image, lang=lang, config=f"--psm {psm}"))
    except pytesseract.TesseractNotFoundError as exc:
        raise ConfigurationError(MISSING_TESSERACT) from exc
    except pytesseract.TesseractError as exc:
        raise ConfigurationError(f"Tesseract kunde inte läsa bilden: {exc}") from exc


@dataclass(frozen=True, slots=True)
class WordBox:
    """A word Tesseract found on a whole page: its text, pixel box and confidence 0-1."""

    text: str
    left: int
    top: int
    width: int
    height: int
    confidence: float


def image_words(
    image: np.ndarray, *, lang: str = "swe", psm: int = 3, cmd: str = "tesseract",
    dpi: int = ASSUMED_DPI,
) -> list[WordBox]:
    """Every word of ``image`` (a whole page) with its box, read with segmentation ``psm``."""
    single_threaded()
    pytesseract.pytesseract.tesseract_cmd = cmd
    try:
        data = pytesseract.image_to_data(image, lang=lang, config=f"--psm {psm} --dpi {dpi}",
                                         output_type=pytesseract.Output.DICT)
    except pytesseract.TesseractNotFoundError as exc:
        raise ConfigurationError(MISSING_TESSERACT) from exc
    except pytesseract.TesseractError as exc:
        raise ConfigurationError(f"Tesseract kunde inte läsa bilden: {exc}") from exc
    words = []
    for i, text in enumerate(data["text"]):
        if text and text.strip():
            words.append(WordBox(text=text.strip(), left=int(data["left"][i]),
                                 top=int(data["top"][i]), width=int(data["width"][i]),
                                 height=int(data["height"][i]),
                                 confidence=max(0.0, float(data["conf"][i])) / 100))
    return words
