"""Domain errors and the HTTP status each maps to."""

from __future__ import annotations


class DomainError(Exception):
    """A business rule refused the request; ``message`` is shown to the user."""

    status_code = 400
    code = "bad_request"
    #: Seconds after which a refused request may be tried again (sent as Retry-After).
    retry_after: int | None = None

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class PermissionDenied(DomainError):
    status_code = 403
    code = "forbidden"


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class StaleVersion(Conflict):
    code = "stale_version"


class ValidationFailed(DomainError):
    status_code = 422
    code = "invalid"


class DuplicateArticle(Conflict):
    """The same body was imported before; ``existing_id`` names that article."""

    code = "duplicate_article"

    def __init__(self, message: str, *, existing_id: int) -> None:
        super().__init__(message)
        self.existing_id = existing_id
