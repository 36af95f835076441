"""The service-level eval (``intake.training.service_eval``, ``sus-intake eval-service``):
what a reviewer faces, measured through the running application and its API — and
the keystroke arithmetic behind it, on hand-made cases."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from intake.cli import cli
from intake.evaluate import truth_path
from intake.training.service_batch import CYCLE, plan_batch
from intake.training.service_eval import (
    TODAY,
    FieldOutcome,
    ServiceReport,
    Tally,
    chars_to_type,
    format_report,
    keystrokes,
    make_batches,
    make_store,
    measure,
    outcomes_of,
    service_settings,
)

WRONG_NAME = "Fel Person"


def outcome(name: str, kind: str, expected: object, shown: object, *,
            flagged: bool) -> FieldOutcome:
    return FieldOutcome(name=name, kind=kind, expected=expected, shown=shown,
                        right=expected == shown, flagged=flagged)


# --- the arithmetic ----------------------------------------------------------------------


def test_keystrokes_of_a_clean_form_is_one_enter() -> None:
    """GIVEN a form with every field right and none flagged WHEN its keystrokes are
    counted THEN it is 1 (Enter approves)."""
    fields = [outcome("namn", "text", "Åsa Öberg", "Åsa Öberg", flagged=False),
              outcome("startdatum", "date", "2026-11-02", "2026-11-02", flagged=False)]
    assert keystrokes(fields) == 1


def test_keystrokes_of_flagged_fields_confirmed_or_typed() -> None:
    """GIVEN a form with a flagged right name (Enter), a flagged wrong personnummer (12
    digits + Enter), a flagged wrong date (8 + Enter), a flagged wrong choice (1 + Enter)
    and an unflagged wrong kommun WHEN counted THEN 1 + 1 + 13 + 9 + 2 = 26: the silent
    error costs nothing."""
    fields = [outcome("namn", "text", "Åsa Öberg", "Åsa Öberg", flagged=True),
              outcome("personnummer", "personnummer", "198112189876", "198112189870",
                      flagged=True),
              outcome("startdatum", "date", "2026-11-02", None, flagged=True),
              outcome("utbildning", "single", "3", "2", flagged=True),
              outcome("kommun", "text", "Uppsala", "Upsala", flagged=False)]
    assert keystrokes(fields) == 26


def test_keystrokes_of_an_unknown_name_whose_preselected_suggestion_is_right() -> None:
    """GIVEN a flagged insats read as a name SUS does not have, the right insats
    preselected among the names offered, and a flagged förbund whose preselected name is
    wrong WHEN counted THEN 1 + 1 (Enter takes the preselected insats) + 10 + 1 (the
    förbund typed) = 13."""
    fields = [FieldOutcome(name="insats", kind="text", expected="Växtkraft", shown="Växdkralt",
                           right=False, flagged=True, preselected="Växtkraft"),
              FieldOutcome(name="samverkansorganisation", kind="text", expected="Finsam Hjo",
                           shown="Finsam Hjp", right=False, flagged=True,
                           preselected="Finsam Hjoa")]
    assert keystrokes(fields) == 1 + 1 + len("Finsam Hjo") + 1


@pytest.mark.parametrize(("kind", "expected", "shown", "keys"), [
    ("text", "Åsa Öberg", "Asa", 9),
    ("percent", 75, 15, 2),
    ("code", 3, 8, 1),
    ("yesno", False, True, 1),
    ("signature", True, False, 1),
    ("multi", ["1", "4"], ["1", "5"], 4),
    ("text", None, "Söder", 1),
])
def test_chars_to_type_by_field_type(kind: str, expected: object, shown: object,
                                     keys: int) -> None:
    """GIVEN a wrong value of each kind WHEN the keys to correct it are counted THEN text
    is its length, a choice or tick one key, a multiple choice two per box to change,
    and emptying a field one key."""
    assert chars_to_type(kind, expected, shown) == keys


def test_tally_counts_review_silent_and_keys_per_flagged_form() -> None:
    """GIVEN a clean form and a form with one flagged wrong date and one silent error
    WHEN tallied THEN review 1 of 4 fields, silent 1, 3 of 4 right, half the forms clean,
    1 + 10 keystrokes: 5.5 a form, 10 a flagged form."""
    tally = Tally()
    tally.add([outcome("namn", "text", "A B", "A B", flagged=False),
               outcome("datum", "date", "2026-11-02", "2026-11-02", flagged=False)])
    tally.add([outcome("namn", "text", "A B", "A C", flagged=False),
               outcome("datum", "date", "2026-11-02", "2026-11-03", flagged=True)])
    scores = tally.scores()
    assert (tally.flagged, tally.silent, tally.right) == (1, 1, 2)
    assert scores["review_rate"] == 0.25 and scores["clean_forms"] == 0.5
    assert scores["keystrokes_per_form"] == 5.5
    assert scores["keystrokes_per_flagged_form"] == 10


def test_document_read_as_another_form_has_every_field_wrong() -> None:
    """GIVEN a consent's truth and the API's document read as a 9448, or as unknown
    WHEN compared THEN every field is wrong: silent for the 9448, flagged for unknown."""
    truth = {"pages": [1], "form": "9443", "fields": {"personnummer": "198112189876",
                                                      "namnfortydligande": "Åsa Öberg"}}
    as_9448 = outcomes_of(truth, {"form": "9448", "pages": [1], "fields": []})
    as_unknown = outcomes_of(truth, {"form": "unknown", "pages": [1], "fields": []})
    assert not any(o.right or o.flagged for o in as_9448)
    assert all(o.flagged and not o.right for o in as_unknown)


# --- through the running service -----------------------------------------------------------


@pytest.fixture(scope="module")
def digital_run(tmp_path_factory: pytest.TempPathFactory) -> ServiceReport:
    """Two digital batches of three forms (a 9448, its 9443, a 9449 of an open
    participant) uploaded through the API to a freshly populated store; in the second,
    the truth of the 9448 names another person than its form does."""
    folder = tmp_path_factory.mktemp("eval-service")
    settings = service_settings(folder / "data", workers=1)
    uploader = make_store(settings, seed=4, participants=30)
    assert uploader.open, "the store must have open participants to leave"
    batches = make_batches(uploader, folder / "forms", styles=("digital",), count=3, seed=4)
    wrong = make_batches(uploader, folder / "wrong", styles=("digital",), count=3, seed=5)
    _rename_person(wrong["digital"][0])
    return measure(settings, uploader, {**batches, "wrong": wrong["digital"]})


def _rename_person(path: Path) -> None:
    truth = json.loads(truth_path(path).read_text(encoding="utf-8"))
    truth[0]["fields"]["namn"] = WRONG_NAME
    truth_path(path).write_text(json.dumps(truth, ensure_ascii=False), encoding="utf-8")


def test_digital_forms_through_the_service_are_clean_but_a_digital_signature_is_checked(
        digital_run: ServiceReport) -> None:
    """GIVEN digital forms consistent with the store WHEN uploaded through the API and
    read THEN every document is found, all fields are right, none silent; the only field
    flagged is the 9443's PDF signature (not verified here: Diariet checks it, one
    keystroke more), so the 9448 and 9449 cost one keystroke and the 9443 two."""
    tally = digital_run.by_style["digital"]
    scores = tally.scores()
    assert tally.documents == 3 and not digital_run.failures
    assert scores["field_accuracy"] == 1.0 and tally.silent == 0
    assert {n: c for n, c in digital_run.flagged_fields["digital"].items() if c} == {
        "underskrift": 1}
    assert digital_run.by_form[("digital", "9443")].keystrokes == 2
    for form in ("9448", "9449"):
        assert digital_run.by_form[("digital", form)].scores()["keystrokes_per_form"] == 1.0
    assert {form for style, form in digital_run.by_form if style == "digital"} == set(CYCLE)


def test_form_whose_truth_differs_counts_the_field_as_wrong(
        digital_run: ServiceReport) -> None:
    """GIVEN a 9448 whose truth names another person than the form WHEN scored THEN
    exactly that field is wrong — and, read cleanly, a silent error."""
    tally = digital_run.by_form[("wrong", "9448")]
    assert tally.fields - tally.right == 1 and tally.silent == 1


def test_report_prints_a_row_per_style_and_form(digital_run: ServiceReport) -> None:
    """GIVEN the run WHEN formatted THEN the table has the overall row, each style and
    each form under it, with review rate and keystrokes."""
    text = format_report(digital_run)
    assert "keys/form" in text and "review" in text
    assert "style digital" in text and "style wrong" in text
    assert text.count("  9448 ") == 2


def test_batch_plan_pairs_consent_with_inregistrering_and_leaves_open_people(
        tmp_path: Path) -> None:
    """GIVEN a populated store WHEN a batch of six is planned THEN it is 9448, its 9443,
    a 9449, twice; each 9443 is its 9448's person, each 9449 an open participant of the
    uploader's förbund, each new person unknown to the store."""
    uploader = make_store(service_settings(tmp_path / "data"), seed=4, participants=30)
    cases = plan_batch(uploader, count=6, rng=random.Random(1), today=TODAY)
    assert [c.form for c in cases] == list(CYCLE) * 2
    for inregistrering, consent, leaving in (cases[:3], cases[3:]):
        assert consent.truth["personnummer"] == inregistrering.truth["personnummer"]
        assert consent.truth["namnfortydligande"] == inregistrering.truth["namn"]
        assert inregistrering.truth["personnummer"] not in uploader.known_personnummer
        assert inregistrering.truth["samverkansorganisation"] == uploader.forbund
        assert (leaving.truth["personnummer"], leaving.truth["namn"]) in {
            (p.personnummer, p.namn) for p in uploader.open}


def test_cli_refuses_an_unknown_style() -> None:
    """GIVEN `eval-service --style nosuch` WHEN run THEN a usage error names the styles."""
    result = CliRunner().invoke(cli, ["eval-service", "--style", "nosuch"])
    assert result.exit_code == 2 and "unknown style nosuch" in result.output
