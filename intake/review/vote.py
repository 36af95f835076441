"""A FK 9443 and a FK 9448 of one person in one batch: two independent readings of
the personnummer and the name, which vote.

The two are paired when the personnummer read on both is the same, or one digit
apart with matching names, or else the name read on both is the same (whatever the
personnummer), or else the personnummer two digits apart with matching names — and
only when the pair is the only one in the batch. Agreeing, both are confirmed (their
confidence raised); differing, both are flagged with what the other read, and the
weaker reading is pre-filled with the stronger where that is safe (a personnummer
one digit off or missing; a name read badly but alike). A reading its reader doubted
is no evidence against one read well: a valid personnummer read well stands
unflagged beside a doubted one, which is pre-filled with it (flagged, with what was
read and how many digits differ); a name hardly read, or bearing the well-read one
out, is pre-filled with it and does not flag it. A pair found by its name (or two
digits apart by both) votes on the personnummer only: that the names agree is what
paired it, no evidence that they were read right (one writer's two forms are often
misread the same way, 'Anne-Li' as 'Anneli' on both). A weak name reading that has
the strong one's first name bears it out rather than contradicts it: the strong one
is not flagged for it, nor by one hardly read (:func:`sheet.hardly_read`). The
document added later is weighed against those already read, so the outcome does not
depend on which of the two a worker reads first.
"""

from __future__ import annotations

from itertools import combinations

from sqlalchemy import Select, and_, bindparam, func, or_, select
from sqlalchemy.orm import Session

from intake.errors import ParseError
from intake.review.names import (
    NAME_FIELD,
    Likeness,
    digit_distance,
    fold,
    formatted,
    likeness,
    names_match,
    person_keys,
)
from intake.review.schema import Document
from intake.review.sheet import (
    confidence_of,
    confirm,
    flag,
    hardly_read,
    prefill,
    recheck,
    text_of,
    value_of,
    well_read,
)
from intake.settings import Settings
from intake.sus.personnummer import parse_personnummer

PNR = "personnummer"
LABEL = {"9443": "samtycket", "9448": "inregistreringen"}
_OTHER = {"9443": "9448", "9448": "9443"}


def vote_in_batch(session: Session, row: Document, *, settings: Settings) -> None:
    """Let ``row`` and its one partner of the other form in the batch vote."""
    below = settings.review_below
    paired = _partner(session, row, review_below=below)
    if paired is None:
        return
    partner, by_number = paired
    _vote_personnummer(row, partner, settings=settings)
    if by_number:  # paired by the name, the names agree by construction: no evidence
        _vote_name(row, partner, review_below=below)
    recheck(partner, today=settings.current_day(), review_below=below)


def _partner(session: Session, row: Document, *,
             review_below: float) -> tuple[Document, bool] | None:
    """The one document of the other form in the batch that is the same person, and
    whether it was found by the personnummer read (else by the name); None when two
    could be, or when another document of ``row``'s form could be, the same way, the
    partner's too."""
    def by_number(a: Document, b: Document) -> bool:
        return _same_by_number(a, b, review_below=review_below)

    def by_both(a: Document, b: Document) -> bool:
        return _near_by_both(a, b, review_below=review_below)

    others = _alike_in_batch(session, row, row.batch_id, _OTHER[row.form])
    for same in (by_number, _same_by_name, by_both):
        found = [d for d in others if same(row, d)]
        if found:
            break
    if len(found) != 1:
        return None
    rivals = [d for d in _alike_in_batch(session, found[0], row.batch_id, row.form)
              if d is not row and same(d, found[0])]
    return None if rivals else (found[0], same is by_number)


def _alike_in_batch(session: Session, person: Document, batch_id: int,
                    form: str) -> list[Document]:
    """The batch's documents of ``form`` that wait for review, that no one has opened,
    and that may be ``person``'s by a pairing (in the order read): the same name key,
    or a personnummer with two of its four groups of three digits as ``person``'s has
    them — two numbers at most two digits apart do. Asked by the documents' keys
    (:attr:`Document.vote_personnummer`, :attr:`Document.vote_name`), not by loading
    every open document of the batch."""
    personnummer, name = person_keys(person.form, person.fields)
    if personnummer is None and name is None:
        return []
    groups = {f"g{start}": personnummer[start:start + 3] if personnummer else None
              for start in _GROUPS}
    return list(session.scalars(_ALIKE, {"batch_id": batch_id, "form": form, "name": name,
                                         **groups}))


#: where a personnummer's four groups of three digits start
_GROUPS = (0, 3, 6, 9)


def _alike_query() -> Select[Document]:
    """:func:`_alike_in_batch`'s question, made once (a key that is NULL matches none)."""
    groups = [func.substr(Document.vote_personnummer, start + 1, 3) == bindparam(f"g{start}")
              for start in _GROUPS]
    return select(Document).where(
        Document.batch_id == bindparam("batch_id"), Document.form == bindparam("form"),
        Document.status == "review", Document.claimed_by.is_(None),
        or_(Document.vote_name == bindparam("name"),
            *(and_(a, b) for a, b in combinations(groups, 2)))).order_by(Document.id)


_ALIKE = _alike_query()


def _same_by_number(a: Document, b: Document, *, review_below: float) -> bool:
    """The same personnummer read on both, or one digit apart with matching names."""
    distance = digit_distance(value_of(a, PNR), value_of(b, PNR))
    return distance == 0 or (distance == 1 and _names_agree(a, b, review_below=review_below))


def _near_by_both(a: Document, b: Document, *, review_below: float) -> bool:
    """Personnummer two digits apart and matching names: neither alone pairs them, so,
    as for a pair found by its name, they vote on the personnummer only."""
    return (digit_distance(value_of(a, PNR), value_of(b, PNR)) == 2
            and _names_agree(a, b, review_below=review_below))


def _names_agree(a: Document, b: Document, *, review_below: float) -> bool:
    """The names read on both match (strictly when either was read well)."""
    name_a, name_b = text_of(a, NAME_FIELD[a.form]), text_of(b, NAME_FIELD[b.form])
    sure = (well_read(a, NAME_FIELD[a.form], review_below=review_below)
            or well_read(b, NAME_FIELD[b.form], review_below=review_below))
    return name_b is not None and names_match(name_a, name_b, well_read=sure)


def _same_by_name(a: Document, b: Document) -> bool:
    """The same name read on both (whatever their personnummer)."""
    name_a, name_b = text_of(a, NAME_FIELD[a.form]), text_of(b, NAME_FIELD[b.form])
    return likeness(name_a or "", name_b or "") is Likeness.SAME


def _vote_personnummer(a: Document, b: Document, *, settings: Settings) -> None:
    if value_of(a, PNR) == value_of(b, PNR):
        if _valid(value_of(a, PNR), settings=settings):
            for row in (a, b):
                confirm(row, PNR, value_of(row, PNR), source="batch")
        return
    strong, weak = sorted((a, b), key=lambda d: (
        not _valid(value_of(d, PNR), settings=settings), -confidence_of(d, PNR), d.form))
    kept, read = value_of(strong, PNR), value_of(weak, PNR)
    distance = digit_distance(kept, read)
    stands = _stands_against(strong, weak, settings=settings)
    if not _valid(kept, settings=settings) or (read is not None and distance != 1
                                                and not stands):
        flag(weak, PNR, f"I {LABEL[strong.form]} i samma batch står {formatted(kept)}"
             " – kontrollera.")
    elif read is None:
        prefill(weak, PNR, kept, f"Personnumret kunde inte läsas; {LABEL[strong.form]} i"
                f" samma batch har {formatted(kept)} – förvalt, kontrollera.", source="batch")
        return
    else:
        differ = "en siffra skiljer" if distance == 1 else f"{distance} siffror skiljer"
        prefill(weak, PNR, kept, f"Läst som {formatted(read)}; {LABEL[strong.form]} i samma"
                f" batch har {formatted(kept)} ({differ}, {_agreement(a, b)})"
                " – förvalt, kontrollera.", source="batch")
    if not stands:
        flag(strong, PNR, f"I {LABEL[weak.form]} i samma batch lästes {formatted(read)}"
             " – kontrollera.")


def _stands_against(strong: Document, weak: Document, *, settings: Settings) -> bool:
    """Whether the stronger personnummer, valid and read well, stands against the weaker
    one that reading itself doubted (below the line, or with a problem): a doubted
    reading is no evidence against it, as a hardly read name is none against a
    well-read one. The weaker is still pre-filled and flagged, with what was read."""
    below = settings.review_below
    return (_valid(value_of(strong, PNR), settings=settings)
            and well_read(strong, PNR, review_below=below)
            and not well_read(weak, PNR, review_below=below))


def _agreement(a: Document, b: Document) -> str:
    name_a, name_b = text_of(a, NAME_FIELD[a.form]), text_of(b, NAME_FIELD[b.form])
    same = likeness(name_a or "", name_b or "") is Likeness.SAME
    return "namnet stämmer" if same else "namnet liknar"


def _valid(value: object, *, settings: Settings) -> bool:
    if not isinstance(value, str):
        return False
    try:
        parse_personnummer(value, today=settings.current_day())
    except ParseError:
        return False
    return True


def _vote_name(a: Document, b: Document, *, review_below: float) -> None:
    name_a, name_b = text_of(a, NAME_FIELD[a.form]), text_of(b, NAME_FIELD[b.form])
    if name_a is None and name_b is None:
        return
    if name_a is not None and name_b is not None and likeness(name_a, name_b) is Likeness.SAME:
        spelling = max((name_a, name_b), key=_accented)
        for row in (a, b):
            confirm(row, NAME_FIELD[row.form], spelling, source="batch")
        return
    strong, weak = sorted((a, b), key=lambda d: (text_of(d, NAME_FIELD[d.form]) is None,
                                                 -confidence_of(d, NAME_FIELD[d.form]), d.form))
    _disagree_on_name(strong, weak, review_below=review_below)


def _accented(name: str) -> int:
    """Reading loses accents more often than it adds them: the spelling with more wins."""
    return sum(not ch.isascii() for ch in name)


def _disagree_on_name(strong: Document, weak: Document, *, review_below: float) -> None:
    """The weaker name pre-filled with the stronger when it was read badly, the stronger
    well, and they are alike, or the weaker bears the stronger out (its first name) or
    was hardly read (no evidence either way); otherwise both flagged with what the
    other says."""
    kept, read = text_of(strong, NAME_FIELD[strong.form]), text_of(weak, NAME_FIELD[weak.form])
    assert kept is not None
    field = NAME_FIELD[weak.form]
    no_evidence = read is None or _bears_out(read, kept, weak, review_below=review_below) \
        or _hardly_read(weak, strong, review_below=review_below)
    safe = (not well_read(weak, field, review_below=review_below)
            and well_read(strong, NAME_FIELD[strong.form], review_below=review_below)
            and (no_evidence or names_match(read, kept, well_read=False)))
    if read is None or safe:
        prefill(weak, field, kept, f"Läst som '{read or ''}'; {LABEL[strong.form]} i samma"
                f" batch har namnet '{kept}' – förvalt, kontrollera.", source="batch")
    else:
        flag(weak, field, f"I {LABEL[strong.form]} i samma batch står namnet '{kept}'"
             " – kontrollera.")
    if not no_evidence:
        flag(strong, NAME_FIELD[strong.form], f"I {LABEL[weak.form]} i samma batch står"
             f" namnet '{read}' – kontrollera.")


def _hardly_read(weak: Document, strong: Document, *, review_below: float) -> bool:
    """Whether the weaker name was read so badly (:func:`sheet.hardly_read`) that it is
    no evidence against a stronger one read well."""
    return (hardly_read(weak, NAME_FIELD[weak.form])
            and well_read(strong, NAME_FIELD[strong.form], review_below=review_below))


def _bears_out(read: str, kept: str, weak: Document, *, review_below: float) -> bool:
    """Whether the weaker reading ``read`` bears the stronger ``kept`` out rather than
    contradicts it: read badly, but with the same first name (its misread letters are
    no evidence against a name read well)."""
    if well_read(weak, NAME_FIELD[weak.form], review_below=review_below):
        return False
    first_read, first_kept = fold(read).split()[:1], fold(kept).split()[:1]
    return bool(first_read) and first_read == first_kept
