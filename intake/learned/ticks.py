"""The tick and signature thresholds (``data/tick_thresholds.json``), learned from
generated pages by ``scripts/calibrate_ticks.py`` (``intake.training.calibrate_ticks``)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from pydantic import BaseModel

from intake.errors import ConfigurationError
from intake.learned.provenance import Provenance

THRESHOLDS_FILE = "tick_thresholds.json"


class Band(BaseModel, frozen=True):
    """A learned split of an ink feature: below ``low`` empty, above ``high`` marked,
    between unclear; on the marked side confidence reaches 1 at ``full``."""

    low: float
    high: float
    full: float


class TickThresholds(BaseModel, frozen=True):
    tick: Band
    signature: Band
    provenance: Provenance | None = None


def thresholds_path() -> Path:
    return Path(str(resources.files("intake.learned") / "data" / THRESHOLDS_FILE))


def load_thresholds(path: Path | None = None) -> TickThresholds:
    """The thresholds in ``path`` (default: the shipped file)."""
    source = path or thresholds_path()
    try:
        raw = json.loads(source.read_text(encoding="utf-8"))
        provenance = raw.get("provenance")
        return TickThresholds(
            tick=Band(**raw["tick"]["band"]), signature=Band(**raw["signature"]["band"]),
            provenance=None if provenance is None else Provenance(**provenance),
        )
    except (OSError, KeyError, TypeError, ValueError) as exc:
        raise ConfigurationError(
            f"{source} is missing or broken ({exc}); run scripts/calibrate_ticks.py calibrate"
        ) from exc
