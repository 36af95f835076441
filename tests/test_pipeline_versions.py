"""Two versions of a form that print the same boxes (issue 17): the next version of the
project's own blank, differing only in its footer, learned and active beside the
built-in one. Each page is read with the version printed in its footer."""

from __future__ import annotations

import json
import random
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from intake.evaluate import truth_path
from intake.forms import FORM_IDS, load_form
from intake.forms.reading import active_readings, builtin_readings
from intake.forms.store import TemplateStore
from intake.load.inputs import PageRef, list_pages
from intake.mapping.document import Document
from intake.ocr.align import align_page
from intake.ocr.tesseract import TextEngine, shared_engine
from intake.pipeline import InputFailure, extract, load_page
from intake.reads import PageImage, TextRead
from intake.samples.content import make_case
from intake.samples.make import make_samples, write_cases
from intake.samples.revised import REVISED_VERSION, revised_pdf
from intake.settings import Settings
from intake.templates.install import install_learned
from tests.tiers import slow_beyond

BUILTIN_VERSION = load_form("9448").version


@pytest.fixture(scope="module")
def revised_store(tmp_path_factory: pytest.TempPathFactory) -> TemplateStore:
    """Every form's blank with the next version in its footer, learned and active."""
    folder = tmp_path_factory.mktemp("versioner")
    store = TemplateStore(folder / "mallar")
    for form_id in FORM_IDS:
        blank = folder / f"FK{form_id}-{REVISED_VERSION}.pdf"
        blank.write_bytes(revised_pdf(form_id))
        store.activate(install_learned(blank, form_id, store).id)
    return store


def _documents(files: list[Path], store: TemplateStore) -> list[Document]:
    settings = Settings(workers=1, today=date(2026, 11, 25), templates_dir=store.root)
    found = list(extract(files, settings))
    assert not [f for f in found if isinstance(f, InputFailure)]
    return [d for d in found if isinstance(d, Document)]


def _version_printed(name: str) -> str:
    return REVISED_VERSION if "-rev" in name else BUILTIN_VERSION


@pytest.mark.tesseract
def test_the_revised_blank_is_learned_as_the_version_its_footer_names(
        revised_store: TemplateStore) -> None:
    """GIVEN the project's blanks drawn with another version in the footer WHEN learned
    THEN each template is that version, every box matched."""
    learned = [t.template for t in revised_store.active() if not t.builtin]
    assert sorted(t.form for t in learned) == sorted(FORM_IDS)
    assert {t.version for t in learned} == {REVISED_VERSION}
    assert all(t.ready() for t in learned)


@pytest.mark.tesseract
@pytest.mark.parametrize("style", slow_beyond(
    ["typed-office300", "hand-fax200", "hand-office300", "typed-fax200"], keep=2))
def test_each_page_is_read_with_the_version_printed_in_its_footer(
        style: str, revised_store: TemplateStore, tmp_path: Path) -> None:
    """GIVEN the built-in and the revised template of every form active (they print the
    same boxes) WHEN forms filled on either print and scanned are read THEN each page
    records the version its footer prints: the learned template for the revised print,
    the built-in one for the built-in print."""
    files = make_samples(tmp_path, [style], count=6, seed=17, layout="versions")

    docs = _documents(files, revised_store)

    learned = {t.id for t in revised_store.active() if not t.builtin}
    assert len(docs) == 6
    for doc in docs:
        (expected,) = json.loads(truth_path(tmp_path / style / doc.source).read_text())
        assert doc.form == expected["form"], doc.source
        assert doc.template is not None
        assert doc.template.version == _version_printed(doc.source), doc.source
        assert (doc.template.id in learned) == ("-rev" in doc.source), doc.source


@pytest.mark.tesseract
def test_a_batch_mixing_two_versions_records_each_pages_version(
        revised_store: TemplateStore, tmp_path: Path) -> None:
    """GIVEN one scanned batch of forms, some on the built-in print and some on the
    revised one, the same form on both WHEN read THEN every page records its version."""
    rng = random.Random(11)
    forms = ["9448", "9448", "9443", "9449", "9443"]
    layouts = ["revised", "builtin", "builtin", "revised", "revised"]
    path = write_cases([make_case(f, rng) for f in forms], "batch-tiff", tmp_path / "blandat",
                       rng, layouts=layouts)

    docs = {d.pages[0]: d for d in _documents([path], revised_store) if d.form in FORM_IDS}

    assert [docs[page].form for page in sorted(docs)] == forms
    assert [docs[page].template.version for page in sorted(docs)  # type: ignore[union-attr]
            ] == [REVISED_VERSION if layout == "revised" else BUILTIN_VERSION
                  for layout in layouts]


class CountingEngine:
    """A text engine that counts its reads and passes them to the shared engine."""

    name = "counting"
    lang = "swe"

    def __init__(self, engine: TextEngine) -> None:
        self.engine = engine
        self.reads = 0

    def read_line(self, image: np.ndarray, *, psm: int, whitelist: str | None) -> TextRead:
        self.reads += 1
        return self.engine.read_line(image, psm=psm, whitelist=whitelist)


def _scanned_pages(tmp_path: Path, layout: str) -> list[PageImage]:
    files = make_samples(tmp_path / layout, ["typed-office300"], count=1, seed=5,
                         forms=("9448",), layout=layout)  # type: ignore[arg-type]
    return [load_page(ref) for ref in list_pages(files[0], dpi=200)
            if isinstance(ref, PageRef)]


@pytest.mark.tesseract
def test_only_pages_whose_form_has_two_versions_alike_pay_for_reading_the_footer(
        revised_store: TemplateStore, tmp_path: Path) -> None:
    """GIVEN a revised FK 9448 page WHEN aligned with the built-in templates alone THEN
    no footer is read; WHEN aligned with both versions active THEN the footer is read
    and confirms the revised version."""
    (page,) = _scanned_pages(tmp_path, "revised")
    engine = CountingEngine(shared_engine())

    alone, _ = align_page(page, templates=builtin_readings(), engine=engine)
    assert (engine.reads, alone.version_check) == (0, None)

    both, _ = align_page(page, templates=active_readings(revised_store), engine=engine)
    assert both.template is not None and both.template.version == REVISED_VERSION
    assert both.version_check == "footer"
    assert engine.reads >= 1


@pytest.mark.tesseract
def test_a_page_without_a_readable_footer_keeps_the_builtin_version_unconfirmed(
        revised_store: TemplateStore, tmp_path: Path) -> None:
    """GIVEN a revised FK 9448 page whose footer was cut off (painted white) WHEN
    aligned with both versions active THEN it is still FK 9448, read with the built-in
    template as fit alone would choose, and the alignment says the version was not
    confirmed."""
    (page,) = _scanned_pages(tmp_path, "revised")
    image = np.array(page.image)
    image[round(image.shape[0] * 284 / 297):] = 255
    cut = page.model_copy(update={"image": image})

    alignment, _ = align_page(cut, templates=active_readings(revised_store),
                              engine=shared_engine())

    assert alignment.kind == "9448"
    assert alignment.template is not None and alignment.template.id == "FK9448"
    assert alignment.version_check == "unconfirmed"
