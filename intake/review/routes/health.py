"""``/healthz``, ``/readyz`` and ``/metrics``: for the machines that watch the service.

``/healthz`` answers while the process serves at all; ``/readyz`` only while it can do
its work — the database answers and the data directory can be written — and says
otherwise with 503 and the reasons, in Swedish (no paths, no driver messages: it is
open to anyone who can reach the service, as load balancers need). ``/metrics``
(``intake.review.metrics``) only to the token of ``SUS_METRICS_TOKEN``, or without one
to this machine.
"""

from __future__ import annotations

import logging
import os
import uuid

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import text

from intake.review.metrics import CONTENT_TYPE, ServiceMetrics, may_scrape
from intake.review.state import ServiceState

router = APIRouter()
log = logging.getLogger(__name__)

DATABASE_DOWN = "Databasen svarar inte."
DATA_DIR_UNWRITABLE = "Datakatalogen finns inte eller går inte att skriva i."


@router.get("/healthz", include_in_schema=False)
def healthz() -> JSONResponse:
    """The process is up and serving."""
    return JSONResponse({"status": "ok"})


@router.get("/readyz", include_in_schema=False)
def readyz(request: Request) -> JSONResponse:
    """200 when the database answers and the data directory takes a file; else 503
    with the reasons."""
    problems = readiness(request.app.state.service)
    if problems:
        return JSONResponse({"status": "ej redo", "problems": problems}, status_code=503)
    return JSONResponse({"status": "redo"})


def readiness(state: ServiceState) -> list[str]:
    """What keeps the service from its work (empty: ready)."""
    problems = []
    try:
        with state.store.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # any driver's error means the same to a load balancer
        log.warning("readiness: the database does not answer (%s)", type(exc).__name__)
        problems.append(DATABASE_DOWN)
    probe = state.files.root / f".readyz-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        log.warning("readiness: the data directory cannot be written (%s)",
                    type(exc).__name__)
        problems.append(DATA_DIR_UNWRITABLE)
    return problems


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    """Prometheus' text format, for the token's bearer or this machine only."""
    state: ServiceState = request.app.state.service
    if not may_scrape(state.settings, client_host=request.client and request.client.host,
                      authorization=request.headers.get("authorization")):
        return JSONResponse({"code": "metrics_forbidden", "message":
                             "Mätvärdena visas bara med rätt token (SUS_METRICS_TOKEN)"
                             " eller för den egna datorn."}, status_code=403)
    service_metrics: ServiceMetrics = request.app.state.metrics
    return Response(service_metrics.exposition(), media_type=CONTENT_TYPE)
