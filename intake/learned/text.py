"""How far a free-text read can be trusted (``data/text_calibration.json``): per kind
of free-text field, learned signals that a read the engine was sure of is wrong.
Learned by ``scripts/calibrate_text.py`` (``intake.training.calibrate_text``); the
evidence itself is measured by ``intake.mapping.text``."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Literal, Self

from pydantic import BaseModel, Field, model_validator

from intake.errors import ConfigurationError
from intake.learned.provenance import Provenance

TEXT_CALIBRATION_FILE = "text_calibration.json"
#: What ``intake.mapping.text.text_evidence`` measures; every one is "more = worse".
TEXT_EVIDENCE = (
    "word_doubt", "char_doubt", "weak_chars", "runner_up", "variant_contested",
    "lower_start", "inner_capital", "lone_letter", "odd_chars",
)


class Signal(BaseModel, frozen=True):
    """Learned evidence that a read is wrong: of the reads the engine was sure of whose
    ``evidence`` was at least ``at``, only ``p_right`` were right."""

    evidence: str
    at: float
    p_right: float = Field(ge=0.0, le=1.0)


class Listed(BaseModel, frozen=True):
    """Of the calibration reads of a kind whose words were all listed exactly as read and
    whose engine confidence was at least ``above``, only the engine's doubt against them,
    ``p_right`` were right (``reads`` of them, ``wrong`` wrong)."""

    above: float = Field(ge=0.0, le=1.0)
    p_right: float = Field(ge=0.0, le=1.0)
    reads: int = 0
    wrong: int = 0


class Named(BaseModel, frozen=True):
    """Of the calibration reads of a kind that the engine doubted and its word list named
    clearly -- every word of the value listed, each at least ``margin`` (log-odds) cheaper
    than its runner-up: another listed word, the word kept as read, another of the
    engine's readings -- ``p_right`` were right (``reads`` of them, ``wrong`` wrong)."""

    margin: float = Field(ge=0.0)
    p_right: float = Field(ge=0.0, le=1.0)
    reads: int = 0
    wrong: int = 0


class TextKind(BaseModel, frozen=True):
    """A kind of free-text field: how its text is capitalised, and the signals learned
    for it (none until ``scripts/calibrate_text.py`` has learned them)."""

    fields: tuple[str, ...]
    capitals: Literal["words", "first", "none"] = "none"
    signals: tuple[Signal, ...] = ()
    #: how often a read made only of listed words was right (None: not measured)
    listed: Listed | None = None
    #: how often a doubted read the word list named clearly was right (None: not measured)
    named: Named | None = None

    def fired(self, evidence: dict[str, float]) -> Signal | None:
        """The least trusting signal the evidence sets off, if any."""
        found = [s for s in self.signals if evidence[s.evidence] >= s.at]
        return min(found, key=lambda s: s.p_right, default=None)


class TextCalibration(BaseModel, frozen=True):
    """The kinds of free-text field (``intake/learned/data/text_calibration.json``,
    learned by ``scripts/calibrate_text.py``)."""

    kinds: dict[str, TextKind]
    provenance: Provenance | None = None

    def kind_of(self, name: str) -> TextKind | None:
        return next((k for k in self.kinds.values() if name in k.fields), None)

    @model_validator(mode="after")
    def _known_evidence(self) -> Self:
        unknown = {s.evidence for k in self.kinds.values() for s in k.signals}
        unknown -= set(TEXT_EVIDENCE)
        if unknown:
            raise ValueError(f"unknown evidence {sorted(unknown)}")
        return self


def calibration_path() -> Path:
    return Path(str(resources.files("intake.learned") / "data" / TEXT_CALIBRATION_FILE))


def load_text_calibration(path: Path | None = None) -> TextCalibration:
    """The calibration in ``path`` (default: the shipped file)."""
    source = path or calibration_path()
    try:
        return TextCalibration.model_validate_json(source.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigurationError(
            f"{source} is missing or broken ({exc}); run scripts/calibrate_text.py calibrate"
        ) from exc
