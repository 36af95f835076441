"""Training the digit classifier's network (``intake.learned.digits.DigitModel``) in
numpy: the forward pass of the runtime, its gradients, mini-batch Adam with a cosine
learning rate and a little weight decay, and the softmax temperature fitted on glyphs
kept apart from training. Deterministic for a seed (and a BLAS thread count)."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from intake.learned.digits import CLASSES, DigitModel, Layer, conv_columns, softmax

log = logging.getLogger(__name__)

#: The shape: 3 × 3 convolutions of these widths (each then ReLU and 2 × 2 pooling),
#: then dense layers of these widths before the output.
CONV_WIDTHS = (16, 32)
DENSE_WIDTHS = (128,)
WEIGHT_DECAY = 1e-4


Fresh = Callable[[int], tuple[np.ndarray, np.ndarray]]
"""Glyphs and labels made for one epoch (its index)."""


@dataclass
class _Cache:
    """What one layer's backward pass needs from its forward pass."""

    columns: np.ndarray | None = None  # conv: the 3 × 3 windows of its input
    shape: tuple[int, ...] = ()  # conv: its input's shape
    pre: np.ndarray | None = None  # conv: before ReLU; dense: its input
    pooled_from: np.ndarray | None = None  # conv: after ReLU, before pooling
    pooled: np.ndarray | None = None


def initial_model(seed: int, *, conv_widths: tuple[int, ...] = CONV_WIDTHS,
                  dense_widths: tuple[int, ...] = DENSE_WIDTHS,
                  shape: tuple[int, int] = (28, 28), classes: int = len(CLASSES)
                  ) -> DigitModel:
    """Random weights (He initialisation for the ReLU layers) of a network of
    ``conv_widths`` convolutions and ``dense_widths`` dense layers (default the shipped
    digit model's shape) over ``shape`` images, with ``classes`` outputs."""
    if any(side % 2 ** len(conv_widths) for side in shape):
        most = min((side & -side).bit_length() - 1 for side in shape)
        raise ValueError(f"{len(conv_widths)} convolutions: 2 x 2 pooling cannot halve "
                         f"{shape} pixels that often (at most {most})")
    noise = np.random.default_rng(seed)

    def layer(inputs: int, outputs: int, gain: float = 2.0) -> Layer:
        weights = noise.normal(0, math.sqrt(gain / inputs), (inputs, outputs))
        return weights.astype(np.float32), np.zeros(outputs, np.float32)

    convs, channels = [], 1
    for width in conv_widths:
        convs.append(layer(9 * channels, width))
        channels = width
    rows, columns = (side // 2 ** len(conv_widths) for side in shape)
    sizes = (rows * columns * channels, *dense_widths, classes)
    dense = [layer(a, b, 1.0 if i == len(sizes) - 2 else 2.0)
             for i, (a, b) in enumerate(zip(sizes, sizes[1:], strict=False))]
    return DigitModel(dense=tuple(dense), convs=tuple(convs))


def fit(model: DigitModel, x: np.ndarray, y: np.ndarray, *, epochs: int, seed: int,
        batch: int = 128, rate: float = 1e-3, fresh: Fresh | None = None) -> DigitModel:
    """``model`` trained on glyphs ``x`` (N × 28 × 28) with labels ``y``, and in each
    epoch also on the glyphs ``fresh`` makes for it (a new augmentation every epoch)."""
    noise = np.random.default_rng(seed)
    params = [p.copy() for layer in (*model.convs, *model.dense) for p in layer]
    moments = [(np.zeros_like(p), np.zeros_like(p)) for p in params]
    n_convs = len(model.convs)
    step = 0
    fixed_x, fixed_y = x, y
    for epoch in range(epochs):
        if fresh is not None:
            new_x, new_y = fresh(epoch)
            x, y = np.concatenate([fixed_x, new_x]), np.concatenate([fixed_y, new_y])
        lr = rate * 0.5 * (1 + math.cos(math.pi * epoch / epochs))
        order = noise.permutation(len(x))
        loss = 0.0
        for start in range(0, len(x), batch):
            chosen = order[start : start + batch]
            batch_loss, grads = gradients(params, n_convs, x[chosen], y[chosen])
            loss += batch_loss * len(chosen)
            step += 1
            _adam(params, grads, moments, lr, step)
        log.info("epoch %d: loss %.4f", epoch + 1, loss / len(x))
    return _model(params, n_convs)


def _model(params: list[np.ndarray], n_convs: int) -> DigitModel:
    layers = list(zip(params[::2], params[1::2], strict=True))
    return DigitModel(dense=tuple(layers[n_convs:]), convs=tuple(layers[:n_convs]))


def gradients(params: list[np.ndarray], n_convs: int, x: np.ndarray,
              y: np.ndarray) -> tuple[float, list[np.ndarray]]:
    """Mean cross-entropy of a batch and its gradient for every parameter (with weight
    decay on the weights)."""
    layers = list(zip(params[::2], params[1::2], strict=True))
    out, caches = _forward(layers, n_convs, x.astype(np.float32, copy=False))
    p = softmax(out)
    loss = float(-np.log(p[np.arange(len(y)), y] + 1e-12).mean())
    p[np.arange(len(y)), y] -= 1.0
    back = p / len(y)
    grads: list[np.ndarray] = []
    for index in range(len(layers) - 1, -1, -1):
        weights, _ = layers[index]
        cache = caches[index]
        if index >= n_convs:
            assert cache.pre is not None
            grads[:0] = [cache.pre.T @ back + WEIGHT_DECAY * weights, back.sum(0)]
            back = back @ weights.T
            if index > n_convs:
                back = back * (cache.pre > 0)
            elif n_convs:
                back = back.reshape(caches[index - 1].pooled.shape)  # type: ignore[union-attr]
        else:
            back, dw, db = _conv_backward(back, cache, weights, need_input=index > 0)
            grads[:0] = [dw + WEIGHT_DECAY * weights, db]
    return loss, grads


def _forward(layers: list[Layer], n_convs: int,
             x: np.ndarray) -> tuple[np.ndarray, list[_Cache]]:
    caches = []
    h = x.reshape(len(x), *x.shape[-2:], 1)
    for weights, bias in layers[:n_convs]:
        columns = conv_columns(h)
        pre = (columns @ weights + bias).reshape(*h.shape[:3], weights.shape[1])
        relu = np.maximum(pre, 0.0)
        n, height, width, c = relu.shape
        pooled = relu.reshape(n, height // 2, 2, width // 2, 2, c).max(axis=(2, 4))
        caches.append(_Cache(columns=columns, shape=h.shape, pre=pre, pooled_from=relu,
                             pooled=pooled))
        h = pooled
    h = h.reshape(len(x), -1)
    for i, (weights, bias) in enumerate(layers[n_convs:]):
        caches.append(_Cache(pre=h))
        h = h @ weights + bias
        if i < len(layers) - n_convs - 1:
            h = np.maximum(h, 0.0)
    return h, caches


def _conv_backward(back: np.ndarray, cache: _Cache, weights: np.ndarray, *,
                   need_input: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Through pooling, ReLU and the convolution: the gradient of its input (when
    ``need_input``), of its weights and of its bias."""
    assert cache.pre is not None and cache.pooled_from is not None
    assert cache.pooled is not None and cache.columns is not None
    n, height, width, c = cache.pooled_from.shape
    blocks = cache.pooled_from.reshape(n, height // 2, 2, width // 2, 2, c)
    winner = blocks == cache.pooled[:, :, None, :, None, :]
    spread = (winner * back[:, :, None, :, None, :]).reshape(n, height, width, c)
    d_pre = (spread * (cache.pre > 0)).reshape(-1, c)
    dw = cache.columns.T @ d_pre
    db = d_pre.sum(0)
    if not need_input:
        return np.empty(0), dw, db
    _, h, w, channels = cache.shape
    d_columns = (d_pre @ weights.T).reshape(n, h, w, channels, 3, 3)
    padded = np.zeros((n, h + 2, w + 2, channels), np.float32)
    for i in range(3):
        for j in range(3):
            padded[:, i : i + h, j : j + w, :] += d_columns[..., i, j]
    return padded[:, 1:-1, 1:-1, :], dw, db


def _adam(params: list[np.ndarray], grads: list[np.ndarray],
          moments: list[tuple[np.ndarray, np.ndarray]], rate: float, step: int) -> None:
    corrected = rate * math.sqrt(1 - 0.999**step) / (1 - 0.9**step)
    for param, grad, (m, v) in zip(params, grads, moments, strict=True):
        m *= 0.9
        m += 0.1 * grad
        v *= 0.999
        v += 0.001 * grad * grad
        param -= (corrected * m / (np.sqrt(v) + 1e-8)).astype(param.dtype)


# --- calibration and figures --------------------------------------------------------------


def fit_temperature(model: DigitModel, x: np.ndarray, y: np.ndarray) -> float:
    """The softmax temperature with the least negative log-likelihood on ``x``."""
    logits = model.logits(x)

    def nll(t: float) -> float:
        p = softmax(logits / t)
        return float(-np.log(p[np.arange(len(y)), y] + 1e-12).mean())

    return min((0.5 + 0.05 * k for k in range(51)), key=nll)


def figures(model: DigitModel, x: np.ndarray, y: np.ndarray, bins: int = 15) -> dict[str, float]:
    """Accuracy, expected calibration error (``bins`` equal-width confidence bins) and
    mean negative log-likelihood of ``model`` on glyphs ``x`` with labels ``y``."""
    p = model.probabilities(x)
    confidence, predicted = p.max(axis=1), p.argmax(axis=1)
    right = predicted == y
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    ece = sum(
        abs(float(right[which == b].mean()) - float(confidence[which == b].mean()))
        * float((which == b).mean())
        for b in range(bins) if (which == b).any()
    )
    nll = float(-np.log(p[np.arange(len(y)), y] + 1e-12).mean())
    return {"accuracy": round(float(right.mean()), 4), "ece": round(ece, 4),
            "nll": round(nll, 4), "glyphs": float(len(y))}
