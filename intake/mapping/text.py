"""Free text (names, organisations, places): NFC with collapsed white space; a doubtful
read of a field with a word list has its words compared with the list
(``intake.mapping.lexicon``), and what the list clearly names replaces what was read.

Nothing to decode against, so an engine's confident read is checked against
*signals* learned per kind of field from generated corpora
(``intake/learned/data/text_calibration.json``, written by
``scripts/calibrate_text.py``): a small first letter where the field is capitalised,
a lone letter, a runner-up the engine also saw, … A read that sets one off takes that
signal's measured share of right reads as its confidence; every other read keeps the
engine's. Flags follow that calibrated confidence only: a read goes to review, with a
problem saying why, when its confidence is below where review of free text begins (the
text line of ``intake/learned/data/review_lines.json``, fitted on calibration forms for
a silent-error budget), so clean text the calibration trusts is not flagged "svårläst"
or "tvekade" (issue 15). A doubted read the word list names clearly (each word of the
value far nearer one listed word than anything else) takes the share of such reads the
calibration forms had right (``TextKind.named``; never for names), and a read the list
only gave its capitals is judged as if so written (issue 12).
"""

from __future__ import annotations

import math
from dataclasses import replace

from intake.forms.model import FieldDef
from intake.learned.text import TEXT_EVIDENCE, TextKind
from intake.mapping.base import (
    LETTERS_ONLY,
    Context,
    FieldValue,
    aligned_alternatives,
    char_dists,
    clean_text,
    edit_cost,
    empty,
    kbest_strings,
    valued,
)
from intake.mapping.lexicon import (
    POSITIONAL,
    Lexicon,
    WordSnap,
    edit_distance,
    fold,
    fold_case,
    join_compounds,
    join_split_words,
    restore_marks,
    snap_words,
)
from intake.mapping.lexicon import lexicon as word_list
from intake.mapping.places import ORT_OCH_DATUM, date_span, kommun_value, outside
from intake.reads import TextRead

TEXT_UNSURE = "Texten är svårläst; kontrollera"
TEXT_FIXED = "Siffror inne i ord är ändrade till bokstäver; kontrollera"
TEXT_CASE = "Stora och små bokstäver ser felaktiga ut; kontrollera"
TEXT_SPACING = "En ensam bokstav: mellanrummen kan vara fel; kontrollera"
TEXT_FROM_LIST = "Ord är ändrade till närmaste ord i ordlistan; kontrollera"
TEXT_CONTESTED = "Läsningen tvekade mellan två tecken; kontrollera"
TEXT_ODD_CHARACTERS = "Texten har ovanliga tecken; kontrollera"
TEXT_NEAR_LISTED = "Ett ord liknar ett ord i ordlistan men är inte det; kontrollera"

_DIGITS_IN_WORDS = 0.8
_SNAP_BELOW = 0.8  # a read this sure is an unlisted name rather than a garbled one
_SNAP_READINGS = 8  # the engine's most probable readings a word list may explain
#: keeping an unlisted word of n letters costs a + b·n (log-odds; an edit costs ``edit_cost``)
_KEEP_COST = (2.5, 0.6)
#: How much dearer (log-odds) than the winner a reading is still looked at as its runner-up
_MARGIN_SEEN = 6.0


def interpret_text(
    name: str, read: TextRead, context: Context, *, lexicon: str | None = None
) -> FieldValue:
    """NFC text with collapsed white space; ``kommun`` snapped to the 290 kommuner; a
    doubtful read of a field with a word list (``lexicon``) has its words compared with
    the list, and what the list clearly names replaces what was read."""
    text, fixed = clean_text(read.text, letters_only=name in LETTERS_ONLY)
    if not text:
        return empty(read, context)
    confidence, doubt = text_doubt(name, read, text, context)
    confidence *= _DIGITS_IN_WORDS if fixed else 1.0
    if name == "kommun":
        return kommun_value(text, confidence, context)
    marked, snapped = 0, None
    text, clear = _as_seen(name, read, text, doubt, context)
    if lexicon is not None and confidence < _SNAP_BELOW:
        snapped = snap_text(text, lexicon, confidence, read, temper=context.priors.temper)
        if snapped.changed and not (clear and _letters(snapped.text) != _letters(text)):
            return _snapped_value(name, read, text, fixed, snapped, (confidence, doubt),
                                  lexicon, context)
        if snapped.changed:  # a clear read keeps its letters: the list named another word
            snapped = None
    if lexicon is not None and (confidence >= _SNAP_BELOW or clear):
        text = join_split_words(text, word_list(lexicon))
        text, marked = restore_marks(text, word_list(lexicon))
        doubt = doubt or (TEXT_FROM_LIST if marked else None)
    if lexicon is not None and not marked and not fixed and listed_exactly(text, lexicon):
        confidence, doubt = _listed_lift(name, read, text, lexicon, confidence, doubt,
                                         context)
        if snapped is not None and _above_listed_floor(name, read, context):
            confidence, doubt = _named_lift(name, read, text, snapped, confidence, doubt,
                                            lexicon, context)
    elif lexicon is not None and doubt is None and _near_listed(name, text, lexicon, context):
        doubt = TEXT_NEAR_LISTED
    if doubt is not None:
        return FieldValue(value=text, confidence=min(max(confidence, 0.0), 1.0), problem=doubt)
    return valued(text, confidence, TEXT_FIXED if fixed else TEXT_UNSURE, context)


def _as_seen(
    name: str, read: TextRead, text: str, doubt: str | None, context: Context
) -> tuple[str, bool]:
    """``text`` with a name's capitals that type draws like small letters restored
    ('wilma' -> 'Wilma'), and whether the read was seen clearly with no doubt of its
    shape left (:func:`seen_clearly`). The doubt stands: the field is still flagged."""
    kind = context.calibration.kind_of(name)
    restored = _capitals_restored(text, kind.capitals if kind else "")
    if restored != text and doubt == TEXT_CASE:
        doubt = text_doubt(name, read, restored, context)[1]
    return restored, seen_clearly(read) and doubt not in _SIGNAL_PROBLEMS.values()


def _capitals_restored(text: str, capitals: str) -> str:
    """In a field whose every word starts with a capital (``capitals`` "words": names),
    a word read with a small first letter drawn like its capital, only smaller (c o s v
    w x z), has that capital: in type only the letter's size tells them apart (typed
    'Wahlén', 'Wilma' read 'wahlén', 'wilma')."""
    if capitals != "words":
        return text
    return " ".join(
        word[:1].upper() + word[1:]
        if word[:1] in _SAME_SHAPE and word.casefold() not in _NAME_PARTICLES else word
        for word in text.split(" "))


def seen_clearly(read: TextRead) -> bool:
    """Whether the engine saw every character of ``read`` clearly: each one's top choice
    at least ``_CLEAR`` and no runner-up contesting it. Unless its shape raises a doubt
    (a small first letter, a lone letter, ...), such a read is what is written even when
    a word is not listed and the engine's word confidence is low: snapping it to a
    listed word would put another name in its place (typed 'Näslund' became the listed
    'Åslund', 'Ådahl' 'Dahl'): the list may only change its gaps and case, and restore
    the marks of a listed word. It is still flagged when that confidence is low."""
    tops, seconds, _ = _choice_strengths(read)
    return bool(tops) and min(tops) >= _CLEAR and max(seconds) <= _CONTESTED


def _letters(text: str) -> str:
    """``text`` without its gaps and case: what a list may not change in a clear read
    (it may still join a word split by a gap, "Arbetsliv sinriktad")."""
    return "".join(text.split()).replace("-", "").casefold()


def _snapped_value(
    name: str, read: TextRead, text: str, fixed: bool, snapped: WordSnap,
    doubted: tuple[float, str | None], lexicon: str, context: Context,
) -> FieldValue:
    """What the word list made of a doubted read. A read it only gave capitals ('ulf
    Danielsson') is judged as if written so: a small first letter set off the doubt, and
    the list answered it. A read it named clearly may leave review (``_named_lift``)."""
    confidence, doubt = doubted
    judged = text
    if not fixed and snapped.text.casefold() == text.casefold():
        judged = snapped.text
        confidence, doubt = text_doubt(name, read, judged, context)
    doubt = doubt or (TEXT_FROM_LIST if judged != snapped.text else None)
    if not fixed and listed_exactly(snapped.text, lexicon):
        confidence, doubt = _named_lift(name, read, judged, snapped, confidence, doubt,
                                        lexicon, context)
    if doubt is None:
        return valued(snapped.text, confidence, TEXT_UNSURE, context)
    return FieldValue(value=snapped.text, confidence=min(max(confidence, 0.0), 1.0),
                      problem=doubt)


def snap_text(
    text: str, lexicon_name: str, confidence: float, read: TextRead | None = None, *,
    temper: float,
) -> WordSnap:
    """``text`` with what the word list clearly names in place of doubtful words. With
    the engine's ``read``, its few most probable readings (alternatives flattened
    p**``temper``) are snapped too and the one the list explains best (its
    improbability plus the cost of its words) wins."""
    edit = edit_cost(confidence, len(text))
    first, last = POSITIONAL.get(lexicon_name, (lexicon_name, None))
    words, last_words = word_list(first), None if last is None else word_list(last)

    def snap(line: str, compounds: bool = True) -> WordSnap:
        return snap_words(line, words, edit_cost=edit, keep=_KEEP_COST, last=last_words,
                          compounds=compounds)

    best = snap(text)
    if read is None or aligned_alternatives(read) is None:
        return best
    best_score, runner_up = best.cost, math.inf
    readings = kbest_strings(char_dists(read, temper=temper), limit=_SNAP_READINGS)
    top_p = None
    for variant, p in readings:
        top_p = top_p or p
        if math.log(top_p / max(p, 1e-12)) >= min(best_score + _MARGIN_SEEN, runner_up):
            break  # readings come most probable first: none after this can win or run up
        cleaned = clean_text(variant, letters_only=True)[0]
        if not cleaned or cleaned == text:
            continue
        snapped = snap(cleaned, compounds=False)  # compounds only for the winner: dear
        score = snapped.cost + math.log(top_p / max(p, 1e-12))
        if score < best_score:
            if snapped.text != best.text:
                runner_up = best_score
            changed = max(snapped.changed, int(snapped.text != text))
            best, best_score = replace(snapped, changed=changed), score
        elif snapped.text != best.text:
            runner_up = min(runner_up, score)
    if best.text != text:
        joined, (count, _, margin) = join_compounds(best.text, words, edit)
        best = replace(best, text=joined, changed=best.changed + count,
                       margin=min(best.margin, margin))
    return replace(best, margin=min(best.margin, runner_up - best_score))


_NAME_PARTICLES = frozenset({"af", "av", "von", "van", "de", "der", "den", "la", "le", "di", "da"})
_SMALL_WORDS = frozenset({"i", "å", "ö", "&"})
_NAME_MARKS = frozenset(" -'.")
_CONTESTED = 0.01  # a runner-up this likely: the engine saw two characters there
_WEAK = 0.9  # a top choice less likely than this is a weak character
_SAME_SHAPE = frozenset("cosvwxz")  # small letters shaped like their capitals
_CLEAR = 0.85  # every character's top choice this likely, uncontested: a clear read
_SIGNAL_PROBLEMS = {
    "lower_start": TEXT_CASE,
    "inner_capital": TEXT_CASE,
    "lone_letter": TEXT_SPACING,
    "runner_up": TEXT_CONTESTED,
    "variant_contested": TEXT_CONTESTED,
    "odd_chars": TEXT_ODD_CHARACTERS,
}



def text_evidence(read: TextRead, text: str, *, capitals: str) -> dict[str, float]:
    """What a free-text read shows about its own trustworthiness: the engine's doubt
    (about the word, its weakest character, how many characters are weak, how likely
    a runner-up is, how many runner-ups are the same letter in another case or with
    another diacritic) and the shape of the cleaned ``text`` against how the field is
    written (``capitals``: "words" when every word starts with a capital, as a name
    does; "first" when the first does): small first letters, a capital inside a word,
    lone letters, characters that are neither letters nor name punctuation."""
    tops, seconds, variants = _choice_strengths(read)
    words = text.split()
    evidence = {
        "word_doubt": 1.0 - min(max(read.confidence, 0.0), 1.0),
        "char_doubt": 1.0 - min(tops, default=1.0),
        "weak_chars": float(sum(p < _WEAK for p in tops)),
        "runner_up": max(seconds, default=0.0),
        "variant_contested": float(sum(variants)),
        "lower_start": float(_lower_starts(words, capitals)),
        "inner_capital": float(sum(_inner_capital(w) for w in words)),
        "lone_letter": float(sum(_lone_letter(w) for w in words)),
        "odd_chars": float(sum(not (c.isalpha() or c in _NAME_MARKS) for c in text)),
    }
    return {name: evidence[name] for name in TEXT_EVIDENCE}


def _choice_strengths(read: TextRead) -> tuple[list[float], list[float], list[bool]]:
    """Per visible character: the top choice's probability, the runner-up's, and
    whether a contested runner-up is the same letter in another case or with another
    diacritic (the misreads a reader does not notice)."""
    aligned = aligned_alternatives(read)
    tops: list[float] = []
    seconds: list[float] = []
    variants: list[bool] = []
    for char, listed in zip(read.text, aligned or [], strict=False):
        if char.isspace() or not listed:
            continue
        ranked = sorted(listed, key=lambda choice: -choice[1])
        tops.append(float(ranked[0][1]))
        second, p = ranked[1] if len(ranked) > 1 else ("", 0.0)
        seconds.append(float(p))
        variants.append(p > _CONTESTED and _same_letter(second, ranked[0][0]))
    return tops, seconds, variants


def _same_letter(a: str, b: str) -> bool:
    return a != b and fold(a.casefold()) == fold(b.casefold())


def _lower_starts(words: list[str], capitals: str) -> int:
    if capitals == "words":
        return sum(w[:1].islower() and w.casefold() not in _NAME_PARTICLES for w in words)
    if capitals == "first":
        return int(bool(words) and words[0][:1].islower())
    return 0


def _inner_capital(word: str) -> bool:
    return any(a.islower() and b.isupper() for a, b in zip(word, word[1:], strict=False))


def _lone_letter(word: str) -> bool:
    return len(word) == 1 and word.isalpha() and word not in _SMALL_WORDS


def evidence_of(field: FieldDef, read: TextRead, context: Context) -> dict[str, float] | None:
    """The evidence :func:`text_evidence` finds for a free-text field (FK 9443's ort:
    its part of the line), None for other fields and for reads with no text."""
    kind = context.calibration.kind_of(field.name)
    if kind is None:
        return None
    if field.widget == ORT_OCH_DATUM:
        span = date_span(read.text)
        read = read if span is None else outside(read, *span)
    text = clean_text(read.text, letters_only=field.name in LETTERS_ONLY)[0]
    return text_evidence(read, text, capitals=kind.capitals) if text else None


def text_doubt(
    name: str, read: TextRead, text: str, context: Context
) -> tuple[float, str | None]:
    """The confidence of the read ``text`` of field ``name`` (a learned signal it sets
    off: that signal's share of right reads) and, when that confidence is below review
    (``context.review_below``, free text's line), the signal's problem. Only an engine's
    read (one with per-character alternatives) is weighed; others keep their confidence
    (a digital form's exact text, say)."""
    kind: TextKind | None = context.calibration.kind_of(name)
    if kind is None or not kind.signals or aligned_alternatives(read) is None:
        return read.confidence, None
    signal = kind.fired(text_evidence(read, text, capitals=kind.capitals))
    if signal is None:
        return read.confidence, None
    confidence = min(read.confidence, signal.p_right)
    if confidence >= context.review_below:
        return confidence, None  # reads this sure were right often enough: no flag
    return confidence, _SIGNAL_PROBLEMS.get(signal.evidence, TEXT_UNSURE)


def listed_exactly(text: str, lexicon_name: str) -> bool:
    """Whether every word of ``text`` is a word of the list ``lexicon_name`` exactly as
    it is listed (case and diacritics too; a hyphenated word, each of its parts; the
    first word may be capitalised): for a list whose last word is apart (names: given
    names and a surname), the words before the last from its first list and the last
    from its second."""
    first, last = POSITIONAL.get(lexicon_name, (lexicon_name, None))
    words = text.split()
    if last is None:
        return bool(words) and all(
            _listed(word, word_list(first), capitalised=i == 0) for i, word in enumerate(words))
    return len(words) >= 2 and _listed(words[-1], word_list(last)) and all(
        _listed(word, word_list(first)) for word in words[:-1])


def _listed(word: str, words: Lexicon, *, capitalised: bool = False) -> bool:
    if _as_listed(word, words) or (capitalised and _as_listed(word[:1].lower() + word[1:], words)):
        return True
    parts = word.split("-")
    return len(parts) > 1 and all(_as_listed(part, words) for part in parts)


def _as_listed(word: str, words: Lexicon) -> bool:
    return words.words.get(fold_case(word)) == word


#: Signals that are the engine's own doubt (which a clear naming by the word list may
#: answer), not the shape of what was written (a small first letter, a lone letter, ...).
_ENGINE_DOUBT = frozenset({"word_doubt", "char_doubt", "weak_chars", "runner_up",
                           "variant_contested"})


def _named_lift(
    name: str, read: TextRead, text: str, snapped: WordSnap, confidence: float,
    doubt: str | None, lexicon: str, context: Context,
) -> tuple[float, str | None]:
    """A doubted read whose value is made of listed words the list named clearly (each
    word at least ``TextKind.named.margin`` cheaper than its runner-up) takes the share
    of such reads the calibration forms had right, when only the engine doubted ``text``
    (its shape set off no signal). Kinds without ``named`` (names) are never lifted, nor
    a value a word apart from the read (:func:`_a_word_apart`), nor a read with a word
    the engine could not read (:func:`unread_word`)."""
    kind = context.calibration.kind_of(name)
    if kind is None or kind.named is None or snapped.margin < kind.named.margin:
        return confidence, doubt
    if _a_word_apart(text, snapped.text, lexicon) or unread_word(read):
        return confidence, doubt
    if doubt is None and confidence >= context.review_below:
        return confidence, doubt
    signal = kind.fired(text_evidence(read, text, capitals=kind.capitals))
    if signal is not None and signal.evidence not in _ENGINE_DOUBT:
        return confidence, doubt
    lifted = max(confidence, kind.named.p_right)
    return (lifted, None) if lifted >= context.review_below else (confidence, doubt)


def _a_word_apart(text: str, value: str, lexicon_name: str) -> bool:
    """Whether the read ``text`` is as near (gaps and case aside) to ``value`` with a
    listed word more that its surplus letters could spell, or with a word fewer that its
    missing letters could: the list may have dropped or added a word of the name.
    'Samordningsförbundet Välfärdi Nacka' (the 'i' of 'Välfärd i Nacka' written without
    its gap) was named 'Samordningsförbundet Välfärd Nacka', every word listed and
    clearly named, and lifted out of review: a förbund that does not exist."""
    read, words = _letters(text), value.split()
    surplus = len(read) - len(_letters(value))
    if surplus > 0:
        listed = word_list(POSITIONAL.get(lexicon_name, (lexicon_name, None))[0]).words
        short = [word for word in listed.values() if len(word) <= surplus]
        others = [[*words[:k], word, *words[k:]] for k in range(len(words) + 1) for word in short]
    else:
        others = [[*words[:k], *words[k + 1 :]] for k, word in enumerate(words)
                  if len(word) <= -surplus]
    nearest = edit_distance(read, _letters(value))
    return any(edit_distance(read, _letters(" ".join(other))) <= nearest for other in others)


def unread_word(read: TextRead) -> bool:
    """Whether the engine saw a word between two others that it could not read as letters
    or digits: an empty one (two spaces in a row, where a word's characters were all
    outside the field's characters and dropped) or one of marks only ("|", ">"). A word
    was written there that the value lacks, so the list may not vouch for the words
    around it: 'Samordningsförbundet i Jämtlands län' read 'Sans dningsförbundet  Jantlands
    lån' (the 'i' dropped) was named 'Samordningsförbundet Jämtlands län', every word
    listed, a förbund that does not exist. On the calibration forms (hand-calib300 seeds
    77, 81) the three reads with such a word were all wrong."""
    words = read.text.strip().split(" ")
    return any(not any(c.isalnum() for c in word) for word in words[1:-1])


#: A word this long one edit from a listed word, and not listed itself, is more likely
#: that word misread than a word of its own (shorter ones, "HBS", are near many words).
_NEAR_LISTED_LETTERS = 4


def _near_listed(name: str, text: str, lexicon: str, context: Context) -> bool:
    """Whether ``text``, in a kind of field whose list is trusted (``TextKind.listed``:
    organisations and insatser, not names), has an unlisted word of at least
    :data:`_NEAR_LISTED_LETTERS` letters one edit from a listed word: the engine was sure
    of a letter the list does not spell there. Calibration forms (hand-calib300 seeds 77,
    81, 91, fax-calib200 seed 78): of the reads above the review line with such a word,
    one, 'Finsan Örebro' at 0.87 for 'Finsam Örebro', was a silent error; no right read
    was one."""
    kind = context.calibration.kind_of(name)
    if kind is None or kind.listed is None:
        return False
    words = word_list(POSITIONAL.get(lexicon, (lexicon, None))[0])
    parts = [part for word in text.split() for part in word.split("-")]
    return any(len(part) >= _NEAR_LISTED_LETTERS and fold_case(part) not in words.words
               and any(d <= 1.0 for d, _ in words.nearest(part, 1)) for part in parts)


def _above_listed_floor(name: str, read: TextRead, context: Context) -> bool:
    """Whether the engine was sure enough of a read of listed words, as read, for the list
    to answer its doubt at all (``TextKind.listed.above``: below it, too few such reads
    of the calibration forms to measure)."""
    kind = context.calibration.kind_of(name)
    return kind is not None and kind.listed is not None and read.confidence >= kind.listed.above


def _listed_lift(
    name: str, read: TextRead, text: str, lexicon: str, confidence: float,
    doubt: str | None, context: Context,
) -> tuple[float, str | None]:
    """A read whose words are all listed exactly as read: only the engine's own doubt
    (its word confidence, or a character it doubted or saw a runner-up for, unless that
    runner-up spells another listed value: :func:`_contested_by_listed`) is answered by
    the list, with the share of such reads the calibration forms had right
    (``TextKind.listed``); other doubts stand, and a read with a word the engine could
    not read (:func:`unread_word`) is not lifted. Calibration forms (hand-calib300 seeds
    77, 81, 91, fax-calib200 seed 78): 117 organisation and insats reads listed exactly
    as read, all right; 9 of the 12 still in review had only a contested or weak
    character against them, at 0.63-0.85."""
    kind = context.calibration.kind_of(name)
    if kind is None or kind.listed is None or read.confidence < kind.listed.above:
        return confidence, doubt
    if unread_word(read):
        return confidence, doubt
    signal = kind.fired(text_evidence(read, text, capitals=kind.capitals))
    if signal is not None and signal.evidence != "word_doubt" and (
            signal.evidence not in _ENGINE_DOUBT or _contested_by_listed(read, text, lexicon)):
        return confidence, doubt
    lifted = max(confidence, kind.listed.p_right)
    return lifted, None if lifted >= context.review_below else doubt


def _contested_by_listed(read: TextRead, text: str, lexicon: str) -> bool:
    """Whether a character of ``read`` whose runner-up the engine also saw (more likely
    than ``_CONTESTED``) would, as that runner-up, make another value of listed words
    ('stöd' and 'stad' are both listed): then the list cannot settle the engine's
    doubt."""
    for index, listed in enumerate(aligned_alternatives(read) or []):
        for char, p in sorted(listed, key=lambda choice: -choice[1])[1:]:
            if p <= _CONTESTED or char.isspace():
                continue
            other = clean_text(read.text[:index] + char + read.text[index + 1 :])[0]
            if other != text and listed_exactly(other, lexicon):
                return True
    return False
