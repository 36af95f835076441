"""Log lines: JSON objects with the request id for the service, and never a
personnummer (scrubbed, whatever code logged it)."""

from __future__ import annotations

import io
import json
import logging

import pytest

from intake.logs import JsonLines, ScrubbedText, request_id, scrub

#: A Skatteverket test number (shared data/personnummer/allPins.json), written as people do.
WRITTEN = ["198503142385", "19850314-2385", "850314-2385", "8503142385", "850314+2385",
           "19850314 2385"]


@pytest.mark.parametrize("written", WRITTEN)
def test_a_personnummer_in_any_form_is_scrubbed(written: str) -> None:
    """GIVEN a line with a personnummer (10 or 12 digits, separator or not)
    THEN the line is logged with [personnummer] in its place."""
    assert scrub(f"läste {written} på sidan 2") == "läste [personnummer] på sidan 2"


def test_numbers_that_are_no_personnummer_stay() -> None:
    """GIVEN ids, counts and a number failing the Luhn check THEN they are kept."""
    line = "upload 12 page 3; 198503142384; 2026-12-06; 1234567890123"
    assert scrub(line) == line


def _logged(formatter: logging.Formatter, message: str, *args: object) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    logger = logging.getLogger("tests.logs")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        with request_id("req-42"):
            logger.warning(message, *args)
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    return stream.getvalue()


def test_a_service_line_is_one_json_object_with_the_request_id() -> None:
    """GIVEN a warning logged while request req-42 is served THEN it is one line, a
    JSON object with level, logger, the scrubbed message and the request id."""
    text = _logged(JsonLines(), "refused %s for %s", "8503142385", "upload 7")
    assert text.count("\n") == 1
    line = json.loads(text)
    assert line["level"] == "warning" and line["logger"] == "tests.logs"
    assert line["message"] == "refused [personnummer] for upload 7"
    assert line["request_id"] == "req-42"


def test_a_traceback_is_scrubbed_too() -> None:
    """GIVEN an exception whose message holds a personnummer, logged with its traceback
    THEN neither the message nor the traceback shows it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLines())
    logger = logging.getLogger("tests.logs.tb")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        raise ValueError("no such person 19850314-2385")
    except ValueError:
        logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    line = json.loads(stream.getvalue())
    assert "2385" not in stream.getvalue()
    assert "[personnummer]" in line["exception"]


def test_the_command_lines_plain_lines_are_scrubbed() -> None:
    """GIVEN the command line's plain format THEN a personnummer is scrubbed there too."""
    text = _logged(ScrubbedText("%(levelname)s %(message)s"), "%s: unreadable", "850314-2385")
    assert text == "WARNING [personnummer]: unreadable\n"
