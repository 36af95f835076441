"""``sus-intake samples make``: seeded corpora of filled-and-scanned forms with truth.

A *style* is a way paper gets filled (digital, typed, hand-printed) and scanned
(office 300/200 dpi, fax, JPEG, phone photo) plus the file format it arrives in.
Every sample ``NAME.ext`` gets ``NAME.truth.json`` (CONTRACT §3) beside it.

A *layout* is which print of the forms paper forms are filled on: the project's own
(``builtin``), another printer's (``other``, :mod:`intake.samples.other_layout`: what
a learned template is measured on) or either, page by page (``mixed``); the project's
own print with the next version in its footer (``revised``, :mod:`intake.samples.revised`)
or either that or the built-in one, page by page (``versions``). Digital samples are
always the project's fillable PDF.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
from PIL import Image
from pydantic import BaseModel

from intake.forms import FORM_IDS, PageLayout, form_layout
from intake.forms.blank import blank_pdf
from intake.forms.fill import fill_pdf
from intake.load.render import render_pdf
from intake.progress import progress
from intake.samples.content import Case, StoreNames, make_case
from intake.samples.handwriting import WrittenPart
from intake.samples.ink import HAND_FONTS, Ink, Writer
from intake.samples.other_layout import PAGES as OTHER_PAGES
from intake.samples.other_layout import (
    draw,
    other_layout,
    other_layout_pages,
    split_layout_pages,
)
from intake.samples.pages import blank_back, cover_letter
from intake.samples.revised import revised_pdf
from intake.samples.scan import PROFILES, scan_page

log = logging.getLogger(__name__)

PAGE_DPI = 300

Layout = Literal["builtin", "other", "mixed", "revised", "versions"]
LAYOUTS: tuple[Layout, ...] = ("builtin", "other", "mixed", "revised", "versions")
#: The two prints a page by page layout alternates between.
_ALTERNATING: dict[str, tuple[str, str]] = {
    "mixed": ("builtin", "other"), "versions": ("builtin", "revised")}
#: What a sample's name says of the print it was filled on.
_NAME_PART = {"other": "annan", "revised": "rev", "split": "annan-delad"}


class Style(BaseModel, frozen=True):
    name: str
    fill: Literal["digital", "typed", "hand"]
    scan: str | None = None
    fmt: Literal["pdf", "png", "jpg", "tif"] = "pdf"
    batch: bool = False
    #: the handwriting fonts the hands of this style write with (default: every one)
    hand_fonts: tuple[str, ...] = HAND_FONTS
    #: hands write digits 0-9 as real people's (held-aside handwritten images), not in
    #: the font, so the reader is measured on real handwriting
    real_digits: bool = False
    #: whose real digits: held aside (figures), or the train part's calibration share
    #: (the ``*-calib`` styles: only to fit field-level review thresholds on, never figures)
    digit_part: WrittenPart = "held_aside"


STYLES: dict[str, Style] = {
    s.name: s
    for s in (
        Style(name="digital", fill="digital"),
        Style(name="typed-office300", fill="typed", scan="office300", fmt="pdf"),
        Style(name="typed-fax200", fill="typed", scan="fax200", fmt="tif"),
        Style(name="typed-jpeg200", fill="typed", scan="jpeg200", fmt="jpg"),
        Style(name="hand-office300", fill="hand", scan="office300", fmt="png"),
        Style(name="hand-office200", fill="hand", scan="office200", fmt="pdf"),
        Style(name="hand-fax200", fill="hand", scan="fax200", fmt="tif"),
        Style(name="phone-typed", fill="typed", scan="phone", fmt="jpg"),
        Style(name="phone-hand", fill="hand", scan="phone", fmt="jpg"),
        Style(name="batch-pdf", fill="hand", scan="office200", fmt="pdf", batch=True),
        Style(name="batch-tiff", fill="typed", scan="fax200", fmt="tif", batch=True),
        Style(name="hand-real300", fill="hand", scan="office300", fmt="png", real_digits=True),
        Style(name="fax-real200", fill="hand", scan="fax200", fmt="tif", real_digits=True),
        Style(name="phone-real", fill="hand", scan="phone", fmt="jpg", real_digits=True),
        Style(name="hand-calib300", fill="hand", scan="office300", fmt="png", real_digits=True,
              digit_part="calibration"),
        Style(name="fax-calib200", fill="hand", scan="fax200", fmt="tif", real_digits=True,
              digit_part="calibration"),
        Style(name="phone-calib", fill="hand", scan="phone", fmt="jpg", real_digits=True,
              digit_part="calibration"),
        # typed forms for calibration only: the font's digits, other forms than the
        # figures' typed-office300 (a style of their own so nothing measures on them)
        Style(name="typed-calib300", fill="typed", scan="office300", fmt="pdf",
              digit_part="calibration"),
    )
}


class Page(BaseModel, arbitrary_types_allowed=True):
    """One generated sheet side before scanning, with what the reader must say of it."""

    image: Any  # PIL.Image.Image, RGB at PAGE_DPI
    form: str  # "9443" | "9448" | "9449" | "blank" | "unknown"
    truth: dict[str, Any] = {}
    name: str = ""
    #: the print the form was filled on ("builtin", "other", "revised", or "split": the
    #: other print with the form going on to page 2)
    layout: str = "builtin"
    #: a later page of the form on the page before (one document with it)
    continues: bool = False


def make_samples(
    out: Path,
    styles: Sequence[str],
    *,
    count: int,
    seed: int,
    forms: Sequence[str] = FORM_IDS,
    organisation: StoreNames | None = None,
    layout: Layout = "builtin",
) -> list[Path]:
    """Write ``count`` samples of each style into ``out/STYLE/``; returns the files.

    Single-form styles cycle through ``forms`` (all three by default). With an
    ``organisation`` (a store's names) the forms name its förbund and insatser, so the
    store's service accepts them. Paper forms are filled on ``layout``'s print
    ("mixed", "versions": single-form samples alternate, batch pages are drawn at
    random)."""
    written: list[Path] = []
    with progress("Skriver prov", total=count * len(styles), unit="fil", leave=False) as bar:
        for style_name in styles:
            style = STYLES[style_name]
            folder = out / style.name
            folder.mkdir(parents=True, exist_ok=True)
            for index in range(count):
                rng = random.Random(f"{seed}:{style.name}:{index}")
                written.append(_make_one(folder, style, index, rng, forms, organisation,
                                         layout))
                bar.advance()
            log.info("wrote %d %s samples to %s", count, style.name, folder)
    return written


def _make_one(
    folder: Path, style: Style, index: int, rng: random.Random, forms: Sequence[str],
    organisation: StoreNames | None = None, layout: Layout = "builtin",
) -> Path:
    if style.batch:
        pages = _batch_pages(style, rng, organisation, layout)
        stem = f"{style.name}-{index:03d}-{len(pages)}p"
    else:
        form = forms[index % len(forms)]
        printed = _ALTERNATING[layout][index // len(forms) % 2] if layout in _ALTERNATING \
            else layout
        pages = _form_pages(form, style, rng, organisation=organisation, layout=printed)
        stem = f"{style.name}-{index:03d}-{pages[0].name}"
    return _write_file(pages, folder / f"{stem}.{style.fmt}", style, rng)


def write_cases(cases: Sequence[Case], style_name: str, path: Path,
                rng: random.Random, *, layouts: Sequence[str] = ()) -> Path:
    """Write the given filled forms as one sample file of ``style_name`` (several pages
    for a batch style, else the first case only), with its truth file beside it; case
    ``i`` printed on ``layouts[i]`` (default the built-in layout)."""
    style = STYLES[style_name]
    pages = [page for i, case in enumerate(cases if style.batch else cases[:1])
             for page in _form_pages(case.form, style, rng, case=case,
                                     layout=layouts[i] if i < len(layouts) else "builtin")]
    path = path.with_suffix(f".{style.fmt}")
    path.parent.mkdir(parents=True, exist_ok=True)
    return _write_file(pages, path, style, rng)


def _write_file(pages: list[Page], path: Path, style: Style, rng: random.Random) -> Path:
    """``pages`` as one sample file of ``style`` at ``path``, its truth file beside it."""
    if style.fill == "digital":
        _write_digital(pages[0], path, rng)
    else:
        _write_scans(pages, path, style, rng)
    _write_truth(path, pages)
    return path


def _form_pages(form: str, style: Style, rng: random.Random, *, case: Case | None = None,
                organisation: StoreNames | None = None, layout: str = "builtin",
                ) -> list[Page]:
    """A filled form's pages: the filled page, and on a print of two pages (the other
    layout) its page of text, which continues the same document."""
    case = case or make_case(form, rng, organisation=organisation)
    layout = "builtin" if style.fill == "digital" else layout
    parts = [f"fk{form}", *([_NAME_PART[layout]] if layout in _NAME_PART else []),
             *case.defects]
    name = "-".join(parts).replace("_", "-")
    images = (_ink_pages(case, style, rng, layout) if style.fill != "digital"
              else [None] * page_count(layout))
    first = Page(image=images[0], form=form, truth=case.truth, name=name, layout=layout)
    later = [Page(image=image, form=form, name=name, layout=layout, continues=True)
             for image in images[1:]]
    return [first, *later]


def page_count(layout: str) -> int:
    """How many pages a form printed on ``layout``'s print has."""
    return OTHER_PAGES if layout in ("other", "split") else 1


def _ink_form(case: Case, style: Style, rng: random.Random,
              layout: str = "builtin") -> Image.Image:
    """Page 1 of a form filled in."""
    return _ink_pages(case, style, rng, layout)[0]


def _ink_pages(case: Case, style: Style, rng: random.Random,
               layout: str = "builtin") -> list[Image.Image]:
    """Every page of a form filled in, each value on the page its widget is on."""
    pages = [Image.fromarray(blank_image(case.form, layout, number).copy())
             for number in range(1, page_count(layout) + 1)]
    fonts = style.hand_fonts
    if style.fill == "hand":
        writer = Writer.hand_printing(rng, fonts, real_digits=style.real_digits,
                                      digit_part=style.digit_part)
    else:
        writer = Writer.typed(rng)
    inks = [Ink(page, PAGE_DPI, rng) for page in pages]
    printed = printed_pages(case.form, layout)
    for name, value in case.written.items():
        number = next(n for n, p in enumerate(printed) if any(w.name == name for w in p.widgets))
        widget, ink = printed[number].widget(name), inks[number]
        if widget.kind == "checkbox":
            ink.tick(widget.rect, writer)
        elif widget.kind == "signature":
            name = case.truth.get("namnfortydligande") or "Signatur"
            ink.signature(widget.rect, Writer.hand_printing(rng, fonts), name)
        else:
            ink.text(widget.rect, str(value), writer)
    return pages


def _batch_pages(style: Style, rng: random.Random,
                 organisation: StoreNames | None = None,
                 layout: Layout = "builtin") -> list[Page]:
    pages: list[Page] = []
    if rng.random() < 0.6:
        pages.append(Page(image=cover_letter(PAGE_DPI, rng), form="unknown"))
    for _ in range(rng.randint(2, 6)):
        form = rng.choice(FORM_IDS)
        fill = rng.choice(["typed", "hand"])
        printed = rng.choice(_ALTERNATING[layout]) if layout in _ALTERNATING else layout
        form_pages = _form_pages(form, style.model_copy(update={"fill": fill}), rng,
                                 organisation=organisation, layout=printed)
        pages.extend(form_pages)
        if rng.random() < 0.4:
            pages.append(Page(image=blank_back(form_pages[-1].image, rng), form="blank"))
    return pages


def _write_digital(page: Page, path: Path, rng: random.Random) -> None:
    case_written = _digital_values(page)
    fill_pdf(blank_pdf(page.form), case_written, path)


def _digital_values(page: Page) -> dict[str, str | bool]:
    # The case is regenerated from the truth: digital fills write canonical values.
    values: dict[str, str | bool] = {}
    layout = form_layout(page.form)
    names = {w.name for w in layout.widgets}
    for field, value in page.truth.items():
        if value is None or value == []:
            continue
        if isinstance(value, list):
            values.update({f"{field}.{v}": True for v in value})
        elif isinstance(value, bool) and f"{field}.ja" in names:
            values[f"{field}.{'ja' if value else 'nej'}"] = True
        elif value is False:
            continue
        elif isinstance(value, str) and f"{field}.{value}" in names:
            values[f"{field}.{value}"] = True
        elif field in names:
            values[field] = True if value is True else str(value)  # True: a PDF signature
    if page.form == "9443":
        values["ort_och_datum"] = f"{page.truth['ort']} {page.truth['datum']}"
    return values


def _write_scans(pages: list[Page], path: Path, style: Style, rng: random.Random) -> None:
    nprng = np.random.default_rng(rng.randrange(2**32))
    profile = PROFILES[style.scan or "office300"]
    images = [scan_page(np.asarray(p.image), PAGE_DPI, profile, nprng) for p in pages]
    first, *rest = [s.image for s in images]
    dpi = (images[0].dpi, images[0].dpi)
    if style.fmt == "tif":
        kwargs: dict[str, Any] = {"compression": "group4" if first.mode == "1" else "tiff_lzw"}
    elif style.fmt == "jpg":
        kwargs = {"quality": 88}
    elif style.fmt == "pdf":
        kwargs = {"resolution": float(dpi[0])}
    else:
        kwargs = {}
    if rest:
        first.save(path, save_all=True, append_images=rest, dpi=dpi, **kwargs)
    else:
        first.save(path, dpi=dpi, **kwargs)


def _write_truth(path: Path, pages: list[Page]) -> None:
    """One document per form, its later pages in its ``pages`` (CONTRACT §2)."""
    docs: list[dict[str, Any]] = []
    for number, page in enumerate(pages, start=1):
        if page.continues and docs:
            docs[-1]["pages"].append(number)
        else:
            docs.append({"pages": [number], "form": page.form, "fields": page.truth})
    truth_path = path.with_name(path.name.rsplit(".", 1)[0] + ".truth.json")
    truth_path.write_text(json.dumps(docs, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


@cache
def blank_image(form: str, layout: str = "builtin", page: int = 1) -> np.ndarray:
    """Page ``page`` of the blank form ``form`` as printed on ``layout``'s print, RGB at
    PAGE_DPI."""
    if layout in ("other", "split"):
        image = draw(printed_pages(form, layout)[page - 1], PAGE_DPI)
    elif layout == "revised":
        image = next(render_pdf(revised_pdf(form), dpi=PAGE_DPI))
    else:
        image = next(render_pdf(blank_pdf(form), dpi=PAGE_DPI))
    image.setflags(write=False)
    return image


@cache
def printed_layout(form: str, layout: str = "builtin") -> PageLayout:
    """Where the widgets of ``form`` are on ``layout``'s print (mm)."""
    return other_layout(form) if layout == "other" else form_layout(form)


@cache
def printed_pages(form: str, layout: str = "builtin") -> tuple[PageLayout, ...]:
    """Every page of ``form`` as printed on ``layout``'s print (a page of text has no
    widgets)."""
    if layout == "other":
        return other_layout_pages(form)
    if layout == "split":
        return split_layout_pages(form)
    return (form_layout(form),)
