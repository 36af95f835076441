"""The one place OpenCV (cv2) is used. Images are numpy arrays: grey uint8 unless
said otherwise. Other modules call these functions, never cv2 directly.

Add a function here when a step needs another OpenCV operation.
"""

from __future__ import annotations

import cv2
import numpy as np

cv2.setNumThreads(1)  # pages run in parallel processes; OpenCV threads would oversubscribe


def decode_stored_grey(data: bytes) -> np.ndarray | None:
    """The pixels of an 8-bit grey image file as stored (no EXIF turn, no conversion);
    None when it is not one OpenCV decodes so."""
    flags = cv2.IMREAD_UNCHANGED | cv2.IMREAD_IGNORE_ORIENTATION
    image = cv2.imdecode(np.frombuffer(data, np.uint8), flags)
    return image if image is not None and image.ndim == 2 and image.dtype == np.uint8 else None


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


def shrink(image: np.ndarray, scale: float) -> tuple[np.ndarray, float, float]:
    """``image`` shrunk by about ``scale`` (< 1), and the x and y factors it was shrunk by.

    When 1 / ``scale`` is within 1 % of a whole number k, by exactly 1 / k: OpenCV
    averages k × k blocks then, four times faster than a fractional area resize (a
    300-dpi page to 100 dpi: 3 ms instead of 12). The last rows and columns that fill
    no block are dropped.
    """
    height, width = image.shape[:2]
    block = round(1 / scale)
    if block >= 2 and abs(1 / scale - block) <= 0.01 * block and min(height, width) >= block:
        rows, cols = height // block, width // block
        shrunk = cv2.resize(image[: rows * block, : cols * block], (cols, rows),
                            interpolation=cv2.INTER_AREA)
        return shrunk, 1 / block, 1 / block
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return resize_to(image, *size), size[0] / width, size[1] / height


def rotate90(image: np.ndarray, quarter_turns: int) -> np.ndarray:
    """Rotate counter-clockwise by ``quarter_turns`` × 90°."""
    return np.ascontiguousarray(np.rot90(image, quarter_turns % 4))


def warp_perspective(
    image: np.ndarray, matrix: np.ndarray, width: int, height: int,
    *, border: float | None = 255,
) -> np.ndarray:
    """Perspective warp; outside the source is ``border``, or the edge repeated (None)."""
    if border is None:
        return cv2.warpPerspective(image, matrix, (width, height), flags=cv2.INTER_LINEAR,
                                   borderMode=cv2.BORDER_REPLICATE)
    return cv2.warpPerspective(image, matrix, (width, height), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_CONSTANT, borderValue=border)


def gaussian_blur(image: np.ndarray, sigma: float) -> np.ndarray:
    return cv2.GaussianBlur(image, (0, 0), sigma)


def otsu_ink(image: np.ndarray) -> np.ndarray:
    """Boolean ink mask (True = dark) by Otsu's threshold."""
    _, mask = cv2.threshold(image, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return mask.astype(bool)


def open_lines(mask: np.ndarray, length: int, *, horizontal: bool) -> np.ndarray:
    """The long straight horizontal (or vertical) runs of ``mask`` (box borders)."""
    return _line_morphology(mask, length, horizontal, cv2.MORPH_OPEN)


def _line_morphology(mask: np.ndarray, length: int, horizontal: bool, op: int) -> np.ndarray:
    shape = (length, 1) if horizontal else (1, length)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, shape)
    return cv2.morphologyEx(mask.astype(np.uint8), op, kernel).astype(bool)


def dilate(mask: np.ndarray, size: int) -> np.ndarray:
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (size, size))
    return cv2.dilate(mask.astype(np.uint8), kernel).astype(bool)


def components(mask: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    """Connected components: (count, label image, stats rows [x, y, w, h, area])."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(
        mask.astype(np.uint8), connectivity=8
    )
    return count, labels, stats


def close_lines(mask: np.ndarray, length: int, *, horizontal: bool) -> np.ndarray:
    """``mask`` with gaps up to ``length`` - 1 px bridged along one direction only."""
    return _line_morphology(mask, length, horizontal, cv2.MORPH_CLOSE)


def local_max(image: np.ndarray, size: int) -> np.ndarray:
    """Grey dilation: each pixel becomes the brightest within a ``size`` square (paper level)."""
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (size, size))
    return cv2.dilate(image, kernel)


# --- registration of a page onto its blank form (intake.ocr.align) ---------------------


def orb_features(image: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """ORB keypoints as an N×2 float32 array of (x, y) and their N×32 uint8 descriptors."""
    orb = cv2.ORB.create(nfeatures=count)
    keypoints, descriptors = orb.detectAndCompute(image, None)
    points = np.array([k.pt for k in keypoints], np.float32).reshape(-1, 2)
    if descriptors is None:
        descriptors = np.zeros((0, 32), np.uint8)
    return points, descriptors


def match_descriptors(query: np.ndarray, train: np.ndarray, ratio: float) -> np.ndarray:
    """Index pairs (query, train), K×2, of binary descriptors passing Lowe's ratio test."""
    if len(query) < 2 or len(train) < 2:
        return np.zeros((0, 2), np.int64)
    pairs = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(query, train, k=2)
    kept = [
        (m[0].queryIdx, m[0].trainIdx)
        for m in pairs
        if len(m) == 2 and m[0].distance < ratio * m[1].distance
    ]
    return np.array(kept, np.int64).reshape(-1, 2)


def fit_homography(
    source: np.ndarray, target: np.ndarray, threshold: float
) -> tuple[np.ndarray | None, np.ndarray]:
    """Robust (MAGSAC) homography taking ``source`` points to ``target``, and the inlier mask.

    ``threshold`` is the largest reprojection error of an inlier, in target pixels.
    """
    if len(source) < 4:
        return None, np.zeros(len(source), bool)
    matrix, mask = cv2.findHomography(
        source.astype(np.float32), target.astype(np.float32), cv2.USAC_MAGSAC, threshold
    )
    if matrix is None or mask is None:
        return None, np.zeros(len(source), bool)
    return matrix, mask.ravel().astype(bool)


def homography_through(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The homography taking four ``source`` points exactly onto four ``target`` points."""
    return cv2.getPerspectiveTransform(source.astype(np.float32), target.astype(np.float32))


def match_patch(image: np.ndarray, patch: np.ndarray) -> np.ndarray:
    """Normalised cross-correlation of ``patch`` at every position inside ``image``."""
    return cv2.matchTemplate(image, patch, cv2.TM_CCOEFF_NORMED)


def corner_strength(image: np.ndarray, block: int) -> np.ndarray:
    """Smaller eigenvalue of the gradient structure tensor over ``block`` px (2-D texture)."""
    return cv2.cornerMinEigenVal(image.astype(np.float32), block, ksize=3)


def ecc_homography(
    template: np.ndarray, image: np.ndarray, initial: np.ndarray, *, iterations: int = 60
) -> tuple[np.ndarray, float] | None:
    """Refine ``initial`` (template px → image px, 3×3) by maximising the ECC correlation.

    Returns the refined matrix and the correlation reached, or None when ECC fails.
    """
    criteria = (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, iterations, 1e-5)
    warp = initial.astype(np.float32).copy()
    try:
        score, refined = cv2.findTransformECC(
            template.astype(np.float32),
            image.astype(np.float32),
            warp,
            cv2.MOTION_HOMOGRAPHY,
            criteria,
        )
    except cv2.error:
        return None
    return np.asarray(refined, np.float64), float(score)


def largest_outline(mask: np.ndarray, tolerance: float = 0.02) -> np.ndarray | None:
    """The convex outline (N×2 float32, in contour order) of the largest region of
    ``mask``, simplified to within ``tolerance`` × its perimeter; None if no region."""
    contours, _ = cv2.findContours(
        mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE
    )
    if not contours:
        return None
    hull = cv2.convexHull(max(contours, key=cv2.contourArea))
    polygon = cv2.approxPolyDP(hull, tolerance * cv2.arcLength(hull, True), True)
    return polygon.reshape(-1, 2).astype(np.float32)


# --- used by the sample generator's scanner simulation (intake/samples/scan.py) --------

_SMOOTHING = {"area": cv2.INTER_AREA, "linear": cv2.INTER_LINEAR, "cubic": cv2.INTER_CUBIC}


def resize_exact(image: np.ndarray, width: int, height: int, *, smooth: str) -> np.ndarray:
    """Resize to ``width`` × ``height`` with "area", "linear" or "cubic" interpolation."""
    return cv2.resize(image, (width, height), interpolation=_SMOOTHING[smooth])


def lookup(image: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Map every pixel value through ``table`` (256 entries, or 256 × channels)."""
    return cv2.LUT(image, table)


def rotation_matrix(centre: tuple[float, float], degrees: float, scale: float) -> np.ndarray:
    """2 × 3 affine matrix rotating counter-clockwise about ``centre`` and scaling."""
    return np.array(cv2.getRotationMatrix2D(centre, degrees, scale))


def warp_affine(
    image: np.ndarray, matrix: np.ndarray, width: int, height: int, *, border: tuple[float, ...]
) -> np.ndarray:
    return cv2.warpAffine(
        image,
        matrix,
        (width, height),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=border,
    )


def perspective_matrix(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The 3 × 3 homography taking four ``source`` points to four ``target`` points."""
    return cv2.getPerspectiveTransform(source.astype(np.float32), target.astype(np.float32))



# --- glyph shapes for the digit classifier (intake.ocr.digits) ------------------------------


def remap(
    image: np.ndarray, map_x: np.ndarray, map_y: np.ndarray, *, border: int = 0
) -> np.ndarray:
    """Each output pixel taken from ``image`` at (``map_x``, ``map_y``) (elastic warps)."""
    return cv2.remap(
        image,
        map_x.astype(np.float32),
        map_y.astype(np.float32),
        cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=border,
    )


def encode_png(image: np.ndarray) -> bytes:
    """``image`` as PNG bytes."""
    ok, buffer = cv2.imencode(".png", image)
    if not ok:
        raise ValueError("the image could not be encoded as PNG")
    return buffer.tobytes()


def decode_grey(data: bytes) -> np.ndarray:
    """An encoded image (PNG, JPEG) as grey uint8."""
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE)
    if image is None:
        raise ValueError("not an image")
    return image
