"""Which printed box is which widget: by label text and where labels sit.

The rules, in millimetres on the upright page:

- a text box's label is above it (starting near its left edge), left of it on its
  line, or inside it at the top left;
- a tick box's option label is right of it on its line, or left of it (Ja/Nej);
  a run of text belongs to the nearest tick box beside it;
- a choice question's tick boxes are those below (or on the line of) its question
  and above the next question;
- labels are compared after folding case, punctuation and spacing, allowing for
  misread letters (a ratio of matching characters) and for a printed label that
  goes on ("Stadsdel Stockholm: Göteborg:" is the label "Stadsdel").

Each widget ends matched (one clear box), ambiguous (boxes about as good, all kept
as candidates) or missing. A box is given to one widget only: the best score wins.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache

from intake.forms.model import Rect
from intake.forms.template import Candidate, MatchState
from intake.templates.printed import Word, is_tick

#: words further apart than this (mm) on a line are separate runs of text
RUN_GAP = 2.4
#: ... or further apart than this many word heights
RUN_GAP_HEIGHTS = 0.6
#: how far under its question (mm) a choice's tick boxes may lie, all alike
QUESTION_SPAN = 45.0
#: furthest apart (mm) the two tick boxes of a Ja/Nej pair are
PAIR_REACH = 40.0
#: a label scoring below this is no label
MIN_LABEL = 0.72
#: a runner-up within this share of the best score makes a widget ambiguous
AMBIGUOUS = 0.93
#: furthest a label sits above its box (mm)
REACH = 8.0
#: furthest a label sits left of its box, when no other frame is between (mm)
BESIDE_REACH = 45.0


@dataclass(frozen=True, slots=True)
class Expected:
    """A widget the form's definition needs, and the printed text that locates it."""

    name: str
    kind: str
    field: str
    option: str | None
    label: str  # the field's label, or for a tick box its option's label
    question: str | None = None  # a tick box's question (its field's label)


@dataclass(frozen=True, slots=True)
class Run:
    """Words on one line with no wide gap or frame between them."""

    text: str
    rect: Rect


@dataclass(frozen=True, slots=True)
class Block:
    """Runs stacked with the same left edge: a label that wraps."""

    text: str
    rect: Rect
    first: Rect  # the first run


@dataclass
class Outcome:
    state: MatchState
    rect: Rect | None = None
    label: str | None = None
    candidates: list[Candidate] = field(default_factory=list)


def match_widgets(expected: list[Expected], words: list[Word], frames: list[Rect],
                  ) -> dict[str, Outcome]:
    """Every expected widget's outcome, by name."""
    ticks = [f for f in frames if is_tick(f)]
    boxes = [f for f in frames if not is_tick(f)]
    runs = make_runs(words, frames)
    blocks = make_blocks(runs)
    scored: dict[str, list[Candidate]] = {}
    tick_labels = label_ticks(ticks, runs)
    asked = {e.field: e.question for e in expected if e.question}
    questions = {name: _find_label(question, blocks) for name, question in asked.items()}
    for e in expected:
        if e.kind == "checkbox":
            scored[e.name] = _tick_candidates(e, tick_labels, questions)
        else:
            scored[e.name] = _box_candidates(e, boxes, blocks, frames)
    return _pairs(expected, _assign(scored), ticks)


def _pairs(expected: list[Expected], outcomes: dict[str, Outcome], ticks: list[Rect]
           ) -> dict[str, Outcome]:
    """A two-option question (Ja/Nej) with one box found and the other not: the other
    is the free tick box beside the found one on its line (its label misread)."""
    taken = {_key(o.rect) for o in outcomes.values() if o.rect is not None}
    by_field: dict[str, list[Expected]] = {}
    for e in expected:
        if e.kind == "checkbox":
            by_field.setdefault(e.field, []).append(e)
    for options in by_field.values():
        if len(options) != 2:
            continue
        states = [outcomes[e.name] for e in options]
        found = [o for o in states if o.rect is not None]
        if len(found) != 1:
            continue
        known = found[0].rect
        assert known is not None
        lost = next(e for e, o in zip(options, states, strict=True) if o.rect is None)
        beside = [t for t in ticks if _key(t) not in taken and abs(t.y - known.y) <= 1.5
                  and 0 < abs(t.x - known.x) <= PAIR_REACH]
        if not beside:
            continue
        beside.sort(key=lambda t: abs(t.x - known.x))
        why = f"bredvid «{found[0].label}»"
        if len(beside) == 1:
            outcomes[lost.name] = Outcome(MatchState.MATCHED, beside[0], why)
        else:
            outcomes[lost.name] = Outcome(MatchState.AMBIGUOUS, beside[0], why, [
                Candidate(rect=t, score=0.5, why=why) for t in beside[:4]])
        taken.add(_key(beside[0]))
    return outcomes


# --- text ---------------------------------------------------------------------------


def normal(text: str) -> str:
    """Case, accents' composition, punctuation and spacing folded."""
    text = unicodedata.normalize("NFC", text).casefold()
    text = re.sub(r"[^\w%]+", " ", text)
    return " ".join(text.split())


@lru_cache(maxsize=65536)
def similarity(label: str, printed: str) -> float:
    """How well ``printed`` reads as ``label`` (1 = the same), allowing a printed text
    that continues after the label and misread letters."""
    a, b = normal(label), normal(printed)
    if not a or not b:
        return 0.0
    words = b.split(" ")
    best = 0.0
    for n in range(1, len(words) + 1):
        prefix = " ".join(words[:n])
        best = max(best, SequenceMatcher(None, a, prefix, autojunk=False).ratio())
        if len(prefix) > len(a) + 6:
            break
    return best


def make_runs(words: list[Word], frames: list[Rect]) -> list[Run]:
    """Words grouped into lines, and lines cut at wide gaps and frame sides."""
    lines: list[list[Word]] = []
    for word in sorted(words, key=lambda w: (w.rect.y + w.rect.h / 2, w.rect.x)):
        centre = word.rect.y + word.rect.h / 2
        for line in lines:
            last = line[-1]
            if abs(last.rect.y + last.rect.h / 2 - centre) <= 0.45 * max(last.rect.h,
                                                                         word.rect.h):
                line.append(word)
                break
        else:
            lines.append([word])
    runs = []
    for line in lines:
        line.sort(key=lambda w: w.rect.x)
        height = max(w.rect.h for w in line)
        current = [line[0]]
        for word in line[1:]:
            gap = word.rect.x - current[-1].rect.right
            if gap > min(RUN_GAP, RUN_GAP_HEIGHTS * height) or _frame_between(
                    current[-1].rect, word.rect, frames) or _column_starts(word.rect, frames):
                runs.append(_run(current))
                current = [word]
            else:
                current.append(word)
        runs.append(_run(current))
    return runs


def _run(words: list[Word]) -> Run:
    return Run(" ".join(w.text for w in words), _union([w.rect for w in words]))


def _column_starts(word: Rect, frames: list[Rect]) -> bool:
    """True when ``word`` starts at the left edge of a frame just below it: the label
    of another column's box, however close the text before it ends."""
    return any(abs(word.x - f.x - 0.4) <= 1.0 and 0 <= f.y - word.bottom <= REACH
               for f in frames)


def _frame_between(left: Rect, right: Rect, frames: list[Rect]) -> bool:
    middle = (left.y + left.bottom) / 2
    return any(
        f.y <= middle <= f.bottom and (left.right - 0.3 <= f.x <= right.x + 0.3
                                       or left.right - 0.3 <= f.right <= right.x + 0.3)
        for f in frames
    )


def make_blocks(runs: list[Run]) -> list[Block]:
    """Every run, and every run with the runs wrapped under it (same left edge, next
    line), as a block: a label may wrap over a few lines."""
    blocks = []
    ordered = sorted(runs, key=lambda r: (r.rect.y, r.rect.x))
    for run in ordered:
        parts = [run]
        blocks.append(Block(run.text, run.rect, run.rect))
        for _ in range(4):
            last = parts[-1]
            below = [r for r in ordered if abs(r.rect.x - last.rect.x) <= 1.5
                     and 0 < r.rect.y - last.rect.y <= 2.2 * last.rect.h]
            if not below:
                break
            parts.append(min(below, key=lambda r: r.rect.y))
            blocks.append(Block(" ".join(p.text for p in parts),
                                _union([p.rect for p in parts]), run.rect))
    return blocks


def _find_label(label: str | None, blocks: list[Block]) -> Block | None:
    if label is None:
        return None
    best = max(blocks, key=lambda b: similarity(label, b.text), default=None)
    if best is None or similarity(label, best.text) < MIN_LABEL:
        return None
    return best


# --- text boxes ----------------------------------------------------------------------


def _box_candidates(e: Expected, boxes: list[Rect], blocks: list[Block],
                    frames: list[Rect]) -> list[Candidate]:
    found: dict[tuple[float, ...], Candidate] = {}
    for block in blocks:
        sim = similarity(e.label, block.text)
        if sim < MIN_LABEL:
            continue
        for box in boxes:
            distance = _label_distance(block, box, frames)
            if distance is None:
                continue
            score = sim * math.exp(-distance / 4)
            key = (box.x, box.y, box.w, box.h)
            if key not in found or found[key].score < score:
                found[key] = Candidate(rect=box, score=round(score, 4), why=block.text)
    return sorted(found.values(), key=lambda c: -c.score)


def _label_distance(block: Block, box: Rect, frames: list[Rect]) -> float | None:
    """How far ``block`` is from where a label of ``box`` sits (mm), or None if it
    is nowhere a label of that box could be."""
    first = block.first
    # above, starting near the box's left edge
    gap = box.y - block.rect.bottom
    if -0.8 <= gap <= REACH and box.x - 1.5 <= first.x <= box.x + 8 and first.x < box.right:
        return abs(gap - 0.5) + abs(first.x - box.x - 0.4) / 2
    # left of it on its line, with no other frame between (a label column may be wide)
    middle = (block.rect.y + block.rect.bottom) / 2
    beside = box.x - block.rect.right
    if (box.y - 1 <= middle <= box.bottom + 1 and -0.5 <= beside <= BESIDE_REACH
            and not any(block.rect.right - 0.3 <= f.x and f.right <= box.x + 0.3
                        and f.y <= middle <= f.bottom for f in frames if f != box)):
        return 0.5 + abs(beside - 1.5) / 8
    # inside it, at the top left
    if (box.x - 0.5 <= first.x <= box.x + 4 and box.y - 0.5 <= first.y <= box.y + 3
            and block.rect.right <= box.right + 0.5):
        return abs(first.x - box.x) + abs(first.y - box.y) + 0.5
    return None


# --- tick boxes -----------------------------------------------------------------------


def label_ticks(ticks: list[Rect], runs: list[Run]) -> list[tuple[Rect, str]]:
    """Each tick box with the printed text beside it: every run goes to the nearest
    tick box on its line, right of the box or left of it."""
    right: dict[int, list[Run]] = {i: [] for i in range(len(ticks))}
    left: dict[int, list[Run]] = {i: [] for i in range(len(ticks))}
    for run in runs:
        middle = (run.rect.y + run.rect.bottom) / 2
        best: tuple[float, int, bool] | None = None
        for i, tick in enumerate(ticks):
            if not tick.y - 1.5 <= middle <= tick.bottom + 1.5:
                continue
            for gap, is_right in ((run.rect.x - tick.right, True),
                                  (tick.x - run.rect.right, False)):
                if -0.3 <= gap <= 5.0 and (best is None or gap < best[0]):
                    best = (gap, i, is_right)
        if best is not None:
            (right if best[2] else left)[best[1]].append(run)
    labelled = []
    for i, tick in enumerate(ticks):
        beside = right[i] or left[i]  # an option label right of its box wins
        labelled.append((tick, " ".join(r.text for r in sorted(beside, key=lambda r: r.rect.x))))
    return labelled


def _tick_candidates(e: Expected, ticks: list[tuple[Rect, str]],
                     questions: dict[str, Block | None]) -> list[Candidate]:
    own = questions.get(e.field)
    found = []
    for tick, text in ticks:
        if not text:
            continue
        sim = max(similarity(e.label, text), SequenceMatcher(
            None, normal(e.label), normal(text), autojunk=False).ratio())
        if sim < MIN_LABEL:
            continue
        place = _question_fit(tick, own, questions)
        found.append(Candidate(rect=tick, score=round(sim * place, 4), why=text))
    return sorted(found, key=lambda c: -c.score)


def _question_fit(tick: Rect, own: Block | None, questions: dict[str, Block | None]) -> float:
    """1 when ``tick`` lies under its own question (within :data:`QUESTION_SPAN`) and no
    other question comes between, less the further below it is; 0.3 when its question
    was not found. Within the span only the option's label decides: "Upp till 3 år"
    and "Upp till 4 år" differ by one letter, their places by a line."""
    if own is None:
        return 0.3
    top = own.rect.y - 2.0
    if tick.y < top:
        return 0.1
    between = [q for q in questions.values() if q is not None and q is not own
               and own.rect.y < q.rect.y <= tick.y + 2.0]
    if between:
        return 0.2
    return math.exp(-max(0.0, tick.y - own.rect.bottom - QUESTION_SPAN) / 60)


# --- one box per widget --------------------------------------------------------------


def _assign(scored: dict[str, list[Candidate]]) -> dict[str, Outcome]:
    """Give each box to the widget scoring best on it; then judge each widget."""
    pairs = sorted(((c.score, name, c) for name, cands in scored.items() for c in cands),
                   key=lambda p: -p[0])
    taken: set[tuple[float, ...]] = set()
    chosen: dict[str, Candidate] = {}
    for _, name, cand in pairs:
        key = _key(cand.rect)
        if name in chosen or key in taken:
            continue
        chosen[name] = cand
        taken.add(key)
    owner = {_key(c.rect): name for name, c in chosen.items()}
    outcomes = {}
    for name, cands in scored.items():
        pick = chosen.get(name)
        if pick is None:
            outcomes[name] = Outcome(MatchState.MISSING, candidates=cands[:3])
            continue
        rivals = [c for c in cands if _key(c.rect) != _key(pick.rect)
                  and owner.get(_key(c.rect)) is None and c.score >= AMBIGUOUS * pick.score]
        state = MatchState.AMBIGUOUS if rivals else MatchState.MATCHED
        outcomes[name] = Outcome(state, pick.rect, pick.why,
                                 [pick, *rivals][:4] if rivals else [])
    return outcomes


def _key(rect: Rect) -> tuple[float, ...]:
    return (round(rect.x, 2), round(rect.y, 2), round(rect.w, 2), round(rect.h, 2))


def _union(rects: list[Rect]) -> Rect:
    x0, y0 = min(r.x for r in rects), min(r.y for r in rects)
    x1, y1 = max(r.right for r in rects), max(r.bottom for r in rects)
    return Rect(x=x0, y=y0, w=x1 - x0, h=y1 - y0)
