"""Write the blank, fillable forms (``sus-intake forms blank``)."""

from __future__ import annotations

import hashlib
import io
import logging
from functools import cache
from pathlib import Path

from intake.forms import FORM_IDS, form_layout, load_form
from intake.forms.pdfdraw import write_pdf
from intake.forms.template import Source, Template, template_of_layout

log = logging.getLogger(__name__)


def blank_form_path(out_dir: Path, form_id: str) -> Path:
    return out_dir / f"FK{form_id}.pdf"


@cache
def blank_pdf(form_id: str) -> bytes:
    """The blank fillable PDF of ``form_id`` as bytes."""
    buffer = io.BytesIO()
    write_pdf(form_layout(form_id), buffer, title=f"{form_id} {load_form(form_id).title}")
    return buffer.getvalue()


def write_blank_forms(out_dir: Path) -> list[Path]:
    """Write FK9443.pdf, FK9448.pdf and FK9449.pdf into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for form_id in FORM_IDS:
        path = blank_form_path(out_dir, form_id)
        path.write_bytes(blank_pdf(form_id))
        log.info("wrote %s", path)
        written.append(path)
    return written


@cache
def builtin_template(form_id: str) -> Template:
    """The built-in layout of ``form_id`` as a template: what ``forms blank`` draws,
    widget for widget (the default template of the form)."""
    form = load_form(form_id)
    source = Source(file=blank_form_path(Path(), form_id).name,
                    sha256=hashlib.sha256(blank_pdf(form_id)).hexdigest(), kind="builtin")
    return template_of_layout(form_id, form.version, form_layout(form_id), source)
