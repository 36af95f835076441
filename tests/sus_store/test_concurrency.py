"""Two writers at once: never two open participations of one person in one insats."""

from __future__ import annotations

import contextlib
import threading

import pytest
from sqlalchemy import func, select

from sus_store import AlreadyOpen, Store, register_in
from sus_store.schema import Participation
from tests.sus_store.builders import TODAY, consent, inregistrering, organisation


def test_two_concurrent_registrations_of_one_person_open_one_participation(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN two sessions registering the same person into the same insats, both past the
    "is there an open participation?" check before either inserts
    WHEN both commit
    THEN one succeeds and the other gets AlreadyOpen; one participation exists."""
    organisation(store)
    import sus_store.participants as participants

    barrier = threading.Barrier(2, timeout=3)
    check = participants._refuse_live

    def check_then_wait(*args: object, **kwargs: object) -> None:
        check(*args, **kwargs)  # type: ignore[arg-type]
        # Both writers have checked; now both insert. On SQLite the other writer is
        # queued behind this transaction's lock, so the wait times out.
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()

    monkeypatch.setattr(participants, "_refuse_live", check_then_wait)
    outcomes: list[str] = []

    def writer(n: int) -> None:
        try:
            with store.transaction() as session:
                register_in(session, inregistrering(), consent=consent(scan=bytes([n]) * 9),
                            actor=f"writer{n}", today=TODAY)
            outcomes.append("registered")
        except AlreadyOpen:
            outcomes.append("already open")

    threads = [threading.Thread(target=writer, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["already open", "registered"]
    with store.transaction() as session:
        assert session.scalar(select(func.count(Participation.id))) == 1
    assert len(list(store.archive.files())) == 1
