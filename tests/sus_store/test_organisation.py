"""Förbund, insatser, budgets (seed 002) and the fuzzy name lookup (rule 6)."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from sus_store import (
    AmbiguousName,
    BudgetIn,
    ForbundIn,
    InsatsIn,
    RuleViolation,
    Store,
    add_forbund,
    add_insats,
    audit_trail,
    lookup_forbund,
    lookup_insats,
    recategorise_insats,
    register_in,
    set_budget,
)
from sus_store.lookup import match_name
from sus_store.vocab import Inriktning, Kategori
from tests.sus_store.builders import (
    ADMIN,
    FORBUND,
    INSATS,
    TODAY,
    consent,
    inregistrering,
    organisation,
)


def test_forbund_name_over_50_characters_is_refused(store: Store) -> None:
    """GIVEN a samverkansorganisation name of 51 characters
    WHEN it is added
    THEN rule 13 refuses it and says the limit."""
    with pytest.raises(RuleViolation, match="högst 50") as raised, \
            store.transaction() as session:
        add_forbund(session, ForbundIn(name="S" * 51, startdatum=date(2020, 1, 1)),
                    actor=ADMIN)
    assert raised.value.rule == "R13"


def test_insats_names_are_unique_across_forbund(store: Store) -> None:
    """GIVEN an insats "Steg till arbete"
    WHEN another förbund adds "steg till arbete"
    THEN rule 13 refuses the duplicate name."""
    organisation(store)
    with store.transaction() as session:
        add_forbund(session, ForbundIn(name="Samordningsförbundet Väst",
                                       startdatum=date(2018, 1, 1)), actor=ADMIN)
    with pytest.raises(RuleViolation, match="unikt"), store.transaction() as session:
        add_insats(session, InsatsIn(forbund="Samordningsförbundet Väst",
                                     name="steg till arbete", period_start=date(2020, 1, 1)),
                   actor=ADMIN)


def test_inriktning_must_belong_to_kategori() -> None:
    """GIVEN a strukturövergripande insats with the individinriktad inriktning Förberedande
    WHEN the input is validated
    THEN it is refused before reaching the store."""
    with pytest.raises(ValidationError, match="hör inte till"):
        InsatsIn(forbund=FORBUND, name="X", kategori=Kategori.STRUKTUROVERGRIPANDE,
                 inriktning=Inriktning.FORBEREDANDE, period_start=date(2020, 1, 1))


def test_insats_cannot_start_before_its_forbund(store: Store) -> None:
    organisation(store)
    with pytest.raises(RuleViolation, match="startdatum"), store.transaction() as session:
        add_insats(session, InsatsIn(forbund=FORBUND, name="Tidig",
                                     period_start=date(2010, 1, 1)), actor=ADMIN)


def test_kategori_is_fixed_once_participants_are_registered(store: Store) -> None:
    """GIVEN an insats with a registered participant
    WHEN its kategori is changed
    THEN it is refused (seed 002: the category cannot change then)."""
    organisation(store)
    with store.transaction() as session:
        view = register_in(session, inregistrering(), consent=consent(), actor=ADMIN,
                           today=TODAY)
    with pytest.raises(RuleViolation, match="Kategoriseringen"), \
            store.transaction() as session:
        recategorise_insats(session, view.insats_id, kategori=Kategori.INDIVIDINRIKTAD,
                            inriktning=Inriktning.REHABILITERING, actor=ADMIN)


def test_budget_is_per_calendar_year_and_replaced_not_added(store: Store) -> None:
    """GIVEN a förbund budget set twice for 2026 and one for an insats
    WHEN the trail is read
    THEN each change is audited with before and after; a year before the start is refused."""
    organisation(store)
    with store.transaction() as session:
        set_budget(session, BudgetIn(forbund=FORBUND, year=2026, belopp=1_000_000), actor=ADMIN)
        set_budget(session, BudgetIn(forbund=FORBUND, year=2026, belopp=1_200_000), actor=ADMIN)
        set_budget(session, BudgetIn(forbund=FORBUND, insats=INSATS, year=2026, belopp=300_000),
                   actor=ADMIN)
        trail = audit_trail(session, entity="forbund_budget")
    assert trail[0].before == {"year": 2026, "belopp": 1_000_000}
    assert trail[0].after == {"year": 2026, "belopp": 1_200_000}
    with pytest.raises(RuleViolation, match="2014"), store.transaction() as session:
        set_budget(session, BudgetIn(forbund=FORBUND, year=2014, belopp=1), actor=ADMIN)


def test_lookup_offers_candidates_with_a_margin(store: Store) -> None:
    """GIVEN förbund "Samordningsförbundet Pyramis"
    WHEN "Samordningsforbundet Pyramls" (OCR noise) is looked up
    THEN there is no exact match, the förbund is the best candidate and is suggested."""
    organisation(store)
    with store.transaction() as session:
        match = lookup_forbund(session, "Samordningsforbundet Pyramls")
        exact = lookup_insats(session, "STEG TILL ARBETE")
    assert match.exact is None and match.candidates[0].name == FORBUND
    assert match.suggestion is not None and match.suggestion.name == FORBUND
    assert exact.exact is not None and exact.exact.name == INSATS


def test_two_close_names_give_no_suggestion() -> None:
    """GIVEN insatser "Steg 1" and "Steg 2"
    WHEN "Steg 3" is looked up
    THEN both are candidates but none is suggested: the margin is too thin."""
    match = match_name("Steg 3", {1: "Steg 1", 2: "Steg 2", 3: "Helt annat namn"})
    assert [c.name for c in match.candidates] == ["Steg 1", "Steg 2"]
    assert match.margin == 0 and match.suggestion is None


def test_unknown_forbund_is_reported_with_nothing_to_pick(store: Store) -> None:
    organisation(store)
    record = inregistrering(forbund="Helt okänt förbund utan likhet")
    with pytest.raises(AmbiguousName, match="finns inte") as raised, \
            store.transaction() as session:
        register_in(session, record, consent=consent(), actor=ADMIN, today=TODAY)
    assert raised.value.candidates == ()
