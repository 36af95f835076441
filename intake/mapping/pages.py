"""A form printed on several pages (issue 17): the reads of its pages as one document.

A learned template may have several pages (``intake.forms.template``): fields that go
on to page 2, or a page of text. Each page is read on its own — alignment says which
page of which template it is — and :func:`join_reads` puts the reads of one form's
pages together. A page may be missing from the input (page 1 without its page 2, or a
page 2 alone): :func:`completed` stands in for every widget no page read, and says
which fields those are, so that the document has each of them empty, at confidence 0
and with :data:`MISSING_PAGE` as its problem, for a person to look at.
"""

from __future__ import annotations

from collections.abc import Sequence

from intake.forms import form_layout, load_form
from intake.reads import PageReads, TextRead, TickRead

#: the problem of a field whose page of the form is not in the input
MISSING_PAGE = "Blankettens sida med det här fältet saknas i filen."

_UNREAD_TEXT = TextRead(text="", confidence=0.0)
_UNREAD_TICK = TickRead(ink=0.0, state="unclear", confidence=0.0)


def join_reads(parts: Sequence[PageReads]) -> PageReads:
    """The reads of one form's pages (in page order) as one page's: every widget read
    on any of them, the template named by its first page's (page 1 for a whole form)."""
    first = parts[0]
    texts: dict[str, TextRead] = {}
    ticks: dict[str, TickRead] = {}
    signature = None
    for part in parts:
        texts.update(part.texts)
        ticks.update(part.ticks)
        signature = signature or part.signature
    return PageReads(form=first.form, texts=texts, ticks=ticks, signature=signature,
                     template=first.template)


def follows(before: PageReads, page: PageReads) -> bool:
    """``page`` was read as the page of ``before``'s template right after ``before``'s
    (the same template and version)."""
    last, this = before.template, page.template
    return (last is not None and this is not None and (this.id, this.version)
            == (last.id, last.version) and this.page == last.page + 1)


def completed(reads: PageReads) -> tuple[PageReads, list[str]]:
    """``reads`` with an empty, unsure read for every widget of the form that no page
    read, and the fields (form order) none of whose widgets was read."""
    layout = form_layout(reads.form)
    seen = set(reads.texts) | set(reads.ticks)
    if reads.signature is not None:
        seen |= {w.name for w in layout.widgets if w.kind == "signature"}
    unread = [w for w in layout.widgets if w.name not in seen]
    if not unread:
        return reads, []
    texts = {**{w.name: _UNREAD_TEXT for w in unread if w.kind == "text"}, **reads.texts}
    ticks = {**{w.name: _UNREAD_TICK for w in unread if w.kind == "checkbox"}, **reads.ticks}
    signature = reads.signature
    if signature is None and any(w.kind == "signature" for w in unread):
        signature = _UNREAD_TICK
    missing = [f.name for f in load_form(reads.form).fields
               if not any(w.field == (f.widget or f.name) and w.name in seen
                          for w in layout.widgets)]
    return reads.model_copy(update={"texts": texts, "ticks": ticks,
                                    "signature": signature}), missing
