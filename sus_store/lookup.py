"""Finding a förbund or insats by a written (perhaps misread) name (SPEC §3 rule 6).

An exact match ignores only case, white space and dash style. Anything else is a
fuzzy match: the closest names with their similarity and the margin between the
best two, for a person to confirm — the store itself never acts on a guess.
"""

from __future__ import annotations

import unicodedata
from difflib import SequenceMatcher

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from sus_store.errors import AmbiguousName
from sus_store.schema import Forbund, Insats

#: Names less similar than this are not offered as candidates.
MIN_SIMILARITY = 0.5
#: A suggestion needs this similarity and this lead over the runner-up.
SUGGEST_SIMILARITY = 0.85
SUGGEST_MARGIN = 0.1
MAX_CANDIDATES = 5

_DASHES = str.maketrans({"–": "-", "—": "-", "‐": "-"})


def name_key(name: str) -> str:
    """The form of a name two spellings must share to be the same name."""
    text = unicodedata.normalize("NFC", name).translate(_DASHES).casefold()
    return " ".join(text.replace(" - ", "-").split())


class Candidate(BaseModel, frozen=True):
    id: int
    name: str
    similarity: float


class NameMatch(BaseModel, frozen=True):
    """What a written name matches: the exact record, or candidates with a margin."""

    written: str
    exact: Candidate | None
    candidates: tuple[Candidate, ...]
    margin: float

    @property
    def suggestion(self) -> Candidate | None:
        """A candidate clear enough to pre-fill for a person to confirm, if any."""
        if self.exact is not None:
            return self.exact
        if not self.candidates:
            return None
        best = self.candidates[0]
        clear = best.similarity >= SUGGEST_SIMILARITY and self.margin >= SUGGEST_MARGIN
        return best if clear else None


def match_name(written: str, names: dict[int, str]) -> NameMatch:
    """Match ``written`` against ``names`` (id → name)."""
    key = name_key(written)
    for row_id, name in names.items():
        if name_key(name) == key:
            exact = Candidate(id=row_id, name=name, similarity=1.0)
            return NameMatch(written=written, exact=exact, candidates=(exact,), margin=1.0)
    scored = sorted(
        (Candidate(id=row_id, name=name, similarity=round(_similarity(key, name), 4))
         for row_id, name in names.items()),
        key=lambda c: (-c.similarity, c.name),
    )
    kept = tuple(c for c in scored if c.similarity >= MIN_SIMILARITY)[:MAX_CANDIDATES]
    margin = _margin(scored)
    return NameMatch(written=written, exact=None, candidates=kept, margin=margin)


def _similarity(key: str, name: str) -> float:
    return SequenceMatcher(None, key, name_key(name), autojunk=False).ratio()


def _margin(scored: list[Candidate]) -> float:
    if not scored:
        return 0.0
    runner_up = scored[1].similarity if len(scored) > 1 else 0.0
    return round(scored[0].similarity - runner_up, 4)


def lookup_forbund(session: Session, written: str) -> NameMatch:
    """The förbund ``written`` names, exactly or as candidates."""
    names = {row_id: name for row_id, name in session.execute(select(Forbund.id, Forbund.name))}
    return match_name(written, names)


def lookup_insats(session: Session, written: str, *, forbund_id: int | None = None) -> NameMatch:
    """The insats ``written`` names (within one förbund when given)."""
    query = select(Insats.id, Insats.name)
    if forbund_id is not None:
        query = query.where(Insats.forbund_id == forbund_id)
    return match_name(written, {row_id: name for row_id, name in session.execute(query)})


def resolve_forbund(session: Session, written: str | None) -> Forbund:
    """The förbund named exactly; :class:`AmbiguousName` with candidates otherwise."""
    match = lookup_forbund(session, written or "")
    if match.exact is None:
        raise _ambiguous("Samverkansorganisationen", written, match)
    return session.get_one(Forbund, match.exact.id)


def resolve_insats(session: Session, forbund_written: str | None,
                   insats_written: str | None) -> Insats:
    """The insats named exactly, of the förbund named exactly (rule 6)."""
    forbund = resolve_forbund(session, forbund_written)
    match = lookup_insats(session, insats_written or "", forbund_id=forbund.id)
    if match.exact is None:
        raise _ambiguous(f"Insatsen hos {forbund.name}", insats_written, match)
    return session.get_one(Insats, match.exact.id)


def _ambiguous(what: str, written: str | None, match: NameMatch) -> AmbiguousName:
    names = [c.name for c in match.candidates]
    if not written:
        return AmbiguousName(f"{what} saknas på blanketten.", names)
    if not names:
        return AmbiguousName(f"{what} '{written}' finns inte i SUS.", names)
    listed = "; ".join(names)
    return AmbiguousName(f"{what} '{written}' finns inte exakt. Menade du: {listed}?", names)
