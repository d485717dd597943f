"""Docker Engine adapter: the tables' reads over ``docker_http``, the rest over docker-py's low-level APIClient
(plain dicts, no model objects), imported by the first call that needs it."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from tui.adapters.docker_containers import ContainersMixin
from tui.adapters.docker_errors import timestamp, translated_errors
from tui.adapters.docker_feeds import ContainerFeed, ContainerHub, ContainerSubscription, RelistFeed
from tui.adapters.docker_http import DockerHTTP, JsonLines
from tui.adapters.docker_images import ImagesMixin
from tui.adapters.docker_logs import LogsMixin
from tui.adapters.docker_networks import NetworksMixin
from tui.adapters.docker_run import RunMixin
from tui.adapters.docker_volumes import VolumesMixin
from tui.adapters.models import (
    ContainerInfo,
    EngineVersion,
    ImageInfo,
    PortBinding,
    Snapshot,
)
from tui.adapters.sanitize import clean_line

if TYPE_CHECKING:
    import docker

DEFAULT_HOST = "unix:///var/run/docker.sock"


def container_from_api(raw: dict[str, Any]) -> ContainerInfo:
    """Parse one entry of GET /containers/json defensively (names, ports and labels may be missing)."""
    cid = clean_line(str(raw.get("Id", "")))
    names = [n.lstrip("/") for n in raw.get("Names") or [] if n]
    ports = tuple(
        PortBinding(
            container_port=int(p.get("PrivatePort") or 0),
            protocol=clean_line(str(p.get("Type") or "tcp")),
            host_ip=clean_line(str(p.get("IP") or "")),
            host_port=int(p["PublicPort"]) if p.get("PublicPort") else None,
        )
        for p in raw.get("Ports") or []
    )
    labels = tuple(sorted((clean_line(k), clean_line(str(v))) for k, v in (raw.get("Labels") or {}).items()))
    return ContainerInfo(
        id=cid,
        name=clean_line(names[0]) if names else cid[:12],
        image=clean_line(str(raw.get("Image", ""))),
        image_id=clean_line(str(raw.get("ImageID", ""))),
        state=clean_line(str(raw.get("State", "unknown"))),
        status=clean_line(str(raw.get("Status", ""))),
        created=timestamp(raw.get("Created")),
        ports=tuple(sorted(set(ports), key=lambda p: (p.container_port, p.protocol, p.host_ip))),
        labels=labels,
        command=clean_line(str(raw.get("Command", ""))),
    )


def image_from_api(raw: dict[str, Any]) -> ImageInfo:
    tags = tuple(clean_line(t) for t in raw.get("RepoTags") or [] if t and t != "<none>:<none>")
    return ImageInfo(
        id=clean_line(str(raw.get("Id", ""))),
        tags=tags,
        size=int(raw.get("Size") or 0),
        created=timestamp(raw.get("Created")),
    )


class DockerEngine(ContainersMixin, ImagesMixin, VolumesMixin, NetworksMixin, LogsMixin, RunMixin):
    """One Docker endpoint. Every method blocks: call it from a thread worker."""

    def __init__(self, base_url: str | None = None, timeout: int = 15) -> None:
        self.endpoint = base_url or os.environ.get("DOCKER_HOST") or DEFAULT_HOST
        self._timeout = timeout
        self._client: docker.APIClient | None = None
        self.http = DockerHTTP(self.endpoint, timeout)
        # Every view of containers shares one event stream and one state (see ContainerHub).
        self._containers = ContainerHub(lambda: ContainerFeed(self))

    def api(self) -> docker.APIClient:
        """The low-level client, created on first use; version="auto" negotiates the API version."""
        if self._client is None:
            import docker  # ~0.13 s with requests and urllib3: not before the first call that needs it

            with translated_errors("connect"):
                self._client = docker.APIClient(base_url=self.endpoint, version="auto", timeout=self._timeout)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def version(self) -> EngineVersion:
        info = self.http.get("version", "/version")
        return EngineVersion(
            endpoint=self.endpoint,
            version=f"{clean_line(str(info.get('Version', '?')))} (API {clean_line(str(info.get('ApiVersion', '?')))})",
        )

    # ---- containers

    def list_containers(self, *, all: bool = True, ids: list[str] | None = None) -> list[ContainerInfo]:
        """Every container, or only those of ``ids`` (one request for all of them: a sparse list)."""
        if ids is not None and not ids:
            return []
        query = {"all": all, "filters": {"id": ids} if ids is not None else None}
        return [container_from_api(c) for c in self.http.get("list containers", "/containers/json", query)]

    def get_container(self, container_id: str) -> ContainerInfo | None:
        """One container by id, or None when it no longer exists (one small request, not a relist)."""
        query = {"all": True, "filters": {"id": [container_id]}}
        found = self.http.get(f"container {container_id[:12]}", "/containers/json", query)
        return container_from_api(found[0]) if found else None

    def start_container(self, container_id: str) -> None:
        with translated_errors(f"start {container_id[:12]}"):
            self.api().start(container_id)

    def stop_container(self, container_id: str, timeout: int = 10) -> None:
        with translated_errors(f"stop {container_id[:12]}"):
            self.api().stop(container_id, timeout=timeout)

    def restart_container(self, container_id: str, timeout: int = 10) -> None:
        with translated_errors(f"restart {container_id[:12]}"):
            self.api().restart(container_id, timeout=timeout)

    def remove_container(self, container_id: str, *, force: bool = False, volumes: bool = False) -> None:
        with translated_errors(f"remove {container_id[:12]}"):
            self.api().remove_container(container_id, force=force, v=volumes)

    def watch_containers(self) -> ContainerSubscription:
        """A subscription to the engine's one shared container feed: a Snapshot, then the changes."""
        return ContainerSubscription(self._containers)

    def containers_at_hand(self) -> Snapshot[ContainerInfo] | None:
        """The shared feed's list, if it already has one (no request: safe on the event loop)."""
        items = self._containers.current()
        return None if items is None else Snapshot(items)

    def start_watching_containers(self) -> None:
        """Open the shared container feed now, in its own thread (the first screen lists containers)."""
        self._containers.start()

    # ---- images

    def list_images(self) -> list[ImageInfo]:
        return [image_from_api(i) for i in self.http.get("list images", "/images/json")]

    def watch_images(self) -> RelistFeed:
        return RelistFeed(self, ("image",), self.list_images)

    def events(self, kinds: tuple[str, ...], actions: tuple[str, ...] = ()) -> JsonLines:
        """The engine's event stream (a closable iterator of dicts), subscribed before it is returned.

        ``actions`` narrows it to those events, filtered by the engine (health_status matches its variants).
        """
        filters: dict[str, list[str]] = {"type": list(kinds)}
        if actions:
            filters["event"] = list(actions)
        return self.http.json_lines("events", "/events", {"filters": filters})
