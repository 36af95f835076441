"""Step 2 of the pipeline: a digitally filled PDF page — which form it is, and its
widget values as what was "read": exact, no OCR (``PageReads.exact``;
``intake.mapping`` gives every value confidence 1.0 and keeps free text as typed).

A digital page is signed only by a PDF signature: a signature field holding a
signature dictionary. Text typed into the signature box is no signature (anyone can
type a name); it is passed on as text so the reviewer is told why. The signature is
not verified here — no trust list of e-legitimation issuers is configured, and a
signature's integrity alone says nothing about who made it — so ``intake.mapping``
sends every digitally signed consent to Diariet to check."""

from __future__ import annotations

from intake.forms import FORM_IDS, FieldType, form_layout, load_form
from intake.load.inputs import DigitalPage
from intake.reads import PageReads, TextRead, TickRead

OFF_STATES = {None, "", "Off", "/Off"}


def classify_digital(page: DigitalPage) -> str:
    """The form whose widget names the page's widgets match best."""
    names = {w.name for w in page.widgets}

    def score(form_id: str) -> int:
        own = {w.name for w in form_layout(form_id).widgets}
        return len(names & own) - len(names - own)

    return max(FORM_IDS, key=score)


def digital_reads(page: DigitalPage, form_id: str) -> PageReads:
    """The page's widget values as the reads of form ``form_id``'s widgets."""
    values = {w.name: w.value for w in page.widgets}
    widgets = form_layout(form_id).widgets
    texts = {w.name: _exact(values.get(w.name)) for w in widgets if w.kind == "text"}
    signature = None
    for field in load_form(form_id).fields:
        if field.type is FieldType.SIGNATURE:
            signed = any(w.signed for w in page.widgets)
            signature = _tick("signed" if signed else None)
            box = field.widget or field.name
            texts[box] = _exact(values.get(box))  # typed there: told, never taken as signed
    return PageReads(
        form=form_id,
        ticks={w.name: _tick(values.get(w.name)) for w in widgets if w.kind == "checkbox"},
        texts=texts, signature=signature, exact=True,
    )


def _tick(value: str | None) -> TickRead:
    ticked = value not in OFF_STATES
    return TickRead(ink=1.0 if ticked else 0.0, state="ticked" if ticked else "empty",
                    confidence=1.0)


def _text(value: str | None) -> str:
    return (value or "").strip()


def _exact(value: str | None) -> TextRead:
    return TextRead(text=_text(value), confidence=1.0, alternatives=[])
