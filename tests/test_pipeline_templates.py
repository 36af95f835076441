"""Reading with learned templates (issue 17): pages of another printer's layout are
read at that layout's boxes once its template is active; the built-in layout keeps
being read as before, in the same batch."""

from __future__ import annotations

import hashlib
import json
import random
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from intake.cli import cli
from intake.evaluate import same_value, truth_path
from intake.forms import FORM_IDS
from intake.forms.blank import blank_pdf, builtin_template
from intake.forms.model import PageLayout
from intake.forms.store import StoredTemplate, TemplateStore
from intake.forms.template import Source, Template, TemplatePage, template_of_layout
from intake.load.render import render_pdf
from intake.mapping.document import Document
from intake.pipeline import InputFailure, extract
from intake.samples.content import make_case
from intake.samples.make import make_samples, write_cases
from intake.samples.other_layout import draw, other_layout, other_layout_pages
from intake.samples.scan import PROFILES, scan_page
from intake.settings import Settings
from tests.tiers import slow_beyond

REFERENCE_DPI = 200


def _png(image: np.ndarray) -> bytes:
    import io

    buffer = io.BytesIO()
    Image.fromarray(image).convert("L").save(buffer, format="PNG")
    return buffer.getvalue()


def keep_active(store: TemplateStore, form_id: str, layout: PageLayout, page: np.ndarray,
                *, version: str = "002.F.001",
                later: tuple[PageLayout, ...] = ()) -> StoredTemplate:
    """A template of ``layout`` kept in ``store`` and activated, with ``page`` (the blank
    printed at REFERENCE_DPI) as its reference: what learning and fixing on the admin
    page give when every box is right. ``later`` are its pages of text after page 1."""
    blank = _png(page)
    source = Source(file="blank.png", sha256=hashlib.sha256(blank).hexdigest(), kind="scan",
                    dpi=REFERENCE_DPI)
    template: Template = template_of_layout(form_id, version, layout, source)
    template = template.model_copy(update={"more_pages": tuple(
        TemplatePage(number=number, texts=text.texts, boxes=text.boxes)
        for number, text in enumerate(later, start=2))})
    stored = store.add(template, blank=blank, blank_suffix=".png", reference_png=blank,
                       later_references=[_png(draw(text, REFERENCE_DPI)) for text in later])
    return store.activate(stored.id)


def keep_other_layout(store: TemplateStore, form_id: str) -> StoredTemplate:
    """The other layout of ``form_id`` (two pages: the form and its page of text)."""
    first, *later = other_layout_pages(form_id)
    return keep_active(store, form_id, first, draw(first, REFERENCE_DPI), later=tuple(later))


def _settings(store: TemplateStore) -> Settings:
    return Settings(workers=1, today=date(2026, 11, 25), templates_dir=store.root)


@pytest.fixture(scope="module")
def other_store(tmp_path_factory: pytest.TempPathFactory) -> TemplateStore:
    """The other layout of every form, active."""
    store = TemplateStore(tmp_path_factory.mktemp("mallar"))
    for form_id in FORM_IDS:
        keep_other_layout(store, form_id)
    return store


def _documents(files: list[Path], settings: Settings) -> list[Document]:
    found = list(extract(files, settings))
    assert not [f for f in found if isinstance(f, InputFailure)]
    return [d for d in found if isinstance(d, Document)]


def _wrong_fields(doc: Document, expected: dict) -> tuple[list[str], list[str]]:
    """(fields read wrong, of them those not sent to review)."""
    wrong = [name for name, value in expected["fields"].items()
             if doc.fields.get(name) is None or not same_value(doc.fields[name].value, value)]
    return wrong, [name for name in wrong if name not in doc.needs_review]


@pytest.mark.tesseract
def test_typed_forms_in_a_learned_layout_are_read_with_it(
        other_store: TemplateStore, tmp_path: Path) -> None:
    """GIVEN the other layout of each form active WHEN three typed office scans of each
    form in that layout are read THEN each is its form, read with its learned template,
    and every field is right (none wrong without review)."""
    files = make_samples(tmp_path, ["typed-office300"], count=9, seed=17, layout="other")
    learned = {t.id for t in other_store.active() if not t.builtin}
    wrong = silent = total = 0
    for doc in _documents(files, _settings(other_store)):
        (expected,) = json.loads(truth_path(tmp_path / "typed-office300" / doc.source)
                                 .read_text())
        assert doc.form == expected["form"], doc.source
        assert doc.pages == expected["pages"] == [1, 2]
        assert doc.template is not None and doc.template.id in learned
        bad, unseen = _wrong_fields(doc, expected)
        wrong, silent, total = wrong + len(bad), silent + len(unseen), total + len(
            expected["fields"])
    assert silent == 0
    assert wrong <= total // 100


@pytest.mark.tesseract
def test_a_batch_mixing_the_builtin_and_a_learned_layout_is_split_right(
        other_store: TemplateStore, tmp_path: Path) -> None:
    """GIVEN one scanned batch of the three forms in both layouts WHEN read THEN every
    page is its form, read with the template of the layout it was printed on."""
    rng = random.Random(7)
    cases = [make_case(form_id, rng) for form_id in (*FORM_IDS, *FORM_IDS)]
    layouts = ["builtin"] * 3 + ["other"] * 3
    path = write_cases(cases, "batch-tiff", tmp_path / "blandat", rng, layouts=layouts)

    docs = _documents([path], _settings(other_store))

    by_page = {doc.pages[0]: doc for doc in docs}
    truth = json.loads(truth_path(path).read_text())
    assert [doc.pages for doc in docs] == [t["pages"] for t in truth]
    assert [by_page[t["pages"][0]].form for t in truth] == [t["form"] for t in truth]
    used = [by_page[t["pages"][0]].template for t in truth]
    assert [u is not None and u.id.startswith(f"FK{t['form']}-") for u, t in
            zip(used, truth, strict=True)] == [layout == "other" for layout in layouts]


@pytest.mark.tesseract
def test_the_projects_own_blank_learned_again_changes_nothing(tmp_path: Path) -> None:
    """GIVEN the project's own FK 9448 blank active as a learned template (it prints
    exactly as the built-in one) WHEN typed forms are read THEN they are read with the
    built-in template, never "unknown", and the documents are the same as without it."""
    store = TemplateStore(tmp_path / "mallar")
    page = next(render_pdf(blank_pdf("9448"), dpi=REFERENCE_DPI, grey=True))
    keep_active(store, "9448", builtin_template("9448").page_layout(), page)
    files = make_samples(tmp_path / "prov", ["typed-office300"], count=2, seed=3,
                         forms=("9448",))

    with_learned = _documents(files, _settings(store))
    without = _documents(files, _settings(TemplateStore(tmp_path / "ingen")))

    assert [d.template.id if d.template else None for d in with_learned] == ["FK9448"] * 2
    assert [d.contract() for d in with_learned] == [d.contract() for d in without]


@pytest.mark.tesseract
@pytest.mark.parametrize("form_id", slow_beyond(["9443", "9449", "9448"]))
def test_a_layout_learned_from_one_scanned_blank_reads_its_filled_forms(
        form_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN another printer's blank, printed and scanned at the office
    WHEN `sus-intake forms learn BLANK --form F --activate` runs and typed forms of
    that layout are extracted THEN they are read with the learned template, every field
    right or sent to review."""
    monkeypatch.setenv("SUS_TEMPLATES_DIR", str(tmp_path / "mallar"))
    rng = np.random.default_rng(1)
    first, second = (scan_page(draw(layout, 300), 300, PROFILES["office300"], rng).image
                     for layout in other_layout_pages(form_id))
    blank = tmp_path / "blankett.tif"
    first.save(blank, save_all=True, append_images=[second], dpi=(300, 300))

    learned = CliRunner().invoke(cli, ["forms", "learn", str(blank), "--form", form_id,
                                       "--out", str(tmp_path / "mall.json"), "--activate"])

    assert learned.exit_code == 0, learned.output
    files = make_samples(tmp_path / "prov", ["typed-office300"], count=2, seed=8,
                         forms=(form_id,), layout="other")
    for doc in _documents(files, Settings(workers=1, today=date(2026, 11, 25))):
        (expected,) = json.loads(truth_path(tmp_path / "prov" / "typed-office300" /
                                            doc.source).read_text())
        assert doc.form == form_id and doc.template is not None and doc.pages == [1, 2]
        assert doc.template.id.startswith(f"FK{form_id}-")
        assert _wrong_fields(doc, expected)[1] == []


@pytest.mark.tesseract
def test_a_running_reader_reads_with_a_template_activated_after_it_started(
        tmp_path: Path) -> None:
    """GIVEN a reader started before the other layout of FK 9449 was activated (as the
    service's reading processes are) WHEN a page of that layout is read before and
    after the administrator activates it THEN it is "unknown", then FK 9449 read with
    the learned template — without a new reader."""
    from intake.load.inputs import list_pages
    from intake.pipeline import Reader

    store = TemplateStore(tmp_path / "mallar")
    reader = Reader.load(_settings(store))
    [path] = make_samples(tmp_path / "prov", ["typed-office300"], count=1, seed=4,
                          forms=("9449",), layout="other")
    page, _ = list(list_pages(path, dpi=reader.settings.render_dpi))

    before = reader.read(page)
    stored = keep_other_layout(store, "9449")
    after = reader.read(page)

    assert before.form == "unknown"
    assert after.form == "9449" and after.template == stored.ref


@pytest.mark.tesseract
def test_a_learned_template_whose_reference_is_unreadable_is_left_out(
        tmp_path: Path) -> None:
    """GIVEN an active learned template whose reference image was damaged on disk
    WHEN a typed built-in form is read THEN it is read as before (the template is left
    out, with a warning), not failed."""
    store = TemplateStore(tmp_path / "mallar")
    layout = other_layout("9443")
    stored = keep_active(store, "9443", layout, draw(layout, REFERENCE_DPI))
    (store.root / stored.id / "reference.png").write_bytes(b"trasig")
    files = make_samples(tmp_path / "prov", ["typed-office300"], count=1, seed=2,
                         forms=("9448",))

    [doc] = _documents(files, _settings(store))

    assert doc.form == "9448" and doc.template is not None and doc.template.id == "FK9448"
