"""Write the blank, fillable forms (``sus-intake forms blank``)."""

from __future__ import annotations

import logging
from pathlib import Path

from intake.forms import FORM_IDS, form_layout, load_form
from intake.forms.pdfdraw import write_pdf

log = logging.getLogger(__name__)


def blank_form_path(out_dir: Path, form_id: str) -> Path:
    return out_dir / f"FK{form_id}.pdf"


def write_blank_forms(out_dir: Path) -> list[Path]:
    """Write FK9443.pdf, FK9448.pdf and FK9449.pdf into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for form_id in FORM_IDS:
        form = load_form(form_id)
        path = blank_form_path(out_dir, form_id)
        write_pdf(form_layout(form_id), path, title=f"{form_id} {form.title}")
        log.info("wrote %s", path)
        written.append(path)
    return written
