"""A revised print of the project's own forms: the same page, another version in the
footer (issue 17: Försäkringskassan's next version of a form may differ only there).

:func:`revised_pdf` is what a test or a measurement learns a template from (the way
``sus-intake forms learn`` learns any blank) and what revised samples are filled on.
"""

from __future__ import annotations

import io
from functools import cache

from intake.forms import form_layout, load_form
from intake.forms.model import PageLayout
from intake.forms.pdfdraw import write_pdf

#: The version the revised print carries; the built-in forms are 002.F.001.
REVISED_VERSION = "003.F.001"


def revised_footer(form_id: str, version: str = REVISED_VERSION) -> str:
    """The built-in footer of ``form_id`` with ``version`` in place of its own."""
    form = load_form(form_id)
    return form.footer.replace(f"({form.version})", f"({version})")


@cache
def revised_layout(form_id: str, version: str = REVISED_VERSION) -> PageLayout:
    """The built-in layout of ``form_id`` with ``version`` printed in its footer."""
    layout = form_layout(form_id)
    footer, revised = load_form(form_id).footer, revised_footer(form_id, version)
    texts = tuple(t.model_copy(update={"text": revised}) if t.text == footer else t
                  for t in layout.texts)
    return layout.model_copy(update={"texts": texts})


@cache
def revised_pdf(form_id: str, version: str = REVISED_VERSION) -> bytes:
    """The revised blank, fillable like the built-in one, as PDF bytes."""
    buffer = io.BytesIO()
    write_pdf(revised_layout(form_id, version), buffer,
              title=f"{form_id} {load_form(form_id).title} ({version})")
    return buffer.getvalue()
