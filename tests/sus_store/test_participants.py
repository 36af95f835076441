"""Registering participants in and out (SPEC §3 rules 6–12), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from intake.sus.codes import Kon
from sus_store import (
    AlreadyOpen,
    AmbiguousName,
    ConsentRequired,
    RuleViolation,
    Store,
    audit_trail,
    find_participations,
    get_participation,
    make_anonymous,
    register_anonymous_from,
    register_in,
    register_out,
    register_volym,
    registration_deadlines,
)
from sus_store.schema import AnonymousParticipant, Consent, MatningRow, Participation
from tests.sus_store.builders import (
    ADMIN,
    ANONYM_INSATS,
    INSATS,
    KVINNA,
    MAN,
    TODAY,
    VOLYM_INSATS,
    consent,
    inregistrering,
    organisation,
    utregistrering,
)


@pytest.fixture
def org(store: Store) -> Store:
    organisation(store)
    return store


def _insats_id(store: Store, name: str) -> int:
    from sus_store import list_insatser

    with store.transaction() as session:
        return next(i.id for i in list_insatser(session) if i.name == name)


def test_register_in_with_signed_consent_opens_participation(org: Store) -> None:
    """GIVEN a 9448 and the participant's signed 9443
    WHEN it is registered in
    THEN the participation is open, covered by the consent, kön from the personnummer."""
    with org.transaction() as session:
        view = register_in(session, inregistrering(), consent=consent(), actor=ADMIN,
                           today=TODAY)
    assert view.status == "open" and view.kon is Kon.KVINNA
    assert view.registered_on == TODAY
    with org.transaction() as session:
        linked = session.scalar(select(Consent.participation_id))
    assert linked == view.id


def test_register_in_without_consent_is_refused_with_ways_out(org: Store) -> None:
    """GIVEN a 9448 and no consent
    WHEN it is registered in with personal data
    THEN ConsentRequired says to link a consent or register anonymously; nothing is kept."""
    with pytest.raises(ConsentRequired, match="anonymt"), org.transaction() as session:
        register_in(session, inregistrering(), actor=ADMIN, today=TODAY)
    with org.transaction() as session:
        assert session.scalar(select(func.count(Participation.id))) == 0


def test_unsigned_consent_is_refused(org: Store) -> None:
    """GIVEN a 9443 without a signature
    WHEN it is offered as the consent
    THEN the registration is refused and no file is archived."""
    with pytest.raises(ConsentRequired, match="undertecknat"), org.transaction() as session:
        register_in(session, inregistrering(), consent=consent(signed=False), actor=ADMIN,
                    today=TODAY)
    assert list(org.archive.files()) == []


def test_consent_of_another_person_is_refused(org: Store) -> None:
    """GIVEN a consent signed by someone else
    WHEN it is linked to the 9448
    THEN rule 9 refuses it, and the archived scan is removed again."""
    with pytest.raises(RuleViolation, match="annan person"), org.transaction() as session:
        register_in(session, inregistrering(KVINNA), consent=consent(MAN), actor=ADMIN,
                    today=TODAY)
    assert list(org.archive.files()) == []


def test_misread_insats_name_gives_candidates_not_a_guess(org: Store) -> None:
    """GIVEN a 9448 whose insats is misread ("Steg till arbcte")
    WHEN it is registered
    THEN AmbiguousName offers the real insats as a candidate and nothing is stored."""
    record = inregistrering(insats="Steg till arbcte")
    with pytest.raises(AmbiguousName) as raised, org.transaction() as session:
        register_in(session, record, consent=consent(), actor=ADMIN, today=TODAY)
    assert raised.value.candidates[0] == INSATS


def test_case_and_spacing_of_names_do_not_matter(org: Store) -> None:
    """GIVEN the förbund and insats written in other case and spacing
    WHEN registered
    THEN they are the same förbund and insats."""
    record = inregistrering(forbund="samordningsförbundet  PYRAMIS", insats="steg till Arbete")
    with org.transaction() as session:
        view = register_in(session, record, consent=consent(), actor=ADMIN, today=TODAY)
    assert view.insats_id == _insats_id(org, INSATS)


def test_startdatum_before_the_insats_period_is_refused(org: Store) -> None:
    """GIVEN a startdatum before the insats started (2020-01-01)
    WHEN registered
    THEN rule 6 refuses it naming the startdatum."""
    with pytest.raises(RuleViolation) as raised, org.transaction() as session:
        register_in(session, inregistrering(startdatum="2019-06-01"), consent=consent(),
                    actor=ADMIN, today=TODAY)
    assert raised.value.rule == "R6" and raised.value.fields == ("startdatum",)


def test_second_open_participation_in_same_insats_is_refused(org: Store) -> None:
    """GIVEN a person with an open participation
    WHEN registered into the same insats again
    THEN AlreadyOpen (rule 7)."""
    with org.transaction() as session:
        register_in(session, inregistrering(), consent=consent(), actor=ADMIN, today=TODAY)
    with pytest.raises(AlreadyOpen), org.transaction() as session:
        register_in(session, inregistrering(), consent=consent(scan=b"other"), actor=ADMIN,
                    today=TODAY)


def test_same_insats_again_after_registering_out(org: Store) -> None:
    """GIVEN a person registered in and out
    WHEN registered into the same insats again later, with a new consent
    THEN a second participation exists beside the closed one."""
    with org.transaction() as session:
        register_in(session, inregistrering(startdatum="2026-01-10"), consent=consent(),
                    actor=ADMIN, today=TODAY)
        register_out(session, utregistrering(avslutningsdatum="2026-05-01"), actor=ADMIN,
                     today=TODAY)
        register_in(session, inregistrering(startdatum="2026-11-02"),
                    consent=consent(scan=b"second consent"), actor=ADMIN, today=TODAY)
        found = find_participations(session, KVINNA, actor=ADMIN, today=TODAY)
    assert [p.status for p in found] == ["open", "closed"]


def test_old_consent_does_not_cover_a_new_participation(org: Store) -> None:
    """GIVEN a consent that covered a closed participation
    WHEN a new participation offers the same consent (same scan)
    THEN rule 9 refuses: a new participation needs a new consent."""
    with org.transaction() as session:
        first = register_in(session, inregistrering(startdatum="2026-01-10"),
                            consent=consent(), actor=ADMIN, today=TODAY)
        register_out(session, utregistrering(avslutningsdatum="2026-05-01"), actor=ADMIN,
                     today=TODAY)
        old = session.scalar(select(Consent.id).where(Consent.participation_id == first.id))
    with pytest.raises(RuleViolation, match="nytt samtycke"), org.transaction() as session:
        register_in(session, inregistrering(), consent_id=old, actor=ADMIN, today=TODAY)


def test_register_out_closes_with_after_measurement(org: Store) -> None:
    """GIVEN an open participation
    WHEN a 9449 with code 1 and a section 2 is registered
    THEN it is closed with an 'ut' measurement."""
    with org.transaction() as session:
        view = register_in(session, inregistrering(), consent=consent(), actor=ADMIN,
                           today=TODAY)
        register_out(session, utregistrering(code=1), actor=ADMIN, today=TODAY)
        closed = get_participation(session, view.id, actor=ADMIN)
    assert closed.status == "closed" and closed.avslutningsanledning == 1
    assert sorted(m.tillfalle for m in closed.matningar) == ["in", "ut"]
    ut = next(m for m in closed.matningar if m.tillfalle == "ut")
    assert ut.arbete_procent == 75 and ut.forsorjning == ["ingen_offentlig_forsorjning"]


def test_register_out_without_open_participation_is_refused(org: Store) -> None:
    """GIVEN no participation of the person in the insats
    WHEN a 9449 is registered
    THEN rule 7 refuses it."""
    with pytest.raises(RuleViolation) as raised, org.transaction() as session:
        register_out(session, utregistrering(), actor=ADMIN, today=TODAY)
    assert raised.value.rule == "R7"


def test_register_out_before_start_is_refused(org: Store) -> None:
    """GIVEN a participation started 2026-11-02
    WHEN it is registered out on 2026-10-01
    THEN rule 2 refuses: avslutningsdatum before startdatum."""
    with org.transaction() as session:
        register_in(session, inregistrering(), consent=consent(), actor=ADMIN, today=TODAY)
    with pytest.raises(RuleViolation, match="[Aa]vslutningsdatum"), \
            org.transaction() as session:
        register_out(session, utregistrering(avslutningsdatum="2026-10-01"), actor=ADMIN,
                     today=TODAY)


@pytest.mark.parametrize("code", [6, 7])
def test_codes_6_and_7_keep_no_after_measurement(org: Store, code: int) -> None:
    """GIVEN an open participation
    WHEN registered out with code 6 or 7 and no section 2
    THEN it is closed without an 'ut' measurement; code 6 stops personal data."""
    with org.transaction() as session:
        view = register_in(session, inregistrering(), consent=consent(), actor=ADMIN,
                           today=TODAY)
        register_out(session, utregistrering(code=code, matning=False), actor=ADMIN,
                     today=TODAY)
        closed = get_participation(session, view.id, actor=ADMIN)
    assert [m.tillfalle for m in closed.matningar] == ["in"]
    assert closed.personal_data_stopped is (code == 6)


def test_felregistrering_removes_personal_data_and_scan(org: Store) -> None:
    """GIVEN an open participation with its archived consent
    WHEN registered out with code 8 (Felregistrering)
    THEN participation, measurements, consent and scan are gone; the audit trail says so
    without any of the removed data."""
    with org.transaction() as session:
        view = register_in(session, inregistrering(), consent=consent(), actor=ADMIN,
                           today=TODAY)
    with org.transaction() as session:
        outcome = register_out(session, utregistrering(code=8, matning=False), actor=ADMIN,
                               today=TODAY)
    assert outcome.removed
    with org.transaction() as session:
        for table in (Participation, MatningRow, Consent):
            assert session.scalar(select(func.count()).select_from(table)) == 0
        trail = audit_trail(session, entity="participation", entity_id=view.id)
    assert list(org.archive.files()) == []
    assert trail[0].action == "remove" and trail[0].after == {
        "reason": "felregistrering", "insats_id": view.insats_id}


def test_anonymous_registration_keeps_only_year_and_kon(org: Store) -> None:
    """GIVEN a 9448 without consent
    WHEN registered anonymously
    THEN only insats, year and kön are stored: no participation, no consent, no name."""
    with org.transaction() as session:
        register_anonymous_from(session, inregistrering(MAN), actor=ADMIN, today=TODAY)
        rows = session.execute(select(AnonymousParticipant.year, AnonymousParticipant.kon))
        assert list(rows) == [(2026, "man")]
        assert session.scalar(select(func.count(Participation.id))) == 0


def test_anonymous_only_insats_refuses_personal_data(org: Store) -> None:
    """GIVEN an insats that registers only anonymous participants
    WHEN a 9448 with consent is registered with personal data
    THEN rule 10 refuses it."""
    with pytest.raises(RuleViolation) as raised, org.transaction() as session:
        register_in(session, inregistrering(insats=ANONYM_INSATS), consent=consent(),
                    actor=ADMIN, today=TODAY)
    assert raised.value.rule == "R10"


def test_volyminsats_takes_only_counts(org: Store) -> None:
    """GIVEN a volyminsats
    WHEN a participant is registered anonymously, then as a count
    THEN rule 11 refuses the anonymous one and accepts the count."""
    with pytest.raises(RuleViolation) as raised, org.transaction() as session:
        register_anonymous_from(session, inregistrering(insats=VOLYM_INSATS), actor=ADMIN,
                                today=TODAY)
    assert raised.value.rule == "R11"
    with org.transaction() as session:
        register_volym(session, insats_id=_insats_id(org, VOLYM_INSATS), year=2026, antal=12,
                       actor=ADMIN)


def test_pending_participation_waits_for_consent_then_opens(org: Store) -> None:
    """GIVEN a 9448 held for its consent (Diariet has not received it yet)
    WHEN the consent is filed later
    THEN the participation opens on that day."""
    from sus_store import file_consent

    with org.transaction() as session:
        view = register_in(session, inregistrering(), hold_for_consent=True, actor=ADMIN,
                           today=date(2026, 11, 3))
    assert view.status == "pending" and view.registered_on is None
    with org.transaction() as session:
        filed = file_consent(session, consent(), actor="diariet", today=TODAY)
        opened = get_participation(session, view.id, actor=ADMIN)
    assert filed.linked_to == view.id and opened.status == "open"
    assert opened.registered_on == TODAY


def test_pending_participation_made_anonymous_keeps_no_personal_data(org: Store) -> None:
    """GIVEN a pending participation whose consent never came
    WHEN a reviewer registers it anonymously
    THEN the participation is deleted and one anonymous count of its kön remains."""
    with org.transaction() as session:
        view = register_in(session, inregistrering(MAN), hold_for_consent=True, actor=ADMIN,
                           today=TODAY)
        make_anonymous(session, view.id, actor=ADMIN)
        assert session.scalar(select(func.count(Participation.id))) == 0
        assert list(session.execute(select(AnonymousParticipant.kon))) == [("man",)]


def test_deadlines_list_pending_participations_late_and_due(org: Store) -> None:
    """GIVEN pending participations started in September (late) and November (due 15 Dec)
    WHEN deadlines due within 30 days are asked for on 25 Nov
    THEN both are listed, the September one first and late."""
    with org.transaction() as session:
        register_in(session, inregistrering(KVINNA, startdatum="2026-11-02"),
                    hold_for_consent=True, actor=ADMIN, today=TODAY)
        register_in(session, inregistrering(MAN, startdatum="2026-09-10"),
                    hold_for_consent=True, actor=ADMIN, today=TODAY)
        due = registration_deadlines(session, today=TODAY, within_days=30)
        none_soon = registration_deadlines(session, today=TODAY, within_days=-100)
    assert [item.deadline for item in due] == [date(2026, 10, 15), date(2026, 12, 15)]
    assert due[0].late and not due[1].late and due[1].days_left == 20
    assert none_soon == []


def test_reads_of_personal_data_are_audited_without_personnummer(org: Store) -> None:
    """GIVEN a registered participant
    WHEN their participation is read and searched
    THEN both are in the audit trail and no event holds the personnummer in clear."""
    with org.transaction() as session:
        view = register_in(session, inregistrering(), consent=consent(), actor=ADMIN,
                           today=TODAY)
    with org.transaction() as session:
        get_participation(session, view.id, actor="granskare1")
        find_participations(session, KVINNA, actor="granskare1", today=TODAY)
        trail = audit_trail(session)
    assert {e.action for e in trail if e.actor == "granskare1"} == {"read", "search"}
    dumped = " ".join(e.model_dump_json() for e in trail)
    assert KVINNA not in dumped and KVINNA[2:] not in dumped and "p:" in dumped


def _trail_text(session: object) -> str:
    from sqlalchemy.orm import Session

    assert isinstance(session, Session)
    return " ".join(e.model_dump_json() for e in audit_trail(session, limit=10_000))


def test_audit_trail_never_holds_a_name(org: Store) -> None:
    """GIVEN a participant registered in with a consent
    WHEN the audit trail is read
    THEN the registration is there, but not the person's name (in any encoding)."""
    with org.transaction() as session:
        register_in(session, inregistrering(), consent=consent(), actor=ADMIN, today=TODAY)
        trail = _trail_text(session)
    assert '"create"' in trail
    assert "Öberg" not in trail and "\\u00d6berg" not in trail and "Test" not in trail


def test_felregistrering_leaves_no_pseudonym_or_snapshot_of_the_person(org: Store) -> None:
    """GIVEN a participant registered in, read and searched for (all audited)
    WHEN registered out with code 8 (Felregistrering)
    THEN the trail still says who did what and when, but neither the person's
    pseudonym nor anything of their registration (kommun, startdatum) remains."""
    from sus_store.audit import pseudonym

    with org.transaction() as session:
        view = register_in(session, inregistrering(), consent=consent(), actor=ADMIN,
                           today=TODAY)
        find_participations(session, KVINNA, actor="granskare1", today=TODAY)
        alias = pseudonym(session, KVINNA)
    with org.transaction() as session:
        register_out(session, utregistrering(code=8, matning=False), actor=ADMIN, today=TODAY)
    with org.transaction() as session:
        trail = _trail_text(session)
        actions = [(e.actor, e.action, e.entity_id)
                   for e in audit_trail(session, entity="participation")]
    assert alias not in trail and "Uppsala" not in trail and "2026-11-02" not in trail
    assert actions == [(ADMIN, "remove", view.id), ("granskare1", "search", None),
                       (ADMIN, "create", view.id)]


def test_protected_person_loses_unlinked_consents_and_pending_participations(
        org: Store) -> None:
    """GIVEN a person with skyddade personuppgifter: a participation waiting for its
    consent in one insats, and a consent Diariet filed that no participation uses
    WHEN the person is marked protected
    THEN the consent and its scan are gone and the participation became an anonymous
    count of the same kön and year; nothing of the person is in the trail."""
    from sus_store import archive_consent, protect_person
    from sus_store.audit import pseudonym

    with org.transaction() as session:
        view = register_in(session, inregistrering(), hold_for_consent=True, actor=ADMIN,
                           today=TODAY)
        filed = archive_consent(session, consent(), actor="diariet", today=TODAY)
        alias = pseudonym(session, KVINNA)
    with org.transaction() as session:
        removed = protect_person(session, KVINNA, actor=ADMIN)
    assert (removed.participation_ids, removed.consent_ids) == ([view.id], [filed.id])
    with org.transaction() as session:
        assert session.scalar(select(func.count(Participation.id))) == 0
        assert session.scalar(select(func.count(Consent.id))) == 0
        kept = list(session.execute(select(AnonymousParticipant.year, AnonymousParticipant.kon)))
        trail = _trail_text(session)
    assert kept == [(2026, "kvinna")]
    assert list(org.archive.files()) == []
    assert alias not in trail and "Uppsala" not in trail
