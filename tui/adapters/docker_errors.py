"""Translation of docker-py and transport exceptions into our errors, shared by the Docker adapter modules."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from tui.adapters.errors import BackendError, NotFound, Unavailable, error_for_status
from tui.adapters.sanitize import clean_line


@contextmanager
def translated_errors(what: str) -> Iterator[None]:
    """Turn docker-py and transport exceptions into our BackendError types; others pass through."""
    try:
        yield
    except BackendError:
        raise
    except Exception as exc:
        error = translated(what, exc)
        if error is None:
            raise
        raise error from None


def translated(what: str, exc: Exception) -> BackendError | None:
    """Our error for a docker-py or transport exception, or None for any other."""
    import docker.errors  # loaded already: the calls this wraps are docker-py's

    if isinstance(exc, docker.errors.NotFound):
        return NotFound(f"{what}: {clean_line(str(exc.explanation or exc))}")
    if isinstance(exc, docker.errors.APIError):
        return error_for_status(exc.status_code or 500, f"{what}: {clean_line(str(exc.explanation or exc))}")
    if isinstance(exc, docker.errors.DockerException | OSError):  # requests' exceptions are OSErrors
        return unreachable(what, exc)
    return None


def unreachable(what: str, error: Exception) -> Unavailable:
    """The engine could not be reached, whichever client tried (docker-py, or docker_http)."""
    return Unavailable(f"{what}: Docker engine unreachable ({clean_line(str(error)) or type(error).__name__})")


def timestamp(value: Any) -> datetime:
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    return datetime.fromtimestamp(0, UTC)
