"""Scoring as CONTRACT §4 defines it, on hand-made documents (no OCR involved)."""

from __future__ import annotations

from intake.evaluate import Report, _score_document, same_value
from intake.mapping.document import Document, ExtractedField

TRUTH = {
    "pages": [1],
    "form": "9443",
    "fields": {
        "personnummer": "198112189876",
        "underskrift": True,
        "ort": "Uppsala",
        "datum": "2026-03-14",
        "namnfortydligande": "Åsa Öberg",
    },
}


def doc(form: str = "9443", review: tuple[str, ...] = (), **changes: object) -> Document:
    values = {**TRUTH["fields"], **changes}
    fields = {k: ExtractedField(value=v, confidence=0.99) for k, v in values.items()}
    return Document(source="x.pdf", pages=[1], form=form, fields=fields,
                    needs_review=list(review))


def score(found: Document | None) -> Report:
    report = Report()
    _score_document(report, "style", TRUTH, found)
    return report


def test_all_right_scores_full_marks() -> None:
    """GIVEN a document equal to the truth WHEN scored THEN every score is perfect."""
    scores = score(doc()).overall.scores()
    assert scores["form_accuracy"] == scores["field_accuracy"] == 1.0
    assert scores["document_accuracy"] == 1.0
    assert scores["silent_error_rate"] == scores["review_rate"] == 0.0


def test_wrong_value_not_in_review_is_a_silent_error() -> None:
    """GIVEN a wrong name not sent to review WHEN scored THEN it counts as silent."""
    tally = score(doc(namnfortydligande="Åsa Öber")).overall
    assert tally.silent == 1 and tally.fields_right == 4 and tally.documents_right == 0


def test_wrong_value_in_review_is_not_silent() -> None:
    """GIVEN a wrong name that is in needs_review WHEN scored THEN not silent."""
    tally = score(doc(review=("namnfortydligande",), namnfortydligande="Asa")).overall
    assert tally.silent == 0 and tally.in_review == 1


def test_misclassified_page_makes_every_field_wrong() -> None:
    """GIVEN a consent read as 9448 WHEN scored THEN the form and all 5 fields are wrong."""
    tally = score(doc(form="9448")).overall
    assert tally.forms_right == 0 and tally.fields_right == 0 and tally.silent == 5


def test_page_sent_to_a_person_as_unknown_is_not_silent() -> None:
    """GIVEN a consent classified unknown WHEN scored THEN its fields are wrong, not silent."""
    tally = score(Document(source="x.pdf", pages=[1], form="unknown")).overall
    assert tally.fields_right == 0 and tally.silent == 0


def test_text_compares_after_nfc_and_white_space() -> None:
    """GIVEN text differing only in normal form and spaces THEN it is the same value."""
    assert same_value("  A\u030asa   Öberg ", "Åsa Öberg")
    assert not same_value("198112189876", 198112189876)
    assert same_value(["a_kassa"], ["a_kassa"])


def test_a_two_page_form_whose_second_page_was_read_apart_loses_that_page_only() -> None:
    """GIVEN a form of pages 1 and 2 WHEN page 2 was found as a document of its own
    THEN form accuracy counts page 1 right and page 2 wrong (accuracy is per page)."""
    from intake.evaluate import _score_scan

    truth = [{**TRUTH, "pages": [1, 2]}]
    apart = [doc(), Document(source="x.pdf", pages=[2], form="unknown")]
    joined = [doc().model_copy(update={"pages": [1, 2]})]
    reports = []
    for docs in (apart, joined):
        report = Report()
        _score_scan(report, "style", truth, docs)
        reports.append(report.overall)

    assert (reports[0].pages, reports[0].forms_right) == (2, 1)
    assert (reports[1].pages, reports[1].forms_right) == (2, 2)
    assert reports[0].fields_right == reports[1].fields_right == 5


def test_same_named_scans_of_two_corpora_are_compared_with_their_own_truth(
    tmp_path, monkeypatch
) -> None:
    """GIVEN two corpora of one style (two seeds) whose scans have the same names, each
    read to a document of its own (extraction stubbed: its ort is the folder's)
    WHEN the forms they expect are listed with what was found
    THEN each truth is paired with the document read from its own folder."""
    import json

    from intake import evaluate
    from intake.settings import Settings

    scans = []
    for seed in ("77", "81"):
        folder = tmp_path / f"hand-calib300-{seed}" / "hand-calib300"
        folder.mkdir(parents=True)
        scan = folder / "a.png"
        scan.write_bytes(b"")
        scan.with_name("a.truth.json").write_text(json.dumps([TRUTH | {"fields": {
            **TRUTH["fields"], "ort": seed}}]))
        scans.append(scan)

    def extract(paths, settings, models=None):
        for path in paths:
            yield doc(ort=path.parent.parent.name.rsplit("-", 1)[1]).model_copy(
                update={"source": path.name})

    monkeypatch.setattr(evaluate, "extract", extract)
    found = list(evaluate.expected_forms(scans, Settings()))
    assert [(e["fields"]["ort"], d.fields["ort"].value) for _, e, d, _ in found] == [
        ("77", "77"), ("81", "81")]
