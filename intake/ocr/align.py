"""Step 3 of the pipeline: tell what a scanned page is and register it onto its blank form.

:func:`align_page` decides between an empty page (``"blank"``), one of the three
forms and anything else (``"unknown"``), and warps a form into its blank form's
frame at ``WORK_DPI``, so that the widget rectangles (mm) fall on the right pixels.

The steps, one function each:

1. **blank** — ink on a ~100-dpi copy, measured against the local paper level and
   without specks, so that paper tone, bleed-through and fax noise do not count;
2. **coarse pose** — ORB features of that copy matched to a blank form's features
   (computed once per process) and a MAGSAC homography: quarter turn, skew and
   perspective at once. Where features fail: the page outline (phone photos) or the
   image frame under each quarter turn, refined by ECC on a 25-dpi copy;
3. **which form** — each blank form's *distinct* ink (printed where no other form
   prints: title, section 2, footer) must be on the warped page, and the page may
   carry little ink where the form prints nothing. 9448 and 9449 share their
   header and section 1: only their distinct ink tells them apart, with a margin;
   the blank forms are those of the active *templates* (the built-in layouts and the
   learned ones, ``intake.forms.reading``): the margin is between forms, and among the
   templates of the form found the best fit is taken (a learned one over the built-in
   one only when clearly better: the same print learned again changes nothing);
4. **fine registration** — small printed patches of the blank form, away from the
   widgets where fill-in would disturb them, are found near their expected place by
   normalised cross-correlation; a homography fitted to them gives the final warp,
   and the median residual of that fit is the registration error;
5. **which version** — when templates of the form found that are different versions
   fit about alike (a revision printing the same boxes, another footer), the footer
   line of the aligned page is read (:mod:`intake.ocr.footer`) and the template
   printing that footer is taken; an unreadable footer leaves the choice of step 3,
   and the alignment says that the version was not confirmed.

The turn, skew, perspective and scale all live in one homography, so the declared
resolution of a page only sets the size of the small copy (and is replaced by the
image's size when it is implausible, as on phone photos saying 72 dpi).

Frames: *scan* (the input pixels), *small* (the scan at ~``FEATURE_DPI``), *aligned*
(the blank form at ``WORK_DPI``) and *form* (the blank form at ``FEATURE_DPI``, where
registration is done). Matrices are 3×3 float64 and map pixel centres.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from typing import Literal, cast

import numpy as np

from intake import imaging
from intake.forms.blank import blank_pdf
from intake.forms.model import PAGE_HEIGHT_MM, Rect
from intake.forms.reading import ReadingTemplate, builtin_readings
from intake.load.render import render_pdf
from intake.ocr.footer import choose_by_footer
from intake.ocr.tesseract import TextEngine
from intake.reads import (
    PAGE_H_PX,
    PAGE_W_PX,
    WORK_DPI,
    Alignment,
    PageImage,
    PageKind,
    VersionCheck,
    mm_to_px,
)

log = logging.getLogger(__name__)

Route = Literal["features", "outline"]

#: Resolution of features and fine registration; the check of printed ink; ECC fallback.
FEATURE_DPI = 100
CHECK_DPI = 50
ECC_DPI = 25
SCAN_FEATURES = 600
FORM_FEATURES = 1500
RATIO_TEST = 0.8
#: Inlier distance of the coarse feature homography, in form px (ORB positions are coarse).
COARSE_INLIER_PX = 4.0
MIN_FEATURE_INLIERS = 20
#: Bounds of a pose's change of area (form px per small px): the page's resolution may be
#: unknown (a phone photo saying 72 dpi), so the small copy can be half or twice the size.
MIN_AREA_SCALE = 0.2
MAX_AREA_SCALE = 5.0
#: Built-in forms tried by features, in order, until one's inliers are many and span the
#: page; learned templates are tried after them.
FEATURE_ORDER = ("9448", "9449", "9443")
CONVINCING_INLIERS = 60
#: Inliers that words shared with any letter (e.g. "Försäkringskassan") can give.
CHANCE_INLIERS = 20
CONVINCING_SPREAD = 0.6
#: Built-in forms the fallback aligns the outline to by ECC, most likely first (then the
#: learned templates).
ECC_FORMS = ("9448", "9443", "9449")
ECC_ITERATIONS = 25
MIN_ECC_SCORE = 0.2
#: Printed patches for fine registration: side and grid cell (form px).
PATCH = 24
PATCH_CELL = 96
#: Radii (form px) of the passes looking for the patches, by how the pose was found.
SEARCHES: dict[Route, tuple[int, ...]] = {"features": (6, 2), "outline": (12, 6, 2)}
WIDEST = max(max(radii) for radii in SEARCHES.values())
MIN_PATCH_SCORE = 0.5
MIN_PATCHES = 12
#: Share of a form's patches that must fit, for any confidence and for full confidence.
MIN_PATCH_SHARE = 0.4
GOOD_PATCH_SHARE = 0.7
#: Patch inliers lie within this of the fitted homography (form px).
PATCH_INLIER_PX = 1.0
#: Darker than this share of the local paper level is ink.
INK_RATIO = 0.7
CHECK_INK_RATIO = 0.85
#: Ink blobs smaller than this (small px) are specks: fax noise, dust.
SPECK_AREA = 4
#: A page with less ink than this share of its area is blank.
BLANK_INK_SHARE = 0.001
#: Grey level below which a page without ink is no paper at all (lid open, black frame).
MIN_PAPER_LEVEL = 100
#: Long straight runs (small px) and how many of their pixels make the boxes of a form.
LINE_RUN = 24
MIN_LINE_PIXELS = 2500
LINE_INK_RATIO = 0.8
#: How form-like a page printing box lines is, even when no form is found on it.
BOXED_LIKENESS = 0.5
#: Share of the paper's outline kept around its centre when judging ink (edges, shadows).
INNER_SHARE = 0.8
#: Share of a form's distinct ink that must be on the page, and the lead over the next form.
MIN_RECALL = 0.6
MIN_MARGIN = 0.2
#: Largest share of ink on the page where the form prints nothing.
MAX_CLUTTER = 0.25
#: How much a page must look like a template's page of text, as a whole (normalised
#: correlation at FEATURE_DPI), to be taken for it, and for full confidence: measured
#: 0.82-0.87 at the right pose (office and fax scans) against at most 0.56 for one
#: form's page of text slid onto another's.
TEXT_PAGE_LIKENESS = 0.7
GOOD_TEXT_PAGE_LIKENESS = 0.78
#: How much more of its distinct ink a learned template must show than the built-in
#: template of the same form to be chosen over it (the same print learned again fits
#: about as well: the built-in one is kept).
LEARNED_LEAD = 0.1
#: Templates of one form whose distinct ink is found within this of the best one's
#: fit about alike: their footers decide. A page shows as much of a near-identical
#: template's ink (another version, same boxes) as of its own: at most 0.0013 apart over
#: 120 pages (office300, fax200, hand-real300, fax-real200), while the form's other
#: layout fits more than 0.5 worse (``scripts/measure_versions.py --count 24``). The
#: band of ``LEARNED_LEAD``: within it, fit alone would keep the built-in template.
ALIKE_FIT = LEARNED_LEAD


@dataclass(frozen=True)
class _Patch:
    x: int  # the patch covers form px [x - PATCH/2, x + PATCH/2) and likewise in y
    y: int
    image: np.ndarray


@dataclass(frozen=True, eq=False)
class _Form:
    """One template's blank form as registration needs it, computed once per process."""

    template: ReadingTemplate
    grey: np.ndarray  # at FEATURE_DPI
    points: np.ndarray  # ORB keypoints, form px
    descriptors: np.ndarray
    ink: np.ndarray  # bool at CHECK_DPI
    widgets: np.ndarray  # bool at CHECK_DPI: inside a widget, where fill-in goes
    patches: tuple[_Patch, ...]

    @property
    def form(self) -> str:
        return self.template.form

    @property
    def text_only(self) -> bool:
        """A template's page without widgets: a page of text, recognised, never read."""
        return not self.template.layout.widgets


@dataclass(frozen=True)
class _Catalogue:
    """The active templates' blank forms and what telling them apart needs: each
    template's distinct ink and the paper where none prints."""

    forms: tuple[_Form, ...]
    distinct: tuple[np.ndarray, ...]  # bool at CHECK_DPI, one per form
    empty: np.ndarray  # bool at CHECK_DPI

    def order(self, builtin_order: tuple[str, ...]) -> list[_Form]:
        """Built-in forms in ``builtin_order``, then the learned templates."""
        builtin = {f.form: f for f in self.forms if f.template.builtin}
        return [builtin[form] for form in builtin_order if form in builtin] + [
            f for f in self.forms if not f.template.builtin]


@dataclass(frozen=True)
class _Scan:
    grey: np.ndarray
    small: np.ndarray
    to_small: np.ndarray  # scan px → small px
    outline: np.ndarray  # the paper's corners in small px, clockwise from the top left

    def inner(self) -> np.ndarray:
        """The small image within the paper's outline, well clear of its edges."""
        centre = self.outline.mean(axis=0)
        inner = centre + (self.outline - centre) * INNER_SHARE
        (x0, y0), (x1, y1) = inner.min(axis=0), inner.max(axis=0)
        height, width = self.small.shape
        rows = slice(max(0, math.ceil(y0)), min(height, math.floor(y1)))
        return self.small[rows, max(0, math.ceil(x0)) : min(width, math.floor(x1))]


@dataclass(frozen=True)
class _Verdict:
    """How well each template's printed ink is found on a page warped by one pose."""

    recall: tuple[float, ...]  # share of each template's distinct ink present
    clutter: float  # share of page ink where no form prints and no widget is
    forms: tuple[_Form, ...]

    def by_form(self) -> list[tuple[str, float]]:
        """Each form's best recall over its templates, best form first."""
        best: dict[str, float] = {}
        for form, recall in zip(self.forms, self.recall, strict=True):
            best[form.form] = max(best.get(form.form, 0.0), recall)
        return sorted(best.items(), key=lambda item: -item[1])

    def ranked(self, form_id: str | None = None) -> list[_Form]:
        """The templates (of ``form_id`` only, if given), best fit first."""
        pairs = [(f, r) for f, r in zip(self.forms, self.recall, strict=True)
                 if form_id is None or f.form == form_id]
        return [f for f, _ in sorted(pairs, key=lambda item: -item[1])]

    def alike(self, form: _Form) -> list[_Form]:
        """``form`` and the other templates of its form that fit within ``ALIKE_FIT`` of
        the best of them, best first."""
        recall = dict(zip(self.forms, self.recall, strict=True))
        ranked = self.ranked(form.form)
        near = [f for f in ranked if recall[f] >= recall[ranked[0]] - ALIKE_FIT]
        return near if form in near else [form, *near]

    def chosen(self, form_id: str) -> _Form:
        """The template of ``form_id`` the page fits: the best, but a learned one over
        the built-in one only when it fits clearly better."""
        recall = dict(zip(self.forms, self.recall, strict=True))
        best, *_ = self.ranked(form_id)
        builtin = [f for f in recall if f.form == form_id and f.template.builtin]
        if builtin and recall[best] < recall[builtin[0]] + LEARNED_LEAD:
            return builtin[0]
        return best


@dataclass(frozen=True)
class _Fit:
    form: _Form
    pose: np.ndarray  # small px → form px
    inliers: int
    error_px: float  # aligned px
    confidence: float
    route: Route
    verdict: _Verdict  # how every template's ink is found under ``pose``
    version: VersionCheck | None = None


# --- the step ---------------------------------------------------------------------------


def align_page(
    page: PageImage,
    *,
    routes: tuple[Route, ...] = ("features", "outline"),
    templates: tuple[ReadingTemplate, ...] | None = None,
    engine: TextEngine | None = None,
) -> tuple[Alignment, np.ndarray | None]:
    """What ``page`` is and, for a form, the page warped onto that blank form.

    The warped page is grey uint8, ``PAGE_H_PX`` × ``PAGE_W_PX`` at ``WORK_DPI``;
    None for a blank or unknown page. ``quarter_turns`` then ``homography`` map the
    scan onto it. The confidence of a form is the weakest of: its distinct ink found,
    its lead over the next form, little stray ink, the share of patches that fit and
    the registration error; of "unknown", how little the page looked like any form
    (matching features, printed ink); of "blank", how far below the ink threshold.
    ``routes`` are the ways a pose is looked for (a measurement may try the page
    outline alone). ``templates`` are the layouts the page may be (default: the three
    built-in ones); the alignment names the one chosen, and the warped page is in its
    frame. With an ``engine``, versions of the form found that fit alike are told
    apart by the footer printed on the page; without, by fit alone.
    """
    catalogue = _catalogue(templates or builtin_readings())
    scan = _prepare(page)
    share = _ink_share(scan.inner())
    if share < BLANK_INK_SHARE and _is_paper(scan.inner()):
        return Alignment(kind="blank", confidence=_blank_confidence(share)), None
    fit, unknown_confidence = _find_form(scan, routes, catalogue)
    if fit is None:
        log.info("%s p%d: no form (confidence %.2f)", page.source, page.page, unknown_confidence)
        return Alignment(kind="unknown", confidence=unknown_confidence), None
    homography, aligned = _warp(scan, fit)
    if engine is not None:
        fit, before = _which_version(scan, fit, aligned, catalogue, engine), fit
        if fit.pose is not before.pose:
            homography, aligned = _warp(scan, fit)
    log.info("%s p%d: %s page %d, error %.2f px", page.source, page.page,
             fit.form.template.ref.id, fit.form.template.page, fit.error_px)
    return _alignment(fit, homography, scan.grey.shape), aligned


def _warp(scan: _Scan, fit: _Fit) -> tuple[np.ndarray, np.ndarray]:
    """The homography from the scan to the aligned frame of ``fit``, and the page warped."""
    to_aligned = _scaling(PAGE_W_PX / _form_size()[0], PAGE_H_PX / _form_size()[1])
    homography = to_aligned @ fit.pose @ scan.to_small
    return homography, imaging.warp_perspective(scan.grey, homography, PAGE_W_PX, PAGE_H_PX)


def template_fits(
    page: PageImage, templates: tuple[ReadingTemplate, ...]
) -> list[tuple[ReadingTemplate, float]]:
    """How well each of ``templates`` fits ``page`` under the pose found for it (the
    share of the template's distinct ink on the page, as step 3 weighs it); empty when
    no form is found. For measuring how far apart near-identical templates fit."""
    catalogue = _catalogue(templates)
    fit, _ = _find_form(_prepare(page), ("features", "outline"), catalogue)
    if fit is None:
        return []
    return [(f.template, r) for f, r in zip(fit.verdict.forms, fit.verdict.recall, strict=True)]


def _find_form(
    scan: _Scan, routes: tuple[Route, ...], catalogue: _Catalogue
) -> tuple[_Fit | None, float]:
    """The verified form fit, or None and how sure we are that the page is no form.

    Features first; when they find no form, and the page prints box lines as all
    three forms do, the page outline (or image frame) refined by ECC.
    """
    poses, inliers = (
        _feature_poses(scan.small, catalogue) if "features" in routes else ([], 0))
    fit, likeness = _first_fit(scan.small, poses, "features", catalogue)
    if fit is None and "outline" in routes and _has_box_lines(scan.inner()):
        log.debug("features found no form; trying the page outline")
        fit, other = _first_fit(scan.small, _fallback_poses(scan, catalogue), "outline",
                                catalogue)
        likeness = max(likeness, other, BOXED_LIKENESS)
    # a page much of whose print matches a form's is not confidently "unknown"
    likeness = max(likeness, _ramp(inliers, CHANCE_INLIERS, CONVINCING_INLIERS))
    return fit, 1.0 - likeness


def _first_fit(
    small: np.ndarray, poses: Iterable[np.ndarray], route: Route, catalogue: _Catalogue
) -> tuple[_Fit | None, float]:
    """The first pose that settles on a form; else None and the best form-likeness seen."""
    likeness = 0.0
    for pose in poses:
        view = _view(small, pose)
        verdict = _verdict(view, catalogue)
        for form in _forms_to_try(verdict, route):
            fit = _settle(small, pose, view, form, route, catalogue)
            if fit is not None:
                return fit, 0.0
        likeness = max(likeness, _form_likeness(verdict))
    return None, likeness


def _forms_to_try(verdict: _Verdict, route: Route) -> list[_Form]:
    """The template a pose shows, then the other templates of its form (should its
    patches not fit); after a rough pose (the outline), every template if unclear."""
    form, _ = _decide(verdict)
    if form is not None:
        return [form, *(f for f in verdict.ranked(form.form) if f is not form)]
    return verdict.ranked() if route == "outline" else []


def _settle(
    small: np.ndarray, pose: np.ndarray, view: np.ndarray, form: _Form, route: Route,
    catalogue: _Catalogue,
) -> _Fit | None:
    """``pose`` refined on ``form``'s patches, if the result verifies as that form."""
    if form.text_only:
        return _settle_text(small, pose, view, form, route, catalogue)
    patches = form.patches
    refined = _refine(small, pose, view, patches, SEARCHES[route])
    if refined is None:
        return _settle_later(small, pose, view, form, route, catalogue)
    pose, inliers, error_px = refined
    verdict = _verdict(_view(small, pose), catalogue)
    chosen, confidence = _decide(verdict)
    share = inliers / len(patches)
    if chosen is None or chosen.form != form.form or share < MIN_PATCH_SHARE:
        return _settle_later(small, pose, view, form, route, catalogue)
    confidence = min(
        confidence,
        _ramp(share, MIN_PATCH_SHARE, GOOD_PATCH_SHARE),
        _ramp(-error_px, -3.0, -1.0),
    )
    return _Fit(form, pose, inliers, error_px, confidence, route, verdict)


def _which_version(
    scan: _Scan, fit: _Fit, aligned: np.ndarray, catalogue: _Catalogue, engine: TextEngine
) -> _Fit:
    """Step 5: among the templates of the form found that fit alike and are different
    versions, the one printing the footer the page prints, registered on its own
    patches. Only such pages pay for reading the footer; when it names none of them,
    ``fit``'s template is kept, marked unconfirmed."""
    alike = fit.verdict.alike(fit.form)
    if len({f.template.ref.version for f in alike}) < 2:
        return fit
    printing = choose_by_footer(aligned, [f.template for f in alike], engine)
    if not printing:
        log.info("FK %s: the footer names no version; %s kept by fit alone",
                 fit.form.form, fit.form.template.ref.id)
        return replace(fit, version="unconfirmed")
    if fit.form.template in printing:
        return replace(fit, version="footer")
    chosen = next(f for f in alike if f.template in printing)
    refit = _settle(scan.small, fit.pose, _view(scan.small, fit.pose), chosen, fit.route,
                    catalogue)
    return replace(refit or replace(fit, form=chosen), version="footer")


def _settle_later(
    small: np.ndarray, pose: np.ndarray, view: np.ndarray, form: _Form, route: Route,
    catalogue: _Catalogue,
) -> _Fit | None:
    """A learned template's later page whose printed patches did not settle the pose:
    a page that is mostly text, with a few fields (a form going on to page 2), whose
    glyph patches match too loosely. Taken, as a page of text is, when the whole page
    looks like it at the pose found; page 1 of any template still needs its patches."""
    if form.template.page == 1:
        return None
    return _settle_text(small, pose, _view(small, pose), form, route, catalogue)


def _settle_text(
    small: np.ndarray, pose: np.ndarray, view: np.ndarray, form: _Form, route: Route,
    catalogue: _Catalogue,
) -> _Fit | None:
    """``pose`` on a template's page of text (no widgets: nothing is read there, so
    the pose need not be exact), if the page verifies as that page. The pages of text
    of several forms share paragraphs at other heights, and a pose that slides one
    onto the other shows the other's distinct ink: the whole page must also look like
    the template's page (normalised correlation of the two), which it does only at
    the right pose. The patches refine the pose when enough of them are found."""
    refined = _refine(small, pose, view, form.patches, SEARCHES[route])
    inliers, error_px = 0, float("nan")
    if refined is not None:
        pose, inliers, error_px = refined
        view = _view(small, pose)
    verdict = _verdict(view, catalogue)
    chosen, confidence = _decide(verdict)
    likeness = _whole_page_likeness(view, form.grey)
    if chosen is not form or likeness < TEXT_PAGE_LIKENESS:
        return None
    confidence = min(confidence, _ramp(likeness, TEXT_PAGE_LIKENESS, GOOD_TEXT_PAGE_LIKENESS))
    return _Fit(form, pose, inliers, error_px, confidence, route, verdict)


def _whole_page_likeness(view: np.ndarray, grey: np.ndarray) -> float:
    """Normalised correlation of the page as posed with the template's blank page."""
    a = imaging.gaussian_blur(view.astype(np.float32), 1.0)
    b = imaging.gaussian_blur(grey.astype(np.float32), 1.0)
    a, b = a - a.mean(), b - b.mean()
    norm = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum()) / norm if norm else 0.0


def _alignment(fit: _Fit, homography: np.ndarray, shape: tuple[int, ...]) -> Alignment:
    turns, after = _split_quarter_turns(homography, shape)
    return Alignment(
        kind=cast(PageKind, fit.form.form),
        template=fit.form.template.ref,
        confidence=round(fit.confidence, 3),
        quarter_turns=turns,
        homography=tuple(tuple(float(v) for v in row) for row in after),
        registration_error_px=round(fit.error_px, 3) if math.isfinite(fit.error_px) else None,
        inliers=fit.inliers,
        route=fit.route,
        version_check=fit.version,
    )


# --- the page --------------------------------------------------------------------------


def _prepare(page: PageImage) -> _Scan:
    grey = imaging.to_grey(np.asarray(page.image))
    scale = FEATURE_DPI / _plausible_dpi(grey.shape, page.dpi)
    small, sx, sy = imaging.shrink(grey, scale)
    return _Scan(grey, small, _scaling(sx, sy), _page_outline(small))


def _plausible_dpi(shape: tuple[int, ...], dpi: float) -> float:
    """``dpi`` unless the image would then be no page-sized thing: then A4 filling the image."""
    fitted = max(shape) / (PAGE_HEIGHT_MM / 25.4)
    return dpi if 0.6 * fitted <= dpi <= 1.7 * fitted else fitted


def _ink_mask(image: np.ndarray, ratio: float) -> np.ndarray:
    """Pixels darker than ``ratio`` × the paper level around them (~2 mm at 100 dpi)."""
    paper = imaging.local_max(image, 9).astype(np.float32)
    return image.astype(np.float32) < ratio * paper


def _ink_share(paper: np.ndarray) -> float:
    """Share of ``paper`` covered by ink blobs larger than specks."""
    ink = _ink_mask(paper, INK_RATIO)
    if ink.mean() > 10 * BLANK_INK_SHARE:
        return float(ink.mean())  # plenty of ink: no need to tell specks apart
    _, _, stats = imaging.components(ink)
    areas = stats[1:, 4]
    return float(areas[areas >= SPECK_AREA].sum()) / max(1, paper.size)


def _has_box_lines(paper: np.ndarray) -> bool:
    """True when ``paper`` prints long straight lines (in either direction), as forms do."""
    ink = _ink_mask(paper, LINE_INK_RATIO)
    runs = max(
        int(imaging.open_lines(ink, LINE_RUN, horizontal=True).sum()),
        int(imaging.open_lines(ink, LINE_RUN, horizontal=False).sum()),
    )
    return runs >= MIN_LINE_PIXELS


def _is_paper(image: np.ndarray) -> bool:
    """True when ``image`` is mostly light, as paper is (not a black or dark grey frame)."""
    return image.size > 0 and float(np.median(image)) >= MIN_PAPER_LEVEL


def _blank_confidence(share: float) -> float:
    return round(0.5 + 0.5 * _ramp(BLANK_INK_SHARE - share, 0.0, 0.7 * BLANK_INK_SHARE), 3)


# --- coarse pose -------------------------------------------------------------------------


def _feature_poses(small: np.ndarray, catalogue: _Catalogue) -> tuple[list[np.ndarray], int]:
    """Poses found by matching ORB features to the blank forms, best first, and the
    most inliers any form had (even too few for a pose).

    A form whose inliers cover most of the page ends the search: 9448 shares only its
    header and section 1 with 9449 and only its header with 9443, so on those pages
    its inliers stay in the top part and the other forms are tried too.
    """
    points, descriptors = imaging.orb_features(small, SCAN_FEATURES)
    found: list[tuple[float, np.ndarray]] = []
    most = 0
    for form in catalogue.order(FEATURE_ORDER):
        pose, inliers, spread = _feature_pose(points, descriptors, form)
        most = max(most, inliers)
        if pose is None:
            continue
        found.append((inliers * spread, pose))
        if inliers >= CONVINCING_INLIERS and spread >= CONVINCING_SPREAD:
            break
    found.sort(key=lambda item: -item[0])
    return [pose for _, pose in found], most


def _feature_pose(
    points: np.ndarray, descriptors: np.ndarray, form: _Form
) -> tuple[np.ndarray | None, int, float]:
    """(pose or None, inliers, share of the page height the inliers span)."""
    pairs = imaging.match_descriptors(descriptors, form.descriptors, RATIO_TEST)
    if len(pairs) < MIN_FEATURE_INLIERS:
        return None, 0, 0.0
    targets = form.points[pairs[:, 1]]
    pose, inliers = imaging.fit_homography(points[pairs[:, 0]], targets, COARSE_INLIER_PX)
    count = int(inliers.sum())
    log.debug("%s features: %d matches, %d inliers", form.template.key, len(pairs), count)
    if pose is None or count < MIN_FEATURE_INLIERS or not _plausible_pose(pose):
        return None, count, 0.0
    return pose, count, float(np.ptp(targets[inliers, 1])) / _form_size()[1]


def _plausible_pose(pose: np.ndarray) -> bool:
    """A pose that keeps the page a plausible size, unmirrored, with mild perspective."""
    linear = pose[:2, :2] / pose[2, 2]
    determinant = float(np.linalg.det(linear))
    return MIN_AREA_SCALE < determinant < MAX_AREA_SCALE and float(np.abs(pose[2, :2]).max()) < 1e-3


def _fallback_poses(scan: _Scan, catalogue: _Catalogue) -> Iterator[np.ndarray]:
    """Poses from the paper's outline turned upright or upside down, refined by ECC.

    The outline's longer sides are the page's long sides, which leaves two quarter
    turns. Poses come lazily (ECC is the slow part): the first that verifies ends it.
    """
    corners = scan.outline
    width, height = _form_size()
    page = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32) - 0.5
    top, left = np.linalg.norm(corners[1] - corners[0]), np.linalg.norm(corners[3] - corners[0])
    for turn in (1, 3) if top > left else (0, 2):
        guess = imaging.homography_through(np.roll(corners, -turn, axis=0), page)
        for form in catalogue.order(ECC_FORMS):
            pose = _ecc_pose(scan.small, guess, form)
            if pose is not None:
                yield pose


def _page_outline(small: np.ndarray) -> np.ndarray:
    """Clockwise corners (from the top left) of the paper, or of the image when none shows.

    The paper is the largest bright four-sided region of a 25-dpi copy (phone photos
    show it on a darker table); a flatbed scan is paper to its edges.
    """
    height, width = small.shape
    frame = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32) - 0.5
    factor = ECC_DPI / FEATURE_DPI
    coarse = imaging.gaussian_blur(imaging.resize(small, factor), 1.0)
    outline = imaging.largest_outline(imaging.otsu_ink(coarse) == 0)
    quad = None if outline is None else _quadrilateral(outline)
    if quad is None or not 0.3 < _polygon_area(quad) / coarse.size < 0.95:
        return frame
    quad = _project(np.linalg.inv(_scaling(factor, factor)), quad).astype(np.float32)
    centre = quad.mean(axis=0)
    angles = np.arctan2(quad[:, 1] - centre[1], quad[:, 0] - centre[0])
    quad = quad[np.argsort(angles)]  # clockwise on screen, y pointing down
    start = int(np.argmin(quad.sum(axis=1)))
    return np.roll(quad, -start, axis=0)


def _quadrilateral(polygon: np.ndarray) -> np.ndarray | None:
    """The four corners of a convex ``polygon`` whose corners may be cut off (a shadow,
    a dog-ear): where its four longest sides, extended, meet."""
    if len(polygon) < 4:
        return None
    ends = np.roll(polygon, -1, axis=0)
    longest = np.sort(np.argsort(np.linalg.norm(ends - polygon, axis=1))[-4:])
    sides = [(polygon[i], ends[i]) for i in longest]
    corners = [_intersection(*sides[i - 1], *sides[i]) for i in range(4)]
    if any(corner is None for corner in corners):
        return None
    return np.array(corners, np.float32)


def _intersection(
    a0: np.ndarray, a1: np.ndarray, b0: np.ndarray, b1: np.ndarray
) -> np.ndarray | None:
    """Where the line through a0, a1 meets the line through b0, b1 (None if parallel)."""
    da, db = a1 - a0, b1 - b0
    cross = float(da[0] * db[1] - da[1] * db[0])
    if abs(cross) < 1e-9:
        return None
    t = float((b0 - a0)[0] * db[1] - (b0 - a0)[1] * db[0]) / cross
    return a0 + t * da


def _ecc_pose(small: np.ndarray, guess: np.ndarray, form: _Form) -> np.ndarray | None:
    """``guess`` (small px → form px) refined by ECC on 25-dpi copies, if it converges."""
    factor = ECC_DPI / FEATURE_DPI
    coarse = _scaling(factor, factor)  # small px → 25-dpi px, and form px likewise
    image = imaging.resize(small, factor)
    template = imaging.gaussian_blur(imaging.resize(form.grey, factor), 1.0)
    initial = coarse @ np.linalg.inv(guess) @ np.linalg.inv(coarse)  # form → small, coarse
    result = imaging.ecc_homography(
        template, image, initial / initial[2, 2], iterations=ECC_ITERATIONS
    )
    if result is None:
        return None
    warp, score = result
    pose = np.linalg.inv(coarse) @ np.linalg.inv(warp) @ coarse
    log.debug("ECC on %s: correlation %.2f", form.template.key, score)
    pose = pose / pose[2, 2]
    return pose if score >= MIN_ECC_SCORE and _plausible_pose(pose) else None


# --- which form --------------------------------------------------------------------------


def _view(small: np.ndarray, pose: np.ndarray) -> np.ndarray:
    """The page as ``pose`` puts it onto the blank form, at FEATURE_DPI."""
    return imaging.warp_perspective(small, pose, *_form_size())


def _verdict(view: np.ndarray, catalogue: _Catalogue) -> _Verdict:
    """Look for each template's distinct ink on the page in the form frame (at CHECK_DPI)."""
    warped = imaging.resize_to(view, *_check_size())
    ink = imaging.dilate(_ink_mask(warped, CHECK_INK_RATIO), 3)
    recall = tuple(_covered(distinct, ink) for distinct in catalogue.distinct)
    return _Verdict(recall, _covered(catalogue.empty, ink), catalogue.forms)


def _covered(where: np.ndarray, ink: np.ndarray) -> float:
    return float(ink[where].mean()) if where.any() else 0.0


def _decide(verdict: _Verdict) -> tuple[_Form | None, float]:
    """The template the verdict shows, if any, and a confidence in [0, 1]. The margin
    is between forms: templates of one form may print almost alike (two versions of
    it); among them the best fit is taken (:meth:`_Verdict.chosen`)."""
    (best, recall), (_, runner_up) = verdict.by_form()[:2]
    margin = recall - runner_up
    if recall < MIN_RECALL or margin < MIN_MARGIN or verdict.clutter > MAX_CLUTTER:
        return None, 0.0
    confidence = min(
        _ramp(recall, MIN_RECALL, 0.85),
        _ramp(margin, MIN_MARGIN, 0.45),
        _ramp(-verdict.clutter, -MAX_CLUTTER, -0.1),
    )
    return verdict.chosen(best), confidence


def _form_likeness(verdict: _Verdict) -> float:
    """How much the page looks like some form even though it was not accepted as one."""
    _, recall = verdict.by_form()[0]
    return min(_ramp(recall, 0.3, MIN_RECALL), _ramp(-verdict.clutter, -0.6, -MAX_CLUTTER))


# --- fine registration -------------------------------------------------------------------


def _refine(
    small: np.ndarray,
    pose: np.ndarray,
    view: np.ndarray,
    patches: tuple[_Patch, ...],
    searches: tuple[int, ...],
) -> tuple[np.ndarray, int, float] | None:
    """``pose`` corrected by the printed patches: (pose, inlier patches, error in aligned px).

    ``view`` is the page under ``pose``. Each pass looks for the patches within
    ``radius`` of where the pose puts them.
    """
    inliers = np.zeros(0, bool)
    residuals = np.zeros(0)
    for number, radius in enumerate(searches):
        view = view if number == 0 else _view(small, pose)
        found, wanted = _locate_patches(view, patches, radius)
        correction, inliers = imaging.fit_homography(found, wanted, PATCH_INLIER_PX)
        if correction is None or inliers.sum() < MIN_PATCHES:
            return None
        pose = correction @ pose
        residuals = np.linalg.norm(_project(correction, found) - wanted, axis=1)
    error_px = float(np.median(residuals[inliers])) * WORK_DPI / FEATURE_DPI
    return pose, int(inliers.sum()), error_px


def _locate_patches(
    view: np.ndarray, patches: tuple[_Patch, ...], radius: int
) -> tuple[np.ndarray, np.ndarray]:
    """Where each patch's print is in ``view`` (form px) and where it belongs."""
    side = PATCH + 2 * radius
    found, wanted = [], []
    for patch in patches:
        left, top = patch.x - PATCH // 2 - radius, patch.y - PATCH // 2 - radius
        window = view[top : top + side, left : left + side]
        peak = _peak(imaging.match_patch(window, patch.image))
        if peak is None:
            continue
        centre = (patch.x - 0.5, patch.y - 0.5)
        found.append((centre[0] + peak[0] - radius, centre[1] + peak[1] - radius))
        wanted.append(centre)
    return np.array(found, np.float64).reshape(-1, 2), np.array(wanted).reshape(-1, 2)


def _peak(surface: np.ndarray) -> tuple[float, float] | None:
    """Sub-pixel (x, y) of a clear inner maximum of ``surface``, or None."""
    row, col = np.unravel_index(int(np.argmax(surface)), surface.shape)
    height, width = surface.shape
    if surface[row, col] < MIN_PATCH_SCORE or not (0 < row < height - 1 and 0 < col < width - 1):
        return None
    dx = _parabola_peak(*surface[row, col - 1 : col + 2])
    dy = _parabola_peak(*surface[row - 1 : row + 2, col])
    return col + dx, row + dy


def _parabola_peak(left: float, centre: float, right: float) -> float:
    curvature = left - 2 * centre + right
    return 0.0 if curvature >= 0 else float(0.5 * (left - right) / curvature)


# --- the blank forms, once per process ----------------------------------------------------


def load_blank_forms(templates: tuple[ReadingTemplate, ...] | None = None) -> None:
    """Compute what registration needs of every blank form (default: the built-in ones)
    now rather than on the first page (~0.4 s): a process that forks workers afterwards
    gives it to all of them."""
    _catalogue(templates or builtin_readings())


@lru_cache(maxsize=4)
def _catalogue(templates: tuple[ReadingTemplate, ...]) -> _Catalogue:
    """The blank forms of ``templates`` and each one's distinct ink. A template's
    distinct ink is where it prints and no template of another form prints (nor lets
    anyone write): 9448 and 9449 share their header and section 1. Templates of the
    same form do not take ink from each other (two versions may print almost alike)."""
    forms = tuple(form for form in map(_usable_form, templates) if form is not None)
    used = [f.ink | f.widgets for f in forms]
    distinct = []
    for form in forms:
        others = [u for f, u in zip(forms, used, strict=True) if f.form != form.form]
        distinct.append(form.ink & ~imaging.dilate(np.logical_or.reduce(others), 5))
    return _Catalogue(forms, tuple(distinct), _empty_paper(used))


def _usable_form(template: ReadingTemplate) -> _Form | None:
    """The template's blank form; None (and a warning) when its reference image cannot
    be read: pages are then read without that template rather than not at all."""
    try:
        return _form(template)
    except (OSError, ValueError) as exc:
        log.warning("template %s left out: its reference image cannot be read (%s)",
                    template.ref.id, exc)
        return None


@cache
def _form(template: ReadingTemplate) -> _Form:
    grey = _reference(template)
    small = imaging.resize_to(grey, *_form_size())
    points, descriptors = imaging.orb_features(small, FORM_FEATURES)
    width, height = _check_size()
    ink = imaging.resize_to(grey, width, height) < 200
    widgets = _widget_mask(template, CHECK_DPI, (height, width))
    patches = _select_patches(small, _widget_mask(template, FEATURE_DPI, small.shape))
    log.debug("%s: %d features, %d patches", template.key, len(points), len(patches))
    return _Form(template, small, points, descriptors, ink, widgets, patches)


def _reference(template: ReadingTemplate) -> np.ndarray:
    """The template's blank page, grey at ``WORK_DPI`` in the aligned frame: the
    built-in form drawn, a learned one's reference image brought to A4."""
    if template.reference is None:
        return next(render_pdf(blank_pdf(template.form), dpi=WORK_DPI, grey=True))
    grey = imaging.decode_grey(template.reference.read_bytes())
    return imaging.resize_to(grey, PAGE_W_PX, PAGE_H_PX)


@cache
def _form_size() -> tuple[int, int]:
    factor = FEATURE_DPI / WORK_DPI
    return round(PAGE_W_PX * factor), round(PAGE_H_PX * factor)


@cache
def _check_size() -> tuple[int, int]:
    factor = CHECK_DPI / WORK_DPI
    return round(PAGE_W_PX * factor), round(PAGE_H_PX * factor)


def _widget_mask(template: ReadingTemplate, dpi: int, shape: tuple[int, ...]) -> np.ndarray:
    """Where fill-in may go: the widget rectangles, grown by 1 mm."""
    mask = np.zeros(shape[:2], bool)
    for widget in template.layout.widgets:
        x0, y0, x1, y1 = _rect_px(widget.rect, dpi, grow_mm=1.0)
        mask[max(y0, 0) : y1, max(x0, 0) : x1] = True
    return mask


def _rect_px(rect: Rect, dpi: int, *, grow_mm: float) -> tuple[int, int, int, int]:
    return (
        mm_to_px(rect.x - grow_mm, dpi),
        mm_to_px(rect.y - grow_mm, dpi),
        mm_to_px(rect.right + grow_mm, dpi),
        mm_to_px(rect.bottom + grow_mm, dpi),
    )


def _empty_paper(used: list[np.ndarray]) -> np.ndarray:
    """Where no template prints anything nor lets anyone write, away from the page edge."""
    ink = imaging.dilate(np.logical_or.reduce(used), 9)
    margin = mm_to_px(8, CHECK_DPI)
    inside = np.zeros_like(ink)
    inside[margin:-margin, margin:-margin] = True
    return inside & ~ink


def _select_patches(grey: np.ndarray, widgets: np.ndarray) -> tuple[_Patch, ...]:
    """The most corner-like printed patch of each grid cell, clear of widgets, unambiguous."""
    strength = imaging.corner_strength(grey, 7)
    half = PATCH // 2
    strength[widgets] = 0
    height, width = grey.shape
    margin = half + WIDEST
    patches = []
    for top in range(margin, height - margin, PATCH_CELL):
        for left in range(margin, width - margin, PATCH_CELL):
            patch = _cell_patch(grey, strength, widgets, left, top)
            if patch is not None:
                patches.append(patch)
    return tuple(patches)


def _cell_patch(
    grey: np.ndarray, strength: np.ndarray, widgets: np.ndarray, left: int, top: int
) -> _Patch | None:
    half, reach = PATCH // 2, WIDEST
    height, width = grey.shape
    cell = strength[top : min(top + PATCH_CELL, height - half - reach), left : left + PATCH_CELL]
    for flat in np.argsort(cell, axis=None)[::-1][:5]:
        row, col = np.unravel_index(int(flat), cell.shape)
        y, x = top + int(row), left + int(col)
        if cell[row, col] <= 0.01 or not (half + reach <= x < width - half - reach):
            return None
        box = (slice(y - half, y + half), slice(x - half, x + half))
        if widgets[box].any() or not _unambiguous(grey, x, y):
            continue
        return _Patch(x, y, np.ascontiguousarray(grey[box]))
    return None


def _unambiguous(grey: np.ndarray, x: int, y: int) -> bool:
    """True when the patch at (x, y) matches its own place clearly better than any nearby one."""
    half, reach = PATCH // 2, WIDEST
    patch = grey[y - half : y + half, x - half : x + half]
    window = grey[y - half - reach : y + half + reach, x - half - reach : x + half + reach]
    surface = imaging.match_patch(window, patch)
    surface[reach - 2 : reach + 3, reach - 2 : reach + 3] = -1
    return float(surface.max()) < 0.7


# --- geometry ----------------------------------------------------------------------------


def _scaling(sx: float, sy: float) -> np.ndarray:
    """Resizing by (sx, sy), pixel centres to pixel centres."""
    return np.array([[sx, 0, (sx - 1) / 2], [0, sy, (sy - 1) / 2], [0, 0, 1.0]])


def _project(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    flat = np.asarray(points, np.float64).reshape(-1, 2)
    mapped = np.hstack([flat, np.ones((len(flat), 1))]) @ matrix.T
    return mapped[:, :2] / mapped[:, 2:]


def _polygon_area(points: np.ndarray) -> float:
    x, y = points[:, 0], points[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1))))


def quarter_turn_matrix(shape: tuple[int, ...], turns: int) -> np.ndarray:
    """Where pixels of an image of ``shape`` go when it is turned ``turns`` × 90° ccw."""
    height, width = shape[:2]
    matrix = np.eye(3)
    for _ in range(turns % 4):
        matrix = np.array([[0, 1.0, 0], [-1.0, 0, width - 1], [0, 0, 1.0]]) @ matrix
        height, width = width, height
    return matrix


def _split_quarter_turns(homography: np.ndarray, shape: tuple[int, ...]) -> tuple[int, np.ndarray]:
    """``homography`` as quarter turns first, then the remaining (near-upright) homography."""
    best: tuple[float, int, np.ndarray] | None = None
    for turns in range(4):
        after = homography @ np.linalg.inv(quarter_turn_matrix(shape, turns))
        angle = abs(math.atan2(after[1, 0], after[0, 0]))
        if best is None or angle < best[0]:
            best = (angle, turns, after / after[2, 2])
    assert best is not None
    return best[1], best[2]


def _ramp(value: float, low: float, high: float) -> float:
    """0 at ``low`` or below, 1 at ``high`` or above, linear between."""
    return float(min(1.0, max(0.0, (value - low) / (high - low))))
