"""``sus-intake eval-service``: what a reviewer would face, measured through the service.

A fresh store (SQLite in a temporary folder, or an empty database given by URL) is
populated; one förbund's uploader sends a generated batch per style
(:mod:`intake.training.service_batch`) over HTTP to the running application — logged
in, with the CSRF token, as a browser would — the background worker reads it with
the store's knowledge, and every document is fetched back through ``/api``. Each
field is compared with the truth (:func:`intake.evaluate.same_value`).

A reviewer's keystrokes per form (the review page is keyboard-driven): Enter approves
a form, so a clean form costs 1; a flagged field whose pre-filled value is right
costs 1 (Enter confirms it and moves on), and so does one whose value is wrong but
whose first offered name (a förbund or insats SUS does not have: the closest
preselected, which Enter takes) is right; a flagged field whose value is wrong costs
the characters to type (:func:`chars_to_type`) plus that Enter. A wrong field that is
not flagged costs nothing — it is a *silent error*, counted on its own.
"""

from __future__ import annotations

import json
import random
import re
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from intake.errors import ConfigurationError, IntakeError
from intake.evaluate import same_value, truth_path
from intake.review.app import create_app
from intake.review.state import open_service
from intake.samples.content import REFERENCE_DAY
from intake.settings import Settings
from intake.sus.records import FIELD_TYPES
from intake.training.service_batch import Uploader, plan_batch, prepare_store, write_batch
from sus_store import list_forbund

DEFAULT_STYLES = ("hand-real300", "fax-real200", "typed-office300")
#: "today" for the store, the forms and the rules: the sample generator's day
TODAY = REFERENCE_DAY
#: characters a reviewer types for a value, by field type, where not its own length
TYPED_LENGTH = {"personnummer": 12, "date": 8}
#: fields picked from a list with one key (a select's option, a tick)
ONE_KEY = ("single", "code", "yesno", "signature")


class ServiceEvalError(IntakeError):
    code = "service_eval_failed"


# --- scoring ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldOutcome:
    """One field of one document as a reviewer meets it."""

    name: str
    kind: str
    expected: Any
    shown: Any
    right: bool
    flagged: bool
    #: the name the review page preselects for a flagged field (its first suggestion)
    preselected: Any = None


def chars_to_type(kind: str, expected: Any, shown: Any = None) -> int:
    """Keys a reviewer presses to put ``expected`` in a field that shows ``shown``:
    a personnummer's 12 digits, a date's 8 (20260314), one key for a choice or a tick,
    two (move, Space) per box of a multiple choice to change, the text otherwise; one
    key to empty a field that should be empty."""
    if kind == "multi":
        toggled = set(expected or []) ^ set(shown or [])
        return 2 * len(toggled)
    if expected is None or expected == "":
        return 1
    if kind in ONE_KEY:
        return 1
    return TYPED_LENGTH.get(kind, len(str(expected)))


def keystrokes(outcomes: list[FieldOutcome]) -> int:
    """A form's keystrokes: Enter to approve, plus each flagged field's (see the module)."""
    return 1 + sum(
        1 if o.right or _takes_preselected(o) else chars_to_type(o.kind, o.expected, o.shown) + 1
        for o in outcomes if o.flagged)


def _takes_preselected(outcome: FieldOutcome) -> bool:
    """Whether Enter on the flagged field takes the right value: the name preselected."""
    return outcome.preselected is not None and same_value(outcome.preselected, outcome.expected)


@dataclass
class Tally:
    """What reviewers face in one group of documents (a style, a form, all)."""

    documents: int = 0
    clean: int = 0
    fields: int = 0
    flagged: int = 0
    right: int = 0
    silent: int = 0
    keystrokes: int = 0

    def add(self, outcomes: list[FieldOutcome]) -> None:
        self.documents += 1
        self.clean += not any(o.flagged for o in outcomes)
        self.fields += len(outcomes)
        self.flagged += sum(o.flagged for o in outcomes)
        self.right += sum(o.right for o in outcomes)
        self.silent += sum(not o.right and not o.flagged for o in outcomes)
        self.keystrokes += keystrokes(outcomes)

    def scores(self) -> dict[str, float | None]:
        flagged_forms = self.documents - self.clean
        return {
            "review_rate": _share(self.flagged, self.fields),
            "silent_error_rate": _share(self.silent, self.fields),
            "field_accuracy": _share(self.right, self.fields),
            "clean_forms": _share(self.clean, self.documents),
            "keystrokes_per_form": _share(self.keystrokes, self.documents),
            "keystrokes_per_flagged_form": _share(self.keystrokes - self.clean, flagged_forms),
        }


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class ServiceReport:
    overall: Tally = field(default_factory=Tally)
    by_style: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_form: dict[tuple[str, str], Tally] = field(default_factory=lambda: defaultdict(Tally))
    #: per style, how often each field was flagged
    flagged_fields: dict[str, dict[str, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    failures: list[str] = field(default_factory=list)
    pages: int = 0
    seconds: float = 0.0

    def add(self, style: str, form: str, outcomes: list[FieldOutcome]) -> None:
        for tally in (self.overall, self.by_style[style], self.by_form[(style, form)]):
            tally.add(outcomes)
        for outcome in outcomes:
            self.flagged_fields[style][outcome.name] += outcome.flagged

    def as_json(self) -> dict[str, Any]:
        def entry(tally: Tally) -> dict[str, Any]:
            return {**asdict(tally), **tally.scores()}

        return {
            "overall": entry(self.overall),
            "styles": {s: entry(t) for s, t in sorted(self.by_style.items())},
            "forms": {f"{s} {f}": entry(t) for (s, f), t in sorted(self.by_form.items())},
            "flagged_fields": {s: dict(c) for s, c in sorted(self.flagged_fields.items())},
            "failures": self.failures, "pages": self.pages, "seconds": self.seconds,
        }


def outcomes_of(expected: dict[str, Any], found: dict[str, Any] | None) -> list[FieldOutcome]:
    """Each truth field of ``expected`` (a truth-file document) against ``found`` (the
    API's document). A document read as another form has every field wrong — flagged
    only when it went to a person as unknown; a missing one has every field silent."""
    form_right = found is not None and found["form"] == expected["form"]
    unknown = found is not None and found["form"] == "unknown"
    shown = {f["name"]: f for f in found["fields"]} if found and form_right else {}
    outcomes = []
    for name, value in expected["fields"].items():
        got = shown.get(name)
        offered = (got or {}).get("suggestions") or [None]
        outcomes.append(FieldOutcome(
            name=name, kind=FIELD_TYPES[name], expected=value,
            shown=got["value"] if got else None,
            right=got is not None and same_value(got["value"], value),
            flagged=unknown or bool(got and got["flagged"]), preselected=offered[0]))
    return outcomes


def score_file(report: ServiceReport, style: str, path: Path,
               documents: list[dict[str, Any]]) -> None:
    """The truth beside ``path`` against the documents read from it."""
    by_page = {page: doc for doc in documents for page in doc["pages"]}
    for expected in json.loads(truth_path(path).read_text(encoding="utf-8")):
        if expected["form"] not in {"9443", "9448", "9449"}:
            continue
        report.pages += len(expected["pages"])
        found = by_page.get(expected["pages"][0])
        report.add(style, expected["form"], outcomes_of(expected, found))


# --- through the service ---------------------------------------------------------------


def evaluate_service(*, styles: tuple[str, ...] = DEFAULT_STYLES, count: int = 30,
                     seed: int = 2026, participants: int = 150, workers: int = 2,
                     database_url: str | None = None) -> ServiceReport:
    """Populate a fresh store, generate ``count`` forms per style consistent with it,
    upload them through the API and score what comes back."""
    with tempfile.TemporaryDirectory(prefix="sus-eval-service-") as folder:
        settings = service_settings(Path(folder) / "data", workers=workers,
                                    database_url=database_url)
        uploader = make_store(settings, seed=seed, participants=participants)
        batches = make_batches(uploader, Path(folder) / "forms", styles=styles, count=count,
                               seed=seed)
        return measure(settings, uploader, batches)


def service_settings(data_dir: Path, *, workers: int = 2,
                     database_url: str | None = None) -> Settings:
    return Settings(data_dir=data_dir, today=TODAY, workers=workers, database_url=database_url,
                    learn_from_corrections=False)


def make_store(settings: Settings, *, seed: int, participants: int) -> Uploader:
    """The populated store and its uploader; an empty store is required."""
    state = open_service(settings)
    try:
        with state.store.transaction() as session:
            if list_forbund(session):
                raise ConfigurationError(
                    "Databasen har redan förbund; eval-service behöver en tom databas.")
        return prepare_store(state, seed=seed, participants=participants)
    finally:
        state.store.dispose()


def make_batches(uploader: Uploader, folder: Path, *, styles: tuple[str, ...], count: int,
                 seed: int) -> dict[str, list[Path]]:
    """Per style, ``count`` forms of the uploader's förbund written in that style."""
    batches = {}
    for style in styles:
        rng = random.Random(f"{seed}:{style}")
        cases = plan_batch(uploader, count=count, rng=rng, today=TODAY)
        batches[style] = write_batch(cases, style, folder / style, rng)
    return batches


def measure(settings: Settings, uploader: Uploader, batches: dict[str, list[Path]], *,
            timeout_seconds: float = 1800) -> ServiceReport:
    """Upload each style's files as one batch, wait until read, score every document."""
    report = ServiceReport()
    started = time.perf_counter()
    with logged_in(settings, uploader) as api:
        ids = {style: api.upload(paths, forbund_id=uploader.forbund_id)
               for style, paths in batches.items()}
        read = {style: api.wait(batch_id, timeout_seconds=timeout_seconds)
                for style, batch_id in ids.items()}
        report.seconds = time.perf_counter() - started
        for style, paths in batches.items():
            _score_batch(report, api, style, paths, read[style])
    return report


def _score_batch(report: ServiceReport, api: ServiceApi, style: str, paths: list[Path],
                 batch: dict[str, Any]) -> None:
    uploads = {u["filename"]: u for u in batch["uploads"]}
    for path in paths:
        upload = uploads[path.name]
        if upload["status"] != "done":
            report.failures.append(f"{style}/{path.name}: {upload['status']} {upload['message']}")
        documents = [api.document(d["id"]) for d in batch["documents"]
                     if d["upload_id"] == upload["id"]]
        score_file(report, style, path, documents)


class ServiceApi:
    """The JSON API as a logged-in user's script uses it (``client``: an httpx2 client,
    the in-process TestClient or one to a running service)."""

    def __init__(self, client: Any, token: str) -> None:
        self._client = client
        self.token = token

    def upload(self, paths: list[Path], *, forbund_id: int) -> int:
        files = [("files", (p.name, p.read_bytes())) for p in paths]
        response = self._client.post("/api/batches", files=files,
                                     data={"forbund_id": str(forbund_id)},
                                     headers={"X-CSRF-Token": self.token})
        return int(_ok(response)["id"])

    def batch(self, batch_id: int) -> dict[str, Any]:
        batch: dict[str, Any] = _ok(self._client.get(f"/api/batches/{batch_id}"))
        return batch

    def wait(self, batch_id: int, *, timeout_seconds: float) -> dict[str, Any]:
        """The batch once every upload in it is read (done, failed or a duplicate)."""
        deadline = time.monotonic() + timeout_seconds
        while True:
            batch = self.batch(batch_id)
            if batch["done"]:
                return batch
            if time.monotonic() > deadline:
                raise ServiceEvalError(f"Batch {batch_id} lästes inte klart på "
                                       f"{timeout_seconds:.0f} s.")
            time.sleep(0.5)

    def document(self, document_id: int) -> dict[str, Any]:
        return _ok(self._client.get(f"/api/documents/{document_id}"))


def _ok(response: Any) -> Any:
    if response.status_code != 200:
        raise ServiceEvalError(f"{response.request.method} {response.request.url.path}: "
                               f"{response.status_code} {response.text[:200]}")
    return response.json()


@contextmanager
def logged_in(settings: Settings, uploader: Uploader) -> Iterator[ServiceApi]:
    """The application with its background worker, and the uploader logged in."""
    with TestClient(create_app(settings, run_worker=True)) as client:
        yield log_in(client, uploader.username, uploader.password)


def log_in(client: Any, username: str, password: str) -> ServiceApi:
    """Log ``client`` in through the form, as a browser does; the API with its token."""
    token = _csrf(client.get("/login").text)
    response = client.post("/login", data={"username": username, "password": password,
                                           "csrf": token}, follow_redirects=False)
    if response.status_code != 303:
        raise ServiceEvalError(f"Inloggningen misslyckades: {response.status_code}")
    return ServiceApi(client, _csrf(client.get("/").text))


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf-token" content="([^"]+)"', html)
    if match is None:
        raise ServiceEvalError("Sidan har ingen CSRF-token.")
    return match.group(1)


# --- the report ------------------------------------------------------------------------

COLUMNS = ("documents", "fields", "review", "silent err", "field acc", "clean",
           "keys/form", "keys/flagged")


def format_report(report: ServiceReport, *, most_flagged: int = 6) -> str:
    lines = [f"{'':28}" + "".join(f"{c:>13}" for c in COLUMNS)]
    lines.append(_row("overall", report.overall))
    for style, tally in sorted(report.by_style.items()):
        lines.append(_row(f"style {style}", tally))
        lines += [_row(f"  {form}", t) for (s, form), t in sorted(report.by_form.items())
                  if s == style]
    rate = report.pages / report.seconds if report.seconds else 0.0
    lines.append(f"\npages: {report.pages}  seconds (upload to read): {report.seconds:.1f}  "
                 f"pages/s: {rate:.2f}")
    for style, counts in sorted(report.flagged_fields.items()):
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:most_flagged]
        named = [f"{name} {count}" for name, count in ranked if count]
        lines.append(f"most flagged {style}: " + (", ".join(named) or "none"))
    lines += [f"not read: {f}" for f in report.failures]
    return "\n".join(lines)


def _row(name: str, tally: Tally) -> str:
    scores = tally.scores()
    cells = [str(tally.documents), str(tally.fields),
             *(_pct(scores[k]) for k in ("review_rate", "silent_error_rate", "field_accuracy",
                                         "clean_forms")),
             *(_number(scores[k]) for k in ("keystrokes_per_form",
                                            "keystrokes_per_flagged_form"))]
    return f"{name:28}" + "".join(f"{c:>13}" for c in cells)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.2f}%"


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


__all__ = ["DEFAULT_STYLES", "FieldOutcome", "ServiceReport", "Tally", "chars_to_type",
           "evaluate_service", "format_report", "keystrokes", "log_in", "make_batches",
           "make_store", "measure", "service_settings"]
