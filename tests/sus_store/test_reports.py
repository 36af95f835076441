"""The SPEC §6 reports (sus_store.reports), on SQLite and PostgreSQL alike."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from intake.sus.codes import Avslutningsanledning, Forsorjning, Kon
from sus_store.db import Store
from sus_store.errors import NotFound
from sus_store.reports import (
    avslutsanledning,
    started_ended,
    support_before_after,
    yearly_summary,
)
from sus_store.vocab import Deltagarform, Status
from tests.sus_store import factories as make
from tests.sus_store.factories import Svar

KVINNA, MAN = Kon.KVINNA, Kon.MAN

#: Seed 000's example report ("Exempel på rapport ur SUS"), line for line.
SEED_000_TABLE = (
    "\tKvinna\tMan\tTotalt\n"
    "Avslutsanledning\t\t\t\n"
    "Utskrivning\t11\t14\t25\n"
    "Utskrivning pga flytt\t\t1\t1\n"
    "Utskrivning pga föräldraledighet\t1\t\t1\n"
    "Utskrivning pga sjukdom\t9\t2\t11\n"
    "Utskrivning-Fortsatt rehabilitering\t6\t5\t11\n"
    "Utskrivning-Utan mätning\t1\t\t1\n"
    "Totalt\t28\t22\t50\n"
)

#: (code, women, men) behind seed 000's example.
SEED_000_COUNTS = [
    (Avslutningsanledning.TILL_ARBETE_STUDIER, 11, 14),
    (Avslutningsanledning.FLYTT, 0, 1),
    (Avslutningsanledning.FORALDRALEDIGHET, 1, 0),
    (Avslutningsanledning.SJUKDOM, 9, 2),
    (Avslutningsanledning.FORTSATT_REHABILITERING, 6, 5),
    (Avslutningsanledning.UTAN_MATNING, 1, 0),
]


def _parse_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


# --- Avslutsanledning -------------------------------------------------------------------


def test_avslutsanledning_reproduces_seed_000_example(store: Store) -> None:
    """GIVEN a store with exactly the closures behind seed 000's example report
    WHEN the avslutsanledning report is rendered as text
    THEN it equals the seed's table line for line (order, empty zero cells, Totalt)."""
    with store.transaction() as session:
        insats = make.insats(session, make.forbund(session))
        for code, kvinnor, man in SEED_000_COUNTS:
            for kon, antal in ((KVINNA, kvinnor), (MAN, man)):
                for _ in range(antal):
                    make.closed(session, insats, kon=kon, avslutningsanledning=code)
    with store.transaction() as session:
        report = avslutsanledning(session)
    assert report.as_text() == SEED_000_TABLE
    assert (report.totalt.kvinna, report.totalt.man, report.totalt.totalt) == (28, 22, 50)


def test_avslutsanledning_as_csv_has_the_same_cells(store: Store) -> None:
    """GIVEN two women closed with code 3 and one man with code 9
    WHEN the report is written as CSV
    THEN the header, each reason's row and the Totalt row read as in a spreadsheet."""
    with store.transaction() as session:
        insats = make.insats(session, make.forbund(session))
        make.closed(session, insats, kon=KVINNA, avslutningsanledning=3)
        make.closed(session, insats, kon=KVINNA, avslutningsanledning=3)
        make.closed(session, insats, kon=MAN, avslutningsanledning=9)
    with store.transaction() as session:
        report = avslutsanledning(session)
    assert _parse_csv(report.as_csv()) == [
        ["Avslutsanledning", "Kvinna", "Man", "Totalt"],
        ["Utskrivning pga sjukdom", "2", "", "2"],
        ["Övrigt", "", "1", "1"],
        ["Totalt", "2", "1", "3"],
    ]


def test_avslutsanledning_counts_only_closed_participations(store: Store) -> None:
    """GIVEN one open, one pending and one closed participation
    WHEN the avslutsanledning report is taken
    THEN only the closed one is counted."""
    with store.transaction() as session:
        insats = make.insats(session, make.forbund(session))
        make.participation(session, insats, kon=KVINNA)
        make.participation(session, insats, kon=KVINNA, status=Status.PENDING)
        make.closed(session, insats, kon=MAN, avslutningsanledning=6)
    with store.transaction() as session:
        report = avslutsanledning(session)
    assert [(rad.etikett, rad.antal.man) for rad in report.rader] == [("Medgivande återtaget", 1)]
    assert report.totalt.totalt == 1


def test_avslutsanledning_filters_by_year_insats_and_forbund(store: Store) -> None:
    """GIVEN closures in two förbund, two insatser and two years
    WHEN the report is limited to a year, an insats or a förbund
    THEN each counts only the closures within that limit."""
    with store.transaction() as session:
        first = make.forbund(session)
        a, b = make.insats(session, first), make.insats(session, first)
        other = make.insats(session, make.forbund(session))
        make.closed(session, a, kon=KVINNA, avslutningsdatum=date(2025, 5, 1))
        make.closed(session, a, kon=KVINNA, startdatum=date(2024, 2, 1),
                    avslutningsdatum=date(2024, 12, 31))
        make.closed(session, b, kon=MAN, avslutningsdatum=date(2025, 1, 1))
        make.closed(session, other, kon=MAN, avslutningsdatum=date(2025, 6, 1))
        ids = (first.id, a.id)
    with store.transaction() as session:
        assert avslutsanledning(session, year=2025).totalt.totalt == 3
        assert avslutsanledning(session, year=2024).totalt.totalt == 1
        assert avslutsanledning(session, insats_id=ids[1]).totalt.totalt == 2
        assert avslutsanledning(session, forbund_id=ids[0]).totalt.totalt == 3
        assert avslutsanledning(session, forbund_id=ids[0], year=2025).totalt.totalt == 2


def test_avslutsanledning_for_unknown_insats_is_not_found(store: Store) -> None:
    """GIVEN an empty store
    WHEN the report is asked for an insats that does not exist
    THEN NotFound says so instead of an empty report."""
    with store.transaction() as session, pytest.raises(NotFound, match="Insatsen"):
        avslutsanledning(session, insats_id=999)


def test_avslutsanledning_of_empty_store_is_only_totalt(store: Store) -> None:
    """GIVEN no closed participation
    WHEN the report is rendered
    THEN it has the headers and an empty Totalt row."""
    with store.transaction() as session:
        text = avslutsanledning(session).as_text()
    assert text == "\tKvinna\tMan\tTotalt\nAvslutsanledning\t\t\t\nTotalt\t\t\t\n"


# --- Started and ended ------------------------------------------------------------------


def test_started_counts_registered_and_anonymous_not_pending(store: Store) -> None:
    """GIVEN in 2025 an open and a closed participation, a pending one, two anonymous
    women, and one participation started in 2024
    WHEN the started/ended report for 2025 is taken
    THEN started counts the open, closed and anonymous by kön, not pending or 2024."""
    with store.transaction() as session:
        insats = make.insats(session, make.forbund(session))
        make.participation(session, insats, kon=MAN, startdatum=date(2025, 1, 1))
        make.closed(session, insats, kon=KVINNA, startdatum=date(2025, 2, 1),
                    avslutningsdatum=date(2025, 12, 31))
        make.participation(session, insats, kon=MAN, status=Status.PENDING)
        make.anonymous(session, insats, year=2025, kon=KVINNA, antal=2)
        make.anonymous(session, insats, year=2024, kon=MAN)
        make.participation(session, insats, kon=KVINNA, startdatum=date(2024, 12, 31))
    with store.transaction() as session:
        report = started_ended(session, year=2025)
    [rad] = report.insatser
    assert (rad.startade.kvinna, rad.startade.man, rad.startade.totalt) == (3, 1, 4)
    assert (rad.avslutade.kvinna, rad.avslutade.man) == (1, 0)


def test_ended_counts_closures_in_the_year_whenever_started(store: Store) -> None:
    """GIVEN a participation started 2024 and closed 2025, and one closed in 2026
    WHEN the report for 2025 is taken
    THEN ended counts the first only, and started counts neither."""
    with store.transaction() as session:
        insats = make.insats(session, make.forbund(session))
        make.closed(session, insats, kon=MAN, startdatum=date(2024, 6, 1),
                    avslutningsdatum=date(2025, 2, 1))
        make.closed(session, insats, kon=MAN, startdatum=date(2024, 6, 1),
                    avslutningsdatum=date(2026, 1, 1))
    with store.transaction() as session:
        report = started_ended(session, year=2025)
    assert report.avslutade.totalt == 1
    assert report.startade.totalt == 0


def test_started_ended_lists_each_insats_with_its_forbund(store: Store) -> None:
    """GIVEN two förbund with an insats each, one of them without participants
    WHEN the report is rendered as text
    THEN each insats has a row named by förbund and insats, zeros empty, and a Totalt."""
    with store.transaction() as session:
        norr = make.forbund(session, name="Samordningsförbundet Norr")
        alfa = make.forbund(session, name="Samordningsförbundet Alfa")
        steg = make.insats(session, norr, name="Steg")
        make.insats(session, alfa, name="Tom")
        make.participation(session, steg, kon=KVINNA, startdatum=date(2025, 4, 1))
    with store.transaction() as session:
        lines = started_ended(session, year=2025).as_text().splitlines()
    assert lines == [
        "\t\tStartade Kvinna\tStartade Man\tStartade Totalt"
        "\tAvslutade Kvinna\tAvslutade Man\tAvslutade Totalt",
        "Förbund\tInsats\t\t\t\t\t\t",
        "Samordningsförbundet Alfa\tTom\t\t\t\t\t\t",
        "Samordningsförbundet Norr\tSteg\t1\t\t1\t\t\t",
        "Totalt\t\t1\t\t1\t\t\t",
    ]


def test_volym_is_reported_apart_without_kon(store: Store) -> None:
    """GIVEN a volyminsats with 12 + 3 participants in 2025 and 40 in 2024
    WHEN the 2025 report is taken
    THEN the volym table shows 15 for it, and it is not among the kön rows."""
    with store.transaction() as session:
        owner = make.forbund(session, name="Samordningsförbundet Volym")
        grupp = make.insats(session, owner, name="Informationsträffar",
                            deltagarform=Deltagarform.VOLYM)
        make.volym(session, grupp, year=2025, antal=12)
        make.volym(session, grupp, year=2025, antal=3)
        make.volym(session, grupp, year=2024, antal=40)
    with store.transaction() as session:
        report = started_ended(session, year=2025)
    assert report.insatser == []
    assert [(rad.insats, rad.antal) for rad in report.volym] == [("Informationsträffar", 15)]
    assert report.as_text().split("\n\n")[1].splitlines() == [
        "\t\tAntal",
        "Förbund\tVolyminsats\t",
        "Samordningsförbundet Volym\tInformationsträffar\t15",
        "Totalt\t\t15",
    ]


def test_started_ended_csv_has_forbund_and_insats_columns(store: Store) -> None:
    """GIVEN one man started in 2025
    WHEN the report is written as CSV
    THEN its rows have Förbund and Insats as their first columns."""
    with store.transaction() as session:
        owner = make.forbund(session, name="SF Öst")
        make.participation(session, make.insats(session, owner, name="Ut"), kon=MAN)
    with store.transaction() as session:
        rows = _parse_csv(started_ended(session, year=2025).as_csv())
    assert rows[0][:3] == ["Förbund", "Insats", "Startade Kvinna"]
    assert rows[1] == ["SF Öst", "Ut", "", "1", "1", "", "", ""]


def test_a_forbund_named_like_a_formula_is_exported_as_text_not_run(store: Store) -> None:
    """GIVEN a förbund named ``@SUM(1+1)*cmd|' /C calc'!A0`` and insatser named like
    formulas (=, +, -, tab), one woman started in 2025
    WHEN the reports are written as CSV
    THEN every such name starts with ' (a spreadsheet shows it, never runs it), the
    page's own rows still show the names as they are, and the counts stay numbers."""
    evil = "@SUM(1+1)*cmd|' /C calc'!A0"
    with store.transaction() as session:
        owner = make.forbund(session, name=evil)
        for name in ("=HYPERLINK(\"http://x\")", "+1+2", "-2+3", "\tTab"):
            make.participation(session, make.insats(session, owner, name=name), kon=KVINNA)
    with store.transaction() as session:
        report = started_ended(session, year=2025)
        summary = yearly_summary(session, year=2025)
    rows = _parse_csv(report.as_csv())[1:5]
    assert {row[0] for row in rows} == {"'" + evil}
    assert sorted(row[1] for row in rows) == sorted(
        ["'=HYPERLINK(\"http://x\")", "'+1+2", "'-2+3", "'\tTab"])
    assert all(row[2] == "1" for row in rows)
    assert report.csv_rows()[1][0] == evil  # what the reports page shows
    cells = [cell for row in _parse_csv(summary.as_csv()) for cell in row]
    assert "'" + evil in cells and evil not in cells


def test_a_negative_count_is_not_mistaken_for_a_formula() -> None:
    """GIVEN a table whose value cell is a negative number
    WHEN it is exported THEN the number is written as it is (a number, not text)."""
    from sus_store.reports import Tabell, Tabellrad

    tabell = Tabell(rubriker=["Förbund"], kolumner=["Skillnad"],
                    rader=[Tabellrad(etiketter=["-Minus AB"], celler=[-3])])
    assert tabell.export_rows() == [["Förbund", "Skillnad"], ["'-Minus AB", "-3"]]


# --- Support before and after -------------------------------------------------------------


def test_support_before_after_counts_each_option_by_kon(store: Store) -> None:
    """GIVEN a woman from försörjningsstöd to work and a man from A-kassa to studies,
    both closed in 2025
    WHEN the support report for 2025 is taken
    THEN each option and each Ja is counted before and after by kön."""
    with store.transaction() as session:
        insats = make.insats(session, make.forbund(session))
        make.closed(session, insats, kon=KVINNA,
                    fore=Svar(forsorjning=[Forsorjning.FORSORJNINGSSTOD]),
                    efter=Svar(forsorjning=[Forsorjning.INGEN_OFFENTLIG_FORSORJNING],
                               forvarvsarbete=True))
        make.closed(session, insats, kon=MAN,
                    fore=Svar(forsorjning=[Forsorjning.A_KASSA], aktivt_arbetssokande=True),
                    efter=Svar(forsorjning=[Forsorjning.STUDIESTOD_STUDIEMEDEL],
                               studerar=True))
    with store.transaction() as session:
        report = support_before_after(session, year=2025)
    rader = {rad.etikett: rad for rad in report.rader}
    assert (report.deltagare.kvinna, report.deltagare.man) == (1, 1)
    assert rader["Försörjningsstöd"].fore.kvinna == 1
    assert rader["Försörjningsstöd"].efter.totalt == 0
    assert rader["Ingen offentlig försörjning"].efter.kvinna == 1
    assert rader["A-kassa"].fore.man == 1
    assert rader["Förvärvsarbetar"].efter.kvinna == 1
    assert rader["Förvärvsarbetar"].fore.totalt == 0
    assert (rader["Studerar"].fore.man, rader["Studerar"].efter.man) == (0, 1)
    assert (rader["Aktivt arbetssökande"].fore.man,
            rader["Aktivt arbetssökande"].efter.man) == (1, 0)


def test_support_needs_both_measurements_and_a_closure_in_the_year(store: Store) -> None:
    """GIVEN a closure without after-measurement (code 7), an open participation and a
    closure in 2024
    WHEN the support report for 2025 is taken
    THEN none of them is counted."""
    with store.transaction() as session:
        insats = make.insats(session, make.forbund(session))
        make.closed(session, insats, kon=KVINNA, avslutningsanledning=7)
        make.participation(session, insats, kon=KVINNA)
        make.closed(session, insats, kon=MAN, startdatum=date(2024, 1, 2),
                    avslutningsdatum=date(2024, 3, 1), efter=Svar())
    with store.transaction() as session:
        report = support_before_after(session, year=2025)
    assert report.deltagare.totalt == 0
    assert all(rad.fore.totalt == rad.efter.totalt == 0 for rad in report.rader)


def test_support_lists_every_option_in_form_order(store: Store) -> None:
    """GIVEN an empty store
    WHEN the support report is rendered
    THEN its rows are Antal deltagare, the nine försörjning labels, then the three Ja."""
    with store.transaction() as session:
        lines = support_before_after(session, year=2025).as_text().splitlines()
    labels = [line.split("\t")[0] for line in lines[2:]]
    assert labels == ["Antal deltagare", *(option.label for option in Forsorjning),
                      "Förvärvsarbetar", "Studerar", "Aktivt arbetssökande"]


def test_support_for_one_insats(store: Store) -> None:
    """GIVEN closures with both measurements in two insatser
    WHEN the report is limited to one insats
    THEN only that insats's participants are counted."""
    with store.transaction() as session:
        owner = make.forbund(session)
        a, b = make.insats(session, owner), make.insats(session, owner)
        make.closed(session, a, kon=MAN, efter=Svar())
        make.closed(session, b, kon=MAN, efter=Svar())
        make.closed(session, b, kon=KVINNA, efter=Svar())
        b_id = b.id
    with store.transaction() as session:
        assert support_before_after(session, year=2025, insats_id=b_id).deltagare.totalt == 2


# --- Yearly summary -----------------------------------------------------------------------


def test_yearly_summary_counts_participants_active_during_the_year(store: Store) -> None:
    """GIVEN participations started before and ended in 2025, still open, ended 2024,
    started 2026 and pending, plus 2 anonymous and 10 volym in 2025
    WHEN the yearly summary for 2025 is taken
    THEN deltagare are the two active ones + 2 anonymous + 10 volym = 14."""
    with store.transaction() as session:
        owner = make.forbund(session)
        insats = make.insats(session, owner)
        grupp = make.insats(session, owner, deltagarform=Deltagarform.VOLYM)
        make.closed(session, insats, kon=KVINNA, startdatum=date(2024, 5, 1),
                    avslutningsdatum=date(2025, 1, 1))
        make.participation(session, insats, kon=MAN, startdatum=date(2023, 5, 1))
        make.closed(session, insats, kon=MAN, startdatum=date(2024, 5, 1),
                    avslutningsdatum=date(2024, 12, 31))
        make.participation(session, insats, kon=KVINNA, startdatum=date(2026, 1, 1))
        make.participation(session, insats, kon=KVINNA, status=Status.PENDING)
        make.anonymous(session, insats, year=2025, kon=MAN, antal=2)
        make.volym(session, grupp, year=2025, antal=10)
    with store.transaction() as session:
        [rad] = yearly_summary(session, year=2025).forbund
    assert (rad.individer, rad.anonyma, rad.volym, rad.antal_deltagare) == (2, 2, 10, 14)


def test_yearly_summary_counts_insatser_running_during_the_year(store: Store) -> None:
    """GIVEN insatser ended 2024, running through 2025, started Dec 2025 and started 2026
    WHEN the summary for 2025 is taken
    THEN antal insatser is the two that overlap 2025."""
    with store.transaction() as session:
        owner = make.forbund(session)
        make.insats(session, owner, period_end=date(2024, 12, 31))
        make.insats(session, owner, period_end=date(2025, 1, 1))
        make.insats(session, owner, period_start=date(2025, 12, 31))
        make.insats(session, owner, period_start=date(2026, 1, 1))
    with store.transaction() as session:
        assert yearly_summary(session, year=2025).forbund[0].antal_insatser == 2


def test_yearly_summary_budgets_and_totals(store: Store) -> None:
    """GIVEN förbund A with a 2025 budget and two insats budgets, and förbund B without
    any budget, and one not started until 2026
    WHEN the summary for 2025 is taken
    THEN A shows its budget and the insatser's sum, B shows no budget (not 0), the later
    förbund is absent, and the Totalt row sums what is set."""
    with store.transaction() as session:
        alfa = make.forbund(session, name="Alfa")
        make.forbund(session, name="Beta")
        make.forbund(session, name="Gamma", startdatum=date(2026, 1, 1))
        make.forbund_budget(session, alfa, year=2025, belopp=1_000_000)
        make.forbund_budget(session, alfa, year=2024, belopp=5)
        for belopp in (300_000, 200_000):
            make.insats_budget(session, make.insats(session, alfa), year=2025, belopp=belopp)
    with store.transaction() as session:
        report = yearly_summary(session, year=2025)
    alfa_rad, beta_rad = report.forbund
    assert (alfa_rad.forbund, alfa_rad.budget, alfa_rad.insatsbudget) == ("Alfa", 1_000_000,
                                                                          500_000)
    assert (beta_rad.forbund, beta_rad.budget, beta_rad.insatsbudget) == ("Beta", None, None)
    assert report.totalt.budget == 1_000_000
    assert report.as_text().splitlines() == [
        "\tAntal deltagare\tAntal insatser\tBudget\tInsatsernas budget",
        "Samordningsförbund\t\t\t\t",
        "Alfa\t0\t2\t1000000\t500000",
        "Beta\t0\t0\t\t",
        "Totalt\t0\t2\t1000000\t500000",
    ]


def test_yearly_summary_is_json_serialisable(store: Store) -> None:
    """GIVEN one förbund with an anonymous participant
    WHEN the summary is dumped as JSON (as an API would)
    THEN antal_deltagare is part of it."""
    with store.transaction() as session:
        make.anonymous(session, make.insats(session, make.forbund(session)), year=2025,
                       kon=KVINNA)
    with store.transaction() as session:
        dumped = yearly_summary(session, year=2025).model_dump(mode="json")
    assert dumped["forbund"][0]["antal_deltagare"] == 1
