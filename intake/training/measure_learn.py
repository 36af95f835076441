"""Measure learning templates (``intake.templates``) from scanned blanks.

For each form, layout (the built-in one, or another printer's from
:mod:`intake.samples.other_layout`), scan profile and seed: the blank is printed,
scanned, learned, and each widget's learned box compared with the truth after
undoing the scale and shift of the page on the glass (which no blank shows). Prints
per case the widgets matched automatically, matched to the right box (every edge
within 1 mm), matched to a wrong box, and the seconds it took::

    .venv/bin/python scripts/measure_learn.py [--forms 9443,9448,9449]
        [--layouts builtin,other] [--profiles office300] [--seeds 1,2,3]
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from intake.forms import FORM_IDS, form_layout
from intake.forms.blank import builtin_template
from intake.forms.model import PageLayout, Rect
from intake.forms.pdfdraw import write_pdf
from intake.forms.template import MatchState, Source, Template, template_of_layout
from intake.load.render import render_pdf
from intake.samples.other_layout import draw, other_layout
from intake.samples.scan import PROFILES, scan_page
from intake.templates.learn import learn_template

PAGE_DPI = 300
WITHIN_MM = 1.0


def edges(rect: Rect) -> np.ndarray:
    return np.array([rect.x, rect.y, rect.right, rect.bottom])


def worst_edge_mm(learned: Template, truth: Template) -> dict[str, float]:
    """For each widget, how far (mm) the furthest of its learned box's edges is from
    the truth's; a widget without a box is infinitely far."""
    worst = {}
    for w in truth.widgets:
        found = learned.widget(w.name).rect
        if w.rect is None:
            raise ValueError(f"the truth has no box for {w.name}")
        worst[w.name] = (float("inf") if found is None
                         else float(np.abs(edges(found) - edges(w.rect)).max()))
    return worst


def glass_placement(learned: Template, truth: Template) -> tuple[float, np.ndarray]:
    """The scale and shift (mm) that best take the truth's boxes onto the learned ones:
    where the page lay on the scanner's glass, which no blank shows."""
    pairs = [(edges(w.rect), edges(found))
             for w in truth.widgets
             if w.rect is not None and (found := learned.widget(w.name).rect) is not None]
    if not pairs:
        return 1.0, np.zeros(2)
    p = np.array([a for a, _ in pairs]).reshape(-1, 2)
    q = np.array([b for _, b in pairs]).reshape(-1, 2)
    pc, qc = p.mean(axis=0), q.mean(axis=0)
    scale = float(((p - pc) * (q - qc)).sum() / ((p - pc) ** 2).sum())
    return scale, qc - scale * pc


def placed_back(learned: Template, scale: float, shift: np.ndarray) -> Template:
    """``learned`` with the glass placement undone."""
    def back(rect: Rect | None) -> Rect | None:
        if rect is None:
            return None
        return Rect(x=(rect.x - shift[0]) / scale, y=(rect.y - shift[1]) / scale,
                    w=rect.w / scale, h=rect.h / scale)
    widgets = tuple(w.model_copy(update={"rect": back(w.rect)}) for w in learned.widgets)
    return learned.model_copy(update={"widgets": widgets})


def truth_of(form_id: str, layout_name: str) -> tuple[Template, np.ndarray]:
    """The true template of a layout and its clean printed page (RGB at PAGE_DPI)."""
    if layout_name == "builtin":
        layout: PageLayout = form_layout(form_id)
        buffer = io.BytesIO()
        write_pdf(layout.model_copy(update={"widgets": ()}), buffer, title=form_id)
        page = next(render_pdf(buffer.getvalue(), dpi=PAGE_DPI))
        return builtin_template(form_id), page
    layout = other_layout(form_id)
    source = Source(file="annan.png", sha256="0" * 64, kind="builtin")
    return template_of_layout(form_id, "", layout, source), draw(layout, PAGE_DPI)


def measure(form_id: str, layout_name: str, profile: str, seed: int, folder: Path
            ) -> dict[str, float]:
    truth, page = truth_of(form_id, layout_name)
    scan = scan_page(page, PAGE_DPI, PROFILES[profile], np.random.default_rng(seed))
    path = folder / f"{form_id}-{layout_name}-{profile}-{seed}.png"
    scan.image.save(path, dpi=(scan.dpi, scan.dpi))
    started = time.perf_counter()
    learned = learn_template(path, form_id)
    seconds = time.perf_counter() - started
    worst = worst_edge_mm(placed_back(learned, *glass_placement(learned, truth)), truth)
    matched = [w.name for w in learned.widgets if w.state is MatchState.MATCHED]
    return {
        "widgets": len(learned.widgets),
        "matched": len(matched),
        "right": sum(worst[n] <= WITHIN_MM for n in matched),
        "wrong": sum(worst[n] > WITHIN_MM for n in matched),
        "seconds": seconds,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--forms", default=",".join(FORM_IDS))
    parser.add_argument("--layouts", default="builtin,other")
    parser.add_argument("--profiles", default="office300")
    parser.add_argument("--seeds", default="1,2,3")
    args = parser.parse_args(argv)
    totals = {"widgets": 0, "matched": 0, "right": 0, "wrong": 0}
    print(f"{'form':<5} {'layout':<8} {'profile':<10} {'seed':>4} {'matched':>9} "
          f"{'right':>9} {'wrong':>5} {'s':>6}")
    with tempfile.TemporaryDirectory() as tmp:
        for layout_name in args.layouts.split(","):
            for form_id in args.forms.split(","):
                for profile in args.profiles.split(","):
                    for seed in (int(s) for s in args.seeds.split(",")):
                        r = measure(form_id, layout_name, profile, seed, Path(tmp))
                        for key in totals:
                            totals[key] += int(r[key])
                        n = int(r["widgets"])
                        print(f"{form_id:<5} {layout_name:<8} {profile:<10} {seed:>4} "
                              f"{int(r['matched']):>4}/{n:<4} {int(r['right']):>4}/{n:<4} "
                              f"{int(r['wrong']):>5} {r['seconds']:>6.1f}")
    n = totals["widgets"]
    print(f"all: matched {totals['matched']}/{n} ({100 * totals['matched'] / n:.1f} %), "
          f"right {totals['right']}/{n} ({100 * totals['right'] / n:.1f} %), "
          f"wrong {totals['wrong']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
