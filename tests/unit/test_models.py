"""tui.adapters.models: reconnect backoff and how a port binding reads."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from tui.adapters.models import Backoff, ContainerInfo, ImageInfo, PortBinding


def test_backoff_doubles_from_one_second_and_caps_at_thirty() -> None:
    backoff = Backoff()
    assert [backoff.next_delay() for _ in range(8)] == [1, 2, 4, 8, 16, 30, 30, 30]


def test_backoff_reset_starts_again_at_one_second() -> None:
    backoff = Backoff()
    for _ in range(6):
        backoff.next_delay()
    backoff.reset()
    assert [backoff.next_delay() for _ in range(3)] == [1, 2, 4]


def test_backoff_honours_custom_initial_and_ceiling() -> None:
    backoff = Backoff(initial=0.5, ceiling=3)
    assert [backoff.next_delay() for _ in range(5)] == [0.5, 1, 2, 3, 3]


def test_port_binding_without_host_port_shows_container_port_and_protocol() -> None:
    assert str(PortBinding(80, "tcp")) == "80/tcp"


@pytest.mark.parametrize("host_ip", ["", "0.0.0.0", "::"])
def test_port_binding_on_all_interfaces_hides_the_host_ip(host_ip: str) -> None:
    assert str(PortBinding(80, "tcp", host_ip, 8080)) == "8080->80/tcp"


def test_port_binding_on_specific_interface_shows_the_host_ip() -> None:
    assert str(PortBinding(53, "udp", "127.0.0.1", 5353)) == "127.0.0.1:5353->53/udp"


def test_models_are_frozen() -> None:
    binding = PortBinding(80, "tcp")
    with pytest.raises(dataclasses.FrozenInstanceError):
        binding.container_port = 81  # type: ignore[misc]


def test_image_without_tags_is_named_none_none() -> None:
    image = ImageInfo(id="sha256:abc", tags=(), size=0, created=datetime.fromtimestamp(0, UTC))
    assert image.name == "<none>:<none>"
    assert image.key == "sha256:abc"


def test_container_compose_labels_are_read_from_labels() -> None:
    container = ContainerInfo(
        id="c1",
        name="web-1",
        image="nginx",
        image_id="sha256:1",
        state="running",
        status="Up",
        created=datetime.fromtimestamp(0, UTC),
        labels=(("com.docker.compose.project", "shop"), ("com.docker.compose.service", "web")),
    )
    assert (container.key, container.compose_project, container.compose_service) == ("c1", "shop", "web")
    assert container.label("missing") is None


def _labelled(labels: tuple[tuple[str, str], ...]) -> ContainerInfo:
    return ContainerInfo(
        "c1", "web-1", "nginx", "sha256:1", "running", "Up", datetime.fromtimestamp(0, UTC), labels=labels
    )


def test_container_label_map_is_built_once_per_record() -> None:
    container = _labelled((("a", "1"),))
    assert container.label("a") == "1"
    assert container.__dict__["_label_map"] is container.__dict__["_label_map"]  # cached after the first call
    first = container._label_map
    assert container.label("b") is None and container._label_map is first


def test_container_label_cache_stays_out_of_equality_fields_and_replace() -> None:
    container = _labelled((("a", "1"),))
    container.label("a")
    assert container == _labelled((("a", "1"),))
    assert hash(container) == hash(_labelled((("a", "1"),)))
    assert "_label_map" not in {f.name for f in dataclasses.fields(container)}
    changed = dataclasses.replace(container, labels=(("a", "2"),))
    assert changed.label("a") == "2"  # a replaced record does not inherit the old cache
