"""Word lists a doubtful read is compared with: kommuner, names, organisation words.

A read is compared with a list by a weighted edit distance in which what engines and
people get wrong costs little (case, a dropped diacritic, a separator, an OCR
look-alike such as ``rn``/``m`` parts or ``0``/``o``). :func:`snap_words` goes word by
word and also tries two neighbouring pieces as one word (handwriting read with a gap
inside a word, "Ma Snus" for "Magnus"), keeping each piece as read unless a listed word
is clearly nearer than the cost of "a word not in the list".

The lists are data (``intake/mapping/data/*.txt``, one entry per line, ``#`` lines are
comments): Sweden's 290 kommuner, common first names and surnames in Sweden, and the
words that samordningsförbund and their insatser are named with. Nothing here knows
which names a test corpus uses.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from importlib import resources

import numpy as np

#: The lists a form field may name as its ``lexicon`` (``intake/forms/data/*.toml``),
#: each made of these files.
LEXICON_FILES: dict[str, tuple[str, ...]] = {
    "namn": ("fornamn.txt", "efternamn.txt"),
    "organisation": ("organisation_ord.txt", "kommuner.txt"),
    "fornamn": ("fornamn.txt",),
    "efternamn": ("efternamn.txt",),
}
#: Lists whose line has a part before its last word and a last word (given names and
#: a surname): the two lists those parts are compared with.
POSITIONAL: dict[str, tuple[str, str]] = {"namn": ("fornamn", "efternamn")}

_LOOKALIKE_GROUPS = ("li1|!j", "o0", "s5", "b8", "ce", "nu", "z2", "g9q", "rn", "hb", "vy")
_SEPARATOR_CHARS = " -"
#: A word is compared only with listed words at most this many characters longer or
#: shorter (a bound on the distance, so nothing nearer is missed below it).
_LENGTH_SLACK = 4
#: Nearest words remembered per looked-up word (the rest weigh nothing in a posterior).
_KEPT = 16


def read_list(filename: str) -> tuple[str, ...]:
    """The entries of ``intake/mapping/data/<filename>``."""
    text = (resources.files("intake.mapping") / "data" / filename).read_text("utf-8")
    return tuple(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def fold_case(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


@cache
def fold(char: str) -> str:
    """``char`` without diacritics."""
    decomposed = unicodedata.normalize("NFD", char)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@cache
def substitution_cost(read: str, name: str) -> float:
    """Cost of reading ``name``'s character as ``read``: a lost diacritic is cheap (people
    and engines drop them), an invented one is not."""
    if read == name:
        return 0.0
    if fold(read) == fold(name):
        return 0.75 if fold(read) == name else 0.25
    if read in _SEPARATOR_CHARS and name in _SEPARATOR_CHARS:
        return 0.25
    if any(read in group and name in group for group in _LOOKALIKE_GROUPS):
        return 0.5
    return 1.0


def indel_cost(char: str) -> float:
    return 0.25 if char in _SEPARATOR_CHARS else 1.0


def edit_distance(a: str, b: str, *, give_up_above: float = 8.0) -> float:
    """Levenshtein distance from what was read (``a``) to a name (``b``) where
    diacritics, separators and look-alikes cost less. Past ``give_up_above`` it
    returns a lower bound: far names then weigh a little more, never less, in
    a posterior (which keeps it conservative)."""
    previous = [0.0]
    for char in b:
        previous.append(previous[-1] + indel_cost(char))
    for char_a in a:
        current = [previous[0] + indel_cost(char_a)]
        for j, char_b in enumerate(b, start=1):
            current.append(
                min(
                    previous[j] + indel_cost(char_a),
                    current[j - 1] + indel_cost(char_b),
                    previous[j - 1] + substitution_cost(char_a, char_b),
                )
            )
        previous = current
        if min(previous) > give_up_above:
            return min(previous)
    return previous[-1]


class Lexicon:
    """Listed words, looked up case-blind by weighted edit distance (one vectorised
    dynamic programme per word length over all listed words of that length)."""

    def __init__(self, words: Iterable[str]) -> None:
        by_key: dict[str, str] = {}
        for word in words:
            by_key.setdefault(fold_case(word), word)
        self.words = by_key
        self._alphabet = sorted({c for key in by_key for c in key})
        code = {c: i for i, c in enumerate(self._alphabet)}
        grouped: dict[int, list[str]] = {}
        for key in by_key:
            grouped.setdefault(len(key), []).append(key)
        self._by_length = {
            length: (keys, np.array([[code[c] for c in key] for key in keys], dtype=np.intp))
            for length, keys in grouped.items()
        }
        self._insert = np.array([indel_cost(c) for c in self._alphabet])

    def __contains__(self, word: str) -> bool:
        return fold_case(word) in self.words

    @cached_property
    def _by_bare(self) -> dict[str, str | None]:
        """Listed words by their letters without diacritics; None where two share them."""
        bare: dict[str, str | None] = {}
        for key, word in self.words.items():
            stripped = "".join(fold(c) for c in key)
            bare[stripped] = None if stripped in bare and bare[stripped] != word else word
        return bare

    def with_marks(self, word: str) -> str | None:
        """The one listed word that ``word`` is but for the marks of å, ä or ö, missing
        or stray (Atergång → Återgång, Finsäm → Finsam), or None. Other accents are
        left: Linden and Lindén are both names."""
        key = fold_case(word)
        if key in self.words:
            return None
        listed = self._by_bare.get("".join(fold(c) for c in key))
        if listed is None or len(fold_case(listed)) != len(key):
            return None
        differ = [(a, b) for a, b in zip(key, fold_case(listed), strict=True) if a != b]
        return listed if differ and all(a in "åäö" or b in "åäö" for a, b in differ) else None

    def nearest(self, word: str, limit: int = 2) -> list[tuple[float, str]]:
        """The ``limit`` nearest listed words as (distance, word as listed)."""
        return [(d, self.words[key]) for d, key in self._nearest_keys(fold_case(word))[:limit]]

    def scored(self, word: str) -> list[tuple[float, str]]:
        """(distance, word as listed) of the :data:`_KEPT` nearest listed words of about
        the same length (within :data:`_LENGTH_SLACK` characters), nearest first."""
        return [(d, self.words[key]) for d, key in self._scored_keys(fold_case(word))]

    def nearest_of_length(self, word: str, slack: int) -> tuple[float, str] | None:
        """The nearest listed word at most ``slack`` letters longer or shorter (cheaper
        than :meth:`nearest` for a small ``slack``), as (distance, word as listed)."""
        scored = self._scored_keys(fold_case(word), slack)
        return (scored[0][0], self.words[scored[0][1]]) if scored else None

    def _nearest_keys(self, key: str) -> list[tuple[float, str]]:
        return self._scored_keys(key)[:4]

    @lru_cache(maxsize=8192)  # noqa: B019 - lexicons live as long as the process
    def _scored_keys(self, key: str, slack: int = _LENGTH_SLACK) -> list[tuple[float, str]]:
        if not key:
            return []
        # cost of reading each listed character as key[i], per alphabet entry
        substitute = np.array([[substitution_cost(a, b) for b in self._alphabet] for a in key])
        delete = [indel_cost(a) for a in key]
        scored: list[tuple[float, str]] = []
        for length in range(max(len(key) - slack, 1), len(key) + slack + 1):
            if length not in self._by_length:
                continue
            keys, codes = self._by_length[length]
            distances = _distances(substitute, delete, self._insert[codes], codes)
            nearest = np.argsort(distances)[:_KEPT]
            scored.extend((float(distances[i]), keys[i]) for i in nearest)
        return sorted(scored)[:_KEPT]


def _distances(
    substitute: np.ndarray, delete: list[float], insert: np.ndarray, codes: np.ndarray
) -> np.ndarray:
    """:func:`edit_distance` from one read to each row of ``codes`` at once.

    Row by row of the read; within a row, the chain of insertions is a running
    minimum: cell j = min over k ≤ j of (a[k] + the insertions from k to j), a being
    the row without insertions, so one ``minimum.accumulate`` does what a loop over
    the listed word's letters did (20× fewer numpy calls for a long word)."""
    count, _ = codes.shape
    inserted = np.concatenate([np.zeros((count, 1)), np.cumsum(insert, axis=1)], axis=1)
    previous = inserted
    for i, cost_of_deleting in enumerate(delete):
        row_substitute = substitute[i][codes]  # count × length
        without = np.empty_like(previous)
        without[:, 0] = previous[:, 0] + cost_of_deleting
        np.minimum(previous[:, 1:] + cost_of_deleting, previous[:, :-1] + row_substitute,
                   out=without[:, 1:])
        previous = inserted + np.minimum.accumulate(without - inserted, axis=1)
    return previous[:, -1]


@cache
def lexicon(name: str) -> Lexicon:
    """The word list ``name`` (:data:`LEXICON_FILES`); multi-word entries give each word."""
    if name not in LEXICON_FILES:
        raise KeyError(f"no word list {name!r}; known: {', '.join(LEXICON_FILES)}")
    entries = [entry for filename in LEXICON_FILES[name] for entry in read_list(filename)]
    return Lexicon(word for entry in entries for word in entry.split())


# --- snapping a line word by word -----------------------------------------------------------

_PIECES = re.compile(r"[^\s-]+|[\s-]+")


@dataclass(frozen=True)
class WordSnap:
    """A line after snapping: its text, how many of its words changed, and what its
    chosen words cost."""

    text: str
    changed: int
    cost: float = 0.0  # of the chosen reading of every word, in the units of ``edit_cost``
    #: how much dearer the runner-up of the least clear word was (another listed word,
    #: or the word kept as read), in the same units: how clearly the list named each word
    margin: float = math.inf


def snap_words(
    text: str,
    words: Lexicon,
    *,
    edit_cost: float,
    keep: tuple[float, float],
    last: Lexicon | None = None,
    compounds: bool = True,
) -> WordSnap:
    """``text`` with each word, or two neighbouring pieces read as one word, replaced by
    the nearest listed word when that is cheaper than keeping it: an edit costs
    ``edit_cost`` (the log-odds of one character being right, so edits of a sure read
    are dear), keeping a word of *n* letters that is not listed costs ``keep[0] +
    keep[1] * n`` (the prior against an unlisted word; a long garbled word is more
    surely a listed one than a short word is). A listed word is written as listed
    (also when only its case differed), with a capital first letter where the line
    starts. With ``last``, the line's last word (all its hyphenated parts) is compared
    with ``last`` and the words before it with ``words`` (surnames and first names)."""
    pieces = _PIECES.findall(text)
    words_at = [i for i, piece in enumerate(pieces) if not piece[0].isspace() and piece[0] != "-"]
    spaces = [i for i, piece in enumerate(pieces) if piece[0].isspace()]
    if last is not None and spaces:
        lists = {i: last if i > spaces[-1] else words for i in words_at}
    else:
        lists = dict.fromkeys(words_at, words)
    out: list[str] = list(pieces)
    changed, cost, margin = 0, 0.0, math.inf
    k = 0
    while k < len(words_at):
        i = words_at[k]
        compound = _compound(pieces, i, lists[i]) if compounds else None
        if compound is not None:
            count, word, distance = compound
            out[i : i + 2 * count - 1] = [_cased(word, i == 0), *[""] * (2 * count - 2)]
            changed += 1
            cost += edit_cost * distance
            margin = min(margin, _compound_margin(pieces[i : i + 2 * count - 1], word,
                                                  lists[i], edit_cost))
            k += count
            continue
        options = _options(pieces[i], lists[i], edit_cost, keep)
        if k + 1 < len(words_at) and words_at[k + 1] == i + 2:
            second = _options(pieces[i + 2], lists[i + 2], edit_cost, keep)
            split_cost = options[0][0] + second[0][0]
            pair = _pair_options(pieces[i : i + 3], lists[i + 2], edit_cost)
            if pair and pair[0][0] < split_cost:
                out[i : i + 3] = [_cased(pair[0][1], i == 0), "", ""]
                changed += 1
                cost += pair[0][0]
                runner_up = min([split_cost, *(c for c, _ in pair[1:2])])
                margin = min(margin, runner_up - pair[0][0])
                k += 2
                continue
        best = _cased(options[0][1], i == 0)
        cost += options[0][0]
        margin = min(margin, _word_margin(pieces[i], options, lists[i], edit_cost))
        if best != pieces[i]:
            out[i] = best
            changed += 1
        k += 1
    if not compounds:
        return WordSnap(text="".join(out), changed=changed, cost=cost, margin=margin)
    text, joined = join_compounds("".join(out), words, edit_cost)
    return WordSnap(text=text, changed=changed + joined[0], cost=cost + joined[1],
                    margin=margin if not joined[0] else min(margin, joined[2]))


def _word_margin(piece: str, options: list[tuple[float, str]], words: Lexicon,
                 edit_cost: float) -> float:
    """How much dearer the runner-up of ``options`` is; for a piece read as a listed
    word, the listed word nearest it (what a misread of one would most likely be)."""
    if len(options) > 1:
        return options[1][0] - options[0][0]
    if piece in words:
        others = [d for d, w in words.nearest(piece, limit=2) if fold_case(w) != fold_case(piece)]
        return edit_cost * others[0] if others else math.inf
    return math.inf  # no letters, or one: kept as it stands


def join_compounds(
    text: str, words: Lexicon, edit_cost: float
) -> tuple[str, tuple[int, float, float]]:
    """``text`` with the compounds :func:`_compound` finds joined, and (how many, cost,
    the least margin of one over the next nearest listed word): snapping each piece on
    its own can leave a compound's parts as separate words ("dam ordning Skörbundet" →
    "Samordning förbundet")."""
    pieces = _PIECES.findall(text)
    joined, cost, margin = 0, 0.0, math.inf
    i = 0
    while i < len(pieces):
        compound = None if pieces[i][0].isspace() else _compound(pieces, i, words)
        if compound is not None:
            count, word, distance = compound
            margin = min(margin, _compound_margin(pieces[i : i + 2 * count - 1], word, words,
                                                  edit_cost))
            pieces[i : i + 2 * count - 1] = [_cased(word, i == 0)]
            joined, cost = joined + 1, cost + edit_cost * distance
        i += 1
    return "".join(pieces), (joined, cost, margin)


def _compound_margin(pieces: list[str], word: str, words: Lexicon, edit_cost: float) -> float:
    """How much nearer the pieces joined are to the compound ``word`` than to the next
    nearest listed word of about its length."""
    joined = "".join(p for p in pieces if not p.isspace())
    scored = words.scored(joined)
    mine = next((d for d, w in scored if w == word), 0.0)
    others = [d for d, w in scored if w != word]
    return edit_cost * (others[0] - mine) if others else math.inf


def restore_marks(text: str, words: Lexicon) -> tuple[str, int]:
    """``text`` with each unlisted word that is a listed word but for the marks of å, ä
    or ö written as listed (a sure read of hand-printing misses the ring of an Å, or
    takes a speck for one), and how many words changed; a listed name read all small
    ("välfärd") gets its capital, and a listed word read with a capital inside it
    ("ÖStra": a hand's s is its capital, smaller) its case as listed, without counting
    as a change."""
    pieces = _PIECES.findall(text)
    changed = 0
    for i, piece in enumerate(pieces):
        if piece[0].isspace() or piece[0] == "-":
            continue
        listed = words.with_marks(piece)
        if listed is not None:
            pieces[i] = _cased(listed, i == 0)
            changed += 1
        elif piece.islower() and words.words.get(fold_case(piece), "")[:1].isupper():
            pieces[i] = words.words[fold_case(piece)]  # a name written small: as listed
        elif _capital_inside(piece) and words.words.get(fold_case(piece), piece) != piece:
            pieces[i] = _cased(words.words[fold_case(piece)], i == 0)  # 'ÖStra': as listed
    return "".join(pieces), changed


def _capital_inside(word: str) -> bool:
    """A capital after a small letter or after the first letter: hand-printed s, o, v, …
    are their capitals only smaller, and a sure read can take one for the other."""
    return any(c.isupper() for c in word[1:])


def join_split_words(text: str, words: Lexicon) -> str:
    """``text`` with two neighbouring pieces joined where the piece before the space is
    not listed and the two together are, exactly ("Sam ordningsförbundet"): a gap
    inside a hand-printed word that even a sure read keeps."""
    pieces = _PIECES.findall(text)
    i = 2
    while i < len(pieces):
        first, gap, second = pieces[i - 2], pieces[i - 1], pieces[i]
        if gap == " " and first not in words and first + second in words:
            pieces[i - 2 : i + 1] = [_cased(words.words[fold_case(first + second)], i == 2)]
        else:
            i += 1
    return "".join(pieces)


def _options(
    piece: str, words: Lexicon, edit_cost: float, keep: tuple[float, float]
) -> list[tuple[float, str]]:
    """(cost, word) of the ways to read ``piece``, cheapest first: as a listed word, or
    as it stands. A listed piece is the listed word; one without letters stays."""
    if piece in words:
        return [(0.0, words.words[fold_case(piece)])]
    if not any(c.isalpha() for c in piece) or len(piece) < 2:
        return [(0.0, piece)]
    options = [(edit_cost * d, w) for d, w in words.nearest(piece, limit=3)
               if d <= _max_distance(piece)]
    options.append((keep[0] + keep[1] * len(piece), piece))
    return sorted(options, key=lambda o: o[0])


def _pair_options(pieces: list[str], words: Lexicon, edit_cost: float) -> list[tuple[float, str]]:
    """(cost, word) of reading two pieces and the gap between them as one listed word."""
    joined = pieces[0] + pieces[1] + pieces[2]
    if not any(c.isalpha() for c in joined):
        return []
    options = [(edit_cost * d, w) for d, w in words.nearest(joined, limit=3)
               if d <= _max_distance(joined)]
    return sorted(options, key=lambda o: o[0])


def _compound(pieces: list[str], i: int, words: Lexicon) -> tuple[int, str, float] | None:
    """(pieces, listed word, distance) when the two or three space-separated pieces from
    ``pieces[i]`` (two letters or more each) together are, give or take
    :data:`COMPOUND_SHARE` of its letters and at most one in length, one long listed
    word: a compound broken by gaps in the writing ("Samordning förbund ett"), even
    where each piece is a word of its own (Swedish writes compounds together)."""
    for count in (3, 2):
        stop = i + 2 * count - 1
        if stop > len(pieces) or any(pieces[j] != " " for j in range(i + 1, stop, 2)):
            continue
        parts = pieces[i:stop:2]
        joined = "".join(parts)
        if len(joined) < COMPOUND_LETTERS or not joined.isalpha() or joined in words:
            continue
        if min(len(part) for part in parts) < 2:
            continue  # "i arbetslivet" is two words, not a misspelt "arbetslivet"
        nearest = words.nearest_of_length(joined, 1)
        if nearest is not None and nearest[0] <= COMPOUND_SHARE * len(nearest[1]):
            return count, nearest[1], nearest[0]
    return None


#: A compound broken by gaps: at least this many letters, this close (edits per letter).
COMPOUND_LETTERS = 12
COMPOUND_SHARE = 0.12


def _max_distance(piece: str) -> float:
    return max(1.0, 0.4 * len(piece))


def _cased(word: str, first: bool) -> str:
    return word[0].upper() + word[1:] if first and word[:1].islower() else word
