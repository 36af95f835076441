"""Where review begins for each field type (``data/review_lines.json``), fitted by
``intake.training.calibrate_review`` on forms written with the real digits the digit
classifier was not fitted on (the train part's calibration share, the ``*-calib``
sample styles; never the held-aside digits the figures are measured on); free text's,
one per kind of field ("text:namn", …; "text" for the rest), by
``intake.training.calibrate_text review-line`` on the same styles' cached pages; the
ticked-box types' (single, multi, yesno) by ``calibrate_review --types
single,multi,yesno`` on the same styles, their provenance apart (``choice_provenance``:
their reads are the boxes' ink, which a new digit classifier does not move).

A line is the confidence below which a value of that type goes to a person: the lowest
at which the calibration forms' silent errors stay within the budget (of the type's
fields), so what is flagged follows how often a reading that sure was right. A type
without a line uses ``Settings.review_below``, and so does every type when an operator
sets ``review_below`` otherwise than its default."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, Field

from intake.errors import ConfigurationError
from intake.learned.provenance import Provenance
from intake.settings import REVIEW_BELOW

LINES_FILE = "review_lines.json"


class ReviewLines(BaseModel, frozen=True):
    #: field type ("date", "text", …) → confidence below which it is reviewed; a field
    #: may have a line of its own, "TYPE:NAME" ("text:namn": free text is fitted per
    #: kind of field, names apart from organisations)
    lines: dict[str, float] = Field(default_factory=dict)
    #: how contested a digit field's value may be (``FieldValue.contested``: the
    #: likeliest other valid value one glyph away, as a share of the chosen one's
    #: probability) before a person decides whatever its confidence; None: never.
    #: Fitted by ``intake.training.calibrate_contested`` on the calibration forms
    contested: float | None = None
    #: the share of the calibration forms' values so contested that were right: the
    #: most such a value's confidence may be
    contested_right: float = 0.5
    provenance: Provenance | None = None

    def line(self, field_type: str, review_below: float, field: str | None = None) -> float:
        """Where review begins for ``field`` of ``field_type``: the field's fitted line,
        else its type's, else ``review_below``. A ``review_below`` set otherwise than the
        shipped default (``Settings.review_below``) is the operator's choice and holds
        for every type."""
        if review_below != REVIEW_BELOW:
            return review_below
        own = None if field is None else self.lines.get(f"{field_type}:{field}")
        return own if own is not None else self.lines.get(field_type, review_below)


def lines_path() -> Path:
    return Path(str(resources.files("intake.learned") / "data" / LINES_FILE))


def load_review_lines(path: Path | None = None) -> ReviewLines:
    """The lines in ``path`` (default: the shipped file)."""
    source = path or lines_path()
    try:
        raw = json.loads(source.read_text(encoding="utf-8"))
        contest = raw.get("contested") or {}
        return ReviewLines(lines=raw["lines"], contested=contest.get("line"),
                           contested_right=contest.get("right", 0.5),
                           provenance=raw.get("provenance"))
    except (OSError, KeyError, TypeError, ValueError) as exc:
        raise ConfigurationError(
            f"{source} is missing or broken ({exc}); "
            "run python -m intake.training.calibrate_review"
        ) from exc


@cache
def shipped_review_lines() -> ReviewLines:
    """The shipped lines, loaded once (for the service re-checking a document)."""
    return load_review_lines()
