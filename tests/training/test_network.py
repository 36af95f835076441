"""Training the digit classifier's network in numpy (``intake.training.network``)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from intake.learned.digits import CLASSES
from intake.training import network
from intake.training.network import figures, fit, fit_temperature, gradients, initial_model


def _params(seed: int) -> list[np.ndarray]:
    model = initial_model(seed)
    return [p.astype(np.float64) for layer in (*model.convs, *model.dense) for p in layer]


@pytest.mark.parametrize("which", [0, 1, 2, 3, 4, 6, 7])
def test_gradients_agree_with_finite_differences(
    which: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN a fresh network and a batch of random glyphs
    WHEN the gradient of the loss is computed
    THEN it matches a central finite difference for a weight of every layer."""
    monkeypatch.setattr(network, "WEIGHT_DECAY", 0.0)
    rng = np.random.default_rng(which)
    params = _params(1)
    x, y = rng.random((3, 28, 28)), rng.integers(0, len(CLASSES), 3)
    _, grads = gradients(params, 2, x, y)
    param = params[which]
    index = tuple(int(rng.integers(0, n)) for n in param.shape)
    old, eps = param[index], 1e-5
    param[index] = old + eps
    up, _ = gradients(params, 2, x, y)
    param[index] = old - eps
    down, _ = gradients(params, 2, x, y)
    param[index] = old
    assert grads[which][index] == pytest.approx((up - down) / (2 * eps), rel=1e-3, abs=1e-7)


def _bars(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Glyphs of two easy classes: a vertical bar (class 1) or a horizontal one (0)."""
    rng = np.random.default_rng(seed)
    x = rng.random((n, 28, 28)).astype(np.float32) * 0.2
    y = rng.integers(0, 2, n)
    for image, label in zip(x, y, strict=True):
        at = int(rng.integers(8, 20))
        if label:
            image[4:24, at : at + 3] = 1.0
        else:
            image[at : at + 3, 4:24] = 1.0
    return x, y


def test_fitting_learns_and_is_the_same_for_the_same_seed() -> None:
    """GIVEN glyphs of two classes a network can tell apart
    WHEN it is fitted twice from the same seed
    THEN it tells new ones apart, and both fits have the same weights."""
    x, y = _bars(256, 1)
    first = fit(initial_model(3), x, y, epochs=2, seed=3)
    second = fit(initial_model(3), x, y, epochs=2, seed=3)
    test_x, test_y = _bars(100, 2)
    assert figures(first, test_x, test_y)["accuracy"] >= 0.95
    for a, b in zip(first.dense + first.convs, second.dense + second.convs, strict=True):
        assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])


def test_a_fitted_temperature_brings_the_confidence_to_the_accuracy() -> None:
    """GIVEN a network fitted briefly on an easy task (right, but unsure of itself)
    WHEN its softmax temperature is fitted on other glyphs
    THEN its expected calibration error there falls, and its answers stay the same."""
    x, y = _bars(200, 4)
    model = fit(initial_model(5), x, y, epochs=2, seed=5)
    held_x, held_y = _bars(200, 6)
    before = figures(model, held_x, held_y)
    tuned = replace(model, temperature=fit_temperature(model, held_x, held_y))
    after = figures(tuned, held_x, held_y)
    assert after["ece"] < before["ece"]
    assert after["accuracy"] == before["accuracy"]


def test_fitting_takes_each_epochs_fresh_glyphs() -> None:
    """GIVEN no fixed glyphs, and new glyphs of the two easy classes made for every epoch
    WHEN a network is fitted with them
    THEN every epoch asked for its own glyphs once, in order, and it tells new ones apart."""
    asked: list[int] = []

    def fresh(epoch: int) -> tuple[np.ndarray, np.ndarray]:
        asked.append(epoch)
        return _bars(256, 10 + epoch)

    empty = np.zeros((0, 28, 28), np.float32), np.zeros(0, np.int64)
    model = fit(initial_model(3), *empty, epochs=3, seed=3, fresh=fresh)
    assert asked == [0, 1, 2]
    assert figures(model, *_bars(100, 2))["accuracy"] >= 0.95


def test_a_wider_network_has_the_widths_asked_for_and_the_same_output() -> None:
    """GIVEN convolutions of 24 and 48 channels and a dense layer of 160 asked for
    WHEN a network is made THEN its layers have those widths and it still gives one
    probability per class; three convolutions (28 pixels cannot be halved three
    times) are refused."""
    model = initial_model(2, conv_widths=(24, 48), dense_widths=(160,))
    assert [w.shape for w, _ in model.convs] == [(9, 24), (9 * 24, 48)]
    assert [w.shape for w, _ in model.dense] == [(7 * 7 * 48, 160), (160, len(CLASSES))]
    p = model.probabilities(np.zeros((2, 28, 28), np.float32))
    assert p.shape == (2, len(CLASSES)) and np.allclose(p.sum(axis=1), 1.0)
    with pytest.raises(ValueError, match="at most 2"):
        initial_model(2, conv_widths=(8, 8, 8))
