"""Users and permissions (sus_store.users; SPEC §5), on SQLite and PostgreSQL alike."""

from __future__ import annotations

import json
from datetime import date

import pytest
from pydantic import ValidationError
from sqlalchemy import event
from sqlalchemy.orm import Session

from sus_store.audit import audit_trail
from sus_store.db import Store
from sus_store.errors import NotFound, PermissionDenied, RuleViolation
from sus_store.users import (
    UserIn,
    UsernameTaken,
    access_of,
    create_user,
    deactivate_user,
    forbund_for,
    get_user,
    grant,
    insatser_for,
    latest_valid_until,
    password_hash_of,
    permissions_of,
    require,
    revoke,
)
from sus_store.vocab import Role
from tests.sus_store import factories as make

TODAY = date(2026, 3, 20)
NEXT_YEAR = date(2027, 3, 20)
HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"


class World:
    """Two förbund, A with insatser a1 and a2, B with insats b1; ids only."""

    def __init__(self, session: Session) -> None:
        forbund_a, forbund_b = make.forbund(session), make.forbund(session)
        self.a, self.b = forbund_a.id, forbund_b.id
        self.a1 = make.insats(session, forbund_a).id
        self.a2 = make.insats(session, forbund_a).id
        self.b1 = make.insats(session, forbund_b).id


@pytest.fixture
def world(store: Store) -> World:
    with store.transaction() as session:
        return World(session)


def _user(session: Session, username: str = "anna") -> None:
    create_user(session, UserIn(username=username, display_name="Anna Andersson"),
                actor="admin")


def _granted(store: Store, role: Role, *, today: date = TODAY, valid_until: date = NEXT_YEAR,
             forbund_id: int | None = None, insats_id: int | None = None) -> int:
    with store.transaction() as session:
        _user(session)
        return grant(session, username="anna", role=role, valid_until=valid_until,
                     today=today, forbund_id=forbund_id, insats_id=insats_id, actor="admin").id


def _granskare_a1_b1_uploader_b(session: Session, world: World) -> None:
    """anna: granskare for a1 and b1 (current) and a2 (expired), uploader for B."""
    for insats_id, valid_until in ((world.b1, NEXT_YEAR), (world.a1, NEXT_YEAR),
                                   (world.a2, date(2026, 3, 25))):
        grant(session, username="anna", role=Role.GRANSKARE, valid_until=valid_until,
              today=TODAY, insats_id=insats_id, actor="admin")
    grant(session, username="anna", role=Role.UPPLADDARE, valid_until=NEXT_YEAR,
          today=TODAY, forbund_id=world.b, actor="admin")


# --- Users --------------------------------------------------------------------------------


def test_created_user_is_found_without_password_hash(store: Store) -> None:
    """GIVEN a new user with a password hash
    WHEN the user is created and looked up
    THEN the view is active, says a password is set, and holds no hash."""
    with store.transaction() as session:
        created = create_user(session, UserIn(username="anna", display_name="Anna Andersson",
                                               password_hash=HASH), actor="admin")
    with store.transaction() as session:
        found = get_user(session, "anna")
    assert found == created
    assert (found.display_name, found.active, found.has_password) == ("Anna Andersson",
                                                                      True, True)
    assert HASH not in found.model_dump_json()


def test_username_is_case_insensitive(store: Store) -> None:
    """GIVEN a user created as ' Anna '
    WHEN looked up as 'ANNA'
    THEN it is the user 'anna'."""
    with store.transaction() as session:
        _user(session, " Anna ")
    with store.transaction() as session:
        assert get_user(session, "ANNA").username == "anna"


def test_duplicate_username_is_refused(store: Store) -> None:
    """GIVEN a user 'anna'
    WHEN another user 'Anna' is created
    THEN UsernameTaken (a RuleViolation) names the username and nothing is added."""
    with store.transaction() as session:
        _user(session)
    with store.transaction() as session, pytest.raises(UsernameTaken, match="'anna'") as info:
        _user(session, "Anna")
    assert isinstance(info.value, RuleViolation)
    assert info.value.fields == ("username",)


def test_empty_username_is_invalid() -> None:
    """GIVEN a username of blanks
    WHEN the input model is built
    THEN validation fails."""
    with pytest.raises(ValidationError):
        UserIn(username="  ", display_name="X")


def test_unknown_user_is_not_found(store: Store) -> None:
    """GIVEN no users
    WHEN a user is looked up
    THEN NotFound names the user in Swedish."""
    with store.transaction() as session, pytest.raises(NotFound, match="finns inte"):
        get_user(session, "okand")


def test_deactivated_user_loses_every_permission(store: Store) -> None:
    """GIVEN a diariet user
    WHEN the user is deactivated
    THEN the view says inactive, no permission is current, and checks are denied."""
    _granted(store, Role.DIARIET)
    with store.transaction() as session:
        assert deactivate_user(session, "anna", actor="admin").active is False
    with store.transaction() as session:
        assert permissions_of(session, "anna", today=TODAY) == []
        with pytest.raises(PermissionDenied):
            require(session, "anna", Role.DIARIET, today=TODAY)


def test_inactive_user_cannot_be_granted(store: Store) -> None:
    """GIVEN a deactivated user
    WHEN a permission is granted
    THEN it is refused."""
    with store.transaction() as session:
        _user(session)
        deactivate_user(session, "anna", actor="admin")
    with store.transaction() as session, pytest.raises(RuleViolation, match="inaktiverad"):
        grant(session, username="anna", role=Role.DIARIET, valid_until=NEXT_YEAR,
              today=TODAY, actor="admin")


# --- The two-year limit -----------------------------------------------------------------------


@pytest.mark.parametrize(("today", "latest"), [
    (date(2026, 3, 20), date(2028, 3, 20)),
    (date(2024, 2, 29), date(2026, 2, 28)),
    (date(2026, 12, 31), date(2028, 12, 31)),
])
def test_latest_valid_until_is_two_years_to_the_day(today: date, latest: date) -> None:
    """GIVEN a grant day (29 February included)
    WHEN the last allowed day is computed
    THEN it is the same day two years later, 28 February for a leap day."""
    assert latest_valid_until(today) == latest


@pytest.mark.parametrize(("today", "valid_until"), [
    (date(2026, 3, 20), date(2028, 3, 20)),
    (date(2024, 2, 29), date(2026, 2, 28)),
    (date(2026, 3, 20), date(2026, 3, 21)),
])
def test_grant_up_to_two_years_is_accepted(store: Store, today: date,
                                           valid_until: date) -> None:
    """GIVEN a user
    WHEN diariet is granted until a day within two years
    THEN the permission is current and ends that day."""
    _granted(store, Role.DIARIET, today=today, valid_until=valid_until)
    with store.transaction() as session:
        [view] = permissions_of(session, "anna", today=today)
    assert (view.role, view.granted_on, view.valid_until) == (Role.DIARIET, today, valid_until)


@pytest.mark.parametrize(("today", "valid_until", "message"), [
    (date(2026, 3, 20), date(2028, 3, 21), "högst två år"),
    (date(2024, 2, 29), date(2026, 3, 1), "högst två år"),
    (date(2026, 3, 20), date(2026, 3, 20), "längre än i dag"),
    (date(2026, 3, 20), date(2025, 1, 1), "längre än i dag"),
])
def test_grant_beyond_two_years_or_not_in_future_is_refused(
        store: Store, today: date, valid_until: date, message: str) -> None:
    """GIVEN a user
    WHEN a permission is to end more than two years ahead, today or earlier
    THEN RuleViolation on valid_until, in Swedish, and nothing is granted."""
    with store.transaction() as session:
        _user(session)
    with store.transaction() as session, pytest.raises(RuleViolation, match=message) as info:
        grant(session, username="anna", role=Role.DIARIET, valid_until=valid_until,
              today=today, actor="admin")
    assert info.value.fields == ("valid_until",)
    with store.transaction() as session:
        assert permissions_of(session, "anna", today=today) == []


# --- Scope by role ----------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "scope", "field"), [
    (Role.GRANSKARE, {}, "insats_id"),
    (Role.GRANSKARE, {"forbund": "a", "insats": "a1"}, "forbund_id"),
    (Role.UPPLADDARE, {}, "forbund_id"),
    (Role.UPPLADDARE, {"forbund": "a", "insats": "a1"}, "insats_id"),
    (Role.RAPPORT, {"insats": "a1"}, "insats_id"),
    (Role.ADMIN, {"forbund": "a"}, "forbund_id"),
    (Role.DIARIET, {"insats": "a1"}, "insats_id"),
])
def test_grant_with_wrong_scope_for_role_is_refused(store: Store, world: World, role: Role,
                                                    scope: dict[str, str], field: str) -> None:
    """GIVEN a user
    WHEN a role is granted without the förbund/insats it needs, or with one it cannot take
    THEN RuleViolation names the field."""
    with store.transaction() as session:
        _user(session)
    ids = {"forbund_id": getattr(world, scope["forbund"]) if "forbund" in scope else None,
           "insats_id": getattr(world, scope["insats"]) if "insats" in scope else None}
    with store.transaction() as session, pytest.raises(RuleViolation) as info:
        grant(session, username="anna", role=role, valid_until=NEXT_YEAR, today=TODAY,
              actor="admin", **ids)
    assert info.value.fields == (field,)


@pytest.mark.parametrize(("role", "scope"), [
    (Role.GRANSKARE, {"insats": "a1"}),
    (Role.UPPLADDARE, {"forbund": "a"}),
    (Role.RAPPORT, {"forbund": "a"}),
    (Role.RAPPORT, {}),
    (Role.ADMIN, {}),
    (Role.DIARIET, {}),
])
def test_grant_with_right_scope_for_role_is_accepted(store: Store, world: World, role: Role,
                                                     scope: dict[str, str]) -> None:
    """GIVEN a user
    WHEN a role is granted with the scope it takes
    THEN the permission is current with that scope."""
    forbund_id = getattr(world, scope["forbund"]) if "forbund" in scope else None
    insats_id = getattr(world, scope["insats"]) if "insats" in scope else None
    _granted(store, role, forbund_id=forbund_id, insats_id=insats_id)
    with store.transaction() as session:
        [view] = permissions_of(session, "anna", today=TODAY)
    assert (view.role, view.forbund_id, view.insats_id) == (role, forbund_id, insats_id)


def test_grant_for_unknown_insats_is_not_found(store: Store) -> None:
    """GIVEN a user and no insatser
    WHEN granskare is granted for insats 999
    THEN NotFound."""
    with store.transaction() as session:
        _user(session)
    with store.transaction() as session, pytest.raises(NotFound, match="Insatsen"):
        grant(session, username="anna", role=Role.GRANSKARE, valid_until=NEXT_YEAR,
              today=TODAY, insats_id=999, actor="admin")


# --- Checking permissions ---------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_admin_passes_every_check(store: Store, world: World, role: Role) -> None:
    """GIVEN an admin
    WHEN any role is required, for any förbund or insats
    THEN the check passes."""
    _granted(store, Role.ADMIN)
    with store.transaction() as session:
        require(session, "anna", role, today=TODAY)
        require(session, "anna", role, today=TODAY, forbund_id=world.b)
        require(session, "anna", role, today=TODAY, insats_id=world.a2)


def test_granskare_passes_only_for_their_insats(store: Store, world: World) -> None:
    """GIVEN a granskare linked to insats a1
    WHEN granskare is required for a1, for a2 of the same förbund, for b1, for förbund A
    THEN only a1 (also asked with its förbund) passes."""
    _granted(store, Role.GRANSKARE, insats_id=world.a1)
    with store.transaction() as session:
        require(session, "anna", Role.GRANSKARE, today=TODAY, insats_id=world.a1)
        require(session, "anna", Role.GRANSKARE, today=TODAY, insats_id=world.a1,
                forbund_id=world.a)
        for scope in ({"insats_id": world.a2}, {"insats_id": world.b1},
                      {"forbund_id": world.a}, {"insats_id": world.a1, "forbund_id": world.b}):
            with pytest.raises(PermissionDenied, match="saknar giltig behörighet"):
                require(session, "anna", Role.GRANSKARE, today=TODAY, **scope)


def test_granskare_is_not_an_uploader(store: Store, world: World) -> None:
    """GIVEN a granskare of a1
    WHEN uploading for a1 is required
    THEN it is denied: roles do not stand in for each other."""
    _granted(store, Role.GRANSKARE, insats_id=world.a1)
    with store.transaction() as session, pytest.raises(PermissionDenied):
        require(session, "anna", Role.UPPLADDARE, today=TODAY, insats_id=world.a1)


def test_uploader_cannot_pass_for_another_forbund(store: Store, world: World) -> None:
    """GIVEN an uploader for förbund A
    WHEN uploading is required for A, for A's insats, for B and for B's insats
    THEN A and its insats pass, B and its insats are denied naming the förbund/insats."""
    _granted(store, Role.UPPLADDARE, forbund_id=world.a)
    with store.transaction() as session:
        require(session, "anna", Role.UPPLADDARE, today=TODAY, forbund_id=world.a)
        require(session, "anna", Role.UPPLADDARE, today=TODAY, insats_id=world.a2)
        with pytest.raises(PermissionDenied, match="för förbundet Samordningsförbundet"):
            require(session, "anna", Role.UPPLADDARE, today=TODAY, forbund_id=world.b)
        with pytest.raises(PermissionDenied, match="för insatsen Insats"):
            require(session, "anna", Role.UPPLADDARE, today=TODAY, insats_id=world.b1)


def test_rapport_without_forbund_covers_every_forbund(store: Store, world: World) -> None:
    """GIVEN rapport granted without a förbund
    WHEN rapport is required for förbund B
    THEN it passes."""
    _granted(store, Role.RAPPORT)
    with store.transaction() as session:
        require(session, "anna", Role.RAPPORT, today=TODAY, forbund_id=world.b)


def test_expired_permission_is_denied(store: Store) -> None:
    """GIVEN diariet granted 2024-01-10 until 2025-01-10
    WHEN diariet is required on its last day and the day after
    THEN the last day passes and the day after is denied, and it is no longer listed."""
    _granted(store, Role.DIARIET, today=date(2024, 1, 10), valid_until=date(2025, 1, 10))
    with store.transaction() as session:
        require(session, "anna", Role.DIARIET, today=date(2025, 1, 10))
        with pytest.raises(PermissionDenied, match="förnyas"):
            require(session, "anna", Role.DIARIET, today=date(2025, 1, 11))
        assert permissions_of(session, "anna", today=date(2025, 1, 11)) == []


def test_expired_admin_passes_nothing(store: Store) -> None:
    """GIVEN an admin permission that ended yesterday
    WHEN any role is required
    THEN it is denied."""
    _granted(store, Role.ADMIN, today=date(2025, 1, 1), valid_until=TODAY.replace(day=19))
    with store.transaction() as session, pytest.raises(PermissionDenied):
        require(session, "anna", Role.RAPPORT, today=TODAY)


def test_unknown_user_is_denied(store: Store) -> None:
    """GIVEN no users
    WHEN a role is required of an unknown username
    THEN PermissionDenied, not a crash."""
    with store.transaction() as session, pytest.raises(PermissionDenied):
        require(session, "okand", Role.RAPPORT, today=TODAY)


def test_revoked_permission_no_longer_passes(store: Store, world: World) -> None:
    """GIVEN an uploader for förbund A
    WHEN the permission is revoked
    THEN uploading for A is denied and the permission is gone."""
    permission_id = _granted(store, Role.UPPLADDARE, forbund_id=world.a)
    with store.transaction() as session:
        revoke(session, permission_id, actor="admin")
    with store.transaction() as session:
        assert permissions_of(session, "anna", today=TODAY) == []
        with pytest.raises(PermissionDenied):
            require(session, "anna", Role.UPPLADDARE, today=TODAY, forbund_id=world.a)


def test_revoking_unknown_permission_is_not_found(store: Store) -> None:
    """GIVEN no permissions
    WHEN permission 999 is revoked
    THEN NotFound."""
    with store.transaction() as session, pytest.raises(NotFound, match="Behörigheten"):
        revoke(session, 999, actor="admin")


# --- What a user may see ----------------------------------------------------------------------


def test_insatser_for_lists_the_granskares_current_insatser(store: Store, world: World) -> None:
    """GIVEN granskare for a1 and b1 (current) and a2 (expired), and uploader for A
    WHEN the insatser to review are listed
    THEN they are a1 and b1."""
    with store.transaction() as session:
        _user(session)
        _granskare_a1_b1_uploader_b(session, world)
    with store.transaction() as session:
        assert insatser_for(session, "anna", today=date(2026, 4, 1)) == sorted(
            [world.a1, world.b1])
        assert forbund_for(session, "anna", today=date(2026, 4, 1)) == [world.b]


def test_admin_may_review_and_upload_for_all(store: Store, world: World) -> None:
    """GIVEN an admin
    WHEN the insatser and förbund are listed
    THEN every insats and every förbund is listed."""
    _granted(store, Role.ADMIN)
    with store.transaction() as session:
        assert insatser_for(session, "anna", today=TODAY) == sorted(
            [world.a1, world.a2, world.b1])
        assert forbund_for(session, "anna", today=TODAY) == sorted([world.a, world.b])


def _access_as_read_apart(session: Session, username: str, day: date) -> dict[str, object]:
    """What the separate functions say of ``username`` on ``day``."""
    return {"user": get_user(session, username),
            "password_hash": password_hash_of(session, username),
            "permissions": permissions_of(session, username, today=day),
            "insats_ids": insatser_for(session, username, today=day),
            "forbund_ids": forbund_for(session, username, today=day)}


def _selects(store: Store) -> list[str]:
    """The SELECT statements ``store`` runs from now on (appended as they run)."""
    ran: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            ran.append(statement)

    event.listen(store.engine, "before_cursor_execute", seen)
    return ran


def test_access_of_says_what_the_separate_functions_say_in_two_statements(
        store: Store, world: World) -> None:
    """GIVEN a granskare for a1 and b1 (current) and a2 (expired), uploader for B, with a
    password WHEN their access is read at once THEN it holds the same user, password
    hash, permissions, insatser and förbund as the separate functions, each insats with
    its förbund — read in two statements (the user, their permissions)."""
    with store.transaction() as session:
        create_user(session, UserIn(username="anna", display_name="Anna", password_hash=HASH),
                    actor="admin")
        _granskare_a1_b1_uploader_b(session, world)
    day = date(2026, 4, 1)
    with store.transaction() as session:
        ran = _selects(store)
        access = access_of(session, "Anna", today=day)
        assert len(ran) == 2
        apart = _access_as_read_apart(session, "anna", day)
    assert (access.user, access.password_hash, access.permissions, access.insats_ids,
            access.forbund_ids) == tuple(apart.values())
    assert access.insats_forbund == {world.a1: world.a, world.b1: world.b}


def test_access_of_an_admin_covers_every_insats_and_forbund(store: Store, world: World) -> None:
    """GIVEN an admin WHEN their access is read THEN every insats (with its förbund) and
    every förbund, as the separate functions list them."""
    _granted(store, Role.ADMIN)
    with store.transaction() as session:
        access = access_of(session, "anna", today=TODAY)
        apart = _access_as_read_apart(session, "anna", TODAY)
    assert (access.insats_ids, access.forbund_ids) == (apart["insats_ids"],
                                                       apart["forbund_ids"])
    assert access.insats_forbund == {world.a1: world.a, world.a2: world.a, world.b1: world.b}


def test_access_of_a_deactivated_user_holds_nothing(store: Store, world: World) -> None:
    """GIVEN a granskare with a password WHEN they are deactivated THEN their access
    holds no permission, insats or password hash; an unknown user is NotFound."""
    _granted(store, Role.GRANSKARE, insats_id=world.a1)
    with store.transaction() as session:
        deactivate_user(session, "anna", actor="admin")
    with store.transaction() as session:
        access = access_of(session, "anna", today=TODAY)
        with pytest.raises(NotFound):
            access_of(session, "nobody", today=TODAY)
    assert not access.user.active
    assert (access.permissions, access.insats_ids, access.password_hash) == ([], [], None)


# --- Audit ------------------------------------------------------------------------------------


def test_every_change_is_audited_without_password_hash(store: Store, world: World) -> None:
    """GIVEN a user with a password hash
    WHEN the user is created, granted, revoked and deactivated
    THEN each change is in the audit trail by its actor, and no event holds the hash."""
    with store.transaction() as session:
        create_user(session, UserIn(username="anna", display_name="Anna", password_hash=HASH),
                    actor="root")
        permission = grant(session, username="anna", role=Role.GRANSKARE, valid_until=NEXT_YEAR,
                           today=TODAY, insats_id=world.a1, actor="root")
        revoke(session, permission.id, actor="root")
        deactivate_user(session, "anna", actor="root")
    with store.transaction() as session:
        trail = audit_trail(session, actor="root")
    assert [(e.action, e.entity) for e in reversed(trail)] == [
        ("create", "user"), ("grant", "permission"), ("revoke", "permission"),
        ("deactivate", "user")]
    assert trail[2].after is not None and trail[2].after["insats_id"] == world.a1
    assert HASH not in json.dumps([e.model_dump(mode="json") for e in trail])
