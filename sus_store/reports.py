"""The SPEC §6 reports (seed 000): pure queries, a session in and a pydantic model out.

Every report counts what is *registered*: a participation still waiting for its
consent (status ``pending``) is in no report. Each report renders as the seed's
tab-separated text table (:meth:`Rapport.as_text`) and as CSV rows
(:meth:`Rapport.csv_rows`); an empty cell means zero, as in the seed's example.
Reports hold counts only, never personal data.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from pydantic import BaseModel, computed_field
from sqlalchemy import ColumnElement, Select, case, exists, func, or_, select, true
from sqlalchemy.orm import QueryableAttribute, Session, aliased

from intake.sus.codes import Avslutningsanledning, Forsorjning, Kon
from sus_store.rows import get_row
from sus_store.schema import (
    AnonymousParticipant,
    Forbund,
    ForbundBudget,
    Insats,
    InsatsBudget,
    MatningRow,
    Participation,
    VolymEntry,
)
from sus_store.vocab import Deltagarform, Status

#: Statuses of a registered participation (``pending`` is not registered yet).
REGISTERED = (Status.OPEN.value, Status.CLOSED.value)

#: The row labels SUS prints in its avslutsanledning report (seed 000). Code 8
#: (Felregistrering) deletes the participation, so it never reaches a report.
RAPPORTETIKETT: dict[int, str] = {
    Avslutningsanledning.TILL_ARBETE_STUDIER: "Utskrivning",
    Avslutningsanledning.FORTSATT_REHABILITERING: "Utskrivning-Fortsatt rehabilitering",
    Avslutningsanledning.SJUKDOM: "Utskrivning pga sjukdom",
    Avslutningsanledning.FORALDRALEDIGHET: "Utskrivning pga föräldraledighet",
    Avslutningsanledning.FLYTT: "Utskrivning pga flytt",
    Avslutningsanledning.MEDGIVANDE_ATERTAGET: "Medgivande återtaget",
    Avslutningsanledning.UTAN_MATNING: "Utskrivning-Utan mätning",
    Avslutningsanledning.FELREGISTRERING: "Felregistrering",
    Avslutningsanledning.OVRIGT: "Övrigt",
}

KON_KOLUMNER = [Kon.KVINNA.label, Kon.MAN.label, "Totalt"]
TOTALT = "Totalt"

_SVENSK_ORDNING = str.maketrans({"å": "{", "ä": "|", "ö": "}", "é": "e", "ü": "y"})


def svensk_ordning(text: str) -> str:
    """A sort key putting å, ä, ö after z, as a Swedish reader expects."""
    return text.casefold().translate(_SVENSK_ORDNING)


# --- Tables -------------------------------------------------------------------------


class Tabellrad(BaseModel):
    etiketter: list[str]
    celler: list[int | None]


class Tabell(BaseModel):
    """A table as seed 000 prints it: label columns, then value columns."""

    rubriker: list[str]
    kolumner: list[str]
    rader: list[Tabellrad]
    nollor_tomma: bool = True

    def text_lines(self) -> list[str]:
        """Tab-separated lines: the column headers, the label headers, the rows."""
        lines = ["\t" * len(self.rubriker) + "\t".join(self.kolumner),
                 "\t".join(self.rubriker) + "\t" * len(self.kolumner)]
        return lines + ["\t".join(_clean(cell) for cell in row) for row in self._body()]

    def csv_rows(self) -> list[list[str]]:
        return [[*self.rubriker, *self.kolumner], *self._body()]

    def export_rows(self) -> list[list[str]]:
        """:meth:`csv_rows` for a file a spreadsheet opens: every text cell (the headers
        and the labels: förbund, insats names) defused by :func:`spreadsheet_safe`; the
        value cells are counts made here from integers, left as numbers."""
        labels = len(self.rubriker)
        return [[spreadsheet_safe(cell) for cell in [*self.rubriker, *self.kolumner]],
                *([*(spreadsheet_safe(c) for c in row[:labels]), *row[labels:]]
                  for row in self._body())]

    def value_rows(self) -> list[list[str | int | None]]:
        """The headers, then each row's labels and its counts as numbers (None: not
        set), for a spreadsheet that writes zeros as 0 and keeps numbers numbers."""
        return [[*self.rubriker, *self.kolumner],
                *([*rad.etiketter, *rad.celler] for rad in self.rader)]

    def _body(self) -> list[list[str]]:
        return [[*rad.etiketter, *(self._cell(value) for value in rad.celler)]
                for rad in self.rader]

    def _cell(self, value: int | None) -> str:
        if value is None or (value == 0 and self.nollor_tomma):
            return ""
        return str(value)


def _clean(cell: str) -> str:
    return " ".join(cell.split("\t"))


#: What makes a spreadsheet read a cell as a formula (OWASP "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """A text cell a spreadsheet shows as text, never runs: one starting like a formula
    (``= + - @``, tab, carriage return) gets a leading ``'``, as OWASP recommends.
    Only for text: a count is written from an int and stays a number."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


class Rapport(BaseModel):
    """What every report can do: show itself as tables, as text and as CSV."""

    def tabeller(self) -> list[Tabell]:
        raise NotImplementedError

    def as_text(self) -> str:
        """The tables as tab-separated text, one blank line between two tables."""
        return "\n".join("\n".join(t.text_lines()) + "\n" for t in self.tabeller())

    def csv_rows(self) -> list[list[str]]:
        """The tables' rows for :mod:`csv`, an empty row between two tables."""
        rows: list[list[str]] = []
        for number, tabell in enumerate(self.tabeller()):
            rows += ([[]] if number else []) + tabell.csv_rows()
        return rows

    def export_rows(self) -> list[list[str]]:
        """:meth:`csv_rows` with every text cell made safe to open in a spreadsheet."""
        rows: list[list[str]] = []
        for number, tabell in enumerate(self.tabeller()):
            rows += ([[]] if number else []) + tabell.export_rows()
        return rows

    def value_rows(self) -> list[list[str | int | None]]:
        """:meth:`Tabell.value_rows` of every table, an empty row between two tables."""
        rows: list[list[str | int | None]] = []
        for number, tabell in enumerate(self.tabeller()):
            rows += ([[]] if number else []) + tabell.value_rows()
        return rows

    def as_csv(self) -> str:
        """The report as a CSV file; a name like ``=HYPERLINK(…)`` is shown, not run."""
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(self.export_rows())
        return out.getvalue()


class KonAntal(BaseModel):
    """A count by kön."""

    kvinna: int = 0
    man: int = 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def totalt(self) -> int:
        return self.kvinna + self.man

    def celler(self) -> list[int | None]:
        return [self.kvinna, self.man, self.totalt]

    def __add__(self, other: KonAntal) -> KonAntal:
        return KonAntal(kvinna=self.kvinna + other.kvinna, man=self.man + other.man)


def _kon_antal(counts: Counter[str]) -> KonAntal:
    return KonAntal(kvinna=counts[Kon.KVINNA.value], man=counts[Kon.MAN.value])


def _summa(antal: Iterable[KonAntal]) -> KonAntal:
    return sum(antal, KonAntal())


# --- Shared query pieces ------------------------------------------------------------


def _year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def _in_year(column: QueryableAttribute[Any], year: int) -> ColumnElement[bool]:
    first, last = _year_bounds(year)
    return column.between(first, last)


def _counts_by_kon(session: Session, query: Select) -> dict[int, Counter[str]]:
    """``(key, kön, count)`` rows as a Counter of kön per key."""
    counts: dict[int, Counter[str]] = defaultdict(Counter)
    for key, kon, antal in session.execute(query):
        counts[key][kon] += antal
    return counts


def _per_key(session: Session, query: Select) -> dict[int, int]:
    """``(key, value)`` rows grouped by key; keys without a value are left out."""
    grouped = query.group_by(query.selected_columns[0])
    return {key: int(value) for key, value in session.execute(grouped) if value is not None}


class InsatsRef(BaseModel):
    """Which insats (and förbund) a report row is about."""

    forbund_id: int
    forbund: str
    insats_id: int
    insats: str


def _insatser(session: Session, ids: Iterable[int]) -> list[InsatsRef]:
    """The insatser with ``ids``, by förbund name and insats name."""
    query = select(Insats.forbund_id, Forbund.name, Insats.id, Insats.name).join(
        Forbund, Forbund.id == Insats.forbund_id).where(Insats.id.in_(set(ids)))
    refs = [InsatsRef(forbund_id=f_id, forbund=f_name, insats_id=i_id, insats=i_name)
            for f_id, f_name, i_id, i_name in session.execute(query)]
    return sorted(refs, key=lambda r: (svensk_ordning(r.forbund), svensk_ordning(r.insats)))


def _active_insatser(session: Session, year: int, *, volym: bool) -> set[int]:
    """Insatser whose period overlaps ``year``: the volyminsatser or the others."""
    first, last = _year_bounds(year)
    form = Insats.deltagarform == Deltagarform.VOLYM.value
    query = select(Insats.id).where(
        Insats.period_start <= last,
        or_(Insats.period_end.is_(None), Insats.period_end >= first),
        form if volym else ~form)
    return set(session.scalars(query))


# --- 1. Started and ended per insats ------------------------------------------------


class StartadeAvslutade(InsatsRef):
    """Participants of one insats who started and who ended in the year, by kön."""

    startade: KonAntal
    avslutade: KonAntal


class VolymAntal(InsatsRef):
    """A volyminsats's participants in the year: a number, no kön (rule 11)."""

    antal: int


class StartadeAvslutadeRapport(Rapport):
    year: int
    insatser: list[StartadeAvslutade]
    volym: list[VolymAntal]

    @property
    def startade(self) -> KonAntal:
        return _summa(rad.startade for rad in self.insatser)

    @property
    def avslutade(self) -> KonAntal:
        return _summa(rad.avslutade for rad in self.insatser)

    def tabeller(self) -> list[Tabell]:
        kolumner = [f"{vad} {kolumn}" for vad in ("Startade", "Avslutade")
                    for kolumn in KON_KOLUMNER]
        rader = [Tabellrad(etiketter=[rad.forbund, rad.insats],
                           celler=rad.startade.celler() + rad.avslutade.celler())
                 for rad in self.insatser]
        rader.append(Tabellrad(etiketter=[TOTALT, ""],
                               celler=self.startade.celler() + self.avslutade.celler()))
        tabeller = [Tabell(rubriker=["Förbund", "Insats"], kolumner=kolumner, rader=rader)]
        if self.volym:
            tabeller.append(_volym_tabell(self.volym))
        return tabeller


def _volym_tabell(volym: list[VolymAntal]) -> Tabell:
    rader = [Tabellrad(etiketter=[rad.forbund, rad.insats], celler=[rad.antal])
             for rad in volym]
    rader.append(Tabellrad(etiketter=[TOTALT, ""], celler=[sum(rad.antal for rad in volym)]))
    return Tabell(rubriker=["Förbund", "Volyminsats"], kolumner=["Antal"], rader=rader)


def started_ended(session: Session, *, year: int) -> StartadeAvslutadeRapport:
    """Per insats: participants who started in ``year`` (registered individuals and
    anonymous ones, by kön) and who ended in it; volyminsatser as plain numbers."""
    startade = _started(session, year)
    avslutade = _counts_by_kon(session, select(
        Participation.insats_id, Participation.kon, func.count()).where(
        Participation.status == Status.CLOSED.value,
        _in_year(Participation.avslutningsdatum, year),
    ).group_by(Participation.insats_id, Participation.kon))
    ids = _active_insatser(session, year, volym=False) | set(startade) | set(avslutade)
    rader = [StartadeAvslutade(**ref.model_dump(), startade=_kon_antal(startade[ref.insats_id]),
                               avslutade=_kon_antal(avslutade[ref.insats_id]))
             for ref in _insatser(session, ids)]
    return StartadeAvslutadeRapport(year=year, insatser=rader, volym=_volym(session, year))


def _started(session: Session, year: int) -> dict[int, Counter[str]]:
    individer = _counts_by_kon(session, select(
        Participation.insats_id, Participation.kon, func.count()).where(
        Participation.status.in_(REGISTERED), _in_year(Participation.startdatum, year),
    ).group_by(Participation.insats_id, Participation.kon))
    anonyma = _counts_by_kon(session, select(
        AnonymousParticipant.insats_id, AnonymousParticipant.kon, func.count()).where(
        AnonymousParticipant.year == year,
    ).group_by(AnonymousParticipant.insats_id, AnonymousParticipant.kon))
    for insats_id, counts in anonyma.items():
        individer[insats_id] += counts
    return individer


def _volym(session: Session, year: int) -> list[VolymAntal]:
    antal = _per_key(session, select(VolymEntry.insats_id, func.sum(VolymEntry.antal)).where(
        VolymEntry.year == year))
    ids = _active_insatser(session, year, volym=True) | set(antal)
    return [VolymAntal(**ref.model_dump(), antal=antal.get(ref.insats_id, 0))
            for ref in _insatser(session, ids)]


# --- 2. Avslutsanledning --------------------------------------------------------------


class AnledningRad(BaseModel):
    kod: int
    etikett: str
    antal: KonAntal


class AvslutsanledningRapport(Rapport):
    """Closed participations by avslutsanledning and kön, as in seed 000's example."""

    year: int | None
    insats_id: int | None
    forbund_id: int | None
    rader: list[AnledningRad]

    @property
    def totalt(self) -> KonAntal:
        return _summa(rad.antal for rad in self.rader)

    def tabeller(self) -> list[Tabell]:
        rader = [Tabellrad(etiketter=[rad.etikett], celler=rad.antal.celler())
                 for rad in self.rader]
        rader.append(Tabellrad(etiketter=[TOTALT], celler=self.totalt.celler()))
        return [Tabell(rubriker=["Avslutsanledning"], kolumner=KON_KOLUMNER, rader=rader)]


def avslutsanledning(session: Session, *, year: int | None = None, insats_id: int | None = None,
                     forbund_id: int | None = None) -> AvslutsanledningRapport:
    """Closed participations by avslutsanledning and kön: only reasons that occur, by
    label; optionally for one year of avslutningsdatum, one insats or one förbund."""
    query = select(Participation.avslutningsanledning, Participation.kon, func.count()).join(
        Insats, Insats.id == Participation.insats_id).where(
        Participation.status == Status.CLOSED.value,
        Participation.avslutningsanledning.is_not(None),
    ).group_by(Participation.avslutningsanledning, Participation.kon)
    if year is not None:
        query = query.where(_in_year(Participation.avslutningsdatum, year))
    if insats_id is not None:
        query = query.where(Insats.id == get_row(session, Insats, insats_id, "Insatsen").id)
    if forbund_id is not None:
        query = query.where(
            Insats.forbund_id == get_row(session, Forbund, forbund_id, "Förbundet").id)
    counts = _counts_by_kon(session, query)
    rader = [AnledningRad(kod=kod, etikett=RAPPORTETIKETT[kod],
                          antal=_kon_antal(kon)) for kod, kon in counts.items()]
    rader.sort(key=lambda rad: svensk_ordning(rad.etikett))
    return AvslutsanledningRapport(year=year, insats_id=insats_id, forbund_id=forbund_id,
                                   rader=[rad for rad in rader if rad.antal.totalt])


# --- 3. Support before and after ------------------------------------------------------


class ForeEfter(BaseModel):
    """How many had one kind of support or occupation before and after, by kön."""

    etikett: str
    fore: KonAntal
    efter: KonAntal


class StodForeEfterRapport(Rapport):
    """Participations closed in the year with both measurements: support before/after."""

    year: int
    insats_id: int | None
    deltagare: KonAntal
    rader: list[ForeEfter]

    def tabeller(self) -> list[Tabell]:
        kolumner = [f"{nar} {kolumn}" for nar in ("Före", "Efter") for kolumn in KON_KOLUMNER]
        rader = [Tabellrad(etiketter=["Antal deltagare"],
                           celler=self.deltagare.celler() + self.deltagare.celler())]
        rader += [Tabellrad(etiketter=[rad.etikett], celler=rad.fore.celler() + rad.efter.celler())
                  for rad in self.rader]
        return [Tabell(rubriker=["Försörjning och sysselsättning"], kolumner=kolumner,
                       rader=rader)]


#: A test of one measurement (an alias of :class:`MatningRow`) on a database dialect.
Test = Callable[[type[MatningRow], str], ColumnElement[bool]]


def _har(option: Forsorjning) -> Test:
    """``option`` is among the measurement's försörjning (a JSON list): the list's
    elements as a table (SQLite ``json_each``, PostgreSQL ``json_array_elements_text``)."""
    def test(matning: type[MatningRow], dialect: str) -> ColumnElement[bool]:
        each = func.json_each if dialect == "sqlite" else func.json_array_elements_text
        elements = each(matning.forsorjning).table_valued("value")
        return exists(select(1).select_from(elements).where(elements.c.value == option.value))
    return test


def _ja(name: str) -> Test:
    """The measurement's ``name`` is Ja (not Nej, not left empty)."""
    return lambda matning, _dialect: getattr(matning, name).is_(true())


#: What the report counts, in form order: each försörjning option, then three "Ja".
STOD: list[tuple[str, Test]] = [
    *((option.label, _har(option)) for option in Forsorjning),
    ("Förvärvsarbetar", _ja("forvarvsarbete")),
    ("Studerar", _ja("studerar")),
    ("Aktivt arbetssökande", _ja("aktivt_arbetssokande")),
]


def support_before_after(session: Session, *, year: int,
                         insats_id: int | None = None) -> StodForeEfterRapport:
    """For participations closed in ``year`` with an in- and an ut-measurement: how many
    had each försörjning, förvärvsarbete, studier and aktivt arbetssökande before and
    after the insats, by kön. Counted by the database: one row per kön comes back."""
    dialect = session.get_bind().dialect.name
    fore, efter = aliased(MatningRow), aliased(MatningRow)
    cells = [func.sum(case((test(matning, dialect), 1), else_=0))
             for matning in (fore, efter) for _, test in STOD]
    query = select(Participation.kon, func.count(), *cells).join(
        fore, (fore.participation_id == Participation.id) & (fore.tillfalle == "in")).join(
        efter, (efter.participation_id == Participation.id) & (efter.tillfalle == "ut")).where(
        Participation.status == Status.CLOSED.value,
        _in_year(Participation.avslutningsdatum, year)).group_by(Participation.kon)
    if insats_id is not None:
        query = query.where(
            Participation.insats_id == get_row(session, Insats, insats_id, "Insatsen").id)
    deltagare: Counter[str] = Counter()
    per_cell: list[Counter[str]] = [Counter() for _ in cells]
    for kon, antal, *counts in session.execute(query):
        deltagare[kon] += antal
        for counter, count in zip(per_cell, counts, strict=True):
            counter[kon] += int(count or 0)
    rader = [ForeEfter(etikett=etikett, fore=_kon_antal(per_cell[index]),
                       efter=_kon_antal(per_cell[len(STOD) + index]))
             for index, (etikett, _) in enumerate(STOD)]
    return StodForeEfterRapport(year=year, insats_id=insats_id,
                                deltagare=_kon_antal(deltagare), rader=rader)


# --- 4. The yearly summary to the government --------------------------------------------


class Siffror(BaseModel):
    """The January figures (seed 000): deltagare, insatser, budget."""

    individer: int = 0
    anonyma: int = 0
    volym: int = 0
    antal_insatser: int = 0
    budget: int | None = None
    insatsbudget: int | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def antal_deltagare(self) -> int:
        return self.individer + self.anonyma + self.volym

    def celler(self) -> list[int | None]:
        return [self.antal_deltagare, self.antal_insatser, self.budget, self.insatsbudget]


class ForbundSiffror(Siffror):
    forbund_id: int
    forbund: str


class Arssammanstallning(Rapport):
    """Per förbund and in total: the figures sent to the government every January."""

    year: int
    forbund: list[ForbundSiffror]

    @property
    def totalt(self) -> Siffror:
        rader = self.forbund
        return Siffror(individer=sum(r.individer for r in rader),
                       anonyma=sum(r.anonyma for r in rader),
                       volym=sum(r.volym for r in rader),
                       antal_insatser=sum(r.antal_insatser for r in rader),
                       budget=_sum_set(r.budget for r in rader),
                       insatsbudget=_sum_set(r.insatsbudget for r in rader))

    def tabeller(self) -> list[Tabell]:
        rader = [Tabellrad(etiketter=[rad.forbund], celler=rad.celler()) for rad in self.forbund]
        rader.append(Tabellrad(etiketter=[TOTALT], celler=self.totalt.celler()))
        kolumner = ["Antal deltagare", "Antal insatser", "Budget", "Insatsernas budget"]
        return [Tabell(rubriker=["Samordningsförbund"], kolumner=kolumner, rader=rader,
                       nollor_tomma=False)]


def _sum_set(values: Iterable[int | None]) -> int | None:
    """The sum of the values that are set; None when none is."""
    present = [value for value in values if value is not None]
    return sum(present) if present else None


def yearly_summary(session: Session, *, year: int) -> Arssammanstallning:
    """Each förbund started by the end of ``year``: deltagare (individuals active during
    the year, anonymous and volym of the year), insatser running during the year, the
    förbund's budget and its insatser's budgets for the year."""
    _, last = _year_bounds(year)
    forbund = session.execute(select(Forbund.id, Forbund.name).where(
        Forbund.startdatum <= last)).all()
    figures = _yearly_figures(session, year)
    rader = [ForbundSiffror(forbund_id=f_id, forbund=name,
                            **{key: values[f_id] for key, values in figures.items()
                               if f_id in values})
             for f_id, name in forbund]
    rader.sort(key=lambda rad: svensk_ordning(rad.forbund))
    return Arssammanstallning(year=year, forbund=rader)


def _yearly_figures(session: Session, year: int) -> dict[str, dict[int, int]]:
    """Each figure of :class:`Siffror` by förbund id; a förbund without one is left out."""
    first, last = _year_bounds(year)
    queries = {
        "individer": _by_forbund(Participation.insats_id, func.count()).where(
            Participation.status.in_(REGISTERED), Participation.startdatum <= last,
            or_(Participation.avslutningsdatum.is_(None),
                Participation.avslutningsdatum >= first)),
        "anonyma": _by_forbund(AnonymousParticipant.insats_id, func.count()).where(
            AnonymousParticipant.year == year),
        "volym": _by_forbund(VolymEntry.insats_id, func.sum(VolymEntry.antal)).where(
            VolymEntry.year == year),
        "antal_insatser": select(Insats.forbund_id, func.count()).where(
            Insats.period_start <= last,
            or_(Insats.period_end.is_(None), Insats.period_end >= first)),
        "insatsbudget": _by_forbund(InsatsBudget.insats_id, func.sum(InsatsBudget.belopp)).where(
            InsatsBudget.year == year),
        "budget": select(ForbundBudget.forbund_id, func.sum(ForbundBudget.belopp)).where(
            ForbundBudget.year == year),
    }
    return {key: _per_key(session, query) for key, query in queries.items()}


def _by_forbund(insats_id: QueryableAttribute[int], aggregate: ColumnElement[Any]) -> Select:
    """``aggregate`` over the rows of ``insats_id``'s table, with their insats's förbund."""
    return select(Insats.forbund_id, aggregate).select_from(insats_id.class_).join(
        Insats, Insats.id == insats_id)
