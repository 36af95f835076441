"""The reports page (SPEC §6): the store's four reports as tables, a bar chart of the
participants started per insats by kön, and each report by name for CSV export.

Reports hold counts only, never personal data, so every logged-in user may see them
(seed 000: "Alla kan och bör ha behörigheten Rapport"). The chart is plain SVG built
here, every text escaped: no script, no library, nothing fetched from elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup, escape
from pydantic import BaseModel
from sqlalchemy.orm import Session

from intake.errors import IntakeError
from intake.sus.codes import Kon
from sus_store import (
    NotFound,
    StartadeAvslutadeRapport,
    avslutsanledning,
    started_ended,
    support_before_after,
    yearly_summary,
)
from sus_store.reports import Rapport, StartadeAvslutade, Tabell

Maker = Callable[[Session, int], Rapport]

#: Every report by its name in the CSV address: (title, how to make it for a year).
REPORTS: dict[str, tuple[str, Maker]] = {
    "startade-avslutade": ("Startade och avslutade deltagare per insats",
                           lambda session, year: started_ended(session, year=year)),
    "avslutsanledning": ("Avslutsanledning",
                         lambda session, year: avslutsanledning(session, year=year)),
    "stod-fore-efter": ("Försörjning och sysselsättning före och efter insatsen",
                        lambda session, year: support_before_after(session, year=year)),
    "arssammanstallning": ("Årssammanställning per samordningsförbund",
                           lambda session, year: yearly_summary(session, year=year)),
}


#: The years a report may be asked for (as ``sus-intake store report --year``).
YEARS = range(2000, 2101)


class BadYear(IntakeError):
    code = "bad_year"
    http_status = 422


def _check_year(year: int) -> None:
    if year not in YEARS:
        raise BadYear(f"Rapporter finns för åren {YEARS[0]}–{YEARS[-1]}, inte {year}.")


class TableView(BaseModel):
    """One table as the page shows it: the header, then rows of text cells; the first
    ``label_columns`` cells of a row are labels, the rest counts."""

    header: list[str]
    rows: list[list[str]]
    label_columns: int


class ReportView(BaseModel):
    name: str
    title: str
    tables: list[TableView]


def report_by_name(session: Session, name: str, *, year: int) -> Rapport:
    """The report called ``name`` (see :data:`REPORTS`) for ``year``; NotFound otherwise."""
    if name not in REPORTS:
        raise NotFound(f"Rapporten '{name}' finns inte.")
    _check_year(year)
    return REPORTS[name][1](session, year)


def report_context(session: Session, *, year: int) -> dict[str, object]:
    """What ``reports.html`` shows for ``year``: the reports' tables and the chart."""
    _check_year(year)
    reports = {name: maker(session, year) for name, (_, maker) in REPORTS.items()}
    started = reports["startade-avslutade"]
    assert isinstance(started, StartadeAvslutadeRapport)
    return {
        "year": year,
        "reports": [ReportView(name=name, title=REPORTS[name][0],
                               tables=[_table_view(t) for t in report.tabeller()])
                    for name, report in reports.items()],
        "chart": started_chart(started),
    }


def _table_view(tabell: Tabell) -> TableView:
    header, *rows = tabell.csv_rows()
    return TableView(header=header, rows=rows, label_columns=len(tabell.rubriker))


# --- The chart ------------------------------------------------------------------------

WIDTH = 760
LABEL_WIDTH = 300
ROW_HEIGHT = 26
BAR_HEIGHT = 18
TOP = 34
LABEL_CHARS = 42
COLOURS = {Kon.KVINNA: "#b0417a", Kon.MAN: "#2f6fa8"}


def started_chart(report: StartadeAvslutadeRapport) -> Markup | None:
    """A horizontal stacked bar per insats: participants started in the year, kvinnor
    and män; None when nobody started."""
    rows = report.insatser
    most = max((row.startade.totalt for row in rows), default=0)
    if not most:
        return None
    scale = (WIDTH - LABEL_WIDTH - 60) / most
    height = TOP + ROW_HEIGHT * len(rows) + 8
    title = f"Startade deltagare per insats och kön {report.year}"
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"'
             f' viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}"'
             f' aria-label="{escape(title)}">', f"<title>{escape(title)}</title>",
             *_legend()]
    parts += [_bar(row, TOP + index * ROW_HEIGHT, scale) for index, row in enumerate(rows)]
    return Markup("".join([*parts, "</svg>"]))


def _legend() -> list[str]:
    return [f'<rect x="{LABEL_WIDTH + 110 * n}" y="6" width="14" height="14"'
            f' fill="{COLOURS[kon]}"/><text x="{LABEL_WIDTH + 110 * n + 20}" y="18">'
            f"{escape(kon.label)}</text>" for n, kon in enumerate(COLOURS)]


def _bar(row: StartadeAvslutade, y: int, scale: float) -> str:
    """One insats: its name on the left, the kvinnor then the män, the total after."""
    name = f"{row.insats} ({row.forbund})"
    counts = {Kon.KVINNA: row.startade.kvinna, Kon.MAN: row.startade.man}
    parts = [f"<g><title>{escape(name)}: {row.startade.totalt}</title>",
             f'<text x="{LABEL_WIDTH - 8}" y="{y + 13}" text-anchor="end">'
             f"{escape(_shorten(name))}</text>"]
    x = float(LABEL_WIDTH)
    for kon, count in counts.items():
        width = count * scale
        if count:
            parts.append(f'<rect x="{x:.1f}" y="{y}" width="{width:.1f}" height="{BAR_HEIGHT}"'
                         f' fill="{COLOURS[kon]}"><title>{escape(kon.label)}: {count}'
                         f"</title></rect>")
        x += width
    parts.append(f'<text x="{x + 6:.1f}" y="{y + 13}">{row.startade.totalt}</text></g>')
    return "".join(parts)


def _shorten(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[:LABEL_CHARS - 1] + "…"
