"""The priors and caps of constraint decoding (``intake.mapping.personnummer`` and
``intake.mapping.numbers``): how much an engine's alternatives are believed, how likely
a person writes an impossible value, how far a correction may be trusted. Measured on
simulated reads by ``scripts/measure_interpret.py``, which also tries others."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field


class Priors(BaseModel, frozen=True):
    # engine alternatives are flattened p**temper: engines are overconfident
    temper: float = 0.75
    # per-character mass for digits the engine did not list ...
    floor: float = 0.01
    # ... plus this share of the engine's doubt about its top choice
    floor_unsure: float = 0.5
    # a changed Luhn-covered digit is always reviewed (1.0: corrections not capped)
    pnr_correction_factor: Annotated[float, Field(gt=0.0, le=1.0)] = 0.85
    # prior of a specific well-formed but invalid number against a valid one
    rho_written_wrong: float = 0.005
    # ... of a number with no real date or an implausible century
    rho_impossible: float = 1e-4
    # below this posterior, what was read is shown instead of the correction
    accept_correction: float = 0.3
    # an invalid value always goes to review
    invalid_cap: float = 0.5
    # a personnummer read with a digit too many or too few
    salvage_cap: float = 0.5
    # prior that a written date/percent/code is nonsense
    rho_unparseable: float = 0.01
    # a date/percent/code has no check digit: a correction is a guess
    correction_cap: float = 0.85
    # a date's century is a guess when it was written with two digits
    two_digit_year: float = 0.9
    # day and month could swap ("4/3")
    day_month_order: float = 0.97
    # a form's date is when it was signed or a participation began or ended: SUS rule 2
    # says never in the future, and forms reach the register within a few years
    future_date: float = 0.05
    # dates up to this many years old are as likely as any ...
    recent_years: float = 3.0
    # ... and each year older than that this much less likely
    older_per_year: float = 0.5
