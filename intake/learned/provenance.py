"""Where a learned file came from: every model, threshold and calibration shipped in
``intake/learned/data/`` carries one of these, written by the command that made it."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

from pydantic import BaseModel, Field


class Provenance(BaseModel, frozen=True):
    """How a learned file was made and what it was validated at."""

    made_by: str = Field(description="the command that rebuilds the file")
    data: str = Field(description="what it was learned from")
    seed: int | None = None
    commit: str = Field(description="the commit of the code that made it")
    made_on: date | None = None
    validation: dict[str, float] = Field(
        default_factory=dict, description="the figures it was validated at")
    corrections: int = Field(
        default=0, description="glyphs reviewers of the installation confirmed, learned from")
    note: str = ""


def current_commit(root: Path | None = None) -> str:
    """The checked-out commit (with ``+changes`` when the tree differs), or ``unknown``
    outside a git checkout: what a freshly learned file records."""
    where = root or Path(__file__).resolve().parents[2]
    try:
        head = _git(where, "rev-parse", "--short=12", "HEAD")
        dirty = _git(where, "status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+changes" if dirty else "")


def _git(where: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(where), *args], check=True,
                          capture_output=True, text=True, timeout=10)
    return done.stdout.strip()
