"""Where the templates a service reads with are kept (issue 17): a folder on disk.

The built-in layouts are always there and always active (ids ``FK9443``, ``FK9448``,
``FK9449``); a learned template (``sus-intake forms learn`` or the admin page) is
added as a draft, fixed while a draft if it needs it, and then activated. Reading
(``extract``, the service's reading processes) uses the active ones: every built-in
layout and every active learned one, of all three forms.

The folder (``Settings.template_dir()``, default ``DATA_DIR/templates``)::

    index.json              {"active": [ids of the active learned templates]}
    <id>/template.json      the Template (JSON)
    <id>/blank.<suffix>     the blank it was learned from, as uploaded
    <id>/reference.png      that blank as reading sees it: grey, upright, the page
                            exactly (template millimetres × ``dpi`` of the PNG)
    <id>/reference-2.png    its page 2 likewise (and -3, … for a longer blank)

Several processes (web nodes, readers) may share the folder: ``index.json`` is
replaced atomically under a lock, and :meth:`TemplateStore.stamp` tells a reader
that the active set changed so it reloads.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from intake.errors import IntakeError
from intake.forms import FORM_IDS
from intake.forms.blank import builtin_template
from intake.forms.template import MatchState, Template, TemplateRef

INDEX = "index.json"
LOCK = ".lock"
#: what an id may hold: it names a folder and appears in addresses
SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
#: suffixes of a stored blank (what ``forms learn`` reads)
BLANK_SUFFIXES = (".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff")


class TemplateError(IntakeError):
    """A template asked for does not exist, or cannot be changed that way."""

    code = "template_error"
    http_status = 409
    exit_code = 2


class TemplateNotFound(TemplateError):
    code = "template_not_found"
    http_status = 404


class StoredTemplate(BaseModel):
    """A template as kept: its id, whether it is built in and whether it is active."""

    model_config = ConfigDict(frozen=True)

    id: str
    template: Template
    builtin: bool
    active: bool

    @property
    def form(self) -> str:
        return self.template.form

    @property
    def ref(self) -> TemplateRef:
        return TemplateRef(id=self.id, version=self.template.version)


def builtin_id(form_id: str) -> str:
    return f"FK{form_id}"


def learned_id(template: Template) -> str:
    """``FK9448-002.F.001-1a2b3c4d``: form, version and the blank's sha256 prefix."""
    version = re.sub(r"[^A-Za-z0-9.]+", "-", template.version).strip("-.") or "v"
    return f"FK{template.form}-{version[:40]}-{template.source.sha256[:8]}"


class TemplateStore:
    """The templates in folder ``root`` (which need not exist until one is added)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    # --- reading --------------------------------------------------------------------

    def all(self) -> list[StoredTemplate]:
        """Built-in templates first (form order), then learned ones by form and when."""
        active = self._active_ids()
        learned = [self._load(path.parent.name, active) for path in self._template_files()]
        learned.sort(key=lambda t: (t.form, t.template.learned_at.isoformat()
                                    if t.template.learned_at else "", t.id))
        return [self._builtin(form_id) for form_id in FORM_IDS] + learned

    def active(self) -> list[StoredTemplate]:
        """What reading uses: every built-in template and every active learned one."""
        return [t for t in self.all() if t.active]

    def get(self, template_id: str) -> StoredTemplate:
        for form_id in FORM_IDS:
            if template_id == builtin_id(form_id):
                return self._builtin(form_id)
        path = self._folder(template_id) / "template.json"
        if not path.is_file():
            raise TemplateNotFound(f"Mallen {template_id} finns inte.")
        return self._load(template_id, self._active_ids())

    def stamp(self) -> tuple[int, int, int]:
        """Changes whenever the set of active templates (or one of them) may have
        changed: a reader that sees a new stamp loads the active templates again. Every
        change replaces the index by a new file, so its inode changes even when two
        changes fall within one tick of the file system's clock and keep its size."""
        try:
            info = (self.root / INDEX).stat()
        except FileNotFoundError:
            return (0, 0, 0)
        return (info.st_ino, info.st_mtime_ns, info.st_size)

    def blank_path(self, template_id: str) -> Path | None:
        """The blank a learned template was learned from (None for a built-in one)."""
        if self.get(template_id).builtin:
            return None
        found = [p for p in self._folder(template_id).glob("blank.*")]
        return found[0] if found else None

    def reference_path(self, template_id: str, page: int = 1) -> Path | None:
        """Page ``page`` of the learned template's blank as reading sees it (None for a
        built-in one: reading draws those itself)."""
        if self.get(template_id).builtin:
            return None
        path = self._folder(template_id) / reference_name(page)
        return path if path.is_file() else None

    # --- changing -------------------------------------------------------------------

    def add(self, template: Template, *, blank: bytes, blank_suffix: str,
            reference_png: bytes, later_references: Sequence[bytes] = ()) -> StoredTemplate:
        """Keep a learned template as a draft (not active); the same blank learned again
        for the same form and version replaces its draft, never an active template.
        ``later_references`` are the reference images of pages 2, 3, … (one for each
        of the template's later pages)."""
        if len(later_references) != template.page_count - 1:
            raise TemplateError(f"Mallen har {template.page_count} sidor men "
                                f"{1 + len(later_references)} sidbilder.")
        suffix = blank_suffix.lower()
        if suffix not in BLANK_SUFFIXES:
            raise TemplateError(f"Blanketten måste vara PDF, PNG, JPEG eller TIFF, inte {suffix}.")
        template_id = learned_id(template)
        with self._locked():
            if template_id in self._active_ids():
                raise TemplateError(
                    f"Mallen {template_id} är redan i bruk; inaktivera den först för att lära om.")
            folder = self._folder(template_id)
            folder.mkdir(parents=True, exist_ok=True)
            for old in [*folder.glob("blank.*"), *folder.glob("reference-*.png")]:
                old.unlink()
            _write(folder / f"blank{suffix}", blank)
            for number, png in enumerate((reference_png, *later_references), start=1):
                _write(folder / reference_name(number), png)
            _write(folder / "template.json", template.model_dump_json(indent=1).encode())
            self._touch_index()
        return self.get(template_id)

    def update(self, template_id: str, template: Template) -> StoredTemplate:
        """Replace a learned draft's template (an administrator's fixed boxes)."""
        with self._locked():
            stored = self.get(template_id)
            if stored.builtin:
                raise TemplateError("En inbyggd mall kan inte ändras.")
            if stored.active:
                raise TemplateError(f"Mallen {template_id} är i bruk; inaktivera den först.")
            if template.form != stored.form:
                raise TemplateError("Mallen gäller en annan blankett.")
            _write(self._folder(template_id) / "template.json",
                   template.model_dump_json(indent=1).encode())
            self._touch_index()
        return self.get(template_id)

    def activate(self, template_id: str) -> StoredTemplate:
        """Read with the template from now on; refused while a box is missing or unsure."""
        with self._locked():
            stored = self.get(template_id)
            if stored.builtin or stored.active:
                return stored
            open_ = [w.name for w in stored.template.widgets
                     if w.rect is None or w.state is MatchState.AMBIGUOUS]
            if open_:
                raise TemplateError(
                    f"Mallen {template_id} kan inte tas i bruk: {len(open_)} fält saknar ruta"
                    f" eller är osäkra ({', '.join(open_[:5])}{' …' if len(open_) > 5 else ''}).")
            self._write_active([*self._active_ids(), template_id])
        return self.get(template_id)

    def deactivate(self, template_id: str) -> StoredTemplate:
        with self._locked():
            stored = self.get(template_id)
            if stored.builtin:
                raise TemplateError("De inbyggda mallarna är alltid i bruk.")
            self._write_active([i for i in self._active_ids() if i != template_id])
        return self.get(template_id)

    # --- the folder -----------------------------------------------------------------

    def _builtin(self, form_id: str) -> StoredTemplate:
        return StoredTemplate(id=builtin_id(form_id), template=builtin_template(form_id),
                              builtin=True, active=True)

    def _load(self, template_id: str, active: list[str]) -> StoredTemplate:
        path = self._folder(template_id) / "template.json"
        template = Template.model_validate_json(path.read_bytes())
        return StoredTemplate(id=template_id, template=template, builtin=False,
                              active=template_id in active)

    def _template_files(self) -> Iterator[Path]:
        if self.root.is_dir():
            yield from sorted(self.root.glob("*/template.json"))

    def _folder(self, template_id: str) -> Path:
        if not SAFE_ID.match(template_id) or template_id in (".", ".."):
            raise TemplateNotFound(f"Mallen {template_id[:80]!r} finns inte.")
        return self.root / template_id

    def _active_ids(self) -> list[str]:
        try:
            raw = json.loads((self.root / INDEX).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        ids = raw.get("active", []) if isinstance(raw, dict) else []
        return [i for i in ids if isinstance(i, str) and SAFE_ID.match(i)
                and (self.root / i / "template.json").is_file()]

    def _write_active(self, ids: list[str]) -> None:
        unique = list(dict.fromkeys(ids))
        _write(self.root / INDEX, json.dumps({"active": unique}, indent=1).encode())

    def _touch_index(self) -> None:
        """Rewrite the index (same content) so that readers see a new stamp."""
        self._write_active(self._active_ids())

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / LOCK).open("a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


def reference_name(page: int) -> str:
    """The file of page ``page``'s reference image: reference.png, reference-2.png, …"""
    return "reference.png" if page == 1 else f"reference-{page}.png"


def _write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` at once: readers see the old file or the new one."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
