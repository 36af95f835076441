"""Uploaded files and page images on disk, named by content (uploads) or document."""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from pathlib import Path

#: A staged file untouched this long belongs to no request any more.
STALE_STAGING_S = 3600.0


class FileStore:
    """``root/uploads/<sha256>`` for uploaded files, ``root/pages/<id>.jpg`` for pages."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def upload_path(self, sha: str) -> Path:
        return self.root / "uploads" / sha

    def staging(self) -> Path:
        """Where an upload's files are written while they arrive (same file system as
        ``uploads/``, so keeping one is a rename)."""
        return self.root / "uploads" / ".staging"

    def clear_stale_staging(self, *, older_than_s: float = STALE_STAGING_S) -> int:
        """Remove files a request killed mid-upload left in :meth:`staging` (only those
        untouched for ``older_than_s``: another web node may be receiving one now);
        how many went."""
        cutoff = time.time() - older_than_s
        removed = 0
        for path in self.staging().glob(".*.part"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        return removed

    def stage(self, data: bytes) -> tuple[Path, str]:
        """``data`` as a staged file (for callers that hold the bytes); path and SHA-256."""
        path = self.staging() / f".{uuid.uuid4().hex}.part"
        _write_atomically(path, data)
        return path, hashlib.sha256(data).hexdigest()

    def keep_upload(self, staged: Path, sha: str) -> None:
        """Move a staged file to ``uploads/<sha>``; the same bytes kept already stay."""
        path = self.upload_path(sha)
        if path.exists():
            staged.unlink(missing_ok=True)
        else:
            staged.replace(path)

    def put_upload(self, data: bytes) -> str:
        """Store an uploaded file once; its SHA-256."""
        sha = hashlib.sha256(data).hexdigest()
        path = self.upload_path(sha)
        if not path.exists():
            _write_atomically(path, data)
        return sha

    def remove_upload(self, sha: str) -> None:
        self.upload_path(sha).unlink(missing_ok=True)

    def page_path(self, name: str) -> Path:
        return self.root / "pages" / name

    def put_page(self, name: str, data: bytes) -> None:
        _write_atomically(self.page_path(name), data)

    def remove_page(self, name: str | None) -> None:
        if name:
            self.page_path(name).unlink(missing_ok=True)


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.part")
    temp.write_bytes(data)
    temp.replace(path)
