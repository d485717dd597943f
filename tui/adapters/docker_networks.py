"""Docker adapter, Networks: list, inspect, create, remove, connect and disconnect containers."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import docker


class NetworksMixin:
    """Mixed into DockerEngine; every method blocks: call it from a thread worker."""

    def api(self) -> docker.APIClient:
        raise NotImplementedError
