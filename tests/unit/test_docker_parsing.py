"""tui.adapters.docker_engine: GET /containers/json and /images/json entries are parsed defensively."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest

from tui.adapters.docker_engine import container_from_api, image_from_api
from tui.adapters.docker_feeds import settled
from tui.adapters.models import PortBinding

CID = "4f66ad9a0b2e1234567890abcdef1234567890abcdef1234567890abcdef1234"


def _container(**overrides: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "Id": CID,
        "Names": ["/web-1"],
        "Image": "nginx:1.27",
        "ImageID": "sha256:" + "a" * 64,
        "Command": "/docker-entrypoint.sh nginx -g 'daemon off;'",
        "Created": 1_717_243_200,
        "Ports": [
            {"IP": "0.0.0.0", "PrivatePort": 80, "PublicPort": 8080, "Type": "tcp"},
            {"PrivatePort": 443, "Type": "tcp"},
        ],
        "Labels": {"com.docker.compose.project": "shop", "maintainer": "NGINX"},
        "State": "running",
        "Status": "Up 3 minutes (healthy)",
    }
    raw.update(overrides)
    return raw


def test_container_fields_are_parsed() -> None:
    info = container_from_api(_container())
    assert info.id == CID
    assert info.key == CID
    assert info.name == "web-1"
    assert info.image == "nginx:1.27"
    assert info.image_id == "sha256:" + "a" * 64
    assert info.state == "running"
    assert info.status == "Up 3 minutes (healthy)"
    assert info.command == "/docker-entrypoint.sh nginx -g 'daemon off;'"
    assert info.created == datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
    assert info.labels == (("com.docker.compose.project", "shop"), ("maintainer", "NGINX"))
    assert info.compose_project == "shop"


@pytest.mark.parametrize("names", ["missing", None, [], [""]])
def test_container_without_names_is_named_by_short_id(names: Any) -> None:
    raw = _container()
    if names == "missing":
        del raw["Names"]
    else:
        raw["Names"] = names
    assert container_from_api(raw).name == CID[:12]


def test_container_name_uses_first_name_without_leading_slash() -> None:
    assert container_from_api(_container(Names=["/db", "/web-1/db"])).name == "db"


@pytest.mark.parametrize("key", ["Labels", "Ports"])
@pytest.mark.parametrize("value", ["missing", None])
def test_container_with_missing_labels_or_ports_parses_to_empty(key: str, value: Any) -> None:
    raw = _container()
    if value == "missing":
        del raw[key]
    else:
        raw[key] = value
    info = container_from_api(raw)
    assert getattr(info, key.lower()) == ()


def test_container_minimal_dict_gets_defaults() -> None:
    info = container_from_api({"Id": CID})
    assert info.name == CID[:12]
    assert info.state == "unknown"
    assert (info.ports, info.labels, info.image, info.status) == ((), (), "", "")
    assert info.created == datetime.fromtimestamp(0, UTC)


def test_container_ports_are_sorted_and_deduplicated() -> None:
    ports = [
        {"PrivatePort": 443, "Type": "tcp"},
        {"IP": "0.0.0.0", "PrivatePort": 80, "PublicPort": 8080, "Type": "tcp"},
        {"PrivatePort": 53, "Type": "udp"},
        {"IP": "0.0.0.0", "PrivatePort": 80, "PublicPort": 8080, "Type": "tcp"},
        {"PrivatePort": 53, "Type": "tcp"},
    ]
    info = container_from_api(_container(Ports=ports))
    assert info.ports == (
        PortBinding(53, "tcp"),
        PortBinding(53, "udp"),
        PortBinding(80, "tcp", "0.0.0.0", 8080),
        PortBinding(443, "tcp"),
    )
    assert [str(p) for p in info.ports] == ["53/tcp", "53/udp", "8080->80/tcp", "443/tcp"]


def test_container_unpublished_port_has_no_host_port() -> None:
    info = container_from_api(_container(Ports=[{"PrivatePort": 9000, "Type": "tcp", "PublicPort": 0}]))
    assert info.ports == (PortBinding(9000, "tcp"),)


def test_container_labels_are_sorted_by_key() -> None:
    info = container_from_api(_container(Labels={"z": "1", "a": "2", "m": "3"}))
    assert [k for k, _ in info.labels] == ["a", "m", "z"]


def test_container_escape_sequences_in_name_image_and_status_are_sanitised() -> None:
    info = container_from_api(
        _container(
            Names=["/\x1b[31mevil\x1b[0m\x1b]52;c;cm0gLXJm\x07"],
            Image="img\u202e",
            Status="Up\x00 3 minutes\n",
            Command="sh -c 'echo \x1b[2J'",
        )
    )
    assert info.name == "evil"
    assert info.image == "img"
    assert info.status == "Up 3 minutes"
    assert info.command == "sh -c 'echo '"


def test_container_escape_sequences_in_labels_are_sanitised() -> None:
    info = container_from_api(_container(Labels={"k\x1b[1m": "v\x1b]8;;http://x\x07al\nue", "n": 5}))
    assert info.labels == (("k", "val\u2424ue"), ("n", "5"))


def test_container_non_numeric_created_falls_back_to_epoch() -> None:
    info = container_from_api(_container(Created="2024-06-01T12:00:00Z"))
    assert info.created == datetime.fromtimestamp(0, UTC)


# ---- images


def _image(**overrides: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "Id": "sha256:" + "b" * 64,
        "RepoTags": ["nginx:1.27", "nginx:latest"],
        "Size": 187_654_321,
        "Created": 1_717_243_200,
    }
    raw.update(overrides)
    return raw


def test_image_fields_are_parsed() -> None:
    info = image_from_api(_image())
    assert info.id == "sha256:" + "b" * 64
    assert info.tags == ("nginx:1.27", "nginx:latest")
    assert info.name == "nginx:1.27"
    assert info.size == 187_654_321
    assert info.created == datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("tags", [None, [], ["<none>:<none>"], "missing"])
def test_untagged_image_is_named_none_none(tags: Any) -> None:
    raw = _image()
    if tags == "missing":
        del raw["RepoTags"]
    else:
        raw["RepoTags"] = tags
    info = image_from_api(raw)
    assert info.tags == ()
    assert info.name == "<none>:<none>"


def test_image_none_tag_is_dropped_among_real_tags() -> None:
    assert image_from_api(_image(RepoTags=["<none>:<none>", "app:v2"])).tags == ("app:v2",)


def test_image_missing_size_is_zero() -> None:
    assert image_from_api(_image(Size=None)).size == 0


def test_image_tags_are_sanitised() -> None:
    assert image_from_api(_image(RepoTags=["evil\x1b[8m:latest"])).name == "evil:latest"


# ---- events applied to the last known record, without asking the engine


def _event(action: str, **attributes: str) -> dict[str, Any]:
    return {"Type": "container", "Action": action, "id": CID, "Actor": {"ID": CID, "Attributes": attributes}}


def test_die_event_makes_the_record_exited_with_the_exit_code() -> None:
    info = settled(container_from_api(_container()), "die", _event("die", exitCode="137"))
    assert (info.state, info.status) == ("exited", "Exited (137) Less than a second ago")


def test_rename_event_changes_only_the_name_and_is_sanitised() -> None:
    before = container_from_api(_container())
    info = settled(before, "rename", _event("rename", name="/api-1\x1b[31m", oldName="/web-1"))
    assert info.name == "api-1"
    assert dataclasses.replace(info, name=before.name) == before


def test_pause_then_unpause_keeps_the_uptime_text() -> None:
    running = container_from_api(_container(Status="Up 3 minutes"))
    paused = settled(running, "pause", _event("pause"))
    assert (paused.state, paused.status) == ("paused", "Up 3 minutes (Paused)")
    again = settled(paused, "unpause", _event("unpause"))
    assert (again.state, again.status) == ("running", "Up 3 minutes")


def test_health_status_event_replaces_the_health_marker() -> None:
    info = container_from_api(_container(Status="Up 3 minutes (healthy)"))
    info = settled(info, "health_status", _event("health_status: unhealthy"))
    assert info.status == "Up 3 minutes (unhealthy)"


def test_start_after_exit_is_running_and_health_starts_again() -> None:
    exited = container_from_api(_container(State="exited", Status="Exited (0) 1 minute ago (healthy)"))
    info = settled(exited, "start", _event("start"))
    assert (info.state, info.status) == ("running", "Up Less than a second (health: starting)")


@pytest.mark.parametrize("action", ["kill", "oom", "start"])
def test_events_that_change_nothing_shown_return_the_same_record(action: str) -> None:
    running = container_from_api(_container())
    assert settled(running, action, _event(action)) is running
