"""The Jinja2 templates (autoescaped), with the helpers every page uses."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.templating import Jinja2Templates

from intake.review.deadlines import Urgency, urgency
from intake.review.deps import csrf_token, get_state, get_today

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.globals["csrf_token"] = csrf_token

FORM_NAMES = {"9443": "FK 9443 Samtycke", "9448": "FK 9448 Inregistrering",
              "9449": "FK 9449 Utregistrering", "blank": "Tom sida", "unknown": "Okänd sida"}
STATUS_NAMES = {
    "review": "Att granska", "waiting_consent": "Väntar på samtycke", "approved": "Godkänd",
    "returned": "Skickad tillbaka", "rejected": "Avvisad", "anonymised": "Anonymiserad",
    "info": "Ingen blankett", "queued": "I kö", "processing": "Läses", "done": "Klar",
    "failed": "Kunde inte läsas", "duplicate": "Dubblett",
}
templates.env.globals["FORM_NAMES"] = FORM_NAMES
templates.env.globals["STATUS_NAMES"] = STATUS_NAMES

#: The time people read, for a moment stored in UTC (SQLite gives it back naive).
SWEDISH_TIME = ZoneInfo("Europe/Stockholm")


def swedish_time(moment: datetime) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(SWEDISH_TIME).strftime("%Y-%m-%d kl. %H:%M")


templates.env.filters["swedish_time"] = swedish_time


def deadline_urgency(request: Request, deadline: date | None) -> Urgency | None:
    """:func:`urgency` of ``deadline`` on the service's today (a setting in tests)."""
    return urgency(deadline, get_today(get_state(request)))


templates.env.globals["deadline_urgency"] = deadline_urgency
