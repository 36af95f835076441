"""Users and their permissions (SPEC §5; seed 000: "Behörigheten gäller i högst två år").

A permission gives one :class:`~sus_store.vocab.Role` to a user until an end date
at most two years after it was granted, within the scope the role takes: a
granskare reviews one insats, a förbund's uploader works for one förbund, rapport
may be limited to one förbund, admin and diariet hold for the whole service.
Functions flush, never commit; every change is written to the audit trail, which
never holds a password hash.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

from sus_store import audit
from sus_store.errors import NotFound, PermissionDenied, RuleViolation
from sus_store.rows import get_row
from sus_store.schema import Forbund, Insats, Permission, User
from sus_store.vocab import Role

log = logging.getLogger(__name__)

#: The longest a permission may last (seed 000: "Behörigheten gäller i högst två år").
MAX_GILTIGHET_AR = 2

#: The rule reference of every refusal here: SPEC §5.
RULE = "§5"

Username = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1,
                                            max_length=64)]
DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                               max_length=200)]


class UsernameTaken(RuleViolation):
    """A user with this username exists already."""

    code = "username_taken"

    def __init__(self, username: str) -> None:
        super().__init__(f"Användarnamnet '{username}' är redan upptaget; välj ett annat.",
                         rule=RULE, fields=("username",))


class UserIn(BaseModel):
    """A new user. Usernames are kept in lower case: 'Anna' and 'anna' are one user."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    username: Username
    display_name: DisplayName
    password_hash: str | None = Field(default=None, repr=False)


class UserView(BaseModel):
    """A user as the admin view shows it: never the password hash."""

    id: int
    username: str
    display_name: str
    active: bool
    has_password: bool


class PermissionView(BaseModel):
    id: int
    username: str
    role: Role
    forbund_id: int | None
    insats_id: int | None
    granted_on: date
    valid_until: date


# --- Users ----------------------------------------------------------------------------


def _username_key(username: str) -> str:
    return username.strip().lower()


def _user_view(row: User) -> UserView:
    return UserView(id=row.id, username=row.username, display_name=row.display_name,
                    active=row.active, has_password=row.password_hash is not None)


def _user_snapshot(row: User) -> dict[str, object]:
    return _user_view(row).model_dump()


def _user_row(session: Session, username: str) -> User:
    row = session.scalar(select(User).where(User.username == _username_key(username)))
    if row is None:
        raise NotFound(f"Användaren '{_username_key(username)}' finns inte.")
    return row


def create_user(session: Session, data: UserIn, *, actor: str) -> UserView:
    """Create an active user; usernames are unique (:class:`UsernameTaken`)."""
    if session.scalar(select(User.id).where(User.username == data.username)) is not None:
        raise UsernameTaken(data.username)
    row = User(username=data.username, display_name=data.display_name,
               password_hash=data.password_hash, active=True)
    session.add(row)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:  # created by someone else meanwhile
        raise UsernameTaken(data.username) from exc
    audit.record(session, actor=actor, action="create", entity="user", entity_id=row.id,
                 after=_user_snapshot(row))
    log.info("user %s created by %s", row.username, actor)
    return _user_view(row)


def get_user(session: Session, username: str) -> UserView:
    """The user named ``username`` (any case); :class:`NotFound` otherwise."""
    return _user_view(_user_row(session, username))


def password_hash_of(session: Session, username: str) -> str | None:
    """The stored password hash of an *active* user, for checking a login; None for an
    unknown or deactivated user or one without a password."""
    row = session.scalar(select(User).where(User.username == _username_key(username)))
    return row.password_hash if row is not None and row.active else None


def set_password_hash(session: Session, username: str, password_hash: str, *,
                      actor: str) -> None:
    """Replace a user's password hash; the audit trail says it changed, not to what."""
    row = _user_row(session, username)
    row.password_hash = password_hash
    session.flush()
    audit.record(session, actor=actor, action="set_password", entity="user", entity_id=row.id)


def list_users(session: Session) -> list[UserView]:
    return [_user_view(row) for row in session.scalars(select(User).order_by(User.username))]


def deactivate_user(session: Session, username: str, *, actor: str) -> UserView:
    """Stop a user: none of their permissions passes any more (they are kept on record)."""
    row = _user_row(session, username)
    if not row.active:
        return _user_view(row)
    before = _user_snapshot(row)
    row.active = False
    session.flush()
    audit.record(session, actor=actor, action="deactivate", entity="user", entity_id=row.id,
                 before=before, after=_user_snapshot(row))
    log.info("user %s deactivated by %s", row.username, actor)
    return _user_view(row)


# --- Granting and revoking ----------------------------------------------------------------

Scope = Literal["krävs", "valfri", "nej"]

#: The scope each role takes: (förbund, insats).
ROLE_SCOPE: dict[Role, tuple[Scope, Scope]] = {
    Role.ADMIN: ("nej", "nej"),
    Role.DIARIET: ("nej", "nej"),
    Role.GRANSKARE: ("nej", "krävs"),
    Role.UPPLADDARE: ("krävs", "nej"),
    Role.RAPPORT: ("valfri", "nej"),
}


def latest_valid_until(today: date) -> date:
    """The last day a permission granted ``today`` may hold: the same day two years
    later (29 February gives 28 February)."""
    try:
        return today.replace(year=today.year + MAX_GILTIGHET_AR)
    except ValueError:
        return today.replace(year=today.year + MAX_GILTIGHET_AR, day=28)


def _refuse_bad_period(valid_until: date, today: date) -> None:
    if valid_until <= today:
        raise RuleViolation("Behörigheten måste gälla längre än i dag.", rule=RULE,
                            fields=("valid_until",))
    latest = latest_valid_until(today)
    if valid_until > latest:
        raise RuleViolation(f"En behörighet gäller i högst två år: senast {latest.isoformat()}."
                            " Därefter måste den förnyas.", rule=RULE, fields=("valid_until",))


def _refuse_bad_scope(session: Session, role: Role, forbund_id: int | None,
                      insats_id: int | None) -> None:
    for scope, given, field, what in zip(ROLE_SCOPE[role], (forbund_id, insats_id),
                                         ("forbund_id", "insats_id"),
                                         ("ett förbund", "en insats"), strict=True):
        if scope == "krävs" and given is None:
            raise RuleViolation(f"Behörigheten {role.label} måste gälla {what}.", rule=RULE,
                                fields=(field,))
        if scope == "nej" and given is not None:
            raise RuleViolation(f"Behörigheten {role.label} kan inte begränsas till {what}.",
                                rule=RULE, fields=(field,))
    if forbund_id is not None:
        get_row(session, Forbund, forbund_id, "Förbundet")
    if insats_id is not None:
        get_row(session, Insats, insats_id, "Insatsen")


def grant(session: Session, *, username: str, role: Role, valid_until: date, today: date,
          forbund_id: int | None = None, insats_id: int | None = None,
          actor: str) -> PermissionView:
    """Give ``role`` to an active user from ``today`` until ``valid_until`` (at most two
    years), for the förbund or insats the role needs (:data:`ROLE_SCOPE`)."""
    user = _user_row(session, username)
    if not user.active:
        raise RuleViolation(f"Användaren '{user.username}' är inaktiverad och kan inte få"
                            " behörigheter.", rule=RULE, fields=("username",))
    _refuse_bad_period(valid_until, today)
    _refuse_bad_scope(session, role, forbund_id, insats_id)
    row = Permission(user_id=user.id, role=role.value, forbund_id=forbund_id,
                     insats_id=insats_id, granted_on=today, valid_until=valid_until)
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="grant", entity="permission", entity_id=row.id,
                 after=_permission_snapshot(session, row, user))
    log.info("%s granted %s to %s by %s", role.value, row.id, user.username, actor)
    return _permission_view(row, user)


def revoke(session: Session, permission_id: int, *, actor: str) -> None:
    """Withdraw a permission at once."""
    row = get_row(session, Permission, permission_id, "Behörigheten")
    before = _permission_snapshot(session, row, row.user)
    session.delete(row)
    session.flush()
    audit.record(session, actor=actor, action="revoke", entity="permission",
                 entity_id=permission_id, before=before)
    log.info("permission %s revoked by %s", permission_id, actor)


def _permission_view(row: Permission, user: User) -> PermissionView:
    return PermissionView(id=row.id, username=user.username, role=_role(row.role),
                          forbund_id=row.forbund_id, insats_id=row.insats_id,
                          granted_on=row.granted_on, valid_until=row.valid_until)


def _role(value: str) -> Role:
    return next(role for role in Role if role.value == value)


def _permission_snapshot(session: Session, row: Permission, user: User) -> dict[str, object]:
    return {**audit.snapshot(session, row), "username": user.username}


# --- Checking -----------------------------------------------------------------------------


def _current(session: Session, username: str, *, today: date) -> list[Permission]:
    """The permissions of an active user that hold ``today`` (none for an unknown user)."""
    query = select(Permission).join(User, User.id == Permission.user_id).where(
        User.username == _username_key(username), User.active.is_(True),
        Permission.granted_on <= today, Permission.valid_until >= today,
    ).order_by(Permission.role, Permission.id)
    return list(session.scalars(query))


def permissions_of(session: Session, username: str, *, today: date) -> list[PermissionView]:
    """The user's permissions that hold ``today``; none once the user is deactivated."""
    user = _user_row(session, username)
    return [_permission_view(row, user) for row in _current(session, username, today=today)]


class Access(BaseModel):
    """A user as a request checks them, read at once (one statement for the user, one
    for their permissions): who they are, the password hash a login was granted on
    (never shown), the permissions that hold today (none once deactivated), the
    insatser they review and the förbund they upload for (every one for an admin, as
    :func:`insatser_for` and :func:`forbund_for`) and the förbund of each of those
    insatser."""

    model_config = ConfigDict(frozen=True)

    user: UserView
    password_hash: str | None = Field(default=None, repr=False)
    permissions: list[PermissionView]
    insats_ids: list[int]
    forbund_ids: list[int]
    insats_forbund: dict[int, int]


def access_of(session: Session, username: str, *, today: date) -> Access:
    """The user named ``username`` and what they hold ``today``; :class:`NotFound` for
    an unknown user."""
    user = _user_row(session, username)
    held: list[tuple[Permission, int | None]] = []
    if user.active:
        held = [(row, owner) for row, owner in session.execute(
            select(Permission, Insats.forbund_id)
            .outerjoin(Insats, Insats.id == Permission.insats_id)
            .where(Permission.user_id == user.id, Permission.granted_on <= today,
                   Permission.valid_until >= today)
            .order_by(Permission.role, Permission.id))]
    rows = [row for row, _owner in held]
    if any(row.role == Role.ADMIN.value for row in rows):
        every = {i: f for i, f in session.execute(select(Insats.id, Insats.forbund_id)
                                                   .order_by(Insats.id))}
        insats_ids, insats_forbund = list(every), every
        forbund_ids = list(session.scalars(select(Forbund.id).order_by(Forbund.id)))
    else:
        insats_ids = _ids_held(rows, Role.GRANSKARE, "insats_id")
        forbund_ids = _ids_held(rows, Role.UPPLADDARE, "forbund_id")
        insats_forbund = {row.insats_id: owner for row, owner in held
                          if row.insats_id in insats_ids and owner is not None}
    return Access(user=_user_view(user), password_hash=user.password_hash if user.active
                  else None, permissions=[_permission_view(row, user) for row in rows],
                  insats_ids=insats_ids, forbund_ids=forbund_ids,
                  insats_forbund=insats_forbund)


class _Scope(BaseModel, frozen=True):
    """What a check asks about: a förbund, or an insats and the förbund it belongs to."""

    forbund_id: int | None = None
    insats_id: int | None = None


def _scope_of(session: Session, forbund_id: int | None, insats_id: int | None) -> _Scope | None:
    """The scope asked about; None when the insats is unknown or not of that förbund."""
    if insats_id is None:
        return _Scope(forbund_id=forbund_id)
    owner = session.scalar(select(Insats.forbund_id).where(Insats.id == insats_id))
    if owner is None or forbund_id not in (None, owner):
        return None
    return _Scope(forbund_id=owner, insats_id=insats_id)


def _covers(row: Permission, role: Role, scope: _Scope) -> bool:
    """Whether ``row`` gives ``role`` within ``scope``. A permission without an insats
    covers its förbund's insatser; one without förbund or insats covers everything."""
    if row.role != role.value:
        return False
    if scope.forbund_id is None and scope.insats_id is None:
        return True
    if row.insats_id is not None:
        return scope.insats_id == row.insats_id
    return row.forbund_id in (None, scope.forbund_id)


def require(session: Session, username: str, role: Role, *, today: date,
            forbund_id: int | None = None, insats_id: int | None = None) -> None:
    """Pass when the user holds ``role`` today for the förbund or insats asked about, or
    is admin; :class:`PermissionDenied` otherwise. Without a förbund or insats, any
    current permission with ``role`` passes."""
    held = _current(session, username, today=today)
    if any(row.role == Role.ADMIN.value for row in held):
        return
    scope = _scope_of(session, forbund_id, insats_id)
    if scope is not None and any(_covers(row, role, scope) for row in held):
        return
    raise PermissionDenied(f"'{_username_key(username)}' saknar giltig behörighet som"
                           f" {role.label}{_scope_text(session, forbund_id, insats_id)}."
                           " En behörighet gäller i högst två år och måste sedan förnyas.")


def _scope_text(session: Session, forbund_id: int | None, insats_id: int | None) -> str:
    if insats_id is not None:
        name = session.scalar(select(Insats.name).where(Insats.id == insats_id))
        return f" för insatsen {name or insats_id}"
    if forbund_id is not None:
        name = session.scalar(select(Forbund.name).where(Forbund.id == forbund_id))
        return f" för förbundet {name or forbund_id}"
    return ""


def insatser_for(session: Session, username: str, *, today: date) -> list[int]:
    """The insatser the user may review today as granskare (every insats for admin)."""
    return _scope_ids(session, username, today, Role.GRANSKARE, Insats.id, "insats_id")


def forbund_for(session: Session, username: str, *, today: date) -> list[int]:
    """The förbund the user may upload for today (every förbund for admin)."""
    return _scope_ids(session, username, today, Role.UPPLADDARE, Forbund.id, "forbund_id")


def _scope_ids(
    session: Session, username: str, today: date, role: Role,
    every: InstrumentedAttribute[int], scope: str,
) -> list[int]:
    """The ids the user's ``role`` permissions name in column ``scope`` today; every id
    of ``every`` for an admin."""
    held = _current(session, username, today=today)
    if any(row.role == Role.ADMIN.value for row in held):
        return list(session.scalars(select(every).order_by(every)))
    return _ids_held(held, role, scope)


def _ids_held(held: list[Permission], role: Role, scope: str) -> list[int]:
    """The ids ``held``'s ``role`` permissions name in column ``scope``, sorted."""
    return sorted({getattr(row, scope) for row in held
                   if row.role == role.value and getattr(row, scope) is not None})
