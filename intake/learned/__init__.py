"""What the reader was taught: the learned files in ``data/`` (tick thresholds, the
digit classifier, the free-text calibration, the review lines), the decoding priors, and where each
came from (:class:`~intake.learned.provenance.Provenance`).

:class:`ReadingModels` holds them all; it is loaded once per process
(:meth:`ReadingModels.shipped`) and passed down to the readers (``intake.ocr``) and
the interpreters (``intake.mapping``). Nothing patches them: a measurement that
wants others builds its own object (``dataclasses.replace``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from intake.learned.digits import DigitModel, load_digit_model
from intake.learned.months import MonthModel, load_month_model
from intake.learned.priors import Priors
from intake.learned.review import ReviewLines, load_review_lines
from intake.learned.text import TextCalibration, load_text_calibration
from intake.learned.ticks import TickThresholds, load_thresholds


@dataclass(frozen=True)
class ReadingModels:
    """Everything learned that reading a page uses. ``digits`` None reads digits with
    Tesseract alone (what measurements compare the classifier against)."""

    ticks: TickThresholds
    text: TextCalibration
    digits: DigitModel | None
    priors: Priors = field(default_factory=Priors)
    #: where review begins per field type (none: ``Settings.review_below`` for all)
    review: ReviewLines = field(default_factory=ReviewLines)
    #: the month-word classifier (None: a month's name is read by Tesseract alone)
    months: MonthModel | None = None

    @classmethod
    def shipped(cls) -> ReadingModels:
        """The models shipped in ``intake/learned/data``, loaded now."""
        return cls(ticks=load_thresholds(), text=load_text_calibration(),
                   digits=load_digit_model(), review=load_review_lines(),
                   months=load_month_model())


__all__ = [
    "DigitModel", "MonthModel", "Priors", "ReadingModels", "ReviewLines", "TextCalibration",
    "TickThresholds",
]
