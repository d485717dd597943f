"""The shared container feed under bursts, against the sandbox's real dockerd: one event stream per engine,
no lookup per event, and after any burst the feed's records equal a fresh list."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.conftest import BUSYBOX, TEST_LABEL, collect, unique, wait_for
from tui.adapters.docker_engine import DockerEngine
from tui.adapters.errors import NotFound
from tui.adapters.models import ContainerInfo, Deleted, Snapshot, Upserted

BURST = 100
THREADS = 8  # concurrent API calls: a burst for the feed, not a flood for a shared 2-core engine


class CountingEngine(DockerEngine):
    """The real engine, counting the event streams it opens and the list requests it makes."""

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()
        self.streams = 0
        self.full_lists = 0
        self.looked_up: list[str] = []  # ids of the sparse lists, in order

    def events(self, kinds: tuple[str, ...], actions: tuple[str, ...] = ()) -> Any:
        if "container" in kinds:
            with self.lock:
                self.streams += 1
        return super().events(kinds, actions)

    def list_containers(self, *, all: bool = True, ids: list[str] | None = None) -> list[ContainerInfo]:
        with self.lock:
            if ids is None:
                self.full_lists += 1
            else:
                self.looked_up.extend(ids)
        return super().list_containers(all=all, ids=ids)


@pytest.fixture
def engine() -> Iterator[CountingEngine]:
    """A private engine object (its own shared feed), so the counts are this test's alone."""
    made = CountingEngine()
    yield made
    made.close()


@pytest.fixture
def burst_prefix(docker_engine: DockerEngine) -> Iterator[str]:
    """A unique name prefix; every container of the test carries it and TEST_LABEL, and is removed after."""
    prefix = unique("pt-burst")
    yield prefix
    api = docker_engine.api()
    for raw in api.containers(all=True, filters={"label": TEST_LABEL, "name": prefix}):
        with contextlib.suppress(NotFound):
            docker_engine.remove_container(raw["Id"], force=True)


def folded(deltas: list[Any]) -> dict[str, ContainerInfo]:
    """The records a consumer of these deltas holds (what a view's table would show)."""
    records: dict[str, ContainerInfo] = {}
    for delta in list(deltas):
        if isinstance(delta, Snapshot):
            records = {c.key: c for c in delta.items}
        elif isinstance(delta, Upserted):
            records[delta.item.key] = delta.item
        elif isinstance(delta, Deleted):
            records.pop(delta.key, None)
    return records


def shown(records: Any, prefix: str) -> set[tuple[str, str, str, str, tuple[tuple[str, str], ...]]]:
    """What the table shows of the test's containers, without the engine's time-dependent status text."""
    return {(c.id, c.name, c.state, c.image, c.labels) for c in records if c.name.startswith(prefix)}


def test_a_concurrent_burst_of_creates_renames_and_removes_ends_equal_to_a_fresh_list(
    engine: CountingEngine, burst_prefix: str
) -> None:
    api = engine.api()
    feed = engine.watch_containers()
    seen, consumer = collect(feed)
    try:
        wait_for(lambda: seen and isinstance(seen[0], Snapshot), 30, "the first snapshot")

        def create(i: int) -> str:
            host_config = api.create_host_config(init=True, network_mode="none")
            cid = api.create_container(
                BUSYBOX,
                command="sleep 3600",
                name=f"{burst_prefix}-{i:03d}",
                host_config=host_config,
                labels={"portside-test": "1"},
            )["Id"]
            if i % 10 == 0:  # some run, so start and die events are in the burst too
                api.start(cid)
            return str(cid)

        with ThreadPoolExecutor(THREADS) as pool:
            ids = list(pool.map(create, range(BURST)))
            list(pool.map(lambda n: api.rename(ids[n], f"{burst_prefix}-r{n:03d}"), range(0, BURST, 2)))
            list(pool.map(lambda cid: api.remove_container(cid, force=True), ids[::3]))

        def equal() -> bool:
            return shown(folded(seen).values(), burst_prefix) == shown(engine.list_containers(), burst_prefix)

        wait_for(equal, 60, "the feed's records to equal a fresh list")
        assert len(shown(folded(seen).values(), burst_prefix)) == BURST - len(ids[::3])
        ours = [cid for cid in engine.looked_up if cid in set(ids)]
        # Before: one lookup per create, rename, start, kill, die. Now creates (and a few removed before their
        # lookup) only: the 50 renames and the starts are applied from the events themselves.
        assert len(ours) < BURST + BURST // 2, f"{len(ours)} lookups for {BURST} creates"
    finally:
        feed.close()
        consumer.join(10)
    assert not consumer.is_alive(), "close() must end the subscription"


def test_two_subscribers_share_one_event_stream_and_one_list(engine: CountingEngine, burst_prefix: str) -> None:
    first = engine.watch_containers()
    seen_first, consumer_first = collect(first)
    second = None
    try:
        wait_for(lambda: seen_first and isinstance(seen_first[0], Snapshot), 30, "the first snapshot")
        second = engine.watch_containers()
        seen_second, consumer_second = collect(second)
        wait_for(lambda: seen_second and isinstance(seen_second[0], Snapshot), 30, "the second snapshot")
        api = engine.api()
        cid = str(
            api.create_container(
                BUSYBOX, command="true", name=f"{burst_prefix}-shared", labels={"portside-test": "1"}
            )["Id"]
        )
        for seen in (seen_first, seen_second):
            wait_for(lambda s=seen: cid in folded(s), 30, "the new container in both subscribers")
        assert (engine.streams, engine.full_lists) == (1, 1), "the second subscriber got the shared state"
    finally:
        first.close()
        consumer_first.join(10)
        if second is not None:
            second.close()
            consumer_second.join(10)
    assert not consumer_first.is_alive() and not consumer_second.is_alive()


def test_closing_the_last_subscriber_closes_the_stream_and_a_new_one_opens_it_again(
    engine: CountingEngine,
) -> None:
    hub = engine._containers
    first, second = engine.watch_containers(), engine.watch_containers()
    seen_first, consumer_first = collect(first)
    seen_second, consumer_second = collect(second)
    wait_for(lambda: seen_first and seen_second, 30, "both snapshots")
    first.close()
    consumer_first.join(10)
    assert hub.running, "one subscriber is left: the stream stays open"
    second.close()
    consumer_second.join(10)
    wait_for(lambda: not hub.running, 10, "the stream to close with the last subscriber")
    third = engine.watch_containers()
    seen_third, consumer_third = collect(third)
    try:
        wait_for(lambda: seen_third and isinstance(seen_third[0], Snapshot), 30, "a fresh snapshot")
        assert engine.streams == 2
    finally:
        third.close()
        consumer_third.join(10)
    assert not any(c.is_alive() for c in (consumer_first, consumer_second, consumer_third))


def test_a_stream_opened_before_any_subscriber_lists_at_once_and_hands_its_list_to_the_first(
    engine: CountingEngine,
) -> None:
    # What `portside` does at start: the engine lists while the interface is built.
    engine.start_watching_containers()
    hub = engine._containers
    assert hub.running
    wait_for(lambda: engine.full_lists == 1, 30, "the list, made with no subscriber yet")
    subscription = engine.watch_containers()
    seen, consumer = collect(subscription)
    try:
        wait_for(lambda: seen and isinstance(seen[0], Snapshot), 30, "the snapshot")
        assert (engine.streams, engine.full_lists) == (1, 1), "the subscriber got the list already made"
    finally:
        subscription.close()
        consumer.join(10)
    wait_for(lambda: not hub.running, 10, "the stream to close with its only subscriber")
