"""When a free-text read the engine is sure of still goes to review: the learned
signals of ``intake/learned/data/text_calibration.json`` (``scripts/calibrate_text.py``)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from pydantic import ValidationError

from intake.forms import load_form
from intake.forms.model import FieldDef
from intake.learned.review import load_review_lines
from intake.learned.text import Signal, TextCalibration, TextKind, load_text_calibration
from intake.mapping.interpret import interpret
from intake.mapping.text import TEXT_CASE, TEXT_CONTESTED, interpret_text, text_evidence
from intake.reads import TextRead
from intake.settings import REVIEW_BELOW
from intake.training.calibrate_text import MIN_CAUGHT, learn_signals
from tests.mapping.reads import CONTEXT

#: As the pipeline reads: the shipped review lines, free text's among them.
SHIPPED = replace(CONTEXT, review_lines=load_review_lines())


def line_of(field: str) -> float:
    """Where review of ``field`` begins (free text: its kind's line)."""
    return SHIPPED.for_type("text", field).review_below


def engine_read(
    text: str, *, confidence: float = 0.95, contested: dict[int, tuple[str, float]] | None = None
) -> TextRead:
    """A read as Tesseract gives it: one alternatives list per character (a space is
    ``(" ", 1.0)``), the top choice at 0.94 and look-alikes at 0; ``contested`` puts a
    runner-up with some probability at a character index."""
    contested = contested or {}
    alternatives = []
    for index, char in enumerate(text):
        if char == " ":
            alternatives.append([(" ", 1.0)])
            continue
        runner_up = contested.get(index, (char.swapcase() if char.isalpha() else "?", 0.0))
        alternatives.append([(char, 0.94), runner_up])
    return TextRead(text=text, confidence=confidence, alternatives=alternatives)


def is_reviewed(value_confidence: float, problem: str | None) -> bool:
    return value_confidence < REVIEW_BELOW or problem is not None


# --- the shipped calibration ------------------------------------------------------------------


def test_shipped_calibration_loads_with_signals_for_names_and_organisations() -> None:
    """GIVEN the shipped calibration file
    WHEN it is loaded
    THEN names and organisations each have learned signals on known evidence."""
    calibration = load_text_calibration()
    assert calibration.provenance is not None and calibration.provenance.commit
    known = set(text_evidence(engine_read("Anna Berg"), "Anna Berg", capitals="words"))
    for field in ("namn", "namnfortydligande", "samverkansorganisation", "insats"):
        kind = calibration.kind_of(field)
        assert kind is not None and kind.signals, field
        assert {s.evidence for s in kind.signals} <= known
        assert all(0.0 < s.p_right < 1.0 for s in kind.signals)


@pytest.mark.parametrize(
    ("field", "text"),
    [("namn", "Anna Berg"), ("namnfortydligande", "Eva-Lena Nilsson"),
     ("insats", "Steg till arbete"), ("samverkansorganisation", "Finsam Örebro")],
)
def test_confident_clean_read_stays_out_of_review(field: str, text: str) -> None:
    """GIVEN a read the engine is sure of, no character contested, written as the
    field is written
    WHEN it is interpreted
    THEN it keeps the engine's confidence and stays out of review."""
    value = interpret_text(field, engine_read(text, confidence=0.95), CONTEXT)
    assert (value.value, value.confidence, value.problem) == (text, 0.95, None)


@pytest.mark.parametrize("field", ["namn", "insats"])
def test_confident_read_starting_in_lower_case_goes_to_review(field: str) -> None:
    """GIVEN a confident read whose first letter is small ("vägen vidare": a V misread)
    WHEN it is interpreted
    THEN it goes to review, saying the capitals look wrong; a name's words get back the
    capital V that type draws like a v, an insats stays as read."""
    value = interpret_text(field, engine_read("vägen vidare", confidence=0.96), CONTEXT)
    assert value.value == ("Vägen Vidare" if field == "namn" else "vägen vidare")
    assert value.problem == TEXT_CASE and is_reviewed(value.confidence, value.problem)


@pytest.mark.parametrize(
    ("field", "read"),
    [
        ("namn", engine_read("Asa Lund", confidence=0.92)),
        ("namnfortydligande", engine_read("Asa Lund", confidence=0.92)),
        ("insats", engine_read("Lots för hvet", confidence=0.96, contested={9: ("l", 0.3)})),
        ("samverkansorganisation", engine_read("Finsam Gavle", contested={8: ("ä", 0.3)})),
    ],
)
def test_low_evidence_read_gets_the_calibrated_confidence_and_a_flag_only_below_the_line(
        field: str, read: TextRead) -> None:
    """GIVEN a read the engine passes (confidence at least 0.9) but with little evidence
    for it: a name read less surely than names need, an organisation with a character
    the engine also read as another
    WHEN it is interpreted as the pipeline does (the shipped text line)
    THEN its confidence is the signal's measured rate (no higher than the engine's), and
    it is flagged when that calibrated confidence is below the field's line; above it,
    only a change the word list made ("Gävle" for "Gavle") is (issue 15)."""
    value = interpret(_field(field), read, SHIPPED)
    assert value.confidence <= read.confidence
    if value.confidence < line_of(field):
        assert value.problem is not None
    else:
        assert (value.problem is None) == (value.value == read.text)


def _field(name: str) -> FieldDef:
    form = "9443" if name == "namnfortydligande" else "9448"
    return next(f for f in load_form(form).fields if f.name == name)


def test_clean_read_of_a_known_insats_is_not_flagged_while_a_doubtful_one_is() -> None:
    """GIVEN the shipped calibration and text line, and reads of the insats "Stöd till
    unga vuxna" the engine is sure of, one with an "X" it also saw at the x of "vuxna"
    (the runner-up signal: its reads were right 95.5 % of the time)
    WHEN they are interpreted
    THEN the clean reads keep the text as written and are not flagged ("tvekade",
    "svårläst": noise to a reviewer), while a read the engine doubts, or one starting in
    a small letter (right 10 % of the time) that the list does more to than give it its
    capital, still is."""
    insats = _field("insats")
    clean = engine_read("Stöd till unga vuxna", confidence=0.97)
    contested = engine_read("Stöd till unga vuxna", confidence=0.97, contested={17: ("X", 0.2)})
    for read in (clean, contested):
        value = interpret(insats, read, SHIPPED)
        assert (value.value, value.problem) == ("Stöd till unga vuxna", None)
        assert value.confidence >= line_of("insats")
    for doubtful in (engine_read("Stöd till unga vuxna", confidence=0.55),
                     engine_read("stöd till unga vuxma", confidence=0.97)):
        value = interpret(insats, doubtful, SHIPPED)
        assert value.problem is not None and value.confidence < line_of("insats")


def test_every_shipped_signal_fires_from_its_threshold_on() -> None:
    """GIVEN each signal of the shipped calibration
    WHEN evidence reaches its threshold, and when it stays just under
    THEN it fires, and does not."""
    quiet = text_evidence(engine_read("Anna"), "Anna", capitals="words")
    for kind in load_text_calibration().kinds.values():
        for signal in kind.signals:
            at = dict.fromkeys(quiet, 0.0) | {signal.evidence: signal.at}
            under = at | {signal.evidence: signal.at * 0.99}
            assert kind.fired(at) is not None, signal
            assert kind.fired(under) is not signal, signal


def test_signal_fires_through_the_form_definition() -> None:
    """GIVEN FK 9443's namnförtydligande read confidently in lower case, a letter off
    WHEN it is interpreted through the form's field definition
    THEN the name signal fires there too."""
    field = next(f for f in load_form("9443").fields if f.name == "namnfortydligande")
    value = interpret(field, engine_read("ulf Björx", confidence=0.96), CONTEXT)
    assert value.problem == TEXT_CASE


def test_read_without_alternatives_is_not_weighed() -> None:
    """GIVEN a digital form's exact text (no alternatives), in lower case
    WHEN it is interpreted
    THEN it is taken as it is, with its confidence."""
    value = interpret_text("namn", TextRead(text="ulf björk", confidence=1.0), CONTEXT)
    assert (value.value, value.confidence, value.problem) == ("ulf björk", 1.0, None)


def test_signal_on_unknown_evidence_is_refused() -> None:
    """GIVEN a calibration naming evidence the reader does not compute
    WHEN it is loaded THEN that is an error."""
    kind = {"fields": ["namn"], "signals": [{"evidence": "moon_phase", "at": 1, "p_right": 0.5}]}
    with pytest.raises(ValidationError):
        TextCalibration.model_validate({"kinds": {"name": kind}})


# --- learning -----------------------------------------------------------------------------


def _sample(evidence: dict[str, float], *, right: bool, reviewed: bool = False) -> dict:
    base = dict.fromkeys(text_evidence(engine_read("Anna"), "Anna", capitals="words"), 0.0)
    return {"evidence": base | evidence, "right": right, "reviewed": reviewed}


@pytest.mark.parametrize(
    ("evidence", "wrong_at", "right_up_to"),
    [("runner_up", 0.4, 0.05), ("char_doubt", 0.3, 0.12), ("lone_letter", 1.0, 0.0)],
)
def test_learned_signal_sends_exactly_the_reads_that_are_often_wrong(
    evidence: str, wrong_at: float, right_up_to: float
) -> None:
    """GIVEN reads that are right while ``evidence`` is at most ``right_up_to`` and
    mostly wrong from ``wrong_at`` on (a few right ones among them), and some wrong
    reads already under review
    WHEN signals are learned from them
    THEN one signal on that evidence is learned, between the two, and with what it
    learned a kind sends the doubtful reads to review and keeps the others."""
    right = [_sample({evidence: right_up_to * i / 20}, right=True) for i in range(21)] * 5
    wrong = [_sample({evidence: wrong_at + 0.1 * i}, right=False) for i in range(MIN_CAUGHT + 2)]
    doubtful = [*wrong, _sample({evidence: wrong_at + 0.1}, right=True)]
    reviewed = [_sample({"char_doubt": 0.9}, right=False, reviewed=True)] * 10
    learned = learn_signals(right + doubtful + reviewed)
    assert [s["evidence"] for s in learned] == [evidence]
    assert right_up_to < learned[0]["at"] <= wrong_at
    kind = TextKind(fields=("namn",), signals=(Signal(**learned[0]),))
    assert all(kind.fired(s["evidence"]) for s in doubtful)
    assert not any(kind.fired(s["evidence"]) for s in right)
    assert learned[0]["p_right"] == pytest.approx(2 / (len(doubtful) + 2), abs=1e-4)


def test_nothing_is_learned_when_the_engine_sure_reads_are_right() -> None:
    """GIVEN reads the engine was sure of that are all right (the wrong ones reviewed)
    WHEN signals are learned THEN there are none (no review is bought for nothing)."""
    right = [_sample({"runner_up": i / 40}, right=True) for i in range(40)]
    wrong = [_sample({"runner_up": 0.9}, right=False, reviewed=True)] * 5
    assert learn_signals(right + wrong) == []


def test_fired_signal_gives_its_measured_rate_and_problem() -> None:
    """GIVEN a calibration whose runner-up signal was right 30 % of the time
    WHEN a confident read sets it off, and another does not
    THEN the first gets that rate as its confidence and goes to review; the other
    keeps the engine's confidence."""
    kind = TextKind(fields=("insats",), capitals="first",
                    signals=(Signal(evidence="runner_up", at=0.1, p_right=0.3),))
    context = replace(CONTEXT, calibration=TextCalibration(kinds={"organisation": kind}))
    doubtful = interpret_text("insats", engine_read("Hälsolots", contested={1: ("a", 0.2)}),
                              context)
    assert (doubtful.confidence, doubtful.problem) == (0.3, TEXT_CONTESTED)
    clear = interpret_text("insats", engine_read("Hälsolots", contested={1: ("a", 0.05)}),
                           context)
    assert (clear.confidence, clear.problem) == (0.95, None)
