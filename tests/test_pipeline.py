"""End to end: generated inputs through `extract` with real Tesseract."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from intake import pipeline
from intake.cli import cli
from intake.errors import InputError
from intake.evaluate import same_value, truth_path
from intake.learned import ReadingModels
from intake.load.inputs import PageRef, list_pages, load_page
from intake.mapping.document import Document
from intake.pipeline import InputFailure, extract
from intake.reads import PageImage
from intake.samples.make import make_samples
from intake.settings import Settings

SETTINGS = Settings(workers=1, today=date(2026, 11, 25))


@pytest.fixture(scope="module")
def mini_batch(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("mini")
    files = make_samples(out, ["batch-tiff"], count=1, seed=4)
    files += make_samples(out, ["typed-office300", "digital"], count=3, seed=4)
    return files


@pytest.mark.tesseract
def test_every_page_lands_in_exactly_one_document_with_the_right_form(
    mini_batch: list[Path],
) -> None:
    """GIVEN a scanned batch, typed scans and digital PDFs
    WHEN extracted
    THEN each page appears in exactly one document, classified as its truth says."""
    docs = [d for d in extract(mini_batch, SETTINGS) if not isinstance(d, InputFailure)]
    for path in mini_batch:
        truth = json.loads(truth_path(path).read_text())
        found = {p: d.form for d in docs if d.source == path.name for p in d.pages}
        assert found == {t["pages"][0]: t["form"] for t in truth}, path.name


@pytest.mark.tesseract
def test_typed_and_digital_forms_have_no_silent_errors(mini_batch: list[Path]) -> None:
    """GIVEN typed scans and digital PDFs WHEN extracted
    THEN every field is right or sent to review, and digital fields are all right."""
    files = [p for p in mini_batch if "batch" not in p.name]
    for doc in extract(files, SETTINGS):
        assert not isinstance(doc, InputFailure)
        (truth,) = json.loads(truth_path(Path(_find(files, doc.source))).read_text())
        for name, expected in truth["fields"].items():
            right = same_value(doc.fields[name].value, expected)
            assert right or name in doc.needs_review, (doc.source, name)
            if doc.source.startswith("digital"):
                assert right and doc.fields[name].confidence == 1.0, (doc.source, name)


def _find(files: list[Path], name: str) -> Path:
    return next(p for p in files if p.name == name)


def test_unreadable_input_fails_alone_with_a_one_line_message(
    mini_batch: list[Path], tmp_path: Path
) -> None:
    """GIVEN a corrupt file between two good digital PDFs
    WHEN `sus-intake extract` runs
    THEN the good ones are in the JSON, stderr names the bad one, exit code is 2."""
    bad = tmp_path / "trasig.pdf"
    bad.write_bytes(b"%PDF-1.4 trasig")
    digital = [str(p) for p in mini_batch if p.name.startswith("digital")][:2]
    out = tmp_path / "out.json"
    result = CliRunner().invoke(
        cli, ["extract", digital[0], str(bad), digital[1], "--out", str(out), "--workers", "1"]
    )
    assert result.exit_code == 2
    assert "trasig.pdf" in result.output
    sources = [d["source"] for d in json.loads(out.read_text())]
    assert sources == [Path(digital[0]).name, Path(digital[1]).name]


def _blank_inputs(folder: Path) -> list[Path]:
    """Blank scans (no OCR needed) around an image that breaks off after its header."""
    white = Image.new("L", (827, 1170), 255)
    single = folder / "vit.png"
    white.save(single, dpi=(100, 100))
    whole = folder / "hel.png"
    noise = np.random.default_rng(1).integers(0, 255, (1170, 827), np.uint8)
    Image.fromarray(noise).save(whole)
    cut = folder / "avbruten.png"
    cut.write_bytes(whole.read_bytes()[:5000])
    batch = folder / "batch.tif"
    white.save(batch, save_all=True, append_images=[white, white], dpi=(100, 100))
    scan = folder / "scan.pdf"
    white.save(scan, save_all=True, append_images=[white], resolution=100.0)
    return [single, cut, batch, scan, single]


@pytest.mark.parametrize("workers", [1, 2])
def test_pages_come_in_input_order_with_a_failure_in_its_place(
    tmp_path: Path, workers: int
) -> None:
    """GIVEN blank scans, one image that cannot be decoded, and a file given twice
    WHEN extracted (pages loaded in the workers) THEN one document per page in input
    order, and the broken image's failure where it stands."""
    items = list(extract(_blank_inputs(tmp_path), Settings(workers=workers)))
    found = [(i.source, i.pages[0] if isinstance(i, Document) else None) for i in items]
    assert found == [("vit.png", 1), ("avbruten.png", None), ("batch.tif", 1),
                     ("batch.tif", 2), ("batch.tif", 3), ("scan.pdf", 1), ("scan.pdf", 2),
                     ("vit.png", 1)]
    failure = items[1]
    assert isinstance(failure, InputFailure) and "\n" not in failure.message
    assert all(i.form == "blank" for i in items if isinstance(i, Document))


def test_input_failing_part_way_gives_its_pages_up_to_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN a 3-page TIFF whose second page cannot be decoded, then another input
    WHEN extracted THEN page 1, the failure, and the next input: nothing after the failure."""
    _, _, batch, scan, _ = _blank_inputs(tmp_path)

    def load(ref: PageRef) -> PageImage:
        if ref.source == "batch.tif" and ref.page == 2:
            raise InputError("batch.tif: sidan 2 kan inte läsas.")
        return load_page(ref)

    monkeypatch.setattr(pipeline, "load_page", load)
    items = list(extract([batch, scan], Settings(workers=1)))
    found = [(i.source, i.pages[0] if isinstance(i, Document) else None) for i in items]
    assert found == [("batch.tif", 1), ("batch.tif", None), ("scan.pdf", 1), ("scan.pdf", 2)]


# --- the reader: settings and models passed down ------------------------------------------


def test_the_readers_engine_is_made_from_the_settings() -> None:
    """GIVEN settings naming another Tesseract language
    WHEN a reader is made
    THEN its engine reads in that language (nothing else decides it)."""
    reader = pipeline.Reader.load(Settings(tesseract_lang="eng", workers=1))
    assert reader.engine.lang == "eng"
    assert pipeline.Reader.load(SETTINGS).engine.lang == "swe"


@pytest.mark.tesseract
def test_the_review_line_of_the_settings_decides_what_a_digital_form_sends_to_review(
    mini_batch: list[Path],
) -> None:
    """GIVEN a digitally filled 9448 (every value exact, confidence 1.0) read with the
    default review line and with one above 1.0
    WHEN it is extracted
    THEN the first needs no review for confidence, the second sends every field."""
    digital = next(p for p in mini_batch if p.suffix == ".pdf" and "digital" in p.name
                   and "9448" in p.name)
    strict = Settings(workers=1, today=SETTINGS.today, review_below=1.01)
    (usual,) = extract([digital], SETTINGS)
    (everything,) = extract([digital], strict)
    assert isinstance(usual, Document) and isinstance(everything, Document)
    assert set(everything.needs_review) == set(everything.fields)
    assert len(usual.needs_review) < len(usual.fields)


@pytest.mark.tesseract
def test_a_reader_without_the_digit_model_reads_with_tesseract_alone(
    mini_batch: list[Path],
) -> None:
    """GIVEN the shipped models, and the same without the digit classifier
    WHEN a typed scan is read by each
    THEN both read it, each with the models it was given (none patched in between)."""
    models = ReadingModels.shipped()
    scan = next(p for p in mini_batch if "typed-office300" in p.name)
    page = next(iter(list_pages(scan, dpi=SETTINGS.render_dpi)))
    with_digits = pipeline.Reader(SETTINGS, models).read(page)
    alone = pipeline.Reader(SETTINGS, replace(models, digits=None)).read(page)
    assert with_digits.form == alone.form != "unknown"
    assert with_digits.fields["personnummer"].value == alone.fields["personnummer"].value


def test_the_services_reading_processes_run_below_the_web_process() -> None:
    """GIVEN the service's pool of reading processes WHEN it reads THEN its processes
    run at ``nice`` below the process that serves reviewers (which keeps its own), so
    review pages stay fast while a batch is read; and with one BLAS thread each."""
    import os

    mine = os.nice(0)
    pool = pipeline.start_reading_pool(pipeline.Reader.load(Settings()), 1, nice=7)
    try:
        assert pool.submit(os.nice, 0).result() == mine + 7
        assert os.nice(0) == mine
    finally:
        pool.shutdown()


def _thread_priorities_after_reading(path: Path) -> set[int]:
    """In a reading process: read page 1 of ``path`` (Tesseract and BLAS start their
    threads), then the nice value of every thread of the process."""
    from intake.review.reading import read_page

    read_page(path, 1)
    return {int((task / "stat").read_text().rsplit(")", 1)[1].split()[16])
            for task in Path("/proc/self/task").iterdir()}


@pytest.mark.tesseract
def test_every_thread_of_a_reading_process_reads_at_its_lower_priority(
        mini_batch: list[Path]) -> None:
    """GIVEN the service's reading pool at nice 7 WHEN it has read a scanned page THEN
    every thread of its process (Tesseract's and BLAS' included, Linux giving each
    thread a priority of its own) runs at nice 7 below this process."""
    import os

    scan = next(p for p in mini_batch if "typed-office300" in p.name)
    mine = os.nice(0)
    pool = pipeline.start_reading_pool(pipeline.Reader.load(Settings()), 1, nice=7)
    try:
        assert pool.submit(_thread_priorities_after_reading, scan).result() == {mine + 7}
    finally:
        pool.shutdown()


def _blas_threads_after_extract(path: Path) -> set[int]:
    """In a fresh process: ``extract`` one scan in turn (``workers`` 1), then the thread
    count each loaded OpenBLAS would use for its next product."""
    import ctypes

    list(extract([path], SETTINGS))
    counts = set()
    for library in pipeline._loaded_libraries(pipeline.BLAS_LIBRARY):
        loaded = ctypes.CDLL(library)
        for name in ("scipy_openblas_get_num_threads64_", "openblas_get_num_threads64_",
                     "openblas_get_num_threads"):
            if (getter := getattr(loaded, name, None)) is not None:
                counts.add(int(getter()))
                break
    return counts


@pytest.mark.tesseract
def test_extract_reading_in_turn_uses_one_blas_thread(
        mini_batch: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN ``extract --workers 1`` WHEN it reads a scan THEN numpy's OpenBLAS runs
    with one thread, as a pool's worker does (a second one spinning after each of the
    digit classifier's small products cost ~3x the processor time on hand pages)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    scan = next(p for p in mini_batch if "typed-office300" in p.name)
    monkeypatch.delenv("OPENBLAS_NUM_THREADS")  # the tests' own setting (conftest)
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as fresh:
        assert fresh.submit(_blas_threads_after_extract, scan).result() == {1}


# --- a learned template of two pages: a later page joins its form's document ---------


def _part(reader: pipeline.Reader, page: int, template_page: int, **reads: object
          ) -> Document:
    """The document a reader makes of page ``page`` of ``x.tif``, read as page
    ``template_page`` of a learned two-page FK 9443 template."""
    from intake.forms.template import TemplateRef
    from intake.reads import PageReads

    ref = TemplateRef(id="FK9443-002.F.001-abcdef01", version="002.F.001", page=template_page)
    part = PageReads(form="9443", template=ref, **reads)  # type: ignore[arg-type]
    return reader._document("x.tif", [page], part).model_copy(update={"parts": [part]})


def _two_page_reads(reader: pipeline.Reader) -> tuple[Document, Document]:
    from intake.reads import TextRead, TickRead

    def text(value: str) -> TextRead:
        return TextRead(text=value, confidence=0.99)

    first = _part(reader, 2, 1, texts={"personnummer": text("198112189876")})
    second = _part(reader, 3, 2, texts={"ort_och_datum": text("Uppsala 2026-11-02"),
                                        "namnfortydligande": text("Åsa Öberg")},
                   signature=TickRead(ink=0.3, state="ticked", confidence=0.99))
    return first, second


def test_a_templates_page_2_right_after_its_page_1_joins_its_document() -> None:
    """GIVEN page 2 of a file read as page 1 of a two-page template and page 3 as its
    page 2 (fields on both) WHEN joined THEN one document of pages 2 and 3 with the
    fields of both pages, named by the template as a whole."""
    reader = pipeline.Reader(SETTINGS, ReadingModels.shipped())
    first, second = _two_page_reads(reader)
    unknown = Document(source="x.tif", pages=[1], form="unknown")

    done = [d for _, d in pipeline._joined(iter([(0, unknown), (0, first), (0, second)]),
                                           reader)]

    assert [(d.pages, d.form) for d in done] == [([1], "unknown"), ([2, 3], "9443")]
    joined = done[1]
    assert joined.fields["personnummer"].value == "198112189876"
    assert joined.fields["namnfortydligande"].value == "Åsa Öberg"
    assert joined.template is not None and joined.template.page == 1
    assert not joined.problems and "parts" not in joined.contract()


def test_a_page_2_without_its_page_1_is_its_forms_document_with_page_1s_fields_flagged(
) -> None:
    """GIVEN page 2 of a two-page template with no page 1 before it (page 1 was of
    another file, or came after it) WHEN joined THEN it is its form's document of its
    own, the fields of page 1 empty, in review, with the missing page as their problem."""
    from intake.mapping.pages import MISSING_PAGE

    reader = pipeline.Reader(SETTINGS, ReadingModels.shipped())
    first, second = _two_page_reads(reader)

    done = [d for _, d in pipeline._joined(iter([(0, second), (1, first)]), reader)]

    assert [(d.source, d.pages) for d in done] == [("x.tif", [3]), ("x.tif", [2])]
    alone = done[0]
    assert alone.form == "9443" and alone.problems == {"personnummer": MISSING_PAGE}
    assert alone.fields["personnummer"].value is None
    assert "personnummer" in alone.needs_review
    assert alone.fields["namnfortydligande"].value == "Åsa Öberg"
    assert done[1].problems.keys() == {"underskrift", "ort", "datum", "namnfortydligande"}
