"""Prometheus metrics of the service (``/metrics``, prometheus-client wrapped here).

Pages are read in other processes — procrastinate workers on PostgreSQL, possibly on
other machines, or a process pool beside the web process on SQLite — so what they did
is counted where it lands: in the database. Every scrape asks it (a handful of
aggregate queries), so the figures are the same whichever process answers and survive
restarts. Only what the web process itself saw (errors it answered) is counted in it.

No person is in a metric: förbund names and counts only.

    sus_intake_pages_read_total                       pages read (every upload)
    sus_intake_page_read_seconds                      histogram: read time per page
    sus_intake_uploads_waiting{status}                queued or being read
    sus_intake_documents_waiting{forbund}             waiting for a person
    sus_intake_documents_overdue{forbund}             ... past their SUS deadline
    sus_intake_approvals_total                        documents approved
    sus_intake_errors_total{kind}                     uploads failed (unreadable,
                                                      internal) and errors answered
"""

from __future__ import annotations

import hmac
import ipaddress
import threading
from collections.abc import Iterator

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from intake.review.jobs import INTERNAL_FAILURE, READING
from intake.review.queue import OPEN_STATUSES
from intake.review.schema import Document, Upload
from intake.review.state import ServiceState
from intake.settings import Settings
from sus_store import list_forbund

#: Upper bounds (seconds) of the read-time histogram's buckets.
READ_BUCKETS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0)
#: The label of documents no förbund sent (consents Diariet received by post).
NO_FORBUND = "Diariet"
#: What Prometheus is sent.
CONTENT_TYPE = CONTENT_TYPE_LATEST


class ServiceMetrics:
    """The metrics of one application: its own registry (not the process-wide one:
    a process may run several applications, tests do) and the errors it answered."""

    def __init__(self, state: ServiceState) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self._answered: dict[str, int] = {}
        self._lock = threading.Lock()
        self.registry.register(_FromDatabase(state, self))

    def count_error(self, kind: str) -> None:
        """An error this process answered (an IntakeError's code, ``internal``)."""
        with self._lock:
            self._answered[kind] = self._answered.get(kind, 0) + 1

    def answered(self) -> dict[str, int]:
        with self._lock:
            return dict(self._answered)

    def exposition(self) -> bytes:
        """The text Prometheus scrapes."""
        return generate_latest(self.registry)


def may_scrape(settings: Settings, *, client_host: str | None,
               authorization: str | None) -> bool:
    """With ``metrics_token`` set: whoever sends it as a Bearer token; without one:
    only a client on this machine (loopback)."""
    token = settings.metrics_token
    if token is not None:
        scheme, _, given = (authorization or "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode(), token.get_secret_value().encode())
    try:
        return client_host is not None and ipaddress.ip_address(client_host).is_loopback
    except ValueError:  # not an address (a test client, a Unix socket)
        return False


class _FromDatabase(Collector):
    def __init__(self, state: ServiceState, metrics: ServiceMetrics) -> None:
        self.state = state
        self.metrics = metrics

    def collect(self) -> Iterator[Metric]:
        with self.state.store.transaction(read_only=True) as session:
            yield from _pages(session)
            yield from _waiting(session, self.state.settings)
            yield from _errors(session, self.metrics.answered())


def _pages(session: Session) -> Iterator[Metric]:
    pages = CounterMetricFamily("sus_intake_pages_read", "Sidor lästa (alla uppladdningar).")
    pages.add_metric([], float(session.scalar(select(func.coalesce(func.sum(Upload.pages_done),
                                                                   0))) or 0))
    yield pages
    timed = Document.read_seconds
    row = session.execute(select(
        func.count(timed), func.coalesce(func.sum(timed), 0.0),
        *[func.sum(case((timed <= bound, 1), else_=0)) for bound in READ_BUCKETS],
    ).where(timed.is_not(None))).one()
    count, total, per_bucket = int(row[0]), float(row[1]), [int(n or 0) for n in row[2:]]
    histogram = HistogramMetricFamily("sus_intake_page_read_seconds",
                                      "Lästid per sida (sekunder, i läsprocessen).")
    histogram.add_metric([], [*[(str(b), float(n)) for b, n in zip(READ_BUCKETS, per_bucket,
                                                                    strict=True)],
                              ("+Inf", float(count))], sum_value=total)
    yield histogram
    approvals = CounterMetricFamily("sus_intake_approvals", "Dokument godkända.")
    approvals.add_metric([], float(session.scalar(
        select(func.count(Document.id)).where(Document.status == "approved")) or 0))
    yield approvals


def _waiting(session: Session, settings: Settings) -> Iterator[Metric]:
    uploads = GaugeMetricFamily("sus_intake_uploads_waiting",
                                "Uppladdningar som väntar på att läsas eller läses.",
                                labels=["status"])
    counted = {status: count for status, count in session.execute(
        select(Upload.status, func.count(Upload.id)).where(Upload.status.in_(READING))
        .group_by(Upload.status))}
    for status in READING:
        uploads.add_metric([status], float(counted.get(status, 0)))
    yield uploads
    names = {f.id: f.name for f in list_forbund(session)}
    is_open = Document.status.in_(OPEN_STATUSES)
    overdue_now = case((Document.deadline < settings.current_day(), 1), else_=0)
    rows = session.execute(select(Document.forbund_id, func.count(Document.id),
                                  func.sum(overdue_now))
                           .where(is_open).group_by(Document.forbund_id)).all()
    waiting = GaugeMetricFamily("sus_intake_documents_waiting",
                                "Dokument som väntar på granskning, per förbund.",
                                labels=["forbund"])
    overdue = GaugeMetricFamily("sus_intake_documents_overdue",
                                "Väntande dokument förbi SUS-tidsfristen, per förbund.",
                                labels=["forbund"])
    by_name: dict[str, tuple[int, int]] = {name: (0, 0) for name in names.values()}
    for forbund_id, count, late in rows:
        name = NO_FORBUND if forbund_id is None else names.get(forbund_id, f"#{forbund_id}")
        before = by_name.get(name, (0, 0))
        by_name[name] = (before[0] + int(count), before[1] + int(late or 0))
    for name, (count, late) in sorted(by_name.items()):
        waiting.add_metric([name], float(count))
        overdue.add_metric([name], float(late))
    yield waiting
    yield overdue


def _errors(session: Session, answered: dict[str, int]) -> Iterator[Metric]:
    errors = CounterMetricFamily("sus_intake_errors",
                                 "Fel per slag: uppladdningar som inte kunde läsas"
                                 " (upload_unreadable, upload_internal) och fel tjänsten"
                                 " svarat med (felkoden; internal).", labels=["kind"])
    internal = Upload.message == INTERNAL_FAILURE
    failed = session.execute(select(
        func.coalesce(func.sum(case((internal, 1), else_=0)), 0),
        func.count(Upload.id)).where(Upload.status == "failed")).one()
    errors.add_metric(["upload_internal"], float(failed[0]))
    errors.add_metric(["upload_unreadable"], float(int(failed[1]) - int(failed[0])))
    for kind, count in sorted(answered.items()):
        errors.add_metric([kind], float(count))
    yield errors
