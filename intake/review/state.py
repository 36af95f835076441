"""What the running service holds: settings, the store, the files on disk, and the
reader of uploads (its models loaded on first use)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Protocol

from intake.review.db import migration_lock
from intake.review.db import upgrade as upgrade_review
from intake.review.files import FileStore
from intake.settings import Settings
from sus_store import Store, open_store
from sus_store import upgrade as upgrade_store

if TYPE_CHECKING:
    from intake.pipeline import Reader


class Signal(Protocol):
    """An event another thread or process sets: :class:`threading.Event`, or a
    :mod:`multiprocessing` one shared with the service's reading process."""

    def set(self) -> None: ...
    def clear(self) -> None: ...
    def is_set(self) -> bool: ...
    def wait(self, timeout: float | None = None) -> bool: ...


@dataclass(frozen=True)
class ServiceState:
    settings: Settings
    store: Store
    files: FileStore
    #: Set when an upload is stored for reading (or queued again), so that the reader
    #: of this service (its reading process) starts on it at once, not at its next look.
    uploaded: Signal = field(default_factory=threading.Event, compare=False)

    @cached_property
    def reader(self) -> Reader:
        """The reader of uploads, loaded once for the service's life (imported here: a
        web process with a reading process of its own never loads it)."""
        from intake.pipeline import Reader

        return Reader.load(self.settings)


def open_service(settings: Settings, *, uploaded: Signal | None = None) -> ServiceState:
    """Open (and migrate) the store and the review tables beside it; the migrations
    run under a lock, so that nodes starting together do not race on them. ``uploaded``:
    the event shared with the service's reading process (a new one by default)."""
    store = open_store(settings.store_url(), settings.consent_archive_dir(), migrate=False)
    with migration_lock(store.engine):
        upgrade_store(store.engine)
        upgrade_review(store.engine)
    files = FileStore(settings.data_dir)
    files.clear_stale_staging()
    if uploaded is None:
        return ServiceState(settings=settings, store=store, files=files)
    return ServiceState(settings=settings, store=store, files=files, uploaded=uploaded)
