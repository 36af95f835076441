"""Administration (SPEC §5): admins only; users, permissions (at most two years) and
the audit trail through the pages' forms, refusals shown in Swedish."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from intake.review.routes import admin
from sus_store import get_user, list_insatser, permissions_of
from sus_store.users import latest_valid_until
from tests.review.conftest import INSATS, PASSWORD, TODAY, csrf_of, login, state_of


def with_admin_routes(app: FastAPI) -> None:
    """Include this router until ``create_app`` does."""
    if not any(getattr(route, "path", None) == "/admin" for route in app.routes):
        app.include_router(admin.router)


@pytest.fixture
def site(client: TestClient) -> TestClient:
    with_admin_routes(client.app)  # type: ignore[arg-type]
    return client


@pytest.fixture
def token(site: TestClient) -> str:
    """Logged in as the admin; the CSRF token."""
    return login(site, "admin")


def context(response: Any) -> dict[str, Any]:
    result: dict[str, Any] = response.context
    return result


def insats_id(client: TestClient, name: str = INSATS) -> int:
    with state_of(client).store.transaction() as session:
        return next(i.id for i in list_insatser(session) if i.name == name)


def permissions(client: TestClient, username: str) -> list[Any]:
    with state_of(client).store.transaction() as session:
        return permissions_of(session, username, today=TODAY)


def new_user(client: TestClient, token: str, username: str = "berit",
             password: str = "ett långt lösenord") -> Any:
    return client.post("/admin/anvandare", follow_redirects=False, data={
        "username": username, "display_name": "Berit Åberg", "password": password,
        "csrf": token})


@pytest.mark.parametrize("path", ["/admin", "/admin/logg"])
def test_admin_pages_refuse_a_granskare(site: TestClient, path: str) -> None:
    """GIVEN a logged-in granskare WHEN an admin page is opened THEN 403, in Swedish."""
    login(site, "granskare")
    response = site.get(path)
    assert response.status_code == 403
    assert response.template.name == "error.html"
    assert context(response)["error"]["code"] == "permission_denied"


def test_anonymous_visitor_is_sent_to_the_login(site: TestClient) -> None:
    response = site.get("/admin", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/admin"


def test_admin_page_lists_users_with_their_permissions(site: TestClient, token: str) -> None:
    """GIVEN the fixture's users WHEN the admin opens /admin
    THEN every user is listed with the permission that holds today and its scope."""
    response = site.get("/admin")
    page = context(response)
    assert response.template.name == "admin.html"
    rows = {row.user.username: row for row in page["users"]}
    assert {"admin", "granskare", "diariet", "forbund"} <= rows.keys()
    (permission,) = rows["granskare"].permissions
    assert permission.role == "Granskare (deltagaransvarig)"
    assert permission.scope.startswith(f"insatsen {INSATS}")
    assert page["latest"] == latest_valid_until(TODAY) == date(2028, 11, 25)


def test_create_grant_and_revoke_through_the_forms(site: TestClient, token: str) -> None:
    """GIVEN an admin WHEN a user is created, given granskare for an insats, and the
    permission is revoked THEN each step redirects back with a message, the store has
    it, and the new user can log in while the permission holds."""
    created = new_user(site, token)
    assert created.status_code == 303 and created.headers["location"] == "/admin?klart=skapad"
    assert context(site.get(created.headers["location"]))["message"] == "Användaren har skapats."

    granted = site.post("/admin/behorighet", follow_redirects=False, data={
        "username": "berit", "role": "granskare", "insats_id": str(insats_id(site)),
        "forbund_id": "", "valid_until": "2027-06-30", "csrf": token})
    assert granted.headers["location"] == "/admin?klart=behorighet"
    (permission,) = permissions(site, "berit")
    assert permission.valid_until == date(2027, 6, 30)

    revoked = site.post(f"/admin/behorighet/{permission.id}/aterkalla", follow_redirects=False,
                        data={"csrf": token})
    assert revoked.headers["location"] == "/admin?klart=aterkallad"
    assert permissions(site, "berit") == []


def test_grant_defaults_to_two_years(site: TestClient, token: str) -> None:
    """GIVEN no end date WHEN diariet is granted THEN it holds the longest allowed."""
    response = site.post("/admin/behorighet", follow_redirects=False, data={
        "username": "granskare", "role": "diariet", "csrf": token})
    assert response.status_code == 303
    assert [p.valid_until for p in permissions(site, "granskare") if p.role == "diariet"] == [
        latest_valid_until(TODAY)]


def test_grant_beyond_two_years_shows_the_rule(site: TestClient, token: str) -> None:
    """GIVEN an end date two years and a day ahead WHEN granted THEN the page comes back
    with the store's Swedish refusal, the form as filled, and nothing is granted."""
    too_late = latest_valid_until(TODAY) + timedelta(days=1)
    response = site.post("/admin/behorighet", data={
        "username": "diariet", "role": "rapport", "valid_until": too_late.isoformat(),
        "csrf": token})
    assert response.status_code == 422
    assert response.template.name == "admin.html"
    page = context(response)
    assert "högst två år" in page["error"] and page["values"]["role"] == "rapport"
    assert "högst två år" in response.text
    assert [p.role for p in permissions(site, "diariet")] == ["diariet"]


@pytest.mark.parametrize(("data", "message"), [
    ({"role": "granskare"}, "måste gälla en insats"),
    ({"role": "superuser"}, "Välj en behörighet"),
    ({"role": "admin", "username": "ingen"}, "finns inte"),
])
def test_refused_grants_are_explained(site: TestClient, token: str, data: dict[str, str],
                                      message: str) -> None:
    response = site.post("/admin/behorighet",
                         data={"username": "diariet", "csrf": token, **data})
    assert response.status_code in (404, 422)
    assert message in context(response)["error"]


def test_refused_new_users_are_explained(site: TestClient, token: str) -> None:
    """GIVEN a taken username or a short password WHEN a user is created
    THEN the page says why and no second user exists."""
    taken = new_user(site, token, username="Granskare")
    assert taken.status_code == 422 and "redan upptaget" in context(taken)["error"]
    short = new_user(site, token, password="kort")
    assert short.status_code == 422 and "minst 10 tecken" in context(short)["error"]
    blank = new_user(site, token, username="   ")
    assert blank.status_code == 422 and "Användarnamn" in context(blank)["error"]
    assert context(short)["values"]["username"] == "berit"


def test_post_without_csrf_is_refused(site: TestClient, token: str) -> None:
    """GIVEN a logged-in admin WHEN a form is posted without the token THEN 403, no user."""
    response = site.post("/admin/anvandare", data={
        "username": "mallory", "display_name": "M", "password": "ett långt lösenord"})
    assert response.status_code == 403
    assert context(response)["error"]["code"] == "csrf_failed"
    names = {row.user.username for row in context(site.get("/admin"))["users"]}
    assert "mallory" not in names


def test_deactivated_user_cannot_log_in_and_admin_cannot_deactivate_self(
        site: TestClient, token: str) -> None:
    response = site.post("/admin/anvandare/granskare/inaktivera", follow_redirects=False,
                         data={"csrf": token})
    assert response.headers["location"] == "/admin?klart=inaktiverad"
    with state_of(site).store.transaction() as session:
        assert get_user(session, "granskare").active is False
    self_stop = site.post("/admin/anvandare/admin/inaktivera", data={"csrf": token})
    assert self_stop.status_code == 422
    assert context(self_stop)["error"] == "Du kan inte inaktivera ditt eget konto."

    site.post("/logout", data={"csrf": token})
    login_token = csrf_of(site.get("/login").text)
    refused = site.post("/login", data={"username": "granskare", "password": PASSWORD,
                                        "csrf": login_token})
    assert refused.status_code == 401


def test_audit_log_newest_first_and_filtered(site: TestClient, token: str) -> None:
    """GIVEN an admin who created a user and granted a permission WHEN the log is read
    THEN the grant comes before the creation, and filters narrow it down."""
    new_user(site, token)
    site.post("/admin/behorighet", data={"username": "berit", "role": "diariet",
                                         "csrf": token})
    response = site.get("/admin/logg", params={"actor": "admin"})
    assert response.template.name == "audit.html"
    entries = context(response)["entries"]
    assert [(e.action, e.entity) for e in entries[:2]] == [
        ("gav", "Behörighet"), ("skapade", "Användare")]
    assert any("username: – → berit" in change for change in entries[1].changes)
    assert not any("argon2" in change for e in entries for change in e.changes)

    users_only = context(site.get("/admin/logg", params={"entity": "user"}))["entries"]
    assert {e.entity for e in users_only} == {"Användare"}
    one = context(site.get("/admin/logg", params={
        "entity": "user", "entity_id": str(entries[1].entity_id)}))["entries"]
    assert len(one) == 1


def test_admin_adds_a_forbund_and_an_insats(client: TestClient) -> None:
    """GIVEN an admin WHEN a förbund and then an insats of it are added through the forms
    THEN both are in the store; a kategori/inriktning that do not belong together and a
    second insats with the same name are refused with a Swedish message on the page."""
    from sus_store import list_insatser

    token = login(client, "admin")
    added = client.post("/admin/forbund", data={
        "csrf": token, "name": "Samordningsförbundet Nytt", "startdatum": "2024-01-01",
        "finansieringsform": "finsam"}, follow_redirects=False)
    assert added.status_code == 303
    insats = {"csrf": token, "forbund": "Samordningsförbundet Nytt", "name": "Ny väg",
              "kategori": "individinriktad", "inriktning": "forberedande",
              "deltagarform": "personuppgifter", "period_start": "2024-02-01", "period_end": ""}
    assert client.post("/admin/insats", data=insats, follow_redirects=False).status_code == 303
    again = client.post("/admin/insats", data=insats)
    assert again.status_code == 422 and "unikt" in again.context["error"]  # type: ignore[attr-defined]
    wrong = client.post("/admin/insats", data={**insats, "name": "Annan",
                                               "kategori": "strukturovergripande"})
    assert wrong.status_code == 422 and "hör inte till" in wrong.context["error"]  # type: ignore[attr-defined]
    with state_of(client).store.transaction() as session:
        assert "Ny väg" in [i.name for i in list_insatser(session)]
