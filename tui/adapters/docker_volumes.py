"""Docker adapter, Volumes: list with users, inspect, create, remove, prune."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tui.adapters.docker_errors import translated_errors
from tui.adapters.docker_feeds import RelistFeed, event_action
from tui.adapters.errors import Conflict, InvalidInput, NotFound
from tui.adapters.sanitize import clean_line

if TYPE_CHECKING:
    import docker

    from tui.adapters.docker_http import DockerHTTP

# The engine's rule for local volume names; portside applies it to the networks it creates too.
DOCKER_NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]+")


def invalid_name(name: str) -> str | None:
    """Why ``name`` is not a valid Docker volume/network name, or None when it is."""
    if DOCKER_NAME.fullmatch(name):
        return None
    return "use 2 or more of a-z A-Z 0-9 _ . - and start with a letter or a digit"


def clean_json(value: Any) -> Any:
    """An inspect document with every key and string passed through clean_line (for display as JSON)."""
    if isinstance(value, dict):
        return {clean_line(str(k)): clean_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_json(v) for v in value]
    if isinstance(value, str):
        return clean_line(value)
    return value


def container_name(raw: dict[str, Any]) -> str:
    """The name of a GET /containers/json entry (the id's start when it has none)."""
    names = [n.lstrip("/") for n in raw.get("Names") or [] if n]
    return clean_line(names[0]) if names else str(raw.get("Id", ""))[:12]


@dataclass(frozen=True)
class VolumeInfo:
    name: str
    driver: str
    mountpoint: str
    scope: str
    created: datetime | None
    labels: tuple[tuple[str, str], ...] = ()
    users: tuple[str, ...] = ()  # names of the containers (any state) that mount it

    @property
    def key(self) -> str:
        return self.name


@dataclass(frozen=True)
class PruneReport:
    deleted: tuple[str, ...]
    space_reclaimed: int


def volume_from_api(raw: dict[str, Any], users: tuple[str, ...] = ()) -> VolumeInfo:
    labels = tuple(sorted((clean_line(k), clean_line(str(v))) for k, v in (raw.get("Labels") or {}).items()))
    return VolumeInfo(
        name=clean_line(str(raw.get("Name", ""))),
        driver=clean_line(str(raw.get("Driver") or "")),
        mountpoint=clean_line(str(raw.get("Mountpoint") or "")),
        scope=clean_line(str(raw.get("Scope") or "")),
        created=parse_created(raw.get("CreatedAt")),
        labels=labels,
        users=users,
    )


def parse_created(value: Any) -> datetime | None:
    """An engine timestamp ("2026-01-01T10:00:00.123456789Z"); fromisoformat takes at most microseconds."""
    text = re.sub(r"(\.\d{6})\d+", r"\1", str(value or ""))
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def volume_users(containers: list[dict[str, Any]]) -> dict[str, tuple[str, ...]]:
    """Volume name -> the sorted names of the containers mounting it, from one GET /containers/json?all=1."""
    users: defaultdict[str, set[str]] = defaultdict(set)
    for raw in containers:
        for mount in raw.get("Mounts") or []:
            if mount.get("Type") == "volume" and mount.get("Name"):
                users[clean_line(str(mount["Name"]))].add(container_name(raw))
    return {name: tuple(sorted(found)) for name, found in users.items()}


# Events that can change what the volumes list shows. A container's start or exec (health checks) cannot:
# the engine does not even send them to this feed.
_USAGE_EVENTS = {"volume": {"create", "destroy"}, "container": {"create", "destroy", "rename"}}
_USAGE_ACTIONS = ("create", "destroy", "rename")


class VolumeFeed(RelistFeed):
    """Relists on volume create/destroy and on container create/destroy/rename (they change "used by"),
    once per settled burst: each list is of every volume and every container."""

    second_look = False  # the volume and container lists do not lag these events

    def __init__(self, engine: Any, lister: Callable[[], list[Any]]) -> None:
        super().__init__(engine, tuple(_USAGE_EVENTS), lister, _USAGE_ACTIONS)

    def relevant(self, event: dict[str, Any]) -> bool:
        relevant = _USAGE_EVENTS.get(str(event.get("Type") or ""))
        return relevant is None or event_action(event) in relevant  # another shape: relist to be safe


class VolumesMixin:
    """Mixed into DockerEngine; every method blocks: call it from a thread worker."""

    http: DockerHTTP

    def api(self) -> docker.APIClient:
        raise NotImplementedError

    def list_volumes(self) -> list[VolumeInfo]:
        """Every volume, with the containers using it (two requests, whatever the number of volumes)."""
        volumes = self.http.get("list volumes", "/volumes").get("Volumes") or []
        users = volume_users(self.http.get("list volumes", "/containers/json", {"all": True}))
        return [replace(v, users=users.get(v.name, ())) for v in map(volume_from_api, volumes)]

    def inspect_volume(self, name: str) -> dict[str, Any]:
        """The engine's inspect document, sanitised (json.dumps it for display)."""
        with translated_errors(f"inspect volume {name}"):
            raw = self.api().inspect_volume(name)
        return dict(clean_json(raw))

    def create_volume(self, name: str, driver: str = "local", labels: dict[str, str] | None = None) -> VolumeInfo:
        """Create a volume. The engine silently returns an existing one of that name: refuse that instead."""
        if problem := invalid_name(name):
            raise InvalidInput(f"volume name {name!r}: {problem}")
        try:
            with translated_errors(f"create volume {name}"):
                self.api().inspect_volume(name)
        except NotFound:
            with translated_errors(f"create volume {name}"):
                return volume_from_api(self.api().create_volume(name, driver=driver, labels=labels))
        raise Conflict(f"create volume {name}: a volume of that name exists already")

    def remove_volume(self, name: str) -> None:
        """Remove a volume; the engine refuses (Conflict) while a container, even a stopped one, uses it."""
        with translated_errors(f"remove volume {name}"):
            self.api().remove_volume(name)

    def unused_volumes(self, label: str | None = None) -> list[VolumeInfo]:
        """The prune preview: local volumes no container references (what `docker volume prune` removes)."""
        filters: dict[str, Any] = {"dangling": True, "driver": "local"}
        if label:
            filters["label"] = label
        with translated_errors("list unused volumes"):
            volumes = self.api().volumes(filters=filters).get("Volumes") or []
        return sorted((volume_from_api(v) for v in volumes), key=lambda v: v.name)

    def prune_volumes(self, label: str | None = None) -> PruneReport:
        """`docker volume prune --force` (optionally only volumes with ``label``): what went and the space."""
        with translated_errors("prune volumes"):
            report = self.api().prune_volumes(filters={"label": label} if label else None)
        deleted = tuple(sorted(clean_line(str(n)) for n in report.get("VolumesDeleted") or []))
        return PruneReport(deleted, int(report.get("SpaceReclaimed") or 0))

    def watch_volumes(self) -> RelistFeed:
        return VolumeFeed(self, self.list_volumes)
