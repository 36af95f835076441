"""`sus-intake serve` as operators run it: its log is JSON lines with request ids."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

EXE = Path(sys.executable).with_name("sus-intake")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _get(url: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as answer:
        return answer.status, dict(answer.headers), answer.read()


def test_serve_logs_one_json_object_per_line_with_the_request_id(tmp_path: Path) -> None:
    """GIVEN `sus-intake -v serve` WHEN /healthz, /readyz and /metrics are asked from
    this machine, one with X-Request-ID THEN each answers (the id echoed), and every
    line the service wrote on standard error is a JSON object; the request lines carry
    their ids and name the route."""
    port = _free_port()
    env = {**os.environ, "SUS_DATA_DIR": str(tmp_path / "data")}
    log = tmp_path / "serve.log"
    with log.open("wb") as stderr, subprocess.Popen(
            [str(EXE), "-v", "serve", "--port", str(port), "--no-worker"],
            stdout=subprocess.DEVNULL, stderr=stderr, env=env) as server:
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    status, headers, _ = _get(f"{base}/healthz", {"X-Request-ID": "probe-1"})
                    break
                except OSError:
                    assert server.poll() is None, log.read_text()
                    assert time.monotonic() < deadline, "serve did not start"
                    time.sleep(0.2)
            assert status == 200 and headers["x-request-id"] == "probe-1"
            assert _get(f"{base}/readyz", {})[0] == 200
            status, _, body = _get(f"{base}/metrics", {})
            assert status == 200 and b"sus_intake_pages_read_total 0.0" in body
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=30)
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    assert all(isinstance(line, dict) for line in lines)
    requests = [line for line in lines if line["logger"] == "intake.request"]
    assert [(r["route"], r["status"]) for r in requests][-3:] == [
        ("/healthz", 200), ("/readyz", 200), ("/metrics", 200)]
    assert requests[-3]["request_id"] == "probe-1"
    assert all(r["request_id"] for r in requests)
