"""Administration (SPEC §5), for admins only: users and their permissions, and the
audit trail. A refusal of the store is shown on the page in Swedish, never as a 500;
a change that worked redirects back to ``/admin`` with what was done."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from intake.errors import IntakeError
from intake.review.deps import CsrfChecked, CurrentUser, SessionDep, TodayDep
from intake.review.queue import Viewer
from intake.review.security import hash_password
from intake.review.templating import templates
from sus_store import (
    AuditEntry,
    ForbundIn,
    InsatsIn,
    PermissionDenied,
    PermissionView,
    UserIn,
    UserView,
    add_forbund,
    add_insats,
    audit_trail,
    create_user,
    deactivate_user,
    grant,
    latest_valid_until,
    list_forbund,
    list_insatser,
    list_users,
    permissions_of,
    revoke,
)
from sus_store.vocab import Deltagarform, Finansieringsform, Inriktning, Kategori, Role

router = APIRouter(include_in_schema=False)

#: What ``/admin?klart=…`` tells the admin was done.
DONE = {
    "skapad": "Användaren har skapats.",
    "behorighet": "Behörigheten har getts.",
    "aterkallad": "Behörigheten har återkallats.",
    "inaktiverad": "Användaren har inaktiverats.",
    "forbund": "Förbundet har lagts upp.",
    "insats": "Insatsen har lagts upp.",
}
ENTITY_NAMES = {
    "user": "Användare", "permission": "Behörighet", "consent": "Samtycke",
    "participation": "Deltagande", "anonymous_participant": "Anonym deltagare",
    "forbund": "Förbund", "insats": "Insats", "forbund_budget": "Förbundets budget",
    "insats_budget": "Insatsens budget", "volym_entry": "Volyminsats, antal",
    "document": "Dokument i granskningskön", "page_image": "Sidbild",
    "template": "Blankettmall",
}
ACTION_NAMES = {
    "create": "skapade", "update": "ändrade", "grant": "gav", "revoke": "återkallade",
    "deactivate": "inaktiverade", "set_password": "bytte lösenord", "archive": "arkiverade",
    "link": "kopplade", "read": "läste", "search": "sökte", "close": "avslutade",
    "remove": "tog bort", "set": "satte", "list": "listade", "match": "jämförde",
    "activate": "tog i bruk",
}
#: Snapshot columns holding personal data: the log shows that they changed, not to what.
HIDDEN_FIELDS = frozenset({"namn", "kommun", "stadsdel", "ort", "datum", "namnfortydligande"})
EXPIRES_SOON = timedelta(days=30)
FIELD_LABELS = {"username": "Användarnamn (högst 64 tecken)",
                "display_name": "Namn (högst 200 tecken)", "name": "Namnet"}


class Refused(IntakeError):
    """An admin form asked for something the page refuses before the store does."""

    code = "refused"
    http_status = 422


def admin_user(user: CurrentUser) -> Viewer:
    if not user.is_admin:
        raise PermissionDenied("Bara administratörer kommer åt administrationen.")
    return user


AdminUser = Annotated[Viewer, Depends(admin_user)]


# --- Users and permissions ------------------------------------------------------------


class PermissionRow(BaseModel):
    id: int
    role: str
    scope: str
    granted_on: date
    valid_until: date
    expires_soon: bool


class UserRow(BaseModel):
    user: UserView
    permissions: list[PermissionRow]


@router.get("/admin")
def admin_page(request: Request, session: SessionDep, user: AdminUser, today: TodayDep,
               klart: str = "") -> Response:
    return _render(request, session, user, today, message=DONE.get(klart))


@router.post("/admin/anvandare", dependencies=[CsrfChecked])
def create_user_form(request: Request, session: SessionDep, user: AdminUser, today: TodayDep,
                     username: Annotated[str, Form()], display_name: Annotated[str, Form()],
                     password: Annotated[str, Form()] = "",
                     service: Annotated[bool, Form()] = False) -> Response:
    """A person with a password, or a service user (``service``) without one."""
    def create() -> None:
        if service and password:
            raise Refused("En tjänsteanvändare har inget lösenord: lämna det tomt.")
        password_hash = None if service else hash_password(password)
        create_user(session, UserIn(username=username, display_name=display_name,
                                    password_hash=password_hash), actor=user.username)

    return _attempt(request, session, user, today, create, done="skapad",
                    values={"username": username, "display_name": display_name})


@router.post("/admin/behorighet", dependencies=[CsrfChecked])
def grant_form(request: Request, session: SessionDep, user: AdminUser, today: TodayDep,
               username: Annotated[str, Form()], role: Annotated[str, Form()],
               forbund_id: Annotated[int | None, Form()] = None,
               insats_id: Annotated[int | None, Form()] = None,
               valid_until: Annotated[date | None, Form()] = None) -> Response:
    def give() -> None:
        grant(session, username=username, role=_role_named(role),
              valid_until=valid_until or latest_valid_until(today), today=today,
              forbund_id=forbund_id, insats_id=insats_id, actor=user.username)

    values: dict[str, object] = {"grant_username": username, "role": role, "forbund_id": forbund_id,
              "insats_id": insats_id, "valid_until": valid_until}
    return _attempt(request, session, user, today, give, done="behorighet", values=values)


@router.post("/admin/behorighet/{permission_id}/aterkalla", dependencies=[CsrfChecked])
def revoke_form(permission_id: int, request: Request, session: SessionDep, user: AdminUser,
                today: TodayDep) -> Response:
    return _attempt(request, session, user, today,
                    lambda: revoke(session, permission_id, actor=user.username),
                    done="aterkallad")


@router.post("/admin/anvandare/{username}/inaktivera", dependencies=[CsrfChecked])
def deactivate_form(username: str, request: Request, session: SessionDep, user: AdminUser,
                    today: TodayDep) -> Response:
    def deactivate() -> None:
        if username.strip().lower() == user.username:
            raise Refused("Du kan inte inaktivera ditt eget konto.")
        deactivate_user(session, username, actor=user.username)

    return _attempt(request, session, user, today, deactivate, done="inaktiverad")


@router.post("/admin/forbund", dependencies=[CsrfChecked])
def add_forbund_form(request: Request, session: SessionDep, user: AdminUser, today: TodayDep,
                     name: Annotated[str, Form()], startdatum: Annotated[date, Form()],
                     finansieringsform: Annotated[str, Form()] = "finsam") -> Response:
    def add() -> None:
        add_forbund(session, ForbundIn.model_validate(
            {"name": name, "startdatum": startdatum, "finansieringsform": finansieringsform}),
            actor=user.username)

    return _attempt(request, session, user, today, add, done="forbund",
                    values={"forbund_name": name})


@router.post("/admin/insats", dependencies=[CsrfChecked])
def add_insats_form(request: Request, session: SessionDep, user: AdminUser, today: TodayDep,
                    forbund: Annotated[str, Form()], name: Annotated[str, Form()],
                    kategori: Annotated[str, Form()], inriktning: Annotated[str, Form()],
                    deltagarform: Annotated[str, Form()],
                    period_start: Annotated[date, Form()],
                    period_end: Annotated[str, Form()] = "") -> Response:
    def add() -> None:
        add_insats(session, InsatsIn.model_validate({
            "forbund": forbund, "name": name, "kategori": kategori, "inriktning": inriktning,
            "deltagarform": deltagarform, "period_start": period_start,
            "period_end": period_end or None}), actor=user.username)

    return _attempt(request, session, user, today, add, done="insats",
                    values={"insats_name": name})


def _role_named(value: str) -> Role:
    for role in Role:
        if role.value == value:
            return role
    raise Refused("Välj en behörighet i listan.")


def _attempt(request: Request, session: Session, user: Viewer, today: date,
             action: Callable[[], object], *, done: str,
             values: dict[str, object] | None = None) -> Response:
    """Run ``action`` in a savepoint: redirect back on success, the page with the
    refusal in Swedish otherwise (nothing of a refused change is kept)."""
    try:
        with session.begin_nested():
            action()
    except ValidationError as exc:
        return _render(request, session, user, today, values=values, status_code=422,
                       error=_validation_message(exc))
    except (IntakeError, ValueError) as exc:
        status = exc.http_status if isinstance(exc, IntakeError) else 422
        return _render(request, session, user, today, values=values, status_code=status,
                       error=str(exc))
    return RedirectResponse(f"/admin?klart={done}", status_code=303)


def _validation_message(error: ValidationError) -> str:
    """The first problem of a form, in Swedish where the model gave one."""
    first = error.errors()[0]
    text = str(first.get("msg", "")).removeprefix("Value error, ")
    field = ".".join(str(part) for part in first.get("loc", ()))
    if first.get("type") == "value_error":
        return text[:1].upper() + text[1:] + "."
    label = FIELD_LABELS.get(field, field or "i formuläret")
    return f"{label} är inte rätt ifyllt (obligatoriskt; se längsta tillåtna längd)."


def _render(request: Request, session: Session, user: Viewer, today: date, *,
            message: str | None = None, error: str | None = None,
            values: dict[str, object] | None = None, status_code: int = 200) -> Response:
    return templates.TemplateResponse(request, "admin.html", {
        "user": user, "message": message, "error": error, "values": values or {},
        **_admin_context(session, today)}, status_code=status_code)


def _admin_context(session: Session, today: date) -> dict[str, object]:
    forbund = list_forbund(session)
    insatser = list_insatser(session)
    forbund_names = {f.id: f.name for f in forbund}
    scopes = {("f", f.id): f"förbundet {f.name}" for f in forbund} | {
        ("i", i.id): f"insatsen {i.name} ({forbund_names.get(i.forbund_id, '')})"
        for i in insatser}
    users = [UserRow(user=u, permissions=[
        _permission_row(p, scopes, today) for p in permissions_of(session, u.username,
                                                                   today=today)])
             for u in list_users(session)]
    return {"users": users, "forbund": forbund, "insatser": insatser,
            "forbund_names": forbund_names, "roles": list(Role),
            "finansieringsformer": list(Finansieringsform), "kategorier": list(Kategori),
            "inriktningar": list(Inriktning), "deltagarformer": list(Deltagarform),
            "earliest": today + timedelta(days=1), "latest": latest_valid_until(today)}


def _permission_row(view: PermissionView, scopes: dict[tuple[str, int], str],
                    today: date) -> PermissionRow:
    if view.insats_id is not None:
        scope = scopes.get(("i", view.insats_id), f"insats {view.insats_id}")
    elif view.forbund_id is not None:
        scope = scopes.get(("f", view.forbund_id), f"förbund {view.forbund_id}")
    else:
        scope = "hela tjänsten"
    return PermissionRow(id=view.id, role=view.role.label, scope=scope,
                         granted_on=view.granted_on, valid_until=view.valid_until,
                         expires_soon=view.valid_until - today <= EXPIRES_SOON)


# --- The audit trail ------------------------------------------------------------------


class AuditRow(BaseModel):
    at: str
    actor: str
    action: str
    entity: str
    entity_id: int | None
    changes: list[str]


@router.get("/admin/logg")
def audit_page(request: Request, session: SessionDep, user: AdminUser, actor: str = "",
               entity: str = "", entity_id: str = "") -> Response:
    """The newest 200 events first, optionally of one actor, kind of row or row."""
    row_id = int(entity_id) if entity_id.strip().isdigit() else None
    entries = audit_trail(session, actor=actor.strip().lower() or None, entity=entity or None,
                          entity_id=row_id, limit=200)
    return templates.TemplateResponse(request, "audit.html", {
        "user": user, "entries": [_audit_row(e) for e in entries], "actor": actor,
        "entity": entity, "entity_id": row_id, "entities": ENTITY_NAMES})


def _audit_row(entry: AuditEntry) -> AuditRow:
    return AuditRow(at=entry.at.strftime("%Y-%m-%d %H:%M:%S UTC"), actor=entry.actor,
                    action=ACTION_NAMES.get(entry.action, entry.action),
                    entity=ENTITY_NAMES.get(entry.entity, entry.entity),
                    entity_id=entry.entity_id, changes=_changes(entry.before, entry.after))


def _changes(before: dict[str, object] | None, after: dict[str, object] | None) -> list[str]:
    """``field: before → after`` for every field that differs; personal data hidden."""
    before, after = before or {}, after or {}
    return [f"{key}: {_shown(key, before.get(key))} → {_shown(key, after.get(key))}"
            for key in dict.fromkeys([*before, *after])
            if before.get(key) != after.get(key)]


def _shown(key: str, value: object) -> str:
    if value is None:
        return "–"
    if key in HIDDEN_FIELDS:
        return "(dold)"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
