"""Participations near a read personnummer: the same or one digit off, of one förbund;
or of one förbund by the name, with how far their number is from the one read."""

from __future__ import annotations

from datetime import date

import pytest

from sus_store import (
    ForbundIn,
    InsatsIn,
    Store,
    add_forbund,
    add_insats,
    audit_trail,
    list_forbund,
    named_participations,
    near_participations,
    register_in,
)
from sus_store.vocab import Status
from tests.sus_store.builders import (
    ADMIN,
    FORBUND,
    KVINNA,
    MAN,
    TODAY,
    consent,
    inregistrering,
    organisation,
)

OTHER = "Finsam Göteborg Nordost"


@pytest.fixture
def org(store: Store) -> Store:
    """Pyramis with Åsa open, Per waiting for his consent; Göteborg with Åsa open too."""
    organisation(store)
    with store.transaction() as session:
        add_forbund(session, ForbundIn(name=OTHER, startdatum=date(2015, 1, 1)), actor=ADMIN)
        add_insats(session, InsatsIn(forbund=OTHER, name="Unga till arbete",
                                     period_start=date(2020, 1, 1)), actor=ADMIN)
        register_in(session, inregistrering(KVINNA), consent=consent(KVINNA), actor=ADMIN,
                    today=TODAY)
        register_in(session, inregistrering(MAN), hold_for_consent=True, actor=ADMIN,
                    today=TODAY)
        register_in(session, inregistrering(KVINNA, insats="Unga till arbete", forbund=OTHER),
                    consent=consent(KVINNA, scan=b"%PDF other"), actor=ADMIN, today=TODAY)
    return store


def _ids(store: Store) -> dict[str, int]:
    with store.transaction() as session:
        return {f.name: f.id for f in list_forbund(session)}


def test_one_digit_off_is_found_within_the_forbund_only(org: Store) -> None:
    """GIVEN Åsa open in Pyramis and in Göteborg WHEN Pyramis looks for her number with
    one digit misread THEN only her Pyramis participation is found, at distance 1."""
    misread = KVINNA[:10] + "9" + KVINNA[11]
    with org.transaction() as session:
        (found,) = near_participations(session, misread, statuses=(Status.OPEN,),
                                       actor="forbund", forbund_id=_ids(org)[FORBUND])
    assert found.personnummer == KVINNA and found.distance == 1 and found.has_consent
    assert found.insats == "Steg till arbete"


def test_two_digits_off_and_other_statuses_are_not_found(org: Store) -> None:
    """GIVEN Per waiting for his consent WHEN open participations near his number, or
    any near a number two digits from Åsa's, are asked for THEN none is found."""
    with org.transaction() as session:
        assert near_participations(session, MAN, statuses=(Status.OPEN,), actor="x") == []
        assert near_participations(session, KVINNA[:10] + "99", statuses=(Status.OPEN,),
                                   actor="x") == []
        (waiting,) = near_participations(session, MAN, statuses=(Status.PENDING,), actor="x")
    assert waiting.distance == 0 and not waiting.has_consent


def test_the_search_is_audited_without_the_number(org: Store) -> None:
    """GIVEN a search WHEN the audit trail is read THEN it names the search, not the
    personnummer."""
    with org.transaction() as session:
        near_participations(session, KVINNA, statuses=(Status.OPEN,), actor="granskare")
        (event, *_) = audit_trail(session, actor="granskare")
    assert event.action == "match" and event.after is not None
    assert event.after["found"] == 2 and KVINNA not in str(event.after)


def test_found_by_the_name_within_the_forbund_with_the_distance(org: Store) -> None:
    """GIVEN Åsa open in Pyramis and in Göteborg, Per waiting in Pyramis WHEN Pyramis
    asks for open participations by a name test that accepts every name, with Åsa's
    number misread in three digits THEN only her Pyramis participation is found, three
    digits from the number read, and the search is audited without the number."""
    misread = KVINNA[:6] + "999" + KVINNA[9:]
    with org.transaction() as session:
        (found,) = named_participations(session, misread, named=lambda namn: True,
                                        statuses=(Status.OPEN,), actor="forbund",
                                        forbund_id=_ids(org)[FORBUND])
        (event, *_) = audit_trail(session, actor="forbund")
    assert found.personnummer == KVINNA and found.distance == 3
    assert event.after is not None and event.after["by"] == "namn"
    assert misread not in str(event.after)
