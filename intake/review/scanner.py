"""The scanner folder: files a scanner (or a person) puts in a folder are read as uploads
by a named service user, as if uploaded on the web (``intake.review.ingest``).

Layout: one subfolder per förbund, named as the förbund is, and ``Diariet`` for
Diariet's; or the whole folder bound to one förbund or to Diariet. Each such *inbox*
gets, beside the files put in it::

    .läses/   files taken and being read (a restart picks them up from here)
    klara/    files read
    fel/      files not read, each with ``NAME.orsak.txt`` saying why, in Swedish

A file is taken once it is whole: its size and modification time unchanged for
``watch_stable_seconds`` (a scanner writing slowly over a network share keeps changing
them). It is first moved into ``.läses/``, so it is never taken twice; a restart finds
the upload of a file there by its SHA-256 (the same service user, the same förbund)
instead of uploading it again. When its reading ends it moves to ``klara/``, or to
``fel/`` (the reading failed, or the same file was read before: deduplicated as uploads
are). Nothing in ``klara/`` or ``fel/`` is looked at again.

Watching is the one place ``watchfiles`` is used: OS events, or polling
(``watch_polling``) where events do not arrive (network shares).
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from intake.errors import ConfigurationError, IntakeError
from intake.review.ingest import FileIn, receive_upload, upload_forbund
from intake.review.queue import viewer_for
from intake.review.schema import Batch, Upload
from intake.review.state import ServiceState
from intake.settings import Settings
from sus_store import ForbundView, NotFound, get_user, list_forbund

log = logging.getLogger(__name__)

WORKING = ".läses"
DONE = "klara"
FAILED = "fel"
DIARIET = "Diariet"
REASON_SUFFIX = ".orsak.txt"
#: Names a scanner or an editor writes while a file is not yet whole: never taken.
PARTIAL_SUFFIXES = (".part", ".tmp", ".crdownload", ".partial", "~")
CHUNK = 1024 * 1024
#: How often files in ``.läses/`` that nothing follows (their hand-in failed) are tried again.
RECOVERY_SECONDS = 60.0


class ScannerConfig(BaseModel):
    """What the scanner folder needs to know (from Settings, or the ``watch`` command)."""

    model_config = ConfigDict(frozen=True)

    folder: Path
    username: str
    forbund: str | None = None
    diariet: bool = False
    polling: bool = False
    stable_seconds: float = 2.0
    interval_seconds: float = 0.5

    @classmethod
    def from_settings(cls, settings: Settings, **changes: object) -> ScannerConfig:
        values: dict[str, object] = {
            "folder": settings.watch_dir, "username": settings.watch_user,
            "forbund": settings.watch_forbund, "diariet": settings.watch_diariet,
            "polling": settings.watch_polling, "stable_seconds": settings.watch_stable_seconds,
            "interval_seconds": settings.watch_interval_seconds}
        values.update({k: v for k, v in changes.items() if v is not None})
        if values["folder"] is None:
            raise ConfigurationError("Ingen skannermapp angiven (SUS_WATCH_DIR).")
        return cls.model_validate(values)


class Inbox(BaseModel):
    """A folder files are put in, and whose they are: a förbund's, or Diariet's (None).
    ``refusal`` (Swedish) when no one's: its files go to its ``fel/``."""

    model_config = ConfigDict(frozen=True)

    path: Path
    forbund_id: int | None = None
    refusal: str | None = None


class Scanner:
    """Takes whole files from the inboxes and follows their reading; :meth:`tick` does
    one round (the watch loop calls it on every change and every interval)."""

    def __init__(self, state: ServiceState, config: ScannerConfig, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.state = state
        self.config = config
        self._clock = clock
        self._seen: dict[Path, tuple[int, int, float]] = {}  # size, mtime, unchanged since
        self._reading: dict[Path, int] = {}  # file in .läses/ → its upload
        self._next_recovery = clock() + RECOVERY_SECONDS
        self._check_user()
        self.config.folder.mkdir(parents=True, exist_ok=True)

    # --- the rounds ----------------------------------------------------------------

    def tick(self) -> None:
        """One round: take the files that are whole, move on those whose reading ended."""
        inboxes = self.inboxes()
        for inbox in inboxes:
            for path in self._waiting_files(inbox.path):
                if self._whole(path):
                    self._take(inbox, path)
        self._finish_read()
        if self._clock() >= self._next_recovery:  # a file whose hand-in failed (database away)
            self.recover()

    def recover(self) -> None:
        """After a (re)start: the files left in ``.läses/`` are followed (or uploaded, when
        the last run stopped before their upload was stored); none is read twice."""
        self._next_recovery = self._clock() + RECOVERY_SECONDS
        for inbox in self.inboxes():
            working = inbox.path / WORKING
            if working.is_dir():
                for path in sorted(p for p in working.iterdir() if p.is_file()):
                    if path not in self._reading:
                        self._hand_in(inbox, path, recovering=True)

    def inboxes(self) -> list[Inbox]:
        root = self.config.folder
        if self.config.diariet:
            return [Inbox(path=root)]
        if self.config.forbund:
            return [Inbox(path=root, forbund_id=self._forbund_id(self.config.forbund))]
        named = {f.name.casefold(): f.id for f in self._forbund()}
        boxes = [Inbox(path=root, refusal="Filen ligger direkt i skannermappen. Lägg den i"
                                          " förbundets mapp (eller i Diariet).")]
        for sub in sorted(p for p in root.iterdir() if p.is_dir() and _inbox_name(p.name)):
            if sub.name.casefold() == DIARIET.casefold():
                boxes.append(Inbox(path=sub))
            elif sub.name.casefold() in named:
                boxes.append(Inbox(path=sub, forbund_id=named[sub.name.casefold()]))
            else:
                boxes.append(Inbox(path=sub, refusal=f"Mappen ”{sub.name}” är inget förbund"
                                                     " i registret (och inte Diariet)."))
        return boxes

    # --- taking a file -------------------------------------------------------------

    def _waiting_files(self, folder: Path) -> list[Path]:
        try:
            entries = sorted(folder.iterdir())
        except FileNotFoundError:
            return []
        return [p for p in entries if _inbox_name(p.name) and not p.name.endswith(
            PARTIAL_SUFFIXES) and p.is_file() and not p.is_symlink()]

    def _whole(self, path: Path) -> bool:
        """Unchanged (size and modification time) for ``stable_seconds``."""
        try:
            info = path.stat()
        except FileNotFoundError:
            self._seen.pop(path, None)
            return False
        at = self._clock()
        mark = (info.st_size, info.st_mtime_ns)
        before = self._seen.get(path)
        if before is None or before[:2] != mark:
            self._seen[path] = (*mark, at)
            return False
        return at - before[2] >= self.config.stable_seconds

    def _take(self, inbox: Inbox, path: Path) -> None:
        self._seen.pop(path, None)
        if inbox.refusal:
            self._failed(inbox.path, path, inbox.refusal)
            return
        working = _free_name(inbox.path / WORKING, path.name)
        working.parent.mkdir(exist_ok=True)
        path.replace(working)  # taken: from here on it is never taken again
        log.info("scanner: took a file of %d bytes", working.stat().st_size)
        self._hand_in(inbox, working)

    def _hand_in(self, inbox: Inbox, path: Path, *, recovering: bool = False) -> None:
        """Upload a file of ``.läses/`` and follow its reading; when ``recovering``, the
        upload a stopped run stored already is followed instead."""
        try:
            staged = self._stage(path)
            earlier = (self._earlier_upload(staged.sha256, inbox.forbund_id)
                       if recovering else None)
            if earlier is not None:
                staged.path.unlink(missing_ok=True)
                self._reading[path] = earlier
                return
            forbund_id = self._scope(inbox)
            batch = receive_upload(self.state, [staged], username=self.config.username,
                                   forbund_id=forbund_id)
        except IntakeError as exc:
            self._failed(inbox.path, path, exc.message)
            return
        self._reading[path] = batch.uploads[0].id

    def _stage(self, path: Path) -> FileIn:
        """A copy in the service's staging area, hashed on the way (the upload keeps or
        drops it); refused past the upload limit."""
        limit = self.state.settings.max_upload_mb * 1024 * 1024
        size = path.stat().st_size
        if size > limit:
            raise IntakeError(f"Filen är större än {self.state.settings.max_upload_mb} MB,"
                              " det största som tas emot.")
        staging = self.state.files.staging()
        staging.mkdir(parents=True, exist_ok=True)
        staged = staging / f".{uuid.uuid4().hex}.part"  # cleared if left (clear_stale_staging)
        digest = hashlib.sha256()
        with path.open("rb") as source, staged.open("wb") as target:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                target.write(chunk)
        return FileIn(filename=path.name, path=staged, size=size, sha256=digest.hexdigest())

    def _earlier_upload(self, sha256: str, forbund_id: int | None) -> int | None:
        """This service user's upload of these bytes for this förbund, if stored already
        (a run that stopped between storing the upload and moving the file)."""
        with self.state.store.transaction(read_only=True) as session:
            return session.scalar(
                select(Upload.id).join(Batch).where(
                    Upload.sha256 == sha256, Upload.scope == (forbund_id or 0),
                    Batch.uploaded_by == self.config.username)
                .order_by(Upload.id.desc()).limit(1))

    def _scope(self, inbox: Inbox) -> int | None:
        """The förbund the upload is for, as the service user may upload it today."""
        with self.state.store.transaction(read_only=True) as session:
            user = get_user(session, self.config.username)
            if not user.active:
                raise IntakeError(f"Tjänsteanvändaren {user.username} är avstängd.")
            viewer = viewer_for(session, user.username,
                                today=self.state.settings.current_day())
        if upload_forbund(viewer, inbox.forbund_id) != inbox.forbund_id:
            raise IntakeError(f"Tjänsteanvändaren {user.username} får inte ladda upp för"
                              f" {'Diariet' if inbox.forbund_id is None else 'det här förbundet'}.")
        return inbox.forbund_id

    # --- after reading -------------------------------------------------------------

    def _finish_read(self) -> None:
        if not self._reading:
            return
        with self.state.store.transaction(read_only=True) as session:
            rows = {u.id: (u.status, u.message) for u in session.scalars(
                select(Upload).where(Upload.id.in_(set(self._reading.values()))))}
        for path, upload_id in list(self._reading.items()):
            status, message = rows.get(upload_id, ("failed", "Uppladdningen finns inte."))
            inbox = path.parent.parent
            if status == "done":
                _move(path, inbox / DONE)
            elif status in ("failed", "duplicate"):
                self._failed(inbox, path, message or "Filen kunde inte läsas.")
            else:
                continue
            del self._reading[path]
            log.info("scanner: upload %d ended %s", upload_id, status)

    def _failed(self, inbox: Path, path: Path, reason: str) -> None:
        moved = _move(path, inbox / FAILED)
        moved.with_name(moved.name + REASON_SUFFIX).write_text(reason.strip() + "\n",
                                                               encoding="utf-8")
        log.info("scanner: a file went to %s/", FAILED)

    # --- set-up --------------------------------------------------------------------

    def _check_user(self) -> None:
        with self.state.store.transaction(read_only=True) as session:
            try:
                user = get_user(session, self.config.username)
            except NotFound:
                user = None
        if user is None or not user.active:
            raise ConfigurationError(
                f"Tjänsteanvändaren ”{self.config.username}” finns inte eller är avstängd."
                " Skapa den: sus-intake users create NAMN --service --name … --role …")

    def _forbund(self) -> list[ForbundView]:
        with self.state.store.transaction(read_only=True) as session:
            return list_forbund(session)

    def _forbund_id(self, name: str) -> int:
        for forbund in self._forbund():
            if forbund.name.casefold() == name.casefold():
                return forbund.id
        raise ConfigurationError(f"Förbundet ”{name}” finns inte i registret.")

    # --- watching ------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Watch until ``stop`` is set: a round on every change in the folder and every
        ``interval_seconds`` (a file must stay unchanged a while to be taken)."""
        from watchfiles import watch

        self.recover()
        self.tick()
        interval_ms = max(10, int(self.config.interval_seconds * 1000))
        for _changes in watch(self.config.folder, stop_event=stop, yield_on_timeout=True,
                              rust_timeout=interval_ms, debounce=interval_ms,
                              force_polling=self.config.polling, poll_delay_ms=interval_ms,
                              ignore_permission_denied=True, raise_interrupt=False):
            try:
                self.tick()
            except IntakeError as exc:
                log.error("scanner: %s", exc.message)
            except Exception:  # the database away a moment, a share unmounted: go on
                log.exception("scanner: a round failed; trying again")


class ScannerThread:
    """The scanner folder inside ``serve`` (``watch_dir`` set), until stopped."""

    def __init__(self, state: ServiceState) -> None:
        self._scanner = Scanner(state, ScannerConfig.from_settings(state.settings))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._scanner.run, args=(self._stop,),
                                        name="intake-scanner", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)


def _inbox_name(name: str) -> bool:
    """Not hidden, and not one of the folders the scanner writes."""
    return not name.startswith(".") and name not in (DONE, FAILED)


def _free_name(folder: Path, name: str) -> Path:
    """``folder/name``, or ``name (2)``… when that is taken."""
    target = folder / name
    stem, suffix = Path(name).stem, Path(name).suffix
    number = 2
    while target.exists() or target.with_name(target.name + REASON_SUFFIX).exists():
        target = folder / f"{stem} ({number}){suffix}"
        number += 1
    return target


def _move(path: Path, folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    target = _free_name(folder, path.name)
    shutil.move(path, target)
    return target
