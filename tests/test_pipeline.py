"""End to end: generated inputs through `extract` with real Tesseract."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from intake.cli import cli
from intake.evaluate import same_value, truth_path
from intake.pipeline import InputFailure, extract
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
