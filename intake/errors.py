"""The one exception root of the project.

Every failure a user can meet is an :class:`IntakeError` subclass carrying a short
machine-readable ``code`` (for the UI and JSON), an HTTP status and a message a
person can act on. The command line turns them into a one-line message and the
subclass's exit code.
"""

from __future__ import annotations


class IntakeError(Exception):
    """Root of every error the service reports to a person."""

    code = "intake_error"
    http_status = 500
    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(IntakeError):
    """An input file could not be read at all (corrupt, encrypted, not a scan)."""

    code = "unreadable_input"
    http_status = 422
    exit_code = 2


class UploadTooLarge(IntakeError):
    """An upload (or one of its files) is over a limit of the service's settings."""

    code = "upload_too_large"
    http_status = 413
    exit_code = 2


class FormDefinitionError(IntakeError):
    """A form definition data file is inconsistent; a developer must fix the data."""

    code = "bad_form_definition"
    exit_code = 3


class ParseError(IntakeError):
    """A written value (personnummer, date, percent, code) could not be understood."""

    code = "unparseable_value"
    http_status = 422
    exit_code = 2


class ConfigurationError(IntakeError):
    """The settings are unusable (missing tool, bad directory, default secret)."""

    code = "bad_configuration"
    exit_code = 4
