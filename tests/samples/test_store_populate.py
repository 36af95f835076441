"""A generated store: every participant went through the store's rules."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from intake.cli import cli
from intake.samples.store import populate
from sus_store import clean_orphans, open_store
from sus_store.schema import AnonymousParticipant, Consent, Participation


def test_populate_registers_participants_through_the_rules(tmp_path: Path) -> None:
    """GIVEN an empty SQLite store
    WHEN it is populated with 40 participants
    THEN every counted participant is in the store, each open or closed one is covered by a
    consent whose archived scan reads back, and the archive has no orphan."""
    store = open_store(f"sqlite:///{tmp_path / 'sus.db'}", tmp_path / "archive")
    result = populate(store, seed=3, participants=40, forbund=2, today=date(2026, 11, 25))
    assert (result.open + result.closed + result.felregistrerade + result.anonymous
            + result.refused) == 40
    with store.transaction() as session:
        assert session.scalar(select(func.count(Participation.id))) == result.open + result.closed
        assert session.scalar(select(func.count(AnonymousParticipant.id))) == result.anonymous
        shas = list(session.scalars(select(Consent.sha256).where(
            Consent.participation_id.is_not(None))))
        assert len(shas) == result.open + result.closed
        assert all(store.archive.read(sha).startswith(b"%PDF") for sha in shas)
        assert clean_orphans(session, store.archive, dry_run=True, grace_seconds=0).orphans == []


def test_store_commands_migrate_populate_and_clean(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN SUS_DATA_DIR pointing at an empty folder
    WHEN `store migrate`, `store populate` and `store clean-archive --dry-run` run
    THEN the SQLite store is made there, filled, and found clean."""
    monkeypatch.setenv("SUS_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    for args in (["store", "migrate"], ["store", "populate", "--participants", "5"],
                 ["store", "clean-archive", "--dry-run"]):
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output
    assert (tmp_path / "sus.db").exists()
    assert "would remove 0 orphan(s)" in result.output


def test_store_report_prints_every_table_for_a_year(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN a populated store
    WHEN `store report --year 2026` runs
    THEN the four SPEC §6 tables are printed, the avslutsanledning one in the seed's shape."""
    monkeypatch.setenv("SUS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SUS_TODAY", "2026-11-25")
    runner = CliRunner()
    assert runner.invoke(cli, ["store", "populate", "--participants", "30"]).exit_code == 0
    result = runner.invoke(cli, ["store", "report", "--year", "2026"])
    assert result.exit_code == 0, result.output
    assert "\tKvinna\tMan\tTotalt\nAvslutsanledning\t\t\t\n" in result.output
    for heading in ("Startade Kvinna", "Antal deltagare", "Antal insatser", "Totalt"):
        assert heading in result.output


def test_store_populate_makes_thirty_forbund_with_an_insats_name_each(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN an empty store (the word list has 42 insats names; 30 förbund need 90)
    WHEN `store populate --forbund 30` runs
    THEN it succeeds, with 30 förbund of 3 insatser each, every insats name unique as
    the store requires, and the participants registered in them."""
    from sus_store.schema import Forbund, Insats

    monkeypatch.setenv("SUS_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(cli, ["store", "populate", "--forbund", "30",
                                      "--participants", "10"])
    assert result.exit_code == 0, result.output
    store = open_store(f"sqlite:///{tmp_path / 'sus.db'}", tmp_path / "archive")
    with store.transaction() as session:
        assert session.scalar(select(func.count(Forbund.id))) == 30
        names = list(session.scalars(select(Insats.name)))
    store.dispose()
    assert len(names) == 90
    assert len({name.casefold() for name in names}) == 90
