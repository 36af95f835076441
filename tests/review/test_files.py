"""Uploaded files on disk: what a request killed mid-upload leaves behind."""

from __future__ import annotations

import os
import time
from pathlib import Path

from intake.review.files import STALE_STAGING_S, FileStore
from intake.review.state import open_service
from intake.settings import Settings


def _staged(files: FileStore, age_s: float) -> Path:
    path, _ = files.stage(b"half an upload")
    then = time.time() - age_s
    os.utime(path, (then, then))
    return path


def test_service_start_removes_files_a_killed_upload_left_in_staging(tmp_path: Path) -> None:
    """GIVEN a staged part of an upload whose request died hours ago, and one arriving now
    WHEN the service starts
    THEN the old part is gone and the one being received is kept."""
    files = FileStore(tmp_path)
    old = _staged(files, STALE_STAGING_S + 60)
    arriving = _staged(files, 5)
    state = open_service(Settings(data_dir=tmp_path))
    try:
        assert not old.exists()
        assert arriving.exists()
    finally:
        state.store.dispose()
