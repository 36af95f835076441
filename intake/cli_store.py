"""``sus-intake store …``: the SUS store from the command line."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from intake.settings import Settings

if TYPE_CHECKING:
    from sus_store import Store


def _open(settings: Settings) -> Store:
    from sus_store import open_store

    return open_store(settings.store_url(), settings.consent_archive_dir())


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@click.group("store")
def store_group() -> None:
    """The SUS store (SUS_DATABASE_URL, default SQLite in SUS_DATA_DIR) and its archive."""


@store_group.command("migrate")
def store_migrate() -> None:
    """Create or upgrade the store's tables and the review queue's beside them
    (Alembic), once however many nodes run it at the same moment."""
    from intake.review.state import open_service

    settings = Settings()
    open_service(settings).store.dispose()
    click.echo(f"store ready: {_safe_url(settings.store_url())}")


@store_group.command("clean-archive")
@click.option("--dry-run", is_flag=True, help="Only list the orphans.")
@click.option("--grace-hours", type=click.FloatRange(min=0), default=1.0, show_default=True,
              help="Leave orphans younger than this (a transaction may still be running).")
def store_clean_archive(dry_run: bool, grace_hours: float) -> None:
    """Find archived files no consent refers to (left by a crash) and remove them."""
    from sus_store import clean_orphans

    store = _open(Settings())
    with store.transaction() as session:
        report = clean_orphans(session, store.archive, dry_run=dry_run,
                               grace_seconds=grace_hours * 3600)
    verb = "would remove" if dry_run else "removed"
    click.echo(f"{verb} {len(report.orphans)} orphan(s); {report.young} younger than the"
               f" grace period left alone")
    for sha in report.orphans:
        click.echo(f"  {sha}")


@store_group.command("populate")
@click.option("--participants", type=click.IntRange(min=0), default=200, show_default=True)
@click.option("--forbund", type=click.IntRange(min=1, max=30), default=3, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
def store_populate(participants: int, forbund: int, seed: int) -> None:
    """Fill the store with synthetic förbund, insatser and participants (test numbers)."""
    from intake.samples.store import populate

    settings = Settings()
    result = populate(_open(settings), seed=seed, participants=participants, forbund=forbund,
                      today=settings.current_day())
    click.echo(f"{_safe_url(settings.store_url())}: {result.open} open, {result.closed} closed,"
               f" {result.felregistrerade} felregistrerade, {result.anonymous} anonymous"
               f" ({result.refused} refused)")


REPORTS = ("started", "avslutsanledning", "support", "summary")


@store_group.command("report")
@click.option("--year", type=click.IntRange(2000, 2100), help="Default: this year.")
@click.option("--table", "tables", type=click.Choice(REPORTS), multiple=True,
              help="Which report (repeatable); default: all.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV instead of a text table.")
def store_report(year: int | None, tables: tuple[str, ...], as_csv: bool) -> None:
    """Print the SPEC §6 reports from the store."""
    from sus_store import avslutsanledning, started_ended, support_before_after, yearly_summary
    from sus_store.reports import Rapport

    settings = Settings()
    year = year or settings.current_day().year
    makers: dict[str, Callable[..., Rapport]] = {
        "started": started_ended, "avslutsanledning": avslutsanledning,
        "support": support_before_after, "summary": yearly_summary}
    with _open(settings).transaction() as session:
        for name in tables or REPORTS:
            report = makers[name](session, year=year)
            click.echo(report.as_csv() if as_csv else report.as_text())
            click.echo()
