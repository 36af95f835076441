"""Filing consents (rule 9): automatic only when one participation fits; verified reads."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from sus_store import (
    ArchiveError,
    InsatsIn,
    RuleViolation,
    Store,
    add_insats,
    audit_trail,
    file_consent,
    link_consent,
    read_consent_scan,
    register_in,
    unlinked_consents,
)
from sus_store.schema import Consent
from tests.sus_store.builders import (
    ADMIN,
    FORBUND,
    TODAY,
    consent,
    inregistrering,
    organisation,
)


@pytest.fixture
def org(store: Store) -> Store:
    organisation(store)
    with store.transaction() as session:
        add_insats(session, InsatsIn(forbund=FORBUND, name="Andra insatsen",
                                     period_start=date(2020, 1, 1)), actor=ADMIN)
    return store


def test_consent_with_two_waiting_participations_waits_for_a_person(org: Store) -> None:
    """GIVEN one person pending in two insatser
    WHEN Diariet files their consent
    THEN it is archived unlinked with both participations as candidates; a person links it."""
    with org.transaction() as session:
        first = register_in(session, inregistrering(), hold_for_consent=True, actor=ADMIN,
                            today=TODAY)
        register_in(session, inregistrering(insats="Andra insatsen"), hold_for_consent=True,
                    actor=ADMIN, today=TODAY)
        filed = file_consent(session, consent(), actor="diariet", today=TODAY)
    assert filed.linked_to is None and len(filed.candidates) == 2
    with org.transaction() as session:
        assert [c.id for c in unlinked_consents(session)] == [filed.consent.id]
        link_consent(session, filed.consent.id, first.id, actor="diariet", today=TODAY)
        assert unlinked_consents(session) == []


def test_consent_for_nobody_waiting_is_kept_unlinked(org: Store) -> None:
    with org.transaction() as session:
        filed = file_consent(session, consent(), actor="diariet", today=TODAY)
    assert filed.linked_to is None and filed.candidates == []


def test_one_consent_never_covers_two_participations(org: Store) -> None:
    """GIVEN a consent linked to a participation
    WHEN it is linked to a second one THEN rule 9 refuses."""
    with org.transaction() as session:
        register_in(session, inregistrering(), consent=consent(), actor=ADMIN, today=TODAY)
        other = register_in(session, inregistrering(insats="Andra insatsen"),
                            hold_for_consent=True, actor=ADMIN, today=TODAY)
        consent_id = session.scalar(select(Consent.id))
    assert consent_id is not None
    with pytest.raises(RuleViolation, match="redan"), org.transaction() as session:
        link_consent(session, consent_id, other.id, actor=ADMIN, today=TODAY)


def test_reading_a_scan_is_verified_and_audited(org: Store) -> None:
    """GIVEN an archived consent WHEN its scan is read THEN the bytes come back and the read
    is in the audit trail; WHEN the file was tampered with THEN ArchiveError."""
    with org.transaction() as session:
        register_in(session, inregistrering(), consent=consent(), actor=ADMIN, today=TODAY)
        row = session.scalars(select(Consent)).one()
    with org.transaction() as session:
        assert read_consent_scan(session, row.id, actor="diariet").startswith(b"%PDF")
        assert audit_trail(session, entity="consent")[0].action == "read"
    path = org.archive.path_of(row.sha256)
    path.chmod(0o644)
    path.write_bytes(b"changed")
    with pytest.raises(ArchiveError), org.transaction() as session:
        read_consent_scan(session, row.id, actor="diariet")


def test_two_consents_filed_at_once_for_one_waiting_participation_link_one(
        org: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN one participation waiting for its consent
    WHEN two consents of that person are filed at the same moment (the worker auto-filing
    a mailed one while Diariet files another), both finding it the one candidate
    THEN both are archived without an error, exactly one is linked to it and the other
    waits for a person (on PostgreSQL the second link broke the unique index: a 500)."""
    import contextlib
    import threading

    import sus_store.consents as consents

    with org.transaction() as session:
        waiting = register_in(session, inregistrering(), hold_for_consent=True, actor=ADMIN,
                              today=TODAY)
    barrier = threading.Barrier(2, timeout=3)
    candidates = consents.consent_candidates

    def both_see_it_free(*args: object) -> object:
        found = candidates(*args)  # type: ignore[arg-type]
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        return found

    monkeypatch.setattr(consents, "consent_candidates", both_see_it_free)
    outcomes: list[object] = []

    def file(n: int) -> None:
        try:
            with org.transaction() as session:
                outcomes.append(file_consent(session, consent(scan=bytes([n]) * 9),
                                             actor=f"diariet{n}", today=TODAY).linked_to)
        except Exception as exc:  # reported by the assertion below
            outcomes.append(exc)

    threads = [threading.Thread(target=file, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes, key=str) == sorted([waiting.id, None], key=str)
    with org.transaction() as session:
        linked = list(session.scalars(select(Consent.participation_id)))
    assert sorted(linked, key=str) == sorted([waiting.id, None], key=str)
