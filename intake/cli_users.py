"""``sus-intake users …``: the review service's users and their permissions (SPEC §5).

For the first admin and for scripts; day-to-day administration is the ``/admin`` page.
A permission lasts at most two years (seed 000), the default here.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import click

from intake.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from sus_store import NameMatch, PermissionView, Store
    from sus_store.vocab import Role

#: The actor the audit trail records for changes made here.
ACTOR = "cli"

F = TypeVar("F", bound=Callable[..., Any])


class RoleType(click.ParamType):
    """A role by its code; sus_store is imported only when one is given."""

    name = "role"

    def convert(self, value: object, param: click.Parameter | None,
                ctx: click.Context | None) -> Role:
        from sus_store.vocab import Role

        for role in Role:
            if value == role.value:
                return role
        known = ", ".join(role.value for role in Role)
        self.fail(f"unknown role {value!r}; known: {known}", param, ctx)


def _open(settings: Settings) -> Store:
    from sus_store import open_store

    return open_store(settings.store_url(), settings.consent_archive_dir())


def _scope_options(function: F) -> F:
    """--role, --forbund, --insats and --valid-days, shared by create and grant."""
    for option in reversed([
        click.option("--role", type=RoleType(),
                     help="admin, diariet, granskare, uppladdare or rapport."),
        click.option("--forbund", help="Förbund name: needed for uppladdare, optional for"
                                       " rapport."),
        click.option("--insats", help="Insats name: needed for granskare."),
        click.option("--valid-days", type=click.IntRange(min=1),
                     help="Days the permission lasts; default and maximum: two years."),
    ]):
        function = option(function)
    return function


@click.group("users")
def users_group() -> None:
    """Users of the review service and their permissions."""


@users_group.command("create")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="The name shown on the pages.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--service", is_flag=True,
              help="A service user (the scanner folder, a script): no password, so no login"
                   " to the pages; it acts through API tokens or the scanner folder.")
@_scope_options
def users_create(username: str, display_name: str, password_stdin: bool, service: bool,
                 role: Role | None, forbund: str | None, insats: str | None,
                 valid_days: int | None) -> None:
    """Create USERNAME with a password (asked for, not echoed), optionally with a role."""
    from sus_store import UserIn, create_user

    if not role and (forbund or insats or valid_days):
        raise click.UsageError("--forbund, --insats and --valid-days need --role.")
    if service and password_stdin:
        raise click.UsageError("A --service user has no password.")
    password_hash = None if service else _password_hash(_read_password(password_stdin))
    settings = Settings()
    with _open(settings).transaction() as session:
        user = create_user(session, UserIn(username=username, display_name=display_name,
                                           password_hash=password_hash), actor=ACTOR)
        granted = _grant(session, user.username, role, forbund, insats, valid_days,
                         today=settings.current_day()) if role else None
    click.echo(f"created user {user.username}")
    if granted:
        click.echo(granted)


@users_group.command("grant")
@click.argument("username")
@_scope_options
def users_grant(username: str, role: Role | None, forbund: str | None, insats: str | None,
                valid_days: int | None) -> None:
    """Give USERNAME a role, for a förbund or an insats when the role takes one."""
    if not role:
        raise click.UsageError("--role is required.")
    settings = Settings()
    with _open(settings).transaction() as session:
        granted = _grant(session, username, role, forbund, insats, valid_days,
                         today=settings.current_day())
    click.echo(granted)


@users_group.command("list")
def users_list() -> None:
    """Every user with the permissions that hold today."""
    from sus_store import list_forbund, list_insatser, list_users, permissions_of

    settings = Settings()
    today = settings.current_day()
    with _open(settings).transaction() as session:
        forbund = {f.id: f.name for f in list_forbund(session)}
        insatser = {i.id: i.name for i in list_insatser(session)}
        for user in list_users(session):
            state = "" if user.active else "  (deactivated)"
            click.echo(f"{user.username}\t{user.display_name}{state}")
            for permission in permissions_of(session, user.username, today=today):
                click.echo(_permission_line(permission, forbund, insatser))


def _permission_line(permission: PermissionView, forbund: dict[int, str],
                     insatser: dict[int, str]) -> str:
    where = ""
    if permission.insats_id is not None:
        where = f" for insats {insatser.get(permission.insats_id, permission.insats_id)}"
    elif permission.forbund_id is not None:
        where = f" for förbund {forbund.get(permission.forbund_id, permission.forbund_id)}"
    return (f"  {permission.role.value}{where} until {permission.valid_until.isoformat()}"
            f"  [#{permission.id}]")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


def _password_hash(password: str) -> str:
    from intake.review.security import hash_password

    try:
        return hash_password(password)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="password") from exc


def _grant(session: Session, username: str, role: Role, forbund: str | None,
           insats: str | None, valid_days: int | None, *, today: date) -> str:
    """Grant ``role`` (till ``valid_days`` from today, else two years); what was done."""
    from sus_store import grant, latest_valid_until

    forbund_id = _forbund_id(session, forbund) if forbund else None
    insats_id = _insats_id(session, insats, forbund_id) if insats else None
    until = today + timedelta(days=valid_days) if valid_days else latest_valid_until(today)
    view = grant(session, username=username, role=role, valid_until=until, today=today,
                 forbund_id=forbund_id, insats_id=insats_id, actor=ACTOR)
    return f"granted {role.value} to {view.username} until {until.isoformat()}"


def _forbund_id(session: Session, name: str) -> int:
    from sus_store import lookup_forbund

    return _exact(lookup_forbund(session, name), "--forbund")


def _insats_id(session: Session, name: str, forbund_id: int | None) -> int:
    from sus_store import lookup_insats

    return _exact(lookup_insats(session, name, forbund_id=forbund_id), "--insats")


def _exact(match: NameMatch, option: str) -> int:
    if match.exact is None:
        near = ", ".join(candidate.name for candidate in match.candidates[:3])
        raise click.BadParameter(f"no exact match for '{match.written}'"
                                 + (f"; did you mean: {near}" if near else ""),
                                 param_hint=option)
    return match.exact.id
