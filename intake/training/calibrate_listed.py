"""Fit when a free-text read made only of listed words can be trusted (issue 12).

A name or organisation read is flagged when the engine doubts it, though on
hand-printing most such reads are right. A read whose every word is a word of the
field's list exactly as listed (case and marks too; names: given names, then a
surname) answers part of that doubt. How much is measured here, per kind of
free-text field, on the cached pages of calibration forms only (the ``*-calib``
styles, never the held-out ones): the lowest engine confidence ``above`` from which
every such read was right, and the share of them right (with one right and one
wrong read added, so a few reads never give certainty). The result is the ``listed``
of each kind in ``intake/learned/data/text_calibration.json``::

    sus-intake samples make --style hand-calib300 --count 60 --seed 77 --out CAL
    (fax-calib200 30 seed 78, typed-calib300 30 seed 80)
    .venv/bin/python -m intake.training.calibrate_text collect CAL/STYLE --rows STYLE.jsonl
    .venv/bin/python -m intake.training.calibrate_listed --rows *.jsonl

It fits too, per kind, the trust in a doubted read the list *names clearly*
(``named``): every word of its value listed, each at least a margin (log-odds, in
``intake.mapping.lexicon.snap_words``' units) cheaper than its runner-up -- another listed
word, the word kept as read, another of the engine's readings. The margin is the lowest
tried from which every such calibration read was right; names never get one
(:data:`NEVER_LISTED`).

Which reads the list answers depends on the signals (a read another signal sets off is
not lifted), and ``calibrate_text calibrate`` rewrites the file without ``listed``: run
this again after it.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from intake.evaluate import same_value
from intake.forms import load_form
from intake.learned.provenance import current_commit
from intake.learned.text import Listed, Named, TextCalibration
from intake.mapping.text import listed_exactly
from intake.samples.make import STYLES
from intake.training.calibrate_text import OUTPUT, Row, field_rows, read_rows, replay

log = logging.getLogger("calibrate_listed")

#: A kind with fewer listed calibration reads above its floor gets no ``listed``.
MIN_READS = 30
#: Reads the engine was less sure of than this are never trusted for being listed: on
#: the calibration forms hardly any listed read below it came through unchanged by the
#: list, too few to measure (0.68 was the lowest of the hand-printed names)
FLOOR = 0.6

#: Kinds the list never answers for, whatever the calibration forms show: a name
#: misread by one letter is often another listed name ('Lindberg' read 'Lundberg',
#: 'Helén' read 'Helen' on hand-real300, seed 33, 60 forms: two silent errors at the
#: lifted 0.98), so a name made of listed words is no evidence that it was read right.
NEVER_LISTED = frozenset({"name"})

#: (engine confidence, right) of one listed read
Sample = tuple[float, bool]

#: The margins (log-odds) a clear naming by the list is tried from, lowest first: below
#: 2 an edit of a doubtful read (edit cost 1.5 at least) tells two listed words apart
NAMED_MARGINS = tuple(round(2.0 + 0.25 * i, 2) for i in range(25))
#: A kind with fewer calibration reads the list names clearly gets no ``named``.
MIN_NAMED = 20


def listed_samples(rows: list[Row], calibration: TextCalibration) -> dict[str, list[Sample]]:
    """Per kind, every read of the calibration pages that the list would lift: replayed
    with every kind's ``listed`` at certainty, the reads that come out certain and are
    made of listed words. Refuses any style but a ``*-calib``."""
    marker = Listed(above=0.0, p_right=1.0)
    probing = calibration.model_copy(update={"kinds": {
        name: kind.model_copy(update={"listed": marker})
        for name, kind in calibration.kinds.items()}})
    found: dict[str, list[Sample]] = {}
    docs: dict[int, Any] = {}
    for row, name, truth in field_rows(rows):
        style = STYLES.get(row["style"])
        if style is None or style.digit_part != "calibration":
            raise SystemExit(f"{row['scan']}: not a calibration style (*-calib); refusing")
        field = next(f for f in load_form(row["form"]).fields if f.name == name)
        kind = next((k for k, v in calibration.kinds.items() if name in v.fields), None)
        if kind is None or field.lexicon is None:
            continue
        if id(row) not in docs:
            docs[id(row)] = replay(row, probing)
        got = docs[id(row)].fields[name]
        if got.confidence < 1.0 or not isinstance(got.value, str):
            continue
        if not listed_exactly(got.value, field.lexicon):
            continue
        read = row["reads"]["texts"][field.widget or name]
        found.setdefault(kind, []).append((float(read["confidence"]), same_value(got.value, truth)))
    return found


def fit_listed(samples: list[Sample]) -> Listed | None:
    """The lowest engine confidence (at least :data:`FLOOR`) above every wrong listed read,
    and the share right from there on; None with fewer than :data:`MIN_READS` reads."""
    wrong = [c for c, right in samples if not right]
    above = round(max([FLOOR, *(c + 1e-4 for c in wrong)]), 4)
    kept = [right for c, right in samples if c >= above]
    if len(kept) < MIN_READS:
        return None
    p_right = (sum(kept) + 1) / (len(kept) + 2)
    return Listed(above=above, p_right=round(p_right, 4), reads=len(kept),
                  wrong=len(wrong))


def named_outcomes(
    rows: list[Row], calibration: TextCalibration, kind: str, margin: float
) -> list[bool]:
    """Whether each read of ``kind`` on the calibration pages that a clear naming from
    ``margin`` lifts (replayed with ``named`` at certainty) was right."""
    probe = Named(margin=margin, p_right=1.0)
    kinds = dict(calibration.kinds)
    probing = calibration.model_copy(update={"kinds": kinds | {
        kind: kinds[kind].model_copy(update={"named": probe})}})
    bare = calibration.model_copy(update={"kinds": kinds | {
        kind: kinds[kind].model_copy(update={"named": None})}})
    outcomes: list[bool] = []
    docs: dict[int, tuple[Any, Any]] = {}
    for row, name, truth in field_rows(rows):
        if name not in kinds[kind].fields:
            continue
        if id(row) not in docs:
            docs[id(row)] = (replay(row, probing), replay(row, bare))
        got, before = (doc.fields[name] for doc in docs[id(row)])
        if got.confidence >= 1.0 > before.confidence:
            outcomes.append(same_value(got.value, truth))
    return outcomes


def fit_named(outcomes_from: Callable[[float], list[bool]]) -> Named | None:
    """The lowest margin of :data:`NAMED_MARGINS` from which every read the list named
    clearly was right (``outcomes_from(margin)``: whether each read lifted from there was;
    they only shrink as the margin grows, so the margins are bisected), and the share
    right from there on; None with fewer than :data:`MIN_NAMED` reads. ``wrong``: the
    most wrong reads a lower margin lifted."""
    low, high = 0, len(NAMED_MARGINS)
    wrong_below = 0
    while low < high:
        middle = (low + high) // 2
        outcomes = outcomes_from(NAMED_MARGINS[middle])
        log.info("from margin %.2f: %d reads, %d wrong", NAMED_MARGINS[middle],
                 len(outcomes), outcomes.count(False))
        if outcomes.count(False):
            low, wrong_below = middle + 1, max(wrong_below, outcomes.count(False))
        else:
            high = middle
    if low == len(NAMED_MARGINS):
        return None
    kept = outcomes_from(NAMED_MARGINS[low])
    if len(kept) < MIN_NAMED:
        return None
    p_right = (sum(kept) + 1) / (len(kept) + 2)
    return Named(margin=NAMED_MARGINS[low], p_right=round(p_right, 4), reads=len(kept),
                 wrong=wrong_below)


def write_listed(
    rows: list[Row], sources: list[Path]
) -> dict[str, Listed | Named | None]:
    """Fit every kind's ``listed`` and ``named`` on ``rows`` and write them into the
    shipped calibration."""
    raw = json.loads(OUTPUT.read_text(encoding="utf-8"))
    calibration = TextCalibration.model_validate(raw)
    samples = listed_samples(rows, calibration)
    fitted = {kind: None if kind in NEVER_LISTED else fit_listed(samples.get(kind, []))
              for kind in calibration.kinds}
    for kind, listed in fitted.items():
        raw["kinds"][kind].pop("listed", None)
        if listed is not None:
            raw["kinds"][kind]["listed"] = listed.model_dump()
    calibration = TextCalibration.model_validate(raw)
    named = {kind: None if kind in NEVER_LISTED else fit_named(
        partial(named_outcomes, rows, calibration, kind)) for kind in calibration.kinds}
    for kind, clearly in named.items():
        raw["kinds"][kind].pop("named", None)
        if clearly is not None:
            raw["kinds"][kind]["named"] = clearly.model_dump()
    styles = sorted({row["style"] for row in rows})
    provenance = raw["provenance"]
    provenance["made_by"] = (provenance["made_by"].split("; listed:")[0]
                             + "; listed: python -m intake.training.calibrate_listed --rows "
                             + " ".join(p.name for p in sources))
    provenance["data"] = (provenance["data"].split("; listed:")[0] + f"; listed: "
                          f"{len({row['scan'] for row in rows})} calibration forms "
                          f"({', '.join(styles)})")
    provenance["validation"] = {
        k: v for k, v in provenance.get("validation", {}).items() if not k.startswith("listed_")
    } | {f"listed_{kind}_{key}": float(getattr(listed, key))
         for kind, listed in fitted.items() if listed is not None
         for key in ("above", "p_right", "reads", "wrong")
    } | {f"listed_named_{kind}_{key}": float(getattr(clearly, key))
         for kind, clearly in named.items() if clearly is not None
         for key in ("margin", "p_right", "reads", "wrong")}
    provenance["commit"], provenance["made_on"] = current_commit(), date.today().isoformat()
    OUTPUT.write_text(json.dumps(raw, indent=1, ensure_ascii=False) + "\n", "utf-8")
    return fitted | {f"{kind} named": clearly for kind, clearly in named.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fit the trust in reads of listed words.")
    parser.add_argument("--rows", type=Path, nargs="+", required=True,
                        help="cached reads of calibration forms (calibrate_text collect)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    rows = [row for path in args.rows for row in read_rows(path)]
    for kind, listed in write_listed(rows, args.rows).items():
        print(f"{kind}: {listed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
