"""Logs: one JSON object per line for the service, with the id of the request a line
was written for, and never a personnummer.

Code logs ids, counts and codes — never a value read from a form. As a second line of
defence every line (message and traceback alike) is scrubbed here: any run of 10 or
12 digits, with or without a separator before the last four, whose last digit is the
Luhn digit of the nine before it is written ``[personnummer]``.

    configure_logging(json_lines=True)        # serve, worker, demo
    with request_id("…"): log.info("…")        # done by the service's middleware
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import TextIO

from intake.sus.personnummer import luhn_digit

#: What a personnummer-like number in a log line becomes.
REDACTED = "[personnummer]"
#: 6 or 8 digits, maybe a separator, 4 digits; not part of a longer run of digits.
_NUMBER = re.compile(r"(?<!\d)(\d{6}|\d{8})([-+ ]?)(\d{4})(?!\d)")
#: The id of the request being served (set by ``intake.review.requestid``).
_REQUEST_ID: ContextVar[str | None] = ContextVar("sus_request_id", default=None)
#: The text format of the command line's own log lines (not the service's).
TEXT_FORMAT = "%(levelname)s %(name)s: %(message)s"
#: Libraries whose DEBUG and INFO lines quote the files they parse (a PDF's text is a
#: form's values): only their warnings are logged, even with --verbose.
CONTENT_LOGGERS = ("pdfminer", "pdfplumber", "PIL", "pypdf")
#: Marks the handler this module installed.
_OURS = "sus_intake_handler"


def scrub(text: str) -> str:
    """``text`` with every personnummer-like number (see the module) redacted."""
    return _NUMBER.sub(_redacted, text)


def _redacted(match: re.Match[str]) -> str:
    digits = (match.group(1) + match.group(3))[-10:]
    return REDACTED if luhn_digit(digits[:9]) == int(digits[9]) else match.group(0)


def current_request_id() -> str | None:
    return _REQUEST_ID.get()


def stamp_request_ids() -> None:
    """From now on every log record carries the request id of its moment as
    ``record.request_id`` (whoever formats it, whenever). Idempotent."""
    current = logging.getLogRecordFactory()
    if getattr(current, _OURS, False):
        return

    def stamped(*args: object, **kwargs: object) -> logging.LogRecord:
        record = current(*args, **kwargs)
        record.request_id = _REQUEST_ID.get()
        return record

    setattr(stamped, _OURS, True)
    logging.setLogRecordFactory(stamped)


@contextmanager
def request_id(value: str) -> Iterator[None]:
    """Lines logged inside the block carry ``value`` as their ``request_id``."""
    token = _REQUEST_ID.set(value)
    try:
        yield
    finally:
        _REQUEST_ID.reset(token)


class JsonLines(logging.Formatter):
    """A record as one JSON object: time (UTC), level, logger, message, the request
    id when there is one, the process, and the traceback if any — all scrubbed."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": scrub(record.getMessage()),
            "process": record.process,
        }
        rid = getattr(record, "request_id", None) or current_request_id()
        if rid:
            line["request_id"] = rid
        for key in ("method", "route", "status", "ms"):
            if hasattr(record, key):
                line[key] = getattr(record, key)
        if record.exc_info:
            line["exception"] = scrub(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False)


class ScrubbedText(logging.Formatter):
    """The command line's plain lines, scrubbed as the JSON ones are."""

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


def configure_logging(*, json_lines: bool, verbose: bool = False,
                      stream: TextIO | None = None) -> None:
    """The root logger writes to ``stream`` (standard error): JSON lines or plain text,
    INFO and up when ``verbose``, else WARNING and up. As ``logging.basicConfig``, it
    leaves logging alone when someone else set it up (a test runner)."""
    root = logging.getLogger()
    ours = [h for h in root.handlers if getattr(h, _OURS, False)]
    if root.handlers and not ours:
        return
    for old in ours:
        root.removeHandler(old)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonLines() if json_lines else ScrubbedText(TEXT_FORMAT))
    setattr(handler, _OURS, True)
    root.addHandler(handler)
    root.setLevel(logging.INFO if verbose else logging.WARNING)
    for name in CONTENT_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def use_json_lines() -> None:
    """The service's lines from now on as JSON objects (the level stays)."""
    for handler in logging.getLogger().handlers:
        if getattr(handler, _OURS, False):
            handler.setFormatter(JsonLines())
