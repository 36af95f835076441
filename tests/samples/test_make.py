"""The sample generator: every style written with truth that obeys CONTRACT §3."""

from __future__ import annotations

import json
import random
from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from intake.forms import load_form
from intake.mapping.records import record_from_contract
from intake.mapping.rules import check
from intake.pdftext import form_widgets
from intake.render import page_count
from intake.samples.content import REFERENCE_DAY, make_case
from intake.samples.make import STYLES, make_samples

FORMS = {"9443", "9448", "9449", "blank", "unknown"}


def truth_of(path: Path) -> list[dict]:
    return json.loads(path.with_name(path.name.rsplit(".", 1)[0] + ".truth.json").read_text())


def pages_in(path: Path) -> int:
    if path.suffix == ".pdf":
        return page_count(path)
    with Image.open(path) as image:
        return getattr(image, "n_frames", 1)


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


def test_same_seed_gives_the_same_samples(tmp_path: Path) -> None:
    """GIVEN two runs with one seed WHEN compared THEN the files are identical."""
    first = make_samples(tmp_path / "a", ["hand-fax200", "digital"], count=2, seed=5)
    second = make_samples(tmp_path / "b", ["hand-fax200", "digital"], count=2, seed=5)
    for a, b in zip(first, second, strict=True):
        assert a.name == b.name
        assert truth_of(a) == truth_of(b)
        if a.suffix != ".pdf":  # PDFs carry a creation time
            assert a.read_bytes() == b.read_bytes()


@pytest.mark.parametrize("form", ["9443", "9448", "9449"])
def test_cases_without_defects_obey_every_rule(form: str) -> None:
    """GIVEN 200 generated cases without defects
    WHEN checked against the SPEC §3 rules
    THEN none has an error (warnings such as late registration may occur)."""
    rng = random.Random(1)
    for _ in range(200):
        case = make_case(form, rng, defect_share=0.0)
        record = record_from_contract(form, case.truth)
        errors = [i for i in check(record, today=REFERENCE_DAY) if i.severity == "error"]
        assert errors == [], case.truth


EXPECTED_RULE = {
    "wrong_check_digit": "personnummer_invalid",
    "two_ticks_single": None,  # the single field's value is null: reported as missing
    "no_tick": "single_missing",
    "ja_without_percent": "procent_saknas",
    "unsigned_consent": "samtycke_ej_underskrivet",
}


def test_defect_cases_break_the_rule_they_are_named_after() -> None:
    """GIVEN generated cases that all carry a defect
    WHEN checked against the rules
    THEN each defect shows up as its rule's issue (a 10-digit number reads as valid)."""
    rng = random.Random(2)
    seen = set()
    for index in range(400):
        form = ("9443", "9448", "9449")[index % 3]
        case = make_case(form, rng, defect_share=1.0)
        if not case.defects:
            continue
        defect = case.defects[0]
        seen.add(defect)
        codes = {
            i.code for i in check(record_from_contract(form, case.truth), today=date(2026, 11, 20))
        }
        expected = EXPECTED_RULE.get(defect)
        if defect == "ten_digit_personnummer":
            assert "personnummer_invalid" not in codes
        elif defect == "two_ticks_single":
            assert codes & {"single_missing", "single_conflict"}
        else:
            assert expected in codes, (defect, codes)
    assert seen == set(EXPECTED_RULE) | {"ten_digit_personnummer"}


def test_committed_fixtures_match_the_generator(tmp_path: Path) -> None:
    """GIVEN the committed fixtures in samples/fixtures (seed 2026)
    WHEN the same styles are generated again with that seed
    THEN the truth files are the same (fixtures never drift from the generator)."""
    fixtures = Path(__file__).parents[2] / "samples" / "fixtures"
    for style, count in (("digital", 3), ("typed-fax200", 3), ("hand-fax200", 3)):
        made = make_samples(tmp_path, [style], count=count, seed=2026)
        for path in made:
            committed = fixtures / style / path.name
            assert committed.exists(), committed
            assert truth_of(committed) == truth_of(path)
