"""The only errors that leave an adapter. The UI shows their message; it never sees a client exception."""

from __future__ import annotations


class BackendError(Exception):
    """Base of every adapter error; ``str(error)`` is a sentence fit for a notification."""

    retryable = False


class Unavailable(BackendError):
    """The engine or API server cannot be reached (down, refused, timed out, TLS failure)."""

    retryable = True


class NotFound(BackendError):
    """The object no longer exists."""


class Forbidden(BackendError):
    """The credentials in use may not do this (HTTP 401/403)."""


class Conflict(BackendError):
    """The object exists already, or is in a state that refuses the operation (HTTP 409)."""


class InvalidInput(BackendError):
    """The request was rejected as malformed (HTTP 400/422, bad YAML, bad option)."""


class Gone(BackendError):
    """A watch's resourceVersion is too old (HTTP 410): relist."""


def error_for_status(status: int, message: str) -> BackendError:
    """Map an HTTP status from either backend to our error type."""
    if status in (401, 403):
        return Forbidden(message)
    if status == 404:
        return NotFound(message)
    if status == 409:
        return Conflict(message)
    if status == 410:
        return Gone(message)
    if status in (400, 422):
        return InvalidInput(message)
    return Unavailable(message)
