"""What the store refuses, and why: one typed error per refusal.

Every error is an :class:`intake.errors.IntakeError` (the project's one exception
root) with a short ``code`` for the UI, an HTTP status and a Swedish message a
reviewer can act on. Messages never contain a personnummer.
"""

from __future__ import annotations

from collections.abc import Sequence

from intake.errors import IntakeError


class StoreError(IntakeError):
    """Root of every refusal of the SUS store."""

    code = "store_error"
    http_status = 409
    exit_code = 5


class NotFound(StoreError):
    """A förbund, insats, participation, consent or user that does not exist."""

    code = "not_found"
    http_status = 404


class AmbiguousName(StoreError):
    """A written förbund or insats name that matches no record exactly.

    ``candidates`` are the closest names, best first, for a person to choose from;
    the store never picks one silently (SPEC §3 rule 6).
    """

    code = "ambiguous_name"
    http_status = 422

    def __init__(self, message: str, candidates: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.candidates = tuple(candidates)


class RuleViolation(StoreError):
    """A SPEC §3 rule the record breaks with what the store knows."""

    code = "rule_violation"
    http_status = 422

    def __init__(self, message: str, *, rule: str, fields: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.rule = rule
        self.fields = tuple(fields)


class ConsentRequired(RuleViolation):
    """Personal data without a signed consent covering the participation (rule 9)."""

    code = "consent_required"

    def __init__(self, message: str) -> None:
        super().__init__(message, rule="R9", fields=("personnummer",))


class AlreadyOpen(RuleViolation):
    """The person already has an open participation in this insats (rule 7)."""

    code = "already_open"

    def __init__(self, message: str) -> None:
        super().__init__(message, rule="R7", fields=("personnummer", "insats"))


class PermissionDenied(StoreError):
    """The user lacks a current permission for this förbund or insats (SPEC §5)."""

    code = "permission_denied"
    http_status = 403


class ArchiveError(StoreError):
    """The consent archive could not write, or a file failed its hash check."""

    code = "archive_error"
    http_status = 500
