"""Docker adapter, Container logs as a closable stream of sanitised lines."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import docker


class LogsMixin:
    """Mixed into DockerEngine; every method blocks: call it from a thread worker."""

    def api(self) -> docker.APIClient:
        raise NotImplementedError
