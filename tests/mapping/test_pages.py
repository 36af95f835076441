"""A form of several pages: the reads of its pages joined, and the fields of a page
missing from the input stood in for (intake.mapping.pages)."""

from __future__ import annotations

from intake.forms.template import TemplateRef
from intake.mapping.pages import completed, join_reads
from intake.reads import PageReads, TickRead
from tests.mapping.reads import PNR, read_of

REF = TemplateRef(id="FK9443-002.F.001-abcdef01", version="002.F.001")
SIGNED = TickRead(ink=0.3, state="ticked", confidence=0.97)


def _page(page: int, **reads: object) -> PageReads:
    return PageReads(form="9443", template=REF.model_copy(update={"page": page}),
                     **reads)  # type: ignore[arg-type]


def test_the_reads_of_two_pages_are_one_forms_read_with_its_template_as_a_whole() -> None:
    """GIVEN page 1 read the personnummer and page 2 the rest WHEN joined THEN every
    widget's read is there, and the template is named by its page 1."""
    first = _page(1, texts={"personnummer": read_of(PNR)})
    second = _page(2, texts={"ort_och_datum": read_of("Uppsala 2026-11-02"),
                             "namnfortydligande": read_of("Åsa Öberg")}, signature=SIGNED)

    joined = join_reads([first, second])

    assert set(joined.texts) == {"personnummer", "ort_och_datum", "namnfortydligande"}
    assert joined.signature == SIGNED and joined.template == REF
    assert completed(joined) == (joined, [])


def test_the_fields_of_a_missing_page_are_named_and_stood_in_for_as_unread() -> None:
    """GIVEN only page 2 of the form was in the input WHEN completed THEN the widgets of
    page 1 are there as empty, unsure reads and their fields are named (form order)."""
    second = _page(2, texts={"ort_och_datum": read_of("Uppsala 2026-11-02"),
                             "namnfortydligande": read_of("Åsa Öberg")}, signature=SIGNED)

    reads, missing = completed(second)

    assert missing == ["personnummer"]
    assert reads.texts["personnummer"].text == "" and reads.texts["personnummer"].confidence == 0
    assert reads.texts["namnfortydligande"].text == "Åsa Öberg" and reads.signature == SIGNED


def test_a_page_of_text_alone_misses_every_field() -> None:
    reads, missing = completed(_page(2))

    assert missing == ["personnummer", "underskrift", "ort", "datum", "namnfortydligande"]
    assert reads.signature is not None and reads.signature.state == "unclear"
