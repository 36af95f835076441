"""When a document must be in SUS, as a reviewer should see it: overdue and due within
a week stand out in the queue, and the overview counts them per förbund."""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import BaseModel
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from intake.review.queue import OPEN_STATUSES, Viewer, visible
from intake.review.schema import Document
from sus_store import list_forbund

#: "Due soon": the deadline is within this many days (a working week and its weekend).
SOON_DAYS = 7


class Urgency(BaseModel):
    """How a deadline is shown: its CSS class and what it says."""

    css: str
    text: str


def urgency(deadline: date | None, today: date) -> Urgency | None:
    """Overdue, due within :data:`SOON_DAYS`, or neither (None also without a deadline)."""
    if deadline is None:
        return None
    days = (deadline - today).days
    if days < 0:
        return Urgency(css="late", text=f"försenad {-days} {'dag' if days == -1 else 'dagar'}")
    if days <= SOON_DAYS:
        when = "i dag" if days == 0 else ("i morgon" if days == 1 else f"om {days} dagar")
        return Urgency(css="soon", text=f"senast {when}")
    return None


class ForbundDeadlines(BaseModel):
    """One förbund's open documents on the overview: overdue, due soon, all."""

    forbund: str
    overdue: int
    soon: int
    waiting: int


def deadlines_per_forbund(session: Session, viewer: Viewer, *,
                          today: date) -> list[ForbundDeadlines]:
    """The open documents ``viewer`` sees, counted per förbund (those whose förbund is
    not known yet under "Förbund okänt"), the förbund with the most overdue first."""
    soon = today + timedelta(days=SOON_DAYS)
    rows = session.execute(
        select(Document.forbund_id,
               func.sum(case((Document.deadline < today, 1), else_=0)),
               func.sum(case((Document.deadline.between(today, soon), 1), else_=0)),
               func.count(Document.id))
        .where(visible(viewer), Document.status.in_(OPEN_STATUSES))
        .group_by(Document.forbund_id))
    names = {f.id: f.name for f in list_forbund(session)}
    counted = [ForbundDeadlines(forbund=names.get(forbund_id, "Förbund okänt")
                                if forbund_id is not None else "Förbund okänt",
                                overdue=int(overdue or 0), soon=int(due or 0),
                                waiting=int(total))
               for forbund_id, overdue, due, total in rows]
    return sorted(counted, key=lambda r: (-r.overdue, -r.soon, r.forbund))
