"""Ticked boxes turned into the values of single, multi and yesno fields, and the
signature box into signed or not (``intake.mapping.choices``)."""

from __future__ import annotations

from intake.forms import form_layout, load_form
from intake.mapping.choices import UNCLEAR, UNCLEAR_SIGNATURE, choice_values, signature_value
from intake.reads import TickRead


def checkboxes(form: str) -> list[str]:
    return [w.name for w in form_layout(form).widgets if w.kind == "checkbox"]


def read(state: str, confidence: float = 1.0, *, leans_ticked: bool = False) -> TickRead:
    return TickRead(ink=0.0, state=state, confidence=confidence,  # type: ignore[arg-type]
                    leans_ticked=leans_ticked)


def test_yesno_and_multi_values_follow_the_ticked_boxes() -> None:
    """GIVEN box reads of a 9449 with Ja under forvarvsarbete and two forsorjning boxes
    WHEN they are turned into field values
    THEN forvarvsarbete is True, forsorjning the sorted codes, and confidence the
    lowest of each field's boxes."""
    ticks = {name: read("empty") for name in checkboxes("9449")}
    ticks["forvarvsarbete.ja"] = read("ticked", 0.93)
    ticks["forsorjning.sjukersattning"] = read("ticked")
    ticks["forsorjning.a_kassa"] = read("ticked", 0.8)
    ticks["studerar.nej"] = read("ticked")

    values = choice_values("9449", ticks)

    assert values["forvarvsarbete"].value is True
    assert values["forvarvsarbete"].confidence == 0.93
    assert values["studerar"].value is False
    assert values["forsorjning"].value == ["a_kassa", "sjukersattning"]
    assert values["forsorjning"].confidence == 0.8
    assert values["forsorjning"].problem is None


def test_unticked_and_unclear_fields_carry_a_problem() -> None:
    """GIVEN box reads of a 9448 with nothing ticked under utbildning and an unclear box
    under arbete_typ
    WHEN they are turned into field values
    THEN utbildning is None with no reading problem (the rules report a missing
    answer) and arbete_typ carries
    "Osäker markering" with the unclear box's low confidence."""
    ticks = {name: read("empty") for name in checkboxes("9448")}
    ticks["arbete_typ.eget_foretag"] = read("unclear", 0.3)

    values = choice_values("9448", ticks)

    assert (values["utbildning"].value, values["utbildning"].problem) == (None, None)
    assert values["arbete_typ"].problem == UNCLEAR
    assert values["arbete_typ"].confidence == 0.3


def test_a_signature_is_signed_when_its_box_is_ticked_and_doubtful_when_unclear() -> None:
    """GIVEN the signature box read as ink, as empty, and as unclear
    WHEN each is turned into the underskrift value
    THEN it is signed, unsigned, and unsigned with the problem "Osäker underskrift" and
    the box's low confidence."""
    assert signature_value(read("ticked", 0.97)).model_dump() == {
        "value": True, "confidence": 0.97, "problem": None}
    assert signature_value(read("empty")).value is False
    unclear = signature_value(read("unclear", 0.3))
    assert (unclear.value, unclear.confidence, unclear.problem) == (False, 0.3, UNCLEAR_SIGNATURE)


def test_an_unclear_signature_with_ink_leaning_signed_is_offered_as_signed_and_flagged() -> None:
    """GIVEN the signature box read as unclear, its ink in the upper half of the band
    (a short signature), and one in the lower half (a smudge)
    WHEN each is turned into the underskrift value
    THEN the first is offered as signed and the second as unsigned, both with the
    problem "Osäker underskrift" (a person still checks)."""
    short = signature_value(read("unclear", 0.25, leans_ticked=True))
    smudge = signature_value(read("unclear", 0.25, leans_ticked=False))

    assert (short.value, short.problem) == (True, UNCLEAR_SIGNATURE)
    assert (smudge.value, smudge.problem) == (False, UNCLEAR_SIGNATURE)


def test_with_the_shipped_lines_a_box_outside_the_unclear_band_is_not_reviewed() -> None:
    """GIVEN a 9449 read on a page with a faint mark: one forsorjning box ticked, the
    others empty at 0.75 (the cap of an empty box on such a page), a studerar box unclear
    WHEN the document is built with the shipped review lines (fitted on calibration
    forms, where every ticked-box field with no unclear box was right)
    THEN forsorjning is not sent to review for its confidence; studerar is, unclear."""
    from intake.learned.review import shipped_review_lines
    from intake.mapping.base import FieldValue
    from intake.mapping.document import build_document
    from intake.settings import REVIEW_BELOW
    from tests.mapping.reads import CONTEXT

    ticks = {name: read("empty", 0.75) for name in checkboxes("9449")}
    ticks["forsorjning.a_kassa"] = read("ticked")
    ticks["studerar.ja"] = read("unclear", 0.4)
    values = {f.name: FieldValue(value=None, confidence=1.0)
              for f in load_form("9449").fields} | choice_values("9449", ticks)
    document = build_document("x.png", 1, "9449", values, today=CONTEXT.today,
                              review_below=REVIEW_BELOW, lines=shipped_review_lines())
    assert "forsorjning" not in document.needs_review
    assert "studerar" in document.needs_review
