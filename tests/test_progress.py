"""Progress bars of long commands: a bar with the rate and the time left on standard
error when it is a terminal (a pty here), nothing when it is piped, and standard
output the same either way."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

EXE = Path(sys.executable).with_name("sus-intake")
#: tqdm's bar as intake.progress draws it: done/total [spent<left, rate]
BAR = re.compile(r"(\d+)/(\d+) \[\d\d:\d\d<(\d\d:\d\d|\?), +[\d.?]+(\w+)/s\]")


def _run(args: list[str], *, terminal: bool, env: dict[str, str] | None = None
         ) -> tuple[str, str]:
    """``sus-intake ARGS``: its standard output (always a pipe) and its standard
    error — a pty when ``terminal``, else a pipe."""
    environment = {**os.environ, **(env or {})}
    if not terminal:
        done = subprocess.run([str(EXE), *args], capture_output=True, text=True, check=True,
                              env=environment, stdin=subprocess.DEVNULL)
        return done.stdout, done.stderr
    leader, follower = pty.openpty()
    with subprocess.Popen([str(EXE), *args], stdin=follower, stdout=subprocess.PIPE,
                          stderr=follower, env=environment) as process:
        os.close(follower)
        out: list[bytes] = []
        reader = threading.Thread(target=lambda: out.append(process.stdout.read()))  # type: ignore[union-attr]
        reader.start()
        seen = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the pty is closed once the process is gone
                break
            if not chunk:
                break
            seen += chunk
        reader.join()
        assert process.wait() == 0, seen.decode(errors="replace")
    os.close(leader)
    return out[0].decode(), seen.decode(errors="replace")


def _bars(stderr: str, what: str) -> list[tuple[int, int, str]]:
    """(done, total, unit) of every drawing of the bar named ``what``."""
    return [(int(m.group(1)), int(m.group(2)), m.group(4))
            for line in stderr.split("\r") if line.startswith(f"{what}:")
            for m in [BAR.search(line)] if m]


def test_samples_make_shows_a_bar_on_a_terminal_and_nothing_when_piped(
        tmp_path: Path) -> None:
    """GIVEN `samples make` of 3 digital forms
    WHEN its standard error is a terminal THEN a bar counts the files to 3/3 with the
    rate and time left; WHEN it is piped THEN standard error is empty; and standard
    output is the same line both times."""
    args = ["samples", "make", "--style", "digital", "--count", "3"]
    shown_out, shown = _run([*args, "--out", str(tmp_path / "a")], terminal=True)
    quiet_out, quiet = _run([*args, "--out", str(tmp_path / "a")], terminal=False)
    bars = _bars(shown, "Skriver prov")
    assert bars[0] == (0, 3, "fil") and bars[-1] == (3, 3, "fil"), shown
    assert quiet == ""
    assert shown_out == quiet_out == f"3 samples written under {tmp_path / 'a'}\n"


@pytest.mark.slow
def test_extract_shows_pages_read_on_a_terminal_and_json_only_when_piped(
        tmp_path: Path) -> None:
    """GIVEN two digitally filled forms WHEN `extract` runs with a terminal for
    standard error THEN a bar counts the pages to 2/2 in pages per second; WHEN piped
    THEN nothing is on standard error; standard output is the same JSON both times."""
    _run(["samples", "make", "--style", "digital", "--count", "2", "--out", str(tmp_path)],
         terminal=False)
    files = [str(p) for p in sorted((tmp_path / "digital").glob("*.pdf"))]
    shown_out, shown = _run(["extract", *files], terminal=True)
    quiet_out, quiet = _run(["extract", *files], terminal=False)
    bars = _bars(shown, "Läser sidor")
    assert bars[0] == (0, 2, "sida") and bars[-1] == (2, 2, "sida"), shown
    assert quiet == ""
    assert shown_out == quiet_out
    assert [d["pages"] for d in json.loads(quiet_out)] == [[1], [1]]


def test_store_populate_counts_participants_on_a_terminal(tmp_path: Path) -> None:
    """GIVEN an empty store WHEN `store populate --participants 20` runs on a terminal
    THEN a bar counts the participants to 20/20, and its summary line is on standard
    output."""
    out, shown = _run(["store", "populate", "--participants", "20"], terminal=True,
                      env={"SUS_DATA_DIR": str(tmp_path)})
    bars = _bars(shown, "Fyller registret")
    assert bars[-1] == (20, 20, "deltagare"), shown
    assert "open" in out and "Fyller" not in out
