"""The form templates (issue 17), for admins only: ``/mallar`` lists every template the
service reads with (built-in and learned) with how it was learned and how many
documents were read with it, learns a new one from an uploaded blank, and activates or
deactivates it; ``/mallar/{id}`` draws a template's boxes over its blank, where a
draft's missing or unsure boxes are fixed (the page's script calls
``PUT /api/templates/{id}/widgets/{name}``). Every change is in the audit trail.

Learning runs Tesseract for several seconds: the blank is streamed to disk within the
upload limits and learned in a worker thread, with no database transaction open.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.responses import FileResponse

from intake.errors import InputError, IntakeError
from intake.forms import FORM_IDS, load_form
from intake.forms.blank import blank_pdf
from intake.forms.model import Rect
from intake.forms.store import StoredTemplate, TemplateError, TemplateNotFound, TemplateStore
from intake.forms.template import MatchState, Template, TemplateWidget
from intake.review.deps import (
    CsrfChecked,
    CsrfFailed,
    SessionDep,
    StateDep,
    TemplatesDep,
    TodayDep,
    current_user,
)
from intake.review.multipart import (
    MB,
    UploadLimits,
    discard,
    receive_form,
    refuse_declared_size,
)
from intake.review.queue import Viewer
from intake.review.routes.admin import AdminUser
from intake.review.schema import Document
from intake.review.security import same_token
from intake.review.state import ServiceState
from intake.review.templating import templates
from sus_store import PermissionDenied
from sus_store.audit import record

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["mallar"])

#: the path of the upload, which streams its own body (``BodyLimit`` lets it through)
UPLOAD_PATH = "/mallar/ny"
#: what ``/mallar?klart=…`` tells the admin was done
DONE = {
    "aktiverad": "Mallen är i bruk: sidor i den layouten läses med den.",
    "inaktiverad": "Mallen används inte längre vid läsning.",
}
#: a version as Försäkringskassan prints it in the footer ("002 F 001")
VERSION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z .-]{0,39}$")
#: the resolution a built-in blank is drawn at for the page (its boxes are exact anyway)
BUILTIN_DPI = 100
#: the smallest box an administrator may draw (mm)
MIN_BOX_MM = 1.0


class Refused(IntakeError):
    """A templates page asked for something it refuses before the store does."""

    code = "refused"
    http_status = 422


def upload_admin(request: Request, state: StateDep, today: TodayDep) -> Viewer:
    """An admin, checked before a byte of the (large) body is read, in a transaction of
    its own: none is open while the blank arrives and is learned."""
    with state.store.transaction() as session:
        user = current_user(request, session, today)
    if not user.is_admin:
        raise PermissionDenied("Bara administratörer kommer åt mallarna.")
    return user


UploadAdmin = Annotated[Viewer, Depends(upload_admin)]


# --- The list -------------------------------------------------------------------------


class TemplateRow(BaseModel):
    """One template as the list shows it."""

    id: str
    form: str
    version: str
    source_file: str
    builtin: bool
    active: bool
    ready: bool
    matched: int
    ambiguous: int
    missing: int
    fixed: int
    documents: int


@router.get("/mallar")
def templates_page(request: Request, session: SessionDep, user: AdminUser,
                   store: TemplatesDep, klart: str = "") -> Response:
    return _render_list(request, session, user, store, message=DONE.get(klart))


@router.post(UPLOAD_PATH)
async def upload_blank(request: Request, state: StateDep, user: UploadAdmin,
                       store: TemplatesDep) -> Response:
    """Learn the uploaded blank as a draft; a refusal is shown on the list in Swedish."""
    limits = _blank_limits(state)
    refuse_declared_size(request.headers.get("content-length"), limits)
    form = await receive_form(request.stream(), request.headers.get("content-type", ""),
                              staging=state.files.staging(), limits=limits)
    try:
        _check_csrf(request, form.fields.get("csrf"))
        form_id, version = _blank_fields(form.fields)
        if len(form.files) != 1 or form.files[0].size == 0:
            raise InputError("Välj en fil med den tomma blanketten (PDF, PNG, JPEG eller TIFF).")
        staged = form.files[0]
        stored = await run_in_threadpool(_learn, state, store, staged.path, staged.filename,
                                         form_id, version)
    except IntakeError as exc:  # the list again, with the form as it was filled in
        values = {k: form.fields.get(k, "")[:40] for k in ("form", "version")}
        return await run_in_threadpool(_refusal, request, state, user, store, exc, values)
    finally:
        discard(form.files)
    await run_in_threadpool(_audit_alone, state, user, "create", stored)
    return RedirectResponse(f"/mallar/{stored.id}?klart=inlard", status_code=303)


@router.post("/mallar/{template_id}/aktivera", dependencies=[CsrfChecked])
def activate_form(template_id: str, request: Request, session: SessionDep, user: AdminUser,
                  store: TemplatesDep) -> Response:
    return _change(request, session, user, store, template_id, "activate")


@router.post("/mallar/{template_id}/inaktivera", dependencies=[CsrfChecked])
def deactivate_form(template_id: str, request: Request, session: SessionDep, user: AdminUser,
                    store: TemplatesDep) -> Response:
    return _change(request, session, user, store, template_id, "deactivate")


def _change(request: Request, session: Session, user: Viewer, store: TemplateStore,
            template_id: str, action: str) -> Response:
    try:
        stored = (store.activate if action == "activate" else store.deactivate)(template_id)
    except TemplateError as exc:
        return _render_list(request, session, user, store, error=str(exc),
                            status_code=exc.http_status)
    _audit(session, user, action, stored)
    done = "aktiverad" if action == "activate" else "inaktiverad"
    return RedirectResponse(f"/mallar?klart={done}", status_code=303)


def _render_list(request: Request, session: Session, user: Viewer, store: TemplateStore, *,
                 message: str | None = None, error: str | None = None,
                 values: dict[str, str] | None = None, status_code: int = 200) -> Response:
    read_with = _documents_per_template(session)
    rows = [_row(t, read_with.get(t.id, 0)) for t in store.all()]
    return templates.TemplateResponse(request, "mallar.html", {
        "user": user, "rows": rows, "message": message, "error": error,
        "values": values or {}, "forms": FORM_IDS, "upload_path": UPLOAD_PATH,
    }, status_code=status_code)


def _documents_per_template(session: Session) -> dict[str, int]:
    query = (select(Document.template_id, func.count()).where(Document.template_id.is_not(None))
             .group_by(Document.template_id))
    return {str(template_id): int(count) for template_id, count in session.execute(query)}


def _row(stored: StoredTemplate, documents: int) -> TemplateRow:
    template = stored.template
    counts = template.counts()
    return TemplateRow(
        id=stored.id, form=stored.form, version=template.version,
        source_file=template.source.file, builtin=stored.builtin, active=stored.active,
        ready=template.ready(), matched=counts[MatchState.MATCHED] + counts[MatchState.BUILTIN],
        ambiguous=counts[MatchState.AMBIGUOUS], missing=counts[MatchState.MISSING],
        fixed=counts[MatchState.FIXED], documents=documents)


# --- Learning an uploaded blank -------------------------------------------------------


def _blank_limits(state: ServiceState) -> UploadLimits:
    size = state.settings.max_upload_mb * MB
    return UploadLimits(file_bytes=size, request_bytes=size + MB, files=1)


def _check_csrf(request: Request, field: str | None) -> None:
    given = request.headers.get("x-csrf-token") or field
    if not same_token(request.session.get("csrf"), given):
        raise CsrfFailed("Formuläret har gått ut (CSRF). Ladda om sidan och försök igen.")


def _blank_fields(fields: dict[str, str]) -> tuple[str, str | None]:
    form_id = fields.get("form", "").strip().removeprefix("FK").strip()
    if form_id not in FORM_IDS:
        raise Refused("Välj vilken blankett det är: FK 9443, 9448 eller 9449.")
    version = fields.get("version", "").strip()
    if version and not VERSION.match(version):
        raise Refused("Versionen skrivs som i sidfoten, till exempel 002 F 001"
                      " (siffror, bokstäver, mellanslag, punkt och bindestreck).")
    # as a version read from the footer is kept: "002 F 001" → "002.F.001"
    return form_id, re.sub(r"[\s.]+", ".", version) or None


def _learn(state: ServiceState, store: TemplateStore, staged: Path, filename: str,
           form_id: str, version: str | None) -> StoredTemplate:
    """Learn the staged blank under its own (cleaned) name, which the template keeps.
    (The learning and drawing code is imported where used: the web process loads the
    image libraries only when an admin works on templates.)"""
    from intake.templates.install import install_learned

    with tempfile.TemporaryDirectory(dir=state.files.staging()) as folder:
        blank = Path(folder) / _clean_name(filename)
        shutil.copyfile(staged, blank)
        try:
            return install_learned(blank, form_id, store, version=version,
                                   lang=state.settings.tesseract_lang,
                                   tesseract_cmd=state.settings.tesseract_cmd)
        except ValueError as exc:  # an image its decoder gives up on
            raise InputError(f"{blank.name}: filen kan inte läsas som en blankett.") from exc


def _clean_name(filename: str) -> str:
    name = re.sub(r"[^\w.-]+", "_", Path(filename.replace("\\", "/")).name).strip("._")
    return (name or "blankett")[-100:]


def _refusal(request: Request, state: ServiceState, user: Viewer, store: TemplateStore,
             exc: IntakeError, values: dict[str, str]) -> Response:
    with state.store.transaction(read_only=True) as session:
        return _render_list(request, session, user, store, error=str(exc), values=values,
                            status_code=exc.http_status)


# --- One template ---------------------------------------------------------------------


class WidgetView(BaseModel):
    """A widget as the template page draws and lists it."""

    name: str
    label: str
    kind: str
    state: str
    state_name: str
    rect: Rect | None
    candidates: list[Rect]
    page: int = 1


class PageView(BaseModel):
    """A later page of a template (2, 3, …) as the template page draws it: its size, its
    printed boxes and the boxes of the widgets on it (none on a page of text)."""

    number: int
    width_mm: float
    height_mm: float
    boxes: list[Rect]
    widgets: list[WidgetView]
    #: how many widgets are on the page, with a box or not (none: a page of text)
    fields: int = 0


@router.get("/mallar/{template_id}")
def template_page(template_id: str, request: Request, user: AdminUser,
                  store: TemplatesDep, klart: str = "") -> Response:
    stored = store.get(template_id)
    template = stored.template
    return templates.TemplateResponse(request, "mall.html", {
        "user": user, "stored": stored, "template": template,
        "editable": not stored.builtin and not stored.active, "ready": template.ready(),
        "widgets": [_widget_view(w, template.form) for w in template.widgets],
        "later_pages": _later_pages(template),
        "counts": {s.swedish: n for s, n in template.counts().items() if n},
        "message": "Blanketten är inläst som utkast. Rätta de rutor som saknas eller är"
                   " osäkra och ta sedan mallen i bruk." if klart == "inlard" else None,
    })


def _later_pages(template: Template) -> list[PageView]:
    return [PageView(number=page.number, width_mm=page.page_width_mm,
                     height_mm=page.page_height_mm, boxes=[b.rect for b in page.boxes],
                     widgets=[_widget_view(w, template.form)
                              for w in template.widgets_on(page.number) if w.rect],
                     fields=len(template.widgets_on(page.number)))
            for page in template.more_pages]


@router.get("/mallar/{template_id}/blankett.png")
def template_blank(template_id: str, user: AdminUser, store: TemplatesDep,
                   sida: int = 1) -> Response:
    """The blank the boxes are drawn over: a learned template's page ``sida`` as reading
    sees it, a built-in form drawn from its PDF."""
    stored = store.get(template_id)
    if stored.builtin and sida == 1:
        return Response(_builtin_blank_png(stored.form), media_type="image/png",
                        headers={"Cache-Control": "private, max-age=3600"})
    path = None if stored.builtin else store.reference_path(template_id, sida)
    if path is None:
        raise TemplateNotFound(f"Mallen {template_id} saknar bild av blankettens sida {sida}.")
    return FileResponse(path, media_type="image/png",
                        headers={"Cache-Control": "private, no-cache"})


@lru_cache(maxsize=len(FORM_IDS))
def _builtin_blank_png(form_id: str) -> bytes:
    """A built-in form's blank, drawn once per process (it is part of the release)."""
    from intake import imaging
    from intake.load.render import render_pdf

    return imaging.encode_png(next(render_pdf(blank_pdf(form_id), dpi=BUILTIN_DPI, grey=True)))


def _widget_view(widget: TemplateWidget, form_id: str) -> WidgetView:
    return WidgetView(name=widget.name, label=_label(widget, form_id), kind=widget.kind,
                      state=widget.state.value, state_name=widget.state.swedish,
                      rect=widget.rect, candidates=[c.rect for c in widget.candidates],
                      page=widget.page)


def _label(widget: TemplateWidget, form_id: str) -> str:
    """What the admin recognises the widget by: the printed text it was found by, else
    its field's label (and option) in the form's definition."""
    if widget.label:
        return widget.label
    try:
        label = load_form(form_id).field(widget.field).label
    except KeyError:
        return widget.name
    return f"{label}: {widget.option}" if widget.option else label


class BoxIn(BaseModel):
    """A widget's box as the administrator chose or drew it, in mm from the page's
    top-left corner."""

    x: float = Field(ge=0, le=1000)
    y: float = Field(ge=0, le=1000)
    w: float = Field(ge=MIN_BOX_MM, le=1000)
    h: float = Field(ge=MIN_BOX_MM, le=1000)


class TemplateState(BaseModel):
    """A draft after a box was saved: the widget, and whether it can be activated."""

    id: str
    widget: WidgetView
    ready: bool
    counts: dict[str, int]


@api.put("/templates/{template_id}/widgets/{name}", dependencies=[CsrfChecked])
def save_box(template_id: str, name: str, box: BoxIn, session: SessionDep, user: AdminUser,
             store: TemplatesDep) -> TemplateState:
    """Set widget ``name``'s box on a draft (it is then "rättad")."""
    stored = store.get(template_id)
    template = _with_box(stored.template, name, box)
    saved = store.update(template_id, template)
    _audit(session, user, "update", saved, widget=name,
           box=[round(v, 2) for v in (box.x, box.y, box.w, box.h)])
    return TemplateState(id=saved.id,
                         widget=_widget_view(saved.template.widget(name), saved.form),
                         ready=saved.template.ready(),
                         counts={s.value: n for s, n in saved.template.counts().items()})


def _with_box(template: Template, name: str, box: BoxIn) -> Template:
    """``template`` with widget ``name``'s box, on the widget's page (within it)."""
    try:
        page = template.page(template.widget(name).page)
    except KeyError:
        raise TemplateError(f"Blanketten har inget fält {name[:40]!r}.") from None
    if box.x + box.w > page.page_width_mm or box.y + box.h > page.page_height_mm:
        raise Refused(f"Rutan måste ligga inom sidan ({page.page_width_mm:.0f} ×"
                      f" {page.page_height_mm:.0f} mm).")
    try:
        return template.with_box(name, Rect(x=box.x, y=box.y, w=box.w, h=box.h))
    except KeyError:
        raise TemplateError(f"Blanketten har inget fält {name[:40]!r}.") from None
    except ValidationError as exc:
        raise Refused("Rutan är inte giltig.") from exc


# --- The audit trail ------------------------------------------------------------------


def _audit(session: Session, user: Viewer, action: str, stored: StoredTemplate,
           **details: object) -> None:
    record(session, actor=user.username, action=action, entity="template", after={
        "mall": stored.id, "blankett": stored.form, "version": stored.template.version,
        "i_bruk": stored.active, **details})


def _audit_alone(state: ServiceState, user: Viewer, action: str,
                 stored: StoredTemplate) -> None:
    with state.store.transaction() as session:
        _audit(session, user, action, stored, fil=stored.template.source.file)
