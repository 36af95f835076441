"""Reading a generated sample's truth file and counting its pages."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image

from intake.load.render import page_count

FORMS = {"9443", "9448", "9449", "blank", "unknown"}


def truth_of(path: Path) -> list[dict]:
    return json.loads(path.with_name(path.name.rsplit(".", 1)[0] + ".truth.json").read_text())


def pages_in(path: Path) -> int:
    if path.suffix == ".pdf":
        return page_count(path)
    with Image.open(path) as image:
        return getattr(image, "n_frames", 1)
