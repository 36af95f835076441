"""A whole generated corpus, every style (slow: it writes ~90 scans; CI runs it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from intake.forms import load_form
from intake.load.pdftext import form_widgets
from intake.samples.make import STYLES, make_samples
from intake.sus.records import record_from_contract
from tests.samples.truth import FORMS, pages_in, truth_of

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("samples")
    return make_samples(out, list(STYLES), count=3, seed=11)


def test_every_style_writes_files_with_truth_beside_them(corpus: list[Path]) -> None:
    """GIVEN samples made in every style
    WHEN the files are listed
    THEN each style has its files, in its format, each with NAME.truth.json."""
    by_style = {style: [p for p in corpus if p.parent.name == style] for style in STYLES}
    for style, files in by_style.items():
        assert len(files) == 3, style
        assert all(p.suffix == f".{STYLES[style].fmt}" for p in files)
        assert all(truth_of(p) for p in files)


def test_every_page_appears_in_exactly_one_truth_document(corpus: list[Path]) -> None:
    """GIVEN any sample WHEN its truth is read THEN the documents cover pages 1..N once."""
    for path in corpus:
        pages = [n for doc in truth_of(path) for n in doc["pages"]]
        assert sorted(pages) == list(range(1, pages_in(path) + 1)), path.name


def test_truth_has_every_field_of_its_form_typed_as_spec_says(corpus: list[Path]) -> None:
    """GIVEN the truth of every sample
    WHEN each form document is parsed into a record
    THEN it has exactly the form's SPEC fields and parses (types are right)."""
    for path in corpus:
        for doc in truth_of(path):
            assert doc["form"] in FORMS
            if doc["form"] in ("blank", "unknown"):
                assert doc["fields"] == {}
                continue
            expected = {f.name for f in load_form(doc["form"]).fields}
            assert set(doc["fields"]) == expected, path.name
            record_from_contract(doc["form"], doc["fields"])


def test_batches_mix_forms_with_blank_backs_and_cover_letters(corpus: list[Path]) -> None:
    """GIVEN the batch samples WHEN their truth is read
    THEN they hold several forms and, across the batches, blank and unknown pages."""
    batches = [p for p in corpus if STYLES[p.parent.name].batch]
    kinds = [doc["form"] for p in batches for doc in truth_of(p)]
    assert {"blank", "unknown"} <= set(kinds)
    assert len({"9443", "9448", "9449"} & set(kinds)) >= 2


def test_digital_pdf_widgets_hold_the_truth(corpus: list[Path]) -> None:
    """GIVEN a digitally filled sample WHEN its widgets are read
    THEN the personnummer widget holds the truth and ticked boxes match it."""
    for path in (p for p in corpus if p.parent.name == "digital"):
        fields = truth_of(path)[0]["fields"]
        values = {w.name: w.value for w in form_widgets(path)}
        assert values["personnummer"] == fields["personnummer"]
        ticked = {name for name, value in values.items() if "." in name and value != "Off"}
        for name in ticked:
            field, code = name.split(".")
            assert code in (
                fields[field]
                if isinstance(fields[field], list)
                else [fields[field], {True: "ja", False: "nej"}.get(fields[field])]
            )
