"""A read page typed field by field: dispatch on the form definition, digital pages exact."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from intake.forms import FieldType, form_layout, load_form
from intake.learned import ReviewLines
from intake.mapping.base import Context, FieldValue
from intake.mapping.document import build_document
from intake.mapping.interpret import interpret, interpret_page
from intake.reads import PageReads, TextRead, TickRead
from intake.samples.content import REFERENCE_DAY, make_case
from intake.settings import REVIEW_BELOW
from tests.mapping.reads import CONTEXT, PNR, read_of


def test_every_value_the_sample_generator_writes_is_read_back() -> None:
    """GIVEN 300 generated forms, each written value read perfectly (confidence 0.97)
    WHEN every text-read field is interpreted
    THEN each value equals the truth, and only known doubts are under review: written
    wrong check digits and the Habo/Håbo pair."""
    rng = random.Random(11)
    for _ in range(300):
        form = rng.choice(["9443", "9448", "9449"])
        case = make_case(form, rng)
        for field in load_form(form).fields:
            if field.type.is_choice or field.type is FieldType.SIGNATURE:
                continue
            written = str(case.written.get(field.widget or field.name, ""))
            read = TextRead(text=written, confidence=0.97)
            value = interpret(field, read, Context.shipped(REFERENCE_DAY))
            assert value.value == case.truth[field.name], (field.name, case.defects)
            if value.confidence < REVIEW_BELOW:
                known = "wrong_check_digit" in case.defects or "Habo" in written
                assert known, (field.name, case.defects)


def test_interpret_dispatches_on_the_form_definition() -> None:
    """GIVEN FK 9443's field definitions
    WHEN each text-read field is interpreted
    THEN ort and datum come from the one "Ort och datum" line."""
    fields = {f.name: f for f in load_form("9443").fields}
    line = read_of("Uppsala den 14 mars 2026")
    assert interpret(fields["ort"], line, CONTEXT).value == "Uppsala"
    assert interpret(fields["datum"], line, CONTEXT).value == "2026-03-14"
    pnr = interpret(fields["personnummer"], read_of("19811218-9876"), CONTEXT)
    assert pnr.value == PNR


def test_interpret_refuses_choice_fields() -> None:
    """GIVEN a checkbox field WHEN it is interpreted from text THEN that is an error."""
    field = next(f for f in load_form("9448").fields if f.type.is_choice)
    with pytest.raises(ValueError):
        interpret(field, read_of("x"), CONTEXT)


# --- a whole page -------------------------------------------------------------------------


def _page_reads(form: str, texts: dict[str, str], *, exact: bool,
                ticked: tuple[str, ...] = ()) -> PageReads:
    widgets = form_layout(form).widgets
    return PageReads(
        form=form,
        texts={w.name: TextRead(text=texts.get(w.name, ""), confidence=0.95 if not exact else 1.0)
               for w in widgets if w.kind == "text"},
        ticks={w.name: TickRead(ink=0.0, state="ticked" if w.name in ticked else "empty",
                                confidence=1.0)
               for w in widgets if w.kind == "checkbox"},
        signature=TickRead(ink=1.0, state="ticked", confidence=1.0) if form == "9443" else None,
        exact=exact,
    )


def test_a_digital_pages_free_text_is_kept_as_typed_and_every_value_is_certain() -> None:
    """GIVEN a digitally filled 9448 whose name is typed in lower case with extra spaces
    (what a scanned read would doubt and snap) and whose utbildning is ticked
    WHEN its page is interpreted
    THEN the name is kept as typed (spaces collapsed), every value has confidence 1.0,
    and the tick is the field's value."""
    texts = {"namn": "anna   berg", "personnummer": "19811218-9876", "startdatum": "2026-03-14"}
    values = interpret_page(
        _page_reads("9448", texts, exact=True, ticked=("utbildning.gymnasium",)), CONTEXT)
    assert values["namn"].value == "anna berg"
    assert values["personnummer"].value == PNR
    assert values["utbildning"].value == "gymnasium"
    assert {v.confidence for v in values.values()} == {1.0}
    assert set(values) == {f.name for f in load_form("9448").fields}


def test_a_scanned_consent_gets_every_field_with_ort_and_datum_split_and_signed() -> None:
    """GIVEN the reads of a scanned 9443: "Ort och datum" on one line, the signature
    box inked
    WHEN the page is interpreted
    THEN ort and datum come from the one line and the consent is signed."""
    reads = _page_reads("9443", {"ort_och_datum": "Uppsala 2026-03-14"}, exact=False)
    values = interpret_page(reads, CONTEXT)
    assert (values["ort"].value, values["datum"].value) == ("Uppsala", "2026-03-14")
    assert values["underskrift"].value is True
    assert set(values) == {f.name for f in load_form("9443").fields}


def test_a_value_as_sure_as_its_types_calibrated_line_is_not_sent_to_review() -> None:
    """GIVEN a date and a percent each read with confidence 0.7, and review lines fitted
    on calibration forms that put the date line at 0.6 (percent has none)
    WHEN both are interpreted and the 9448 document is built
    THEN the date is kept without review, the percent (at ``review_below``) is flagged;
    without the lines both are flagged."""
    fields = {f.name: f for f in load_form("9448").fields}
    date_field = next(f for f in fields.values() if f.type is FieldType.DATE)
    percent_field = next(f for f in fields.values() if f.type is FieldType.PERCENT)
    lines = ReviewLines(lines={"date": 0.6})
    for context, date_flagged in ((replace(CONTEXT, review_lines=lines), False),
                                  (CONTEXT, True)):
        values = {name: FieldValue(value=None, confidence=1.0) for name in fields}
        values[date_field.name] = interpret(date_field, read_of("2026-03-14", confidence=0.7),
                                            context)
        values[percent_field.name] = interpret(percent_field, read_of("50", confidence=0.7),
                                               context)
        document = build_document("x.png", 1, "9448", values, today=CONTEXT.today,
                                  review_below=REVIEW_BELOW, lines=context.review_lines)
        assert values[date_field.name].value == "2026-03-14"
        assert (date_field.name in document.needs_review) is date_flagged
        assert percent_field.name in document.needs_review
