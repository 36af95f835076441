"""Retraining the digit classifier with reviewers' glyphs (``intake.training.retrain``,
``sus-intake train digits --with-corrections``): the new model replaces the current
one only when it is better on the held-aside real digits."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from intake.cli import cli
from intake.errors import ConfigurationError
from intake.learned.corrections import add_glyphs
from intake.learned.digits import DigitModel, load_digit_model, save_digit_model, weights_path
from intake.samples.handwriting import digit_bank
from intake.training import digits, retrain
from intake.training.digits import train_digit_model
from intake.training.network import initial_model

REVIEWED = 30


@pytest.fixture
def corrections(tmp_path: Path) -> Path:
    """Thirty reviewed glyphs (real train-part digits) kept as the service keeps them."""
    folder = tmp_path / "corrections"
    bank = digit_bank("train")
    add_glyphs(folder, bank.images[:REVIEWED], bank.labels[:REVIEWED], today=date(2026, 11, 25))
    return folder


def _train(tmp_path: Path, corrections: Path, current: Path) -> list[str]:
    args = ["train", "digits", "--with-corrections", "--corrections", str(corrections),
            "--epochs", "1", "--out", str(current)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


def test_a_new_model_that_is_not_better_leaves_the_current_one(
        tmp_path: Path, corrections: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN the shipped model as the current one, and a tiny training (8 glyphs a
    class, one epoch) that really trains with the reviewed glyphs
    WHEN `train digits --with-corrections` runs
    THEN the new model, worse on the held-aside digits, is not written: the current
    file is unchanged, both models' figures are printed and why it was kept; the new
    model's provenance records the 30 reviewed glyphs."""
    current = tmp_path / "digits.npz"
    current.write_bytes(weights_path().read_bytes())
    trained: list[DigitModel] = []

    def tiny(**kwargs: Any) -> DigitModel:
        model = train_digit_model(real_per_digit=8, font_per_class=8, **kwargs)
        trained.append(model)
        return model

    monkeypatch.setattr(retrain, "train_digit_model", tiny)
    lines = _train(tmp_path, corrections, current)
    assert current.read_bytes() == weights_path().read_bytes()
    assert any(line.startswith("nuvarande  real_scanned") for line in lines)
    assert any(line.startswith("ny         real_scanned") for line in lines)
    assert "inte bättre" in lines[-1] and "behålls" in lines[-1]
    provenance = trained[0].provenance
    assert provenance is not None and provenance.corrections == REVIEWED
    assert "--with-corrections" in provenance.made_by


def test_a_better_new_model_replaces_the_current_one(
        tmp_path: Path, corrections: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN an untrained network as the current model, and a training that gives the
    shipped model (better on the held-aside digits)
    WHEN `train digits --with-corrections` runs
    THEN the new model is written over the current one and the command says so, with
    both figures; the training was given the 30 reviewed glyphs."""
    current = tmp_path / "digits.npz"
    untrained = initial_model(3)
    save_digit_model(DigitModel(dense=untrained.dense, convs=untrained.convs), current)
    given: list[int] = []

    def shipped(*, corrections: tuple[np.ndarray, np.ndarray], **_: object) -> DigitModel:
        given.append(len(corrections[1]))
        return load_digit_model()

    monkeypatch.setattr(retrain, "train_digit_model", shipped)
    lines = _train(tmp_path, corrections, current)
    assert given == [REVIEWED]
    assert "bättre" in lines[-1] and "ersätter" in lines[-1] and "inte" not in lines[-1]
    replaced, reference = load_digit_model(current), load_digit_model()
    assert all(np.array_equal(a, b) for (a, _), (b, _) in zip(
        replaced.dense, reference.dense, strict=True))


def test_without_reviewed_glyphs_retraining_says_what_to_do(tmp_path: Path) -> None:
    """GIVEN an empty corrections directory WHEN retraining with corrections
    THEN it stops with a Swedish message before training, the current model untouched."""
    current = tmp_path / "digits.npz"
    with pytest.raises(ConfigurationError, match="Inga granskade glyfer"):
        retrain.retrain_with_corrections(model_path=current,
                                         corrections_dir=tmp_path / "none")
    assert not current.exists()


def test_corrections_directory_needs_with_corrections(tmp_path: Path) -> None:
    """GIVEN --corrections without --with-corrections WHEN train digits runs
    THEN it is refused as a usage error, before any training."""
    result = CliRunner().invoke(cli, ["train", "digits", "--corrections", str(tmp_path),
                                      "--out", str(tmp_path / "m.npz")])
    assert result.exit_code == 2 and "--with-corrections" in result.output
    assert not (tmp_path / "m.npz").exists()


def test_retraining_without_epochs_trains_as_long_as_the_shipped_model(
        tmp_path: Path, corrections: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN no --epochs, and the shipped model trained for 7 epochs
    (``intake.training.digits.EPOCHS``)
    WHEN `train digits --with-corrections` runs
    THEN the new model is trained for 7 epochs too, so that it is compared like with
    like (not for a number the command line keeps apart)."""
    asked: list[int] = []
    monkeypatch.setattr(digits, "EPOCHS", 7)

    def record(**kwargs: Any) -> retrain.Outcome:
        asked.append(kwargs["epochs"])
        return retrain.Outcome(path=tmp_path / "m.npz", replaced=False, new={},
                               current={}, corrections=0)

    monkeypatch.setattr(retrain, "retrain_with_corrections", record)
    monkeypatch.setattr(retrain.Outcome, "report", lambda self: [])
    result = CliRunner().invoke(cli, ["train", "digits", "--with-corrections", "--corrections",
                                      str(corrections), "--out", str(tmp_path / "m.npz")])
    assert result.exit_code == 0, result.output
    assert asked == [7]
