"""scripts/install.sh's apt step (scripts/apt.sh): it waits for a package lock held by
another install instead of failing (issue 15)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

APT_SH = Path(__file__).parents[1] / "scripts" / "apt.sh"


def _fake_apt(folder: Path, *, locked_times: int, other_error: bool = False) -> Path:
    """An apt-get on PATH that says the lock is held ``locked_times`` times, then works
    (or fails for another reason); each call is counted in ``calls``."""
    folder.mkdir()
    failure = ('echo "E: Unable to locate package nosuch" >&2; exit 100' if other_error else
               'echo "E: Could not get lock /var/lib/apt/lists/lock. It is held by process'
               ' 4242 (apt-get)" >&2; exit 100')
    script = folder / "apt-get"
    script.write_text(f"""#!/usr/bin/env bash
echo "$@" >> "{folder}/calls"
n=$(wc -l < "{folder}/calls")
if [ "$n" -le {locked_times} ] || [ {int(other_error)} -eq 1 ]; then {failure}; fi
echo "ok $*"
""")
    script.chmod(0o755)
    return folder


def _run(fake: Path, *, wait: int = 600) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{fake}:{os.environ['PATH']}",
           "APT_LOCK_POLL": "0", "APT_LOCK_WAIT": str(wait)}
    return subprocess.run(["bash", "-euo", "pipefail", "-c",
                           f". {APT_SH}; apt_waiting update -qq; echo done"],
                          env=env, capture_output=True, text=True, timeout=60, check=False)


def test_apt_waits_while_another_install_holds_the_lock(tmp_path: Path) -> None:
    """GIVEN another install holding the apt lock for two tries
    WHEN install.sh runs apt-get THEN it says it waits, tries again, and goes on."""
    fake = _fake_apt(tmp_path / "bin", locked_times=2)
    result = _run(fake)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "done"
    assert "waiting" in result.stderr
    calls = (fake / "calls").read_text().splitlines()
    assert len(calls) == 3 and all("DPkg::Lock::Timeout=600 update -qq" in c for c in calls)


def test_apt_gives_up_on_a_lock_held_too_long(tmp_path: Path) -> None:
    """GIVEN a lock that is never released WHEN the wait allowed is over
    THEN install.sh stops with a message saying so."""
    result = _run(_fake_apt(tmp_path / "bin", locked_times=99), wait=0)
    assert result.returncode != 0 and "still held" in result.stderr


def test_apt_fails_at_once_for_anything_but_the_lock(tmp_path: Path) -> None:
    """GIVEN apt-get failing for another reason WHEN install.sh runs it
    THEN it fails at once, without waiting, showing apt's message."""
    fake = _fake_apt(tmp_path / "bin", locked_times=0, other_error=True)
    result = _run(fake)
    assert result.returncode != 0 and "Unable to locate package" in result.stderr
    assert len((fake / "calls").read_text().splitlines()) == 1
