"""Measure constraint decoding of personnummer on simulated OCR noise.

Writes N test personnummer (Skatteverket's, born 1950–2006) as a person would
(12 digits with hyphen; some with 10 digits; some with a wrong check digit, whose
truth is then what is written), simulates what an OCR engine reports for each
character (misreads between look-alike digits, century misreads, confident errors,
per-character alternatives that hold the true digit only sometimes) and scores four
ways of turning the read into a value:

- ``as read``: the digits read, the engine's confidence;
- ``as read + check``: the same, but anything failing Luhn/date/age goes to review;
- ``decode, no alternatives``: :func:`interpret_personnummer` without alternatives;
- ``decode, alternatives``: :func:`interpret_personnummer` with them;
- ``decode, alternatives, corrections not capped`` (ablation): the same, but a
  corrected digit under the Luhn digit may keep a confidence above the review line.

The read's confidence is the least sure character's (as Tesseract's word confidence).
exact = value equals the truth; review = confidence < REVIEW_BELOW; silent = wrong
and not in review. Run: ``.venv/bin/python scripts/measure_interpret.py [--n 2000]``.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache

from intake.learned import Priors
from intake.mapping.base import Context, FieldValue
from intake.mapping.personnummer import interpret_personnummer
from intake.reads import TextRead
from intake.samples.vocab import words
from intake.settings import REVIEW_BELOW
from intake.sus.personnummer import luhn_digit, parse_personnummer_lenient

TODAY = date(2026, 11, 20)
# The simulated engine's look-alikes: the pairs named in the issue, plus some others.
SIM_CONFUSIONS = {
    "1": "7",
    "7": "1",
    "3": "8",
    "8": "30",
    "5": "6",
    "6": "5",
    "0": "86",
    "4": "9",
    "9": "4",
    "2": "7",
}
CENTURY_MISREADS = {"1": "27", "9": "804", "2": "1", "0": "98"}


@dataclass(frozen=True)
class Profile:
    name: str
    digit_error: float  # per digit
    century_error: float  # extra, per century digit
    confident_error: float  # share of errors the engine is sure of
    true_listed: float  # share of errors whose true digit is among the alternatives
    sure_when_right: tuple[float, float]  # range of the top probability of a right digit


PROFILES = (
    Profile("typed", 0.003, 0.002, 0.3, 0.8, (0.95, 0.9999)),
    Profile("hand, neat", 0.05, 0.05, 0.2, 0.75, (0.7, 0.999)),
    Profile("hand, hard", 0.12, 0.10, 0.2, 0.7, (0.55, 0.99)),
)


@dataclass(frozen=True)
class Sample:
    truth: str
    read: TextRead


def written(rng: random.Random) -> tuple[str, str]:
    """(what is written, truth) for one person."""
    numbers = [n for n in words("test_personnummer") if 1950 <= int(n[:4]) <= 2006]
    truth = rng.choice(numbers)
    if rng.random() < 0.03:
        wrong = (luhn_digit(truth[2:11]) + rng.randint(1, 9)) % 10
        truth = f"{truth[:11]}{wrong}"
    if rng.random() < 0.1:
        return f"{truth[2:8]}-{truth[8:]}", truth
    return f"{truth[:8]}-{truth[8:]}", truth


def misread(char: str, rng: random.Random, *, century: bool = False) -> str:
    table = CENTURY_MISREADS if century else SIM_CONFUSIONS
    if char in table and rng.random() < 0.7:
        return rng.choice(table[char])
    return rng.choice([d for d in "0123456789" if d != char])


def engine_char(
    char: str, index: int, profile: Profile, rng: random.Random
) -> tuple[str, list[tuple[str, float]]]:
    """The character the engine reports and its alternatives."""
    if char == "-":
        return char, [(char, 0.99)]
    century = index < 2
    error = profile.digit_error + (profile.century_error if century else 0.0)
    if rng.random() >= error:
        p_top = rng.uniform(*profile.sure_when_right)
        distractor = misread(char, rng)
        return char, [(char, p_top), (distractor, 1 - p_top)] if rng.random() < 0.5 else [
            (char, p_top)
        ]
    shown = misread(char, rng, century=century)
    p_top = (
        rng.uniform(0.9, 0.99) if rng.random() < profile.confident_error else rng.uniform(0.35, 0.9)
    )
    rest = 1 - p_top
    if rng.random() < profile.true_listed:
        share = rng.uniform(0.5, 1.0)
        other = misread(char, rng)
        alternatives = [(shown, p_top), (char, rest * share)]
        if other != shown:
            alternatives.append((other, rest * (1 - share)))
        return shown, alternatives
    return shown, [(shown, p_top), (misread(shown, rng), rest)]


def simulate(profile: Profile, rng: random.Random) -> Sample:
    text, truth = written(rng)
    digit_index = 0 if len(text) == 13 else 2
    chars, alternatives = [], []
    for char in text:
        shown, listed = engine_char(char, digit_index, profile, rng)
        digit_index += char != "-"
        chars.append(shown)
        alternatives.append(listed)
    # Like Tesseract's word confidence: that of the least sure character.
    confidence = min(listed[0][1] for listed in alternatives)
    read = TextRead(text="".join(chars), confidence=confidence, alternatives=alternatives)
    return Sample(truth=truth, read=read)


def as_read(read: TextRead, *, check: bool) -> FieldValue:
    parsed = parse_personnummer_lenient(read.text, today=TODAY)
    plausible = parsed.digits is not None and 15 <= TODAY.year - int(parsed.digits[:4]) <= 100
    doubtful = check and (parsed.problem is not None or not plausible)
    confidence = min(read.confidence, 0.5) if doubtful else read.confidence
    return FieldValue(value=parsed.digits, confidence=confidence)


@cache
def context(priors: Priors | None = None) -> Context:
    return Context.shipped(TODAY, review_below=REVIEW_BELOW, priors=priors)


def without_alternatives(read: TextRead) -> FieldValue:
    bare = TextRead(text=read.text, confidence=read.confidence)
    return interpret_personnummer(bare, context())


def corrections_not_capped(read: TextRead) -> FieldValue:
    return interpret_personnummer(read, context(Priors(pnr_correction_factor=1.0)))


METHODS: dict[str, Callable[[TextRead], FieldValue]] = {
    "as read": lambda read: as_read(read, check=False),
    "as read + check": lambda read: as_read(read, check=True),
    "decode, no alternatives": without_alternatives,
    "decode, alternatives": lambda read: interpret_personnummer(read, context()),
    "decode, alternatives, corrections not capped": corrections_not_capped,
}


def score(samples: list[Sample], method: Callable[[TextRead], FieldValue]) -> tuple[float, ...]:
    exact = review = silent = 0
    for sample in samples:
        value = method(sample.read)
        right = value.value == sample.truth
        flagged = value.confidence < REVIEW_BELOW
        exact += right
        review += flagged
        silent += not right and not flagged
    n = len(samples)
    return exact / n, review / n, silent / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=20261120)
    args = parser.parse_args()
    print(f"N = {args.n} per profile, review below {REVIEW_BELOW}\n")
    print("| profile | read right | method | exact | review | silent error |")
    print("|---|---|---|---|---|---|")
    for profile in PROFILES:
        rng = random.Random(f"{args.seed}-{profile.name}")
        samples = [simulate(profile, rng) for _ in range(args.n)]
        read_right = sum(_digits(s.read.text) == _tail(s) for s in samples) / args.n
        for name, method in METHODS.items():
            exact, review, silent = score(samples, method)
            print(
                f"| {profile.name} | {read_right:.1%} | {name} "
                f"| {exact:.1%} | {review:.1%} | {silent:.2%} |"
            )


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def _tail(sample: Sample) -> str:
    """The truth as it was written (10 digits when the century was left out)."""
    return sample.truth[-len(_digits(sample.read.text)) :]


if __name__ == "__main__":
    main()
