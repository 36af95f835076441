"""A web process made ready before its first request, so that no reviewer pays for
what only the first one would: every page template compiled and every built-in form's
layout computed (the first review page of a fresh process took ~180 ms against ~20),
then what the process holds after starting moved out of the garbage collector's way
(``gc.freeze``).

Python's collector walks every object it tracks in a full collection: in a started web
process ~200 000 objects (FastAPI, SQLAlchemy, pydantic, the templates) — ~90 ms of
processor time, paid by whichever request happened to allocate the object that
triggered it, and more often while a batch is read (its polls allocate more). Frozen,
those objects are never walked again (they live as long as the process anyway); a full
collection walks only what was made since."""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from intake.forms import FORM_IDS, form_layout
from intake.review.templating import templates

log = logging.getLogger(__name__)


@contextmanager
def settled() -> Iterator[None]:
    """The web process settled (:func:`settle`) while the block runs; what was frozen is
    given back to the collector after it (an application stopped in a process that goes
    on, as in tests, leaves nothing it can no longer collect)."""
    settle()
    try:
        yield
    finally:
        gc.unfreeze()


def settle() -> None:
    """Compile the templates, lay out the forms, then freeze what the process holds."""
    for name in templates.env.list_templates(extensions=["html"]):
        templates.env.get_template(name)
    for form_id in FORM_IDS:
        form_layout(form_id)
    gc.collect()
    gc.freeze()
    log.info("web process settled: %d objects frozen out of the collector's walks",
             gc.get_freeze_count())
