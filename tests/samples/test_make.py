"""The sample generator: every style written with truth that obeys CONTRACT §3."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import pytest

from intake.samples.content import REFERENCE_DAY, make_case
from intake.samples.make import make_samples
from intake.sus.records import record_from_contract
from intake.sus.rules import check
from tests.samples.truth import truth_of


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


def test_forms_of_the_other_layout_are_filled_in_its_boxes() -> None:
    """GIVEN a typed 9448 case WHEN filled on the other printer's layout THEN the name is
    written inside that layout's Namn box, where the built-in layout has none of it."""
    import numpy as np

    from intake.forms import form_layout
    from intake.forms.model import Rect
    from intake.samples.make import PAGE_DPI, STYLES, _ink_form, blank_image, printed_layout

    case = make_case("9448", random.Random(3), defect_share=0.0)
    filled = np.asarray(_ink_form(case, STYLES["typed-office300"], random.Random(3), "other"))
    blank = blank_image("9448", "other")

    def ink(r: Rect) -> int:
        """Pixels inside ``r`` (mm) that the filling darkened."""
        px = PAGE_DPI / 25.4
        box = (slice(round(r.y * px) + 3, round(r.bottom * px) - 3),
               slice(round(r.x * px) + 3, round(r.right * px) - 3))
        return int((np.abs(filled[box].astype(int) - blank[box].astype(int)) > 80).sum())

    assert ink(printed_layout("9448", "other").widget("namn").rect) > 50
    assert printed_layout("9448", "other").widget("namn").rect != form_layout("9448").widget(
        "namn").rect


def test_a_form_going_on_to_page_2_is_filled_on_both_its_pages() -> None:
    """GIVEN a typed 9443 case WHEN filled on the split variant of the other layout (its
    name, place and date row on page 2, under the page's text) THEN the personnummer is
    written on page 1 and the name on page 2, each in its box there, and page 1 has no
    box for the name."""
    import numpy as np

    from intake.forms.model import Rect
    from intake.samples.make import PAGE_DPI, STYLES, _ink_pages, blank_image, printed_pages

    case = make_case("9443", random.Random(3), defect_share=0.0)
    pages = _ink_pages(case, STYLES["typed-office300"], random.Random(3), "split")
    first, second = printed_pages("9443", "split")

    def ink(number: int, r: Rect) -> int:
        """Pixels inside ``r`` (mm) on page ``number`` that the filling darkened."""
        px = PAGE_DPI / 25.4
        box = (slice(round(r.y * px) + 3, round(r.bottom * px) - 3),
               slice(round(r.x * px) + 3, round(r.right * px) - 3))
        filled, blank = np.asarray(pages[number - 1]), blank_image("9443", "split", number)
        return int((np.abs(filled[box].astype(int) - blank[box].astype(int)) > 80).sum())

    assert len(pages) == 2
    assert ink(1, first.widget("personnummer").rect) > 50
    assert ink(2, second.widget("namnfortydligande").rect) > 50
    assert "namnfortydligande" not in {w.name for w in first.widgets}


def test_samples_of_the_other_layout_say_so_in_their_name(tmp_path: Path) -> None:
    """GIVEN --layout other WHEN typed samples are made THEN each file name says "annan",
    the file has the form's two pages and its truth is one document of pages 1 and 2."""
    from intake.load.inputs import count_pages

    files = make_samples(tmp_path, ["typed-fax200"], count=2, seed=5, layout="other")
    assert all("-annan" in f.name for f in files)
    assert all(count_pages(f) == 2 for f in files)
    assert all([t["pages"] for t in truth_of(f)] == [[1, 2]] for f in files)


def test_a_batch_of_mixed_layouts_gives_each_two_page_form_one_document(
        tmp_path: Path) -> None:
    """GIVEN mixed-layout batches WHEN made THEN every page is in exactly one document of
    the truth, and a form of the other layout has its page of text as its next page."""
    from intake.load.inputs import count_pages

    files = make_samples(tmp_path, ["batch-tiff"], count=3, seed=7, layout="mixed")
    two_page = 0
    for f in files:
        truth = truth_of(f)
        numbers = [n for doc in truth for n in doc["pages"]]
        assert numbers == list(range(1, count_pages(f) + 1))
        for doc in truth:
            assert doc["pages"] == list(range(doc["pages"][0], doc["pages"][0] + len(doc["pages"])))
            two_page += len(doc["pages"]) == 2
    assert two_page > 0
