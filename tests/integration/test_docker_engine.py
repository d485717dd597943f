"""DockerEngine against the sandbox's real dockerd."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.conftest import BUSYBOX, collect, unique, wait_for
from tui.adapters.docker_engine import DockerEngine
from tui.adapters.errors import NotFound, Unavailable
from tui.adapters.models import Deleted, Disconnected, Snapshot, Upserted


def test_version_negotiates_the_api_version(docker_engine: DockerEngine) -> None:
    version = docker_engine.version()
    assert "API 1." in version.version
    assert docker_engine.api().api_version.startswith("1.")


def test_list_containers_parses_names_ports_and_labels(
    docker_engine: DockerEngine, container_factory: Callable[..., str]
) -> None:
    name = unique("pt-list")
    cid = container_factory(
        "httpd -f -p 80",
        name=name,
        labels={"portside.test": "yes\x1b[31m"},
        ports=[80],
        port_bindings={80: ("127.0.0.1", None)},
    )
    info = next(c for c in docker_engine.list_containers() if c.id == cid)
    assert info.name == name
    assert info.image == BUSYBOX
    assert info.state == "running"
    assert info.label("portside.test") == "yes"  # the escape sequence is stripped at ingestion
    (port,) = info.ports
    assert port.container_port == 80 and port.host_ip == "127.0.0.1" and port.host_port


def test_stop_and_start_change_the_real_state(
    docker_engine: DockerEngine, container_factory: Callable[..., str]
) -> None:
    cid = container_factory()
    docker_engine.stop_container(cid, timeout=2)
    assert docker_engine.get_container(cid).state == "exited"  # type: ignore[union-attr]
    docker_engine.start_container(cid)
    assert docker_engine.get_container(cid).state == "running"  # type: ignore[union-attr]


def test_operations_on_a_missing_container_raise_not_found(docker_engine: DockerEngine) -> None:
    with pytest.raises(NotFound):
        docker_engine.stop_container("does-not-exist-" + unique("x"))
    assert docker_engine.get_container("0" * 64) is None


def test_unreachable_engine_raises_unavailable(tmp_path: object) -> None:
    engine = DockerEngine(f"unix://{tmp_path}/no.sock")
    with pytest.raises(Unavailable):
        engine.version()


def test_container_feed_yields_snapshot_then_live_changes(
    docker_engine: DockerEngine, container_factory: Callable[..., str]
) -> None:
    feed = docker_engine.watch_containers()
    seen, consumer = collect(feed)
    try:
        wait_for(lambda: seen and isinstance(seen[0], Snapshot), 15, "the first snapshot")
        cid = container_factory(start=False)
        wait_for(lambda: any(isinstance(d, Upserted) and d.item.id == cid for d in seen), 15, "create event")
        docker_engine.start_container(cid)
        wait_for(
            lambda: any(isinstance(d, Upserted) and d.item.id == cid and d.item.state == "running" for d in seen),
            15,
            "start event",
        )
        docker_engine.remove_container(cid, force=True)
        wait_for(lambda: any(isinstance(d, Deleted) and d.key == cid for d in seen), 15, "destroy event")
    finally:
        feed.close()
        consumer.join(10)
    assert not consumer.is_alive(), "close() must end the blocking event stream"


def test_feed_reports_disconnected_and_retries_when_the_engine_is_unreachable(tmp_path: object) -> None:
    feed = DockerEngine(f"unix://{tmp_path}/no.sock").watch_containers()
    first = next(iter(feed))
    feed.close()
    assert isinstance(first, Disconnected)
    assert isinstance(first.error, Unavailable)
    assert first.retry_in == 1.0


def test_container_feed_shows_exited_after_a_kill_even_when_the_list_lags(
    docker_engine: DockerEngine, container_factory: Callable[..., str]
) -> None:
    """The engine's list can still say running right after "die"; the feed must end on the truth."""
    feed = docker_engine.watch_containers()
    seen, consumer = collect(feed)
    try:
        wait_for(lambda: seen and isinstance(seen[0], Snapshot), 15, "the first snapshot")
        cid = container_factory()
        wait_for(
            lambda: any(isinstance(d, Upserted) and d.item.id == cid and d.item.state == "running" for d in seen),
            15,
            "running",
        )
        docker_engine.kill_container(cid)

        def last_state() -> str | None:
            states = [d.item.state for d in seen if isinstance(d, Upserted) and d.item.id == cid]
            return states[-1] if states else None

        wait_for(lambda: last_state() == "exited", 15, "the last delta to say exited")
    finally:
        feed.close()
        consumer.join(10)
