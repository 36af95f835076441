"""The one place OpenCV (cv2) is used. Images are numpy arrays: grey uint8 unless
said otherwise. Other modules call these functions, never cv2 directly.

Add a function here when a step needs another OpenCV operation.
"""

from __future__ import annotations

import cv2
import numpy as np

cv2.setNumThreads(1)  # pages run in parallel processes; OpenCV threads would oversubscribe


def to_grey(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return image if image.dtype == np.uint8 else image.astype(np.uint8)
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_RGBA2GRAY)
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)


def resize(image: np.ndarray, scale: float) -> np.ndarray:
    """Resize by ``scale`` (area interpolation when shrinking, cubic when enlarging)."""
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    return cv2.resize(image, None, fx=scale, fy=scale, interpolation=interp)


def resize_to(image: np.ndarray, width: int, height: int) -> np.ndarray:
    return cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)


def rotate90(image: np.ndarray, quarter_turns: int) -> np.ndarray:
    """Rotate counter-clockwise by ``quarter_turns`` × 90°."""
    return np.ascontiguousarray(np.rot90(image, quarter_turns % 4))


def warp_perspective(
    image: np.ndarray, matrix: np.ndarray, width: int, height: int, *, border: int = 255
) -> np.ndarray:
    return cv2.warpPerspective(
        image,
        matrix,
        (width, height),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=border,
    )


def gaussian_blur(image: np.ndarray, sigma: float) -> np.ndarray:
    return cv2.GaussianBlur(image, (0, 0), sigma)


def median_blur(image: np.ndarray, size: int) -> np.ndarray:
    return cv2.medianBlur(image, size)


def otsu_ink(image: np.ndarray) -> np.ndarray:
    """Boolean ink mask (True = dark) by Otsu's threshold."""
    _, mask = cv2.threshold(image, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return mask.astype(bool)


def adaptive_ink(image: np.ndarray, block: int = 31, offset: int = 15) -> np.ndarray:
    """Boolean ink mask by a local mean threshold (uneven light, phone photos)."""
    mask = cv2.adaptiveThreshold(
        image, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block | 1, offset
    )
    return mask.astype(bool)


def open_lines(mask: np.ndarray, length: int, *, horizontal: bool) -> np.ndarray:
    """The long straight horizontal (or vertical) runs of ``mask`` (box borders)."""
    shape = (length, 1) if horizontal else (1, length)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, shape)
    return cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN, kernel).astype(bool)


def dilate(mask: np.ndarray, size: int) -> np.ndarray:
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (size, size))
    return cv2.dilate(mask.astype(np.uint8), kernel).astype(bool)


def components(mask: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    """Connected components: (count, label image, stats rows [x, y, w, h, area])."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), 8)
    return count, labels, stats
