"""Docker adapter, Images: history (layers), build, pull, push, tag, remove, prune."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import docker


class ImagesMixin:
    """Mixed into DockerEngine; every method blocks: call it from a thread worker."""

    def api(self) -> docker.APIClient:
        raise NotImplementedError
