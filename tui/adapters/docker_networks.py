"""Docker adapter, Networks: list, inspect, create, remove, connect and disconnect containers."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tui.adapters.docker_errors import translated_errors
from tui.adapters.docker_feeds import RelistFeed
from tui.adapters.docker_volumes import clean_json, container_name, invalid_name, parse_created
from tui.adapters.errors import Conflict, Forbidden, InvalidInput, Unavailable
from tui.adapters.sanitize import clean_line

if TYPE_CHECKING:
    import docker

    from tui.adapters.docker_http import DockerHTTP

BUILTIN_NETWORKS = frozenset({"bridge", "host", "none"})


def builtin_refusal(name: str) -> str:
    return f"{name} is one of Docker's built-in networks (bridge, host, none): they cannot be removed"


@dataclass(frozen=True)
class NetworkInfo:
    id: str
    name: str
    driver: str
    scope: str
    subnet: str  # the IPAM subnets, comma-separated; "" for host and none
    created: datetime | None
    internal: bool = False
    labels: tuple[tuple[str, str], ...] = ()
    containers: tuple[str, ...] = ()  # names of the running containers with an endpoint on it

    @property
    def key(self) -> str:
        return self.id

    @property
    def builtin(self) -> bool:
        return self.name in BUILTIN_NETWORKS


def network_from_api(raw: dict[str, Any], containers: tuple[str, ...] = ()) -> NetworkInfo:
    ipam = (raw.get("IPAM") or {}).get("Config") or []
    labels = tuple(sorted((clean_line(k), clean_line(str(v))) for k, v in (raw.get("Labels") or {}).items()))
    return NetworkInfo(
        id=clean_line(str(raw.get("Id", ""))),
        name=clean_line(str(raw.get("Name", ""))),
        driver=clean_line(str(raw.get("Driver") or "")),
        scope=clean_line(str(raw.get("Scope") or "")),
        subnet=", ".join(clean_line(str(c["Subnet"])) for c in ipam if c.get("Subnet")),
        created=parse_created(raw.get("Created")),
        internal=bool(raw.get("Internal")),
        labels=labels,
        containers=containers,
    )


def network_members(containers: list[dict[str, Any]]) -> dict[str, tuple[str, ...]]:
    """Network id -> sorted names of the containers with an endpoint on it (running ones: a stopped
    container keeps its settings but has no NetworkID), from one GET /containers/json."""
    members: defaultdict[str, set[str]] = defaultdict(set)
    for raw in containers:
        for settings in ((raw.get("NetworkSettings") or {}).get("Networks") or {}).values():
            if (settings or {}).get("NetworkID"):
                members[str(settings["NetworkID"])].add(container_name(raw))
    return {nid: tuple(sorted(names)) for nid, names in members.items()}


class NetworksMixin:
    """Mixed into DockerEngine; every method blocks: call it from a thread worker."""

    http: DockerHTTP

    def api(self) -> docker.APIClient:
        raise NotImplementedError

    def list_networks(self) -> list[NetworkInfo]:
        """Every network with its connected containers (the list endpoint omits them: one containers call)."""
        networks = self.http.get("list networks", "/networks")
        members = network_members(self.http.get("list networks", "/containers/json"))
        return [replace(n, containers=members.get(n.id, ())) for n in map(network_from_api, networks)]

    def inspect_network(self, network: str) -> dict[str, Any]:
        """The engine's inspect document (its "Containers" are the connected ones), sanitised."""
        with translated_errors(f"inspect network {network}"):
            raw = self.api().inspect_network(network)
        return dict(clean_json(raw))

    def create_network(
        self, name: str, driver: str = "bridge", labels: dict[str, str] | None = None
    ) -> NetworkInfo:
        # The engine takes names the CLI's users could not type back ("a b/c"): hold them to the volume rule.
        if problem := invalid_name(name):
            raise InvalidInput(f"network name {name!r}: {problem}")
        with translated_errors(f"create network {name}"):
            # Without check_duplicate the engine makes a second network of the same name.
            created = self.api().create_network(name, driver=driver, labels=labels, check_duplicate=True)
            return network_from_api(self.api().inspect_network(created["Id"]))

    def remove_network(self, network: str) -> None:
        if network in BUILTIN_NETWORKS:
            raise InvalidInput(builtin_refusal(network))
        try:
            with translated_errors(f"remove network {network}"):
                self.api().remove_network(network)
        except Forbidden as error:
            # The engine says 403 for both; neither is about credentials.
            builtin = re.search(r"(\S+) is a pre-defined network", str(error))
            if builtin:
                raise InvalidInput(builtin_refusal(builtin.group(1))) from None
            if "active endpoints" in str(error):
                raise Conflict(
                    f"remove network {network}: containers are still connected (disconnect or stop them first)"
                ) from None
            raise

    def connect_network(self, network: str, container: str) -> None:
        with translated_errors(f"connect {container} to {network}"):
            self.api().connect_container_to_network(container, network)

    def disconnect_network(self, network: str, container: str) -> None:
        try:
            with translated_errors(f"disconnect {container} from {network}"):
                self.api().disconnect_container_from_network(container, network)
        except Unavailable as error:
            # The engine answers 500 for a container that is not connected: a refusal, not an outage.
            if "is not connected" in str(error):
                raise Conflict(str(error)) from None
            raise

    def watch_networks(self) -> RelistFeed:
        # connect/disconnect events (a container starting or stopping) change the connected containers.
        return RelistFeed(self, ("network",), self.list_networks)
