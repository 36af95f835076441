"""Whether two writings of a person are the same: names and personnummer.

A name read from a form is compared with a name in the store (or read from another
form) after folding what reading often loses — case, accents, hyphens, the order of
first name and surname. Folded alike they are the *same*; alike but for a few letters
they are *close*, unless the first names differ: a well-read first name is never
taken for another ("Åsa" is not "Per", and well read not "Anna" either).
"""

from __future__ import annotations

import unicodedata
from difflib import SequenceMatcher
from enum import StrEnum

#: Two folded names at least this similar are close (a letter or two misread).
CLOSE_NAME = 0.8
#: Their first names must be at least this similar, or the names differ.
CLOSE_FIRST_NAME = 0.75

_DIGITS = frozenset("0123456789")
_DASHES = str.maketrans(dict.fromkeys("-‐‑‒–—", " "))


#: The field that holds the person's name on each form.
NAME_FIELD = {"9443": "namnfortydligande", "9448": "namn", "9449": "namn"}


class Likeness(StrEnum):
    SAME = "same"
    CLOSE = "close"
    DIFFERENT = "different"


def fold(name: str) -> str:
    """``name`` without case, accents, hyphens and extra space: 'Åsa Öberg-Test' →
    'asa oberg test'."""
    text = unicodedata.normalize("NFKD", name.casefold().translate(_DASHES))
    text = "".join(ch for ch in text if not unicodedata.combining(ch) and ch != ",")
    return " ".join(text.split())


def likeness(read: str, known: str) -> Likeness:
    """How alike two writings of a name are."""
    a, b = fold(read), fold(known)
    if not a or not b:
        return Likeness.DIFFERENT
    if a == b or sorted(a.split()) == sorted(b.split()):
        return Likeness.SAME
    if _ratio(a.split()[0], b.split()[0]) < CLOSE_FIRST_NAME:
        return Likeness.DIFFERENT
    return Likeness.CLOSE if _ratio(a, b) >= CLOSE_NAME else Likeness.DIFFERENT


def name_key(name: str | None) -> str | None:
    """``name``'s folded words in order: two names :func:`likeness` finds the same have
    the same key. None for no name."""
    return " ".join(sorted(fold(name).split())) or None if name else None


def person_keys(form: str, fields: dict[str, dict[str, object]] | None
                ) -> tuple[str | None, str | None]:
    """The personnummer read on a form (its twelve digits) and the key of the name read
    (:func:`name_key`): what finds the forms of one person in a batch."""
    read = fields or {}
    name = read.get(NAME_FIELD.get(form, ""), {}).get("value")
    return (twelve_digits(read.get("personnummer", {}).get("value")),
            name_key(name if isinstance(name, str) else None))


def names_match(read: str | None, known: str, *, well_read: bool) -> bool:
    """Whether ``read`` may be the person called ``known``: the same name, or a close
    one whose first name — when it was read well — is the same."""
    if not read:
        return False
    found = likeness(read, known)
    if found is Likeness.CLOSE and well_read:
        return fold(read).split()[0] == fold(known).split()[0]
    return found is not Likeness.DIFFERENT


def twelve_digits(value: object) -> str | None:
    """``value`` if it is a personnummer's twelve digits (valid or not), else None."""
    if isinstance(value, str) and len(value) == 12 and set(value) <= _DIGITS:
        return value
    return None


def digit_distance(read: object, known: object) -> int | None:
    """In how many of their twelve digits two personnummer differ; None unless both
    are twelve digits."""
    a, b = twelve_digits(read), twelve_digits(known)
    if a is None or b is None:
        return None
    return sum(x != y for x, y in zip(a, b, strict=True))


def formatted(personnummer: object) -> str:
    """A read personnummer as people write it (``YYYYMMDD-NNNC`` when twelve digits)."""
    if not isinstance(personnummer, str) or not personnummer:
        return "(inget)"
    if len(personnummer) == 12 and set(personnummer) <= _DIGITS:
        return f"{personnummer[:8]}-{personnummer[8:]}"
    return personnummer


def _ratio(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b, autojunk=False).ratio()
