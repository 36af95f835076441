"""Reading with what the store knows: a read form weighed against SUS and its batch.

Called once per document as it is added to the queue (:func:`read_with_store`):

1. the förbund: the uploader's, unless the form clearly names another (flagged);
2. the insats: among that förbund's insatser only;
3. a FK 9449: matched to the förbund's open participations by personnummer and name
   together (one digit off with a matching name is a candidate, pre-filled and
   flagged with its evidence); a doubted number misread in more digits is found by
   the name when one open participant has that name (the name, which agrees,
   confirmed; the number pre-filled and flagged); a hardly read name beside a number
   that is one participant's is pre-filled with theirs, flagged (the number read well,
   their insats is taken as for a match); an avslutningsdatum before the
   participation's start is flagged;
4. a FK 9443: matched to participations that wait for a consent (a mailed one
   nationally, one in a förbund's batch within that förbund);
5. a FK 9443 and a FK 9448 of one person in one batch vote (:mod:`intake.review.vote`);
6. the rules checked again, the fields to review chosen anew (:func:`sheet.recheck`).

The store may raise a confidence only where it agrees with what was read; where it
differs it pre-fills or flags, with a Swedish message naming the evidence — never a
silent change. Evidence comes from the document's own förbund only.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from intake.review.names import (
    NAME_FIELD,
    Likeness,
    formatted,
    likeness,
    names_match,
    twelve_digits,
)
from intake.review.schema import Batch, Document
from intake.review.sheet import (
    confirm,
    flag,
    hardly_read,
    offer,
    prefill,
    recheck,
    text_of,
    value_of,
    well_read,
)
from intake.review.vote import vote_in_batch
from intake.settings import Settings
from sus_store import (
    NameMatch,
    NearParticipation,
    list_forbund,
    list_insatser,
    lookup_forbund,
    lookup_insats,
    named_participations,
    near_participations,
)
from sus_store.vocab import Status

FORBUND, INSATS, PNR = "samverkansorganisation", "insats", "personnummer"
END = "avslutningsdatum"
SUGGESTED_NAME = "Läst som '{read}'; närmaste namn i SUS är förvalt – kontrollera."


def read_with_store(session: Session, row: Document, *, batch: Batch,
                    settings: Settings) -> None:
    """Weigh the document's reading against the store and its batch (see the module)."""
    below = settings.review_below
    place_forbund(session, row, uploader=batch.forbund_id)
    choose_insats(session, row)
    if row.form == "9449":
        match_open(session, row, actor=batch.uploaded_by, review_below=below)
    if row.form == "9443":
        match_waiting(session, row, actor=batch.uploaded_by, review_below=below)
    if row.form in ("9443", "9448"):
        vote_in_batch(session, row, settings=settings)
    recheck(row, today=settings.current_day(), review_below=below)


def place_forbund(session: Session, row: Document, *, uploader: int | None) -> None:
    """The uploader's förbund, unless the form clearly names another: then the form's,
    flagged. Without an uploader's förbund (Diariet), the one the form names."""
    row.forbund_id = uploader
    if FORBUND not in (row.fields or {}):
        return
    read = text_of(row, FORBUND)
    match = lookup_forbund(session, read) if read else None
    named = match.suggestion if match else None
    if uploader is None:
        if named is not None and match is not None:
            _take_named(row, FORBUND, match)
            row.forbund_id = named.id
        elif read is not None:
            _unknown(row, FORBUND, match, [f.name for f in list_forbund(session)],
                     f"Förbundet '{read}' finns inte i SUS – välj förbund.")
        return
    own = next(f.name for f in list_forbund(session) if f.id == uploader)
    if named is None or named.id == uploader:
        confirm(row, FORBUND, own, source="uppladdare")
        return
    evidence = (f"Blanketten anger {named.name}, men batchen laddades upp för {own}"
                " – kontrollera förbundet.")
    if match is not None and match.exact is None:
        prefill(row, FORBUND, named.name, f"Läst som '{read}'. {evidence}", source="sus")
    else:
        flag(row, FORBUND, evidence)


def _take_named(row: Document, name: str, match: NameMatch) -> None:
    """A name in SUS read exactly is confirmed; a clear misreading of one pre-filled."""
    if match.exact is not None:
        confirm(row, name, match.exact.name, source="sus")
    elif match.suggestion is not None:
        prefill(row, name, match.suggestion.name, SUGGESTED_NAME.format(read=match.written),
                source="sus")


def choose_insats(session: Session, row: Document) -> None:
    """The insats among the förbund's insatser: named exactly, a clear misreading
    pre-filled, a missing one pre-filled when the förbund has only one."""
    row.insats_id = None
    if INSATS not in (row.fields or {}):
        return
    read = text_of(row, INSATS)
    if read is None:
        only = list_insatser(session, forbund_id=row.forbund_id) if row.forbund_id else []
        if len(only) == 1:
            prefill(row, INSATS, only[0].name, "Insatsen saknas på blanketten; förbundets"
                    " enda insats är förvald – kontrollera.", source="sus")
            row.insats_id = only[0].id
        return
    match = lookup_insats(session, read, forbund_id=row.forbund_id)
    chosen = match.suggestion
    if chosen is not None:
        _take_named(row, INSATS, match)
        row.insats_id = chosen.id
    else:
        scope = list_insatser(session, forbund_id=row.forbund_id)  # all, for no förbund
        owner = next((f.name for f in list_forbund(session) if f.id == row.forbund_id), None)
        where = f"hos {owner} i SUS" if owner else "i SUS"
        _unknown(row, INSATS, match, [i.name for i in scope],
                 f"Insatsen '{read}' finns inte {where} – välj insats.")


def _unknown(row: Document, name: str, match: NameMatch | None, scope: list[str],
             evidence: str) -> None:
    """A förbund or insats SUS does not have: flagged, and the closest names in scope
    offered (the similar ones first, then the rest of the scope)."""
    close = [c.name for c in match.candidates] if match else []
    flag(row, name, evidence)
    offer(row, name, close + [n for n in sorted(scope) if n not in close])


def match_open(session: Session, row: Document, *, actor: str, review_below: float) -> None:
    """A FK 9449 and the open participations of its förbund: one whose personnummer is
    the one read or one digit off, and whose name matches, is the person."""
    read = twelve_digits(value_of(row, PNR))
    if row.forbund_id is None or read is None:
        return
    near = near_participations(session, read, statuses=(Status.OPEN,), actor=actor,
                               forbund_id=row.forbund_id)
    matching = _matching(row, near, review_below=review_below)
    in_insats = [p for p in matching if p.insats_id == row.insats_id]
    matching = in_insats or matching
    if len(matching) == 1:
        _take_participant(row, matching[0], nearest=_nearest_insats(session, row))
    elif matching:
        flag(row, PNR, f"{len(matching)} öppna deltaganden i förbundet liknar personnumret"
             " och namnet – kontrollera.")
    elif not any(p.distance == 0 for p in near) \
            and not well_read(row, PNR, review_below=review_below) \
            and (named := _named_open(session, row, read, actor=actor)) is not None:
        _take_named_participant(row, named)
    else:
        _no_open_participation(session, row, near, review_below=review_below)


def _named_open(session: Session, row: Document, read: str, *,
                actor: str) -> NearParticipation | None:
    """The one open participation of the förbund whose name is the name read (folded
    alike), asked when the number was doubted, no one's number is the one read and no
    one a digit off has the name (so theirs is more digits off; a number read well is
    not replaced by one far from it); None when none or several are."""
    name = text_of(row, "namn")
    if name is None or row.forbund_id is None:
        return None
    named = named_participations(
        session, read, named=lambda known: likeness(name, known) is Likeness.SAME,
        statuses=(Status.OPEN,), actor=actor, forbund_id=row.forbund_id)
    return named[0] if len(named) == 1 else None


def _take_named_participant(row: Document, found: NearParticipation) -> None:
    """A 9449 whose name is one open participant's, its personnummer misread in more
    than one digit: the name confirmed (reading and SUS agree on it), the participant's
    personnummer pre-filled and flagged with the evidence, the insats as for a match."""
    confirm(row, "namn", found.namn, source="sus")
    prefill(row, PNR, found.personnummer,
            f"Läst som {formatted(value_of(row, PNR))}; det enda öppna deltagandet i"
            f" förbundet med namnet '{found.namn}' har {formatted(found.personnummer)} i"
            f" {found.insats} ({found.distance} siffror skiljer) – förvalt, kontrollera.",
            source="sus")
    _take_insats(row, found, certain=False, nearest=None)
    _end_after_start(row, found)


def _matching(row: Document, near: list[NearParticipation], *,
              review_below: float) -> list[NearParticipation]:
    name = NAME_FIELD[row.form]
    sure = well_read(row, name, review_below=review_below)
    return [p for p in near if names_match(text_of(row, name), p.namn, well_read=sure)]


def _no_open_participation(session: Session, row: Document, near: list[NearParticipation],
                           *, review_below: float) -> None:
    """No open participation matches by number and name: one with the number read but
    another name flags the name — pre-filled with theirs when the name was hardly read
    (:func:`sheet.hardly_read`; a name read fairly is only flagged, never replaced).
    Then, the number read well, that participation is the person (a hardly read name is
    no evidence against it): its insats is taken as for a match, and the
    avslutningsdatum checked against its start."""
    same = [p for p in near if p.distance == 0]
    if len(same) == 1 and hardly_read(row, "namn"):
        read_name = text_of(row, "namn") or ""
        prefill(row, "namn", same[0].namn, f"Namnet är svårläst (läst som '{read_name}');"
                f" det öppna deltagandet i förbundet med det här personnumret heter"
                f" '{same[0].namn}' – förvalt, kontrollera.", source="sus")
        if well_read(row, PNR, review_below=review_below):
            _take_insats(row, same[0], certain=True, nearest=_nearest_insats(session, row))
            _end_after_start(row, same[0])
    elif same:
        flag(row, "namn", f"Personnumret har ett öppet deltagande i förbundet, men där heter"
             f" deltagaren '{same[0].namn}' – kontrollera.")
    elif PNR not in row.problems:
        flag(row, PNR, "Inget öppet deltagande i förbundet har det här personnumret"
             " – kontrollera.")


def _nearest_insats(session: Session, row: Document) -> int | None:
    """The förbund's insats nearest to the insats read, however unclearly, when no other
    is as near (None when nothing was read)."""
    read = text_of(row, INSATS)
    if read is None or row.forbund_id is None:
        return None
    match = lookup_insats(session, str((row.fields or {})[INSATS].get("read_as", read)),
                          forbund_id=row.forbund_id)
    return match.candidates[0].id if match.candidates and match.margin > 0 else None


def _take_participant(row: Document, found: NearParticipation, *,
                      nearest: int | None) -> None:
    """Personnummer, name and insats of the open participation found: confirmed where
    they agree with the reading, pre-filled and flagged with the evidence where not."""
    read_name = text_of(row, "namn") or ""
    same_name = likeness(read_name, found.namn) is Likeness.SAME
    if found.distance == 0:
        confirm(row, PNR, found.personnummer, source="sus")
    else:
        agreement = "namnet stämmer" if same_name else "namnet liknar"
        prefill(row, PNR, found.personnummer,
                f"Läst som {formatted(value_of(row, PNR))}; närmaste öppna deltagande i"
                f" förbundet: {formatted(found.personnummer)} i {found.insats} (en siffra"
                f" skiljer, {agreement}) – förvalt, kontrollera.", source="sus")
    if same_name:
        confirm(row, "namn", found.namn, source="sus")
    else:
        prefill(row, "namn", found.namn, f"Läst som '{read_name}'; deltagandet i SUS heter"
                f" '{found.namn}' – förvalt, kontrollera.", source="sus")
    _take_insats(row, found, certain=found.distance == 0, nearest=nearest)
    _end_after_start(row, found)


def _end_after_start(row: Document, found: NearParticipation) -> None:
    """A 9449's avslutningsdatum on or after the start of the participation it closes
    (SPEC §3 rule 2): one read before it is flagged with the start SUS has."""
    end = value_of(row, END)
    try:
        day = date.fromisoformat(end) if isinstance(end, str) else None
    except ValueError:
        return
    if day is not None and day < found.startdatum:
        flag(row, END, f"Avslutningsdatum {end} är före deltagandets startdatum"
             f" {found.startdatum.isoformat()} i SUS – kontrollera.")


def _take_insats(row: Document, found: NearParticipation, *, certain: bool,
                 nearest: int | None) -> None:
    """The participation's insats: confirmed where the person is certain (the
    personnummer read is theirs, the name matches) and the (mis)reading points to their
    insats — its nearest in the förbund, two independent readings agreeing —;
    pre-filled where nothing was read, flagged where another was."""
    suggested = "read_as" in (row.fields or {}).get(INSATS, {})
    if certain and nearest == found.insats_id and row.insats_id in (None, found.insats_id):
        confirm(row, INSATS, found.insats, source="sus")
        row.insats_id = found.insats_id
        return
    if row.insats_id == found.insats_id:
        return
    if row.insats_id is None or suggested:
        prefill(row, INSATS, found.insats, f"Personens öppna deltagande i förbundet är i"
                f" {found.insats} – förvalt, kontrollera.", source="sus")
        row.insats_id = found.insats_id
    else:
        flag(row, INSATS, f"Personens öppna deltagande i förbundet är i {found.insats},"
             " inte i den lästa insatsen – kontrollera.")


def match_waiting(session: Session, row: Document, *, actor: str,
                  review_below: float) -> None:
    """A FK 9443 and the participations waiting for a consent (pending, or open without
    one): of the batch's förbund, or — mailed to Diariet — of any förbund."""
    read = twelve_digits(value_of(row, PNR))
    if read is None:
        return
    near = [p for p in near_participations(
        session, read, statuses=(Status.PENDING, Status.OPEN), actor=actor,
        forbund_id=row.forbund_id) if not p.has_consent]
    matching = _matching(row, near, review_below=review_below)
    if len(matching) != 1:
        return
    found, name = matching[0], NAME_FIELD[row.form]
    read_name = text_of(row, name) or ""
    same_name = likeness(read_name, found.namn) is Likeness.SAME
    if found.distance == 0:
        confirm(row, PNR, read, source="sus")
    else:
        agreement = "namnet stämmer" if same_name else "namnet liknar"
        prefill(row, PNR, found.personnummer,
                f"Läst som {formatted(read)}; ett deltagande i {found.insats} som väntar på"
                f" samtycke har ett personnummer en siffra ifrån ({agreement})"
                " – förvalt, kontrollera.", source="sus")
    if same_name:
        confirm(row, name, read_name, source="sus")  # the form's spelling: Diariet's view
