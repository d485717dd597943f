"""Translation of docker-py and transport exceptions into our errors, shared by the Docker adapter modules."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import docker.errors
import requests.exceptions

from tui.adapters.errors import NotFound, Unavailable, error_for_status
from tui.adapters.sanitize import clean_line


@contextmanager
def translated_errors(what: str) -> Iterator[None]:
    """Turn docker-py and transport exceptions into our BackendError types."""
    try:
        yield
    except docker.errors.NotFound as exc:
        raise NotFound(f"{what}: {clean_line(str(exc.explanation or exc))}") from None
    except docker.errors.APIError as exc:
        status = exc.status_code or 500
        raise error_for_status(status, f"{what}: {clean_line(str(exc.explanation or exc))}") from None
    except (docker.errors.DockerException, requests.exceptions.RequestException, OSError) as exc:
        raise Unavailable(f"{what}: Docker engine unreachable ({clean_line(str(exc))})") from None


def timestamp(value: Any) -> datetime:
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    return datetime.fromtimestamp(0, UTC)
