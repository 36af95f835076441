"""What the reader was taught (``intake.learned``): every shipped file loads, says how it
was made, and is passed down rather than patched."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from intake.errors import ConfigurationError
from intake.learned import Priors, ReadingModels
from intake.learned.digits import (
    CONV_BATCH,
    DigitModel,
    load_digit_model,
    save_digit_model,
)
from intake.learned.months import MONTH_CLASSES
from intake.learned.provenance import Provenance, current_commit
from intake.learned.text import load_text_calibration
from intake.learned.ticks import load_thresholds


def test_every_shipped_model_records_how_it_was_made() -> None:
    """GIVEN the shipped tick thresholds, digit classifier and text calibration
    WHEN they are loaded
    THEN each names the command that rebuilds it, its data, its seed, the commit that
    made it and at least one figure it was validated at."""
    models = ReadingModels.shipped()
    assert models.digits is not None
    for provenance in (models.ticks.provenance, models.digits.provenance,
                       models.text.provenance):
        assert isinstance(provenance, Provenance)
        assert provenance.made_by and provenance.data and provenance.commit
        assert provenance.seed is not None
        assert provenance.validation


def test_a_saved_digit_model_loads_with_its_weights_and_provenance(tmp_path: Path) -> None:
    """GIVEN a small network with a provenance
    WHEN it is saved and loaded again
    THEN it classifies as before (float16 storage) and keeps its provenance."""
    rng = np.random.default_rng(3)
    layers = ((rng.normal(size=(784, 8)).astype(np.float32), np.zeros(8, np.float32)),
              (rng.normal(size=(8, 12)).astype(np.float32), np.zeros(12, np.float32)))
    provenance = Provenance(made_by="test", data="none", seed=3, commit=current_commit())
    model = DigitModel(layers, temperature=1.5, provenance=provenance)
    path = tmp_path / "digits.npz"
    save_digit_model(model, path)
    loaded = load_digit_model(path)
    images = rng.random((4, 28, 28)).astype(np.float32)
    assert loaded.provenance == provenance
    assert np.allclose(loaded.probabilities(images), model.probabilities(images), atol=1e-2)


def test_a_digit_read_with_shifts_is_the_mean_of_its_shifted_readings(tmp_path: Path) -> None:
    """GIVEN a small convolutional network read with a test-time ensemble of shifts
    WHEN it classifies glyphs, and when it is saved and loaded again
    THEN its logits are the mean of the logits of the glyphs moved by each shift, and
    the loaded model reads with the same shifts (a file without them reads once)."""
    rng = np.random.default_rng(5)
    convs = ((rng.normal(size=(9, 4)).astype(np.float32), np.zeros(4, np.float32)),)
    dense = ((rng.normal(size=(14 * 14 * 4, 12)).astype(np.float32), np.zeros(12, np.float32)),)
    shifts = ((0, 0), (1, 0), (-1, 0))
    once, ensemble = DigitModel(dense, convs=convs), DigitModel(dense, convs=convs, shifts=shifts)
    images = rng.random((3, 28, 28)).astype(np.float32)
    expected = np.mean([once.logits(np.roll(images, s, axis=(1, 2))) for s in shifts], axis=0)
    assert np.allclose(ensemble.logits(images), expected, atol=1e-5)
    save_digit_model(ensemble, tmp_path / "ensemble.npz")
    save_digit_model(once, tmp_path / "once.npz")
    assert load_digit_model(tmp_path / "ensemble.npz").shifts == shifts
    assert load_digit_model(tmp_path / "once.npz").shifts == ((0, 0),)


def test_a_remembering_digit_model_reads_each_image_once_and_as_the_model_does() -> None:
    """GIVEN the shipped digit classifier made remembering (as a page is read: its
    lines' pieces are tried in several cuts)
    WHEN it classifies glyphs, some of them twice, and then some of them again
    THEN each glyph reads exactly as the model reads it, and each distinct glyph went
    through the network once."""
    model = load_digit_model()
    remembering = model.remembering()
    rng = np.random.default_rng(7)
    glyphs = rng.random((5, 28, 28)).astype(np.float32)
    batch = glyphs[[0, 1, 0, 2, 1]]
    assert np.allclose(remembering.probabilities(batch), model.probabilities(batch), atol=1e-6)
    assert remembering.seen is not None and len(remembering.seen) == 3
    again = glyphs[[2, 3, 4, 0]]
    assert np.allclose(remembering.probabilities(again), model.probabilities(again), atol=1e-6)
    assert len(remembering.seen) == 5
    assert model.seen is None  # the shared model remembers nothing


def test_a_large_batch_of_glyphs_reads_as_each_glyph_alone() -> None:
    """GIVEN more glyphs than go through the convolutions at a time
    WHEN the shipped classifier reads them in one call
    THEN each reads as it does alone (the batch is only split for speed)."""
    model = load_digit_model()
    glyphs = np.random.default_rng(8).random((CONV_BATCH + 5, 28, 28)).astype(np.float32)
    alone = np.concatenate([model.probabilities(glyph[None]) for glyph in glyphs])
    assert np.allclose(model.probabilities(glyphs), alone, atol=1e-6)


def test_the_shipped_digit_model_reads_with_the_shifts_it_was_calibrated_with() -> None:
    """GIVEN the shipped digit classifier
    WHEN it is loaded
    THEN it reads with a test-time ensemble of shifts, and its provenance says its
    temperature and figures were fitted reading with those shifts."""
    model = load_digit_model()
    assert len(model.shifts) > 1
    assert model.provenance is not None and str(list(model.shifts)) in model.provenance.data


@pytest.mark.parametrize("loader", [load_thresholds, load_text_calibration, load_digit_model])
def test_a_broken_learned_file_is_a_configuration_error_naming_the_file(
    tmp_path: Path, loader: object
) -> None:
    """GIVEN a learned file that is not what it should be
    WHEN it is loaded
    THEN a ConfigurationError names the file and the command that rebuilds it."""
    broken = tmp_path / "broken"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="(?s)broken.*run "):
        loader(broken)  # type: ignore[operator]


def test_other_priors_are_a_new_object_not_a_patch() -> None:
    """GIVEN the shipped models
    WHEN a measurement wants uncapped personnummer corrections
    THEN it gets its own models with other priors; the shipped ones are untouched."""
    shipped = ReadingModels.shipped()
    uncapped = replace(shipped, priors=Priors(pnr_correction_factor=1.0))
    assert uncapped.priors.pnr_correction_factor == 1.0
    assert shipped.priors.pnr_correction_factor == Priors().pnr_correction_factor < 1.0


def test_the_month_classifier_names_its_seed_its_data_and_its_held_out_font() -> None:
    """GIVEN the shipped month-word classifier
    WHEN it is loaded
    THEN its provenance names the command and seed that rebuild it, the fonts it was
    learned from and the one kept out, and its accuracy and calibration on that one."""
    months = ReadingModels.shipped().months
    assert months is not None and months.provenance is not None
    provenance = months.provenance
    assert provenance.seed is not None and f"--seed {provenance.seed}" in provenance.made_by
    assert "train months" in provenance.made_by
    assert "SteveHand.ttf" in provenance.data and provenance.commit
    assert {"held_out_font_accuracy", "held_out_font_ece"} <= set(provenance.validation)
    assert months.network.dense[-1][0].shape[1] == len(MONTH_CLASSES)
