"""Retraining the digit classifier with the glyphs this installation's reviewers
confirmed (``intake.learned.corrections``), and replacing the current model only when
the new one is better on the held-aside real digits.

    .venv/bin/sus-intake train digits --with-corrections [--corrections DIR] [--out FILE]

Both models are measured now, the same way (:func:`held_aside_figures`); the new one
must beat the current one at :data:`DECIDING` — accuracy on the held-aside real digits
as the reader sees them (scanned) — or the current one is kept.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from intake.errors import ConfigurationError
from intake.learned.corrections import load_corrections
from intake.learned.digits import DigitModel, load_digit_model, save_digit_model
from intake.training.digits import EPOCHS, held_aside_figures, train_digit_model

log = logging.getLogger(__name__)

#: The figure (of :func:`held_aside_figures`) a new model must be better at.
DECIDING = ("real_scanned", "accuracy")

Figures = dict[str, dict[str, float]]


@dataclass(frozen=True)
class Outcome:
    """Whether the new model replaced the current one, and both models' figures."""

    path: Path
    replaced: bool
    new: Figures
    current: Figures | None  # None: there was no model at ``path``
    corrections: int

    def report(self) -> list[str]:
        """What the command prints: both models' figures, then the verdict (Swedish)."""
        lines = [f"{self.corrections} granskade glyfer användes i träningen."]
        for who, figures in (("nuvarande", self.current), ("ny", self.new)):
            if figures is not None:
                lines.extend(f"{who:10} {name:14} " + "  ".join(
                    f"{k} {v:g}" for k, v in figs.items()) for name, figs in figures.items())
        lines.append(self.verdict())
        return lines

    def verdict(self) -> str:
        new = _deciding(self.new)
        if self.current is None:
            return f"Ingen nuvarande modell i {self.path}; den nya ({new:g}) skrivs dit."
        current = _deciding(self.current)
        if self.replaced:
            return (f"Den nya modellen är bättre på de undanhållna siffrorna ({new:g} mot "
                    f"{current:g} rätt): den ersätter {self.path}.")
        return (f"Den nya modellen är inte bättre på de undanhållna siffrorna ({new:g} mot "
                f"{current:g} rätt): den nuvarande i {self.path} behålls.")


def retrain_with_corrections(*, model_path: Path, corrections_dir: Path, seed: int = 1,
                             epochs: int = EPOCHS) -> Outcome:
    """Train with the reviewed glyphs in ``corrections_dir`` added and put the model in
    ``model_path`` if it is better than the one there (:func:`replace_if_better`)."""
    images, labels = load_corrections(corrections_dir)
    if not len(labels):
        raise ConfigurationError(
            f"Inga granskade glyfer i {corrections_dir}; godkänn formulär med "
            "granskade siffror först (SUS_LEARN_FROM_CORRECTIONS får inte vara av).")
    log.info("%d reviewed glyphs from %s", len(labels), corrections_dir)
    model = train_digit_model(seed=seed, epochs=epochs, corrections=(images, labels))
    return replace_if_better(model, model_path, corrections=len(labels))


def replace_if_better(model: DigitModel, path: Path, *, corrections: int) -> Outcome:
    """Measure ``model`` and the model in ``path`` on the held-aside digits; write
    ``model`` over it only if strictly better at :data:`DECIDING` (or if none is there)."""
    new = held_aside_figures(model)
    current = held_aside_figures(load_digit_model(path)) if path.exists() else None
    replaced = current is None or _deciding(new) > _deciding(current)
    if replaced:
        save_digit_model(model, path)
    return Outcome(path=path, replaced=replaced, new=new, current=current,
                   corrections=corrections)


def _deciding(figures: Figures) -> float:
    part, figure = DECIDING
    return figures[part][figure]
