"""Live feeds over the Docker engine's event stream: subscribe first, then list, then apply events.

Events are read by a small reader thread into a bounded queue, so a feed sees everything that queued up while it
was busy as one batch: a burst costs one lookup request (or one relist), not one per event.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

from tui.adapters.docker_errors import translated_errors
from tui.adapters.errors import BackendError, Unavailable
from tui.adapters.live import LiveFeed
from tui.adapters.models import Backoff, ContainerInfo, Deleted, Delta, Disconnected, Snapshot, Upserted
from tui.adapters.sanitize import clean_line

# Container events that change what the list shows; exec_*, attach, top, ... do not (the engine filters them
# out: health checks alone send three exec events per container and interval).
CONTAINER_ACTIONS = frozenset(
    [
        "create",
        "start",
        "restart",
        "stop",
        "die",
        "kill",
        "pause",
        "unpause",
        "destroy",
        "rename",
        "update",
        "oom",
        "health_status",
    ]
)
# Events whose record cannot be derived from the last known one: a new container, a changed config.
LOOKUP_ACTIONS = frozenset(["create", "update"])
# Up to this many ids are looked up with one filtered list request; more with one full list. The engine
# matches every container against every id of the filter (as a regexp), so past a few ids the plain list is
# the cheaper request.
SPARSE_MAX = 20

EVENT_QUEUE = 10_000  # events read ahead of the feed; beyond that the reader waits and the engine buffers
QUIET_SECONDS = 0.3  # relist feeds: list once the events have been quiet this long...
SETTLE_MAX = 2.0  # ...or this long after the first one, whichever comes first
SETTLE_SECONDS = 0.5  # a second look after a relist, for lists that can lag their own events (networks)

_END = object()


def event_action(event: dict[str, Any]) -> str:
    """The event's verb: "health_status: healthy" -> "health_status"."""
    return str(event.get("Action") or event.get("status") or "").split(":")[0]


def event_attributes(event: dict[str, Any]) -> dict[str, Any]:
    return dict((event.get("Actor") or {}).get("Attributes") or {})


class EventReader:
    """Reads an event stream in its own thread into a bounded queue; ``take`` returns what has arrived."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self._queue: queue.Queue[Any] = queue.Queue(EVENT_QUEUE)
        self._stopped = threading.Event()
        self._end: BackendError | None = None
        threading.Thread(target=self._read, daemon=True, name="docker-events").start()

    def _read(self) -> None:
        try:
            with translated_errors("events"):
                for event in self._stream:
                    self._put(event)
            self._put(_END)
        except BackendError as error:
            self._put(error)
        except Exception as error:  # a stream shut down under the read fails in many ways
            self._put(Unavailable(f"events: {error}"))

    def _put(self, item: Any) -> None:
        while not self._stopped.is_set():
            try:
                self._queue.put(item, timeout=0.5)
                return
            except queue.Full:
                continue

    def stop(self) -> None:
        self._stopped.set()

    def take(self, timeout: float | None, closed: Callable[[], bool]) -> list[dict[str, Any]]:
        """Wait up to ``timeout`` (None: until closed) for an event, then take every queued one without waiting.

        Returns [] on timeout or when closed; raises the stream's end (a BackendError) once the events before
        it have been taken.
        """
        if self._end is not None:
            raise self._end
        deadline = None if timeout is None else time.monotonic() + timeout
        batch: list[dict[str, Any]] = []
        while not batch and not closed():
            # close() shuts the stream, which ends the reader: the slice is only a safety net.
            left = 2.0 if deadline is None else min(deadline - time.monotonic(), 2.0)
            if left <= 0:
                return []
            try:
                batch.append(self._queue.get(timeout=left))
            except queue.Empty:
                continue
        while len(batch) < EVENT_QUEUE:
            try:
                batch.append(self._queue.get_nowait())
            except queue.Empty:
                break
        for i, item in enumerate(batch):
            if not isinstance(item, dict):
                self._end = item if isinstance(item, BackendError) else Unavailable("Docker event stream ended")
                if i == 0:
                    raise self._end
                return batch[:i]
        return batch


class _EventFeed(LiveFeed[Any]):
    """Subscribe to events first, then list, then apply events: nothing between the two is missed."""

    kinds: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()  # only these events are sent by the engine; () for all of the kinds

    def __init__(self, engine: Any) -> None:
        super().__init__()
        self.engine = engine

    def _run(self, backoff: Backoff) -> Iterator[Delta[Any]]:
        stream = self.engine.events(self.kinds, self.actions)
        self._attach(stream)
        reader = EventReader(stream)
        try:
            yield Snapshot(tuple(self._list()))
            backoff.reset()
            while not self.closed:
                batch = reader.take(None, lambda: self.closed)
                if batch:
                    yield from self._apply(batch, reader)
        finally:
            reader.stop()
            self._release(stream)

    def _list(self) -> list[Any]:
        raise NotImplementedError

    def _apply(self, events: list[dict[str, Any]], reader: EventReader) -> Iterator[Delta[Any]]:
        raise NotImplementedError


# The state an event implies. The engine's list view can lag its own events by a moment (a lookup right after
# "die" may still say running), and no later event would correct it: the event's word wins over a lookup.
EVENT_STATE = {
    "start": "running",
    "restart": "running",
    "unpause": "running",
    "pause": "paused",
    "die": "exited",
    "stop": "exited",
}
HEALTH_MARKERS = ("(healthy)", "(unhealthy)", "(health: starting)")


def without_health(status: str) -> str:
    for marker in HEALTH_MARKERS:
        status = status.replace(f" {marker}", "")
    return status


def settled(info: ContainerInfo, action: str, event: dict[str, Any]) -> ContainerInfo:
    """The record as ``event`` leaves it, from the record before it: no request to the engine.

    ``kill`` and ``oom`` change nothing by themselves (a ``die`` follows when the process ends).
    """
    attributes = event_attributes(event)
    if action == "rename":
        name = clean_line(str(attributes.get("name") or "").lstrip("/"))
        return replace(info, name=name) if name and name != info.name else info
    if action == "health_status":
        word = str(event.get("Action") or event.get("status") or "").partition(":")[2].strip()
        marker = {"healthy": "(healthy)", "unhealthy": "(unhealthy)", "starting": "(health: starting)"}.get(word)
        if marker is None or info.state != "running":
            return info
        return replace(info, status=f"{without_health(info.status)} {marker}")
    state = EVENT_STATE.get(action)
    if state is None or info.state == state:
        return info
    if state == "exited":
        code = clean_line(str(attributes.get("exitCode", "?")))
        return replace(info, state=state, status=f"Exited ({code}) Less than a second ago")
    if state == "paused":
        up = info.status if info.state == "running" else "Up Less than a second"
        return replace(info, state=state, status=f"{without_health(up)} (Paused)")
    if action == "unpause" and info.state == "paused":
        return replace(info, state=state, status=info.status.replace(" (Paused)", ""))
    health = " (health: starting)" if without_health(info.status) != info.status else ""
    return replace(info, state=state, status=f"Up Less than a second{health}")


class ContainerFeed(_EventFeed):
    """Keeps the last known record of each container and applies what each event says to it.

    Only a create (a record not seen yet), an update, or an event about an unknown container is looked up,
    and all those of one batch of events share one request (see SPARSE_MAX).
    """

    kinds = ("container",)
    actions = tuple(sorted(CONTAINER_ACTIONS))

    def __init__(self, engine: Any) -> None:
        super().__init__(engine)
        self.known: dict[str, ContainerInfo] = {}

    def _list(self) -> list[ContainerInfo]:
        found = self.engine.list_containers()
        self.known = {c.id: c for c in found}
        return found

    def _apply(self, events: list[dict[str, Any]], reader: EventReader) -> Iterator[Delta[Any]]:
        changes = [
            (action, cid, event)
            for event in events
            if (action := event_action(event)) in CONTAINER_ACTIONS
            and (cid := str(event.get("id") or (event.get("Actor") or {}).get("ID") or ""))
        ]
        last = {cid: action for action, cid, _ in changes}  # the final verb per container in this batch
        wanted = sorted(
            {
                cid
                for action, cid, _ in changes
                if last[cid] != "destroy" and (action in LOOKUP_ACTIONS or cid not in self.known)
            }
        )
        before = {cid: self.known.get(cid) for cid in last}
        looked_up = self._look_up(wanted)
        for cid in wanted:  # the present record; the batch's events are applied on top, in order
            if cid in looked_up:
                self.known[cid] = looked_up[cid]
            else:
                self.known.pop(cid, None)  # gone already: its destroy is in a later batch
        for action, cid, event in changes:
            if action == "destroy":
                self.known.pop(cid, None)
            elif (info := self.known.get(cid)) is not None and action not in LOOKUP_ACTIONS:
                self.known[cid] = settled(info, action, event)
        for cid, old in before.items():
            new = self.known.get(cid)
            if new is None:
                if old is not None:
                    yield Deleted(cid)
            elif new != old:
                yield Upserted(new)

    def _look_up(self, ids: list[str]) -> dict[str, ContainerInfo]:
        """The present records of ``ids``: one request for all of them, never one each."""
        if not ids:
            return {}
        if len(ids) > SPARSE_MAX:
            wanted = set(ids)
            return {c.id: c for c in self.engine.list_containers() if c.id in wanted}
        return {c.id: c for c in self.engine.list_containers(ids=ids)}


class RelistFeed(_EventFeed):
    """For kinds whose events are rare and often name references, not ids (images, volumes, networks): a
    relevant event lists again, once the events have settled. The table applies the snapshot by key, so only
    what changed is touched."""

    second_look = True  # list once more SETTLE_SECONDS later: the engine's list can lag its own event

    def __init__(
        self,
        engine: Any,
        kinds: tuple[str, ...],
        lister: Callable[[], list[Any]],
        actions: tuple[str, ...] = (),
    ) -> None:
        super().__init__(engine)
        self.kinds = kinds
        self.actions = actions
        self.lister = lister

    def _list(self) -> list[Any]:
        return self.lister()

    def relevant(self, event: dict[str, Any]) -> bool:
        """Whether an event can change the list (subclasses narrow it)."""
        return True

    def _apply(self, events: list[dict[str, Any]], reader: EventReader) -> Iterator[Delta[Any]]:
        if not any(self.relevant(e) for e in events):
            return
        # A compose up, a prune or a pull sends many events at once: absorb them into one list.
        deadline = time.monotonic() + SETTLE_MAX
        while (left := deadline - time.monotonic()) > 0 and not self.closed:
            if not reader.take(min(QUIET_SECONDS, left), lambda: self.closed):
                break
        if self.closed:
            return
        first = tuple(self._list())
        yield Snapshot(first)
        # The engine's list can lag the event it just sent (a connect not yet in /networks); nothing later
        # would correct it, so look once more after a moment and send the difference, if any.
        if self.second_look and not self._closed.wait(SETTLE_SECONDS):
            again = tuple(self._list())
            if again != first:
                yield Snapshot(again)


class ContainerHub:
    """One container event stream and one container state per engine, shared by all its subscribers.

    The first subscriber (or ``start``) opens a ContainerFeed, consumed by the hub's own thread; each subscriber
    gets a Snapshot of the state, then the changes. The last one to close closes the stream.
    """

    def __init__(self, make_feed: Callable[[], LiveFeed[Any]]) -> None:
        self._make_feed = make_feed
        self._lock = threading.Lock()
        self._subscribers: list[ContainerSubscription] = []
        self._feed: LiveFeed[Any] | None = None
        self._items: dict[str, Any] = {}
        self._synced = False  # a Snapshot has arrived since the last fault
        self._down: Disconnected | None = None

    def start(self) -> None:
        """Open the stream before anyone subscribes: the engine lists while the app is still loading, and the
        first subscriber gets the list at once. It closes with the last subscriber, as usual."""
        with self._lock:
            self._open()

    def subscribe(self, subscriber: ContainerSubscription) -> None:
        with self._lock:
            self._subscribers.append(subscriber)
            if self._down is not None:
                subscriber.offer_down(self._down)
            if self._synced:
                subscriber.offer_snapshot(tuple(self._items.values()))
            self._open()

    def _open(self) -> None:
        if self._feed is None:
            self._feed = feed = self._make_feed()
            threading.Thread(target=self._pump, args=(feed,), daemon=True, name="docker-containers").start()

    def current(self) -> tuple[Any, ...] | None:
        """The containers as the stream has them now, if it has listed them (and is not down)."""
        with self._lock:
            return tuple(self._items.values()) if self._synced else None

    def unsubscribe(self, subscriber: ContainerSubscription) -> None:
        with self._lock:
            if subscriber in self._subscribers:
                self._subscribers.remove(subscriber)
            if self._subscribers or self._feed is None:
                return
            feed, self._feed = self._feed, None
            self._items, self._synced, self._down = {}, False, None
        feed.close()

    @property
    def running(self) -> bool:
        """Whether an event stream is open (for tests: closing the last subscriber closes it)."""
        with self._lock:
            return self._feed is not None

    def _pump(self, feed: LiveFeed[Any]) -> None:
        for delta in feed:
            with self._lock:
                if self._feed is not feed:
                    break
                self._publish(delta)
        feed.close()

    def _publish(self, delta: Delta[Any]) -> None:
        """Apply one delta to the shared state and hand it to every subscriber (the hub's lock is held)."""
        subscribers = self._subscribers
        if isinstance(delta, Snapshot):
            self._items = {item.key: item for item in delta.items}
            self._synced, self._down = True, None
            for subscriber in subscribers:
                subscriber.offer_snapshot(delta.items)
        elif isinstance(delta, Upserted):
            self._items[delta.item.key] = delta.item
            for subscriber in subscribers:
                subscriber.offer_change(delta.item.key, delta.item)
        elif isinstance(delta, Deleted):
            self._items.pop(delta.key, None)
            for subscriber in subscribers:
                subscriber.offer_change(delta.key, None)
        else:
            self._synced, self._down = False, delta
            for subscriber in subscribers:
                subscriber.offer_down(delta)


class ContainerSubscription(LiveFeed[Any]):
    """One subscriber's view of a ContainerHub, as a LiveFeed.

    What it has not read yet is kept coalesced by key (the latest record, or a deletion), so it is bounded by
    the number of containers however far the reader falls behind, and a burst arrives as one change per row.
    """

    def __init__(self, hub: ContainerHub) -> None:
        super().__init__()
        self._hub = hub
        self._ready = threading.Condition()
        self._joined = False
        self._down: Disconnected | None = None
        self._snapshot: tuple[Any, ...] | None = None
        self._changes: dict[str, Any] = {}  # key -> latest record, None when deleted

    def offer_snapshot(self, items: tuple[Any, ...]) -> None:
        with self._ready:
            self._snapshot, self._changes = items, {}
            self._ready.notify_all()

    def offer_change(self, key: str, item: Any) -> None:
        with self._ready:
            self._changes.pop(key, None)  # re-inserted last: rows change in the order their last event came
            self._changes[key] = item
            self._ready.notify_all()

    def offer_down(self, delta: Disconnected) -> None:
        with self._ready:
            # What was pending is stale: a fresh Snapshot follows the reconnect.
            self._down, self._snapshot, self._changes = delta, None, {}
            self._ready.notify_all()

    def close(self) -> None:
        super().close()
        with self._ready:
            self._ready.notify_all()
        self._hub.unsubscribe(self)

    def _run(self, backoff: Backoff) -> Iterator[Delta[Any]]:
        if not self._joined:
            self._joined = True
            self._hub.subscribe(self)
            if self.closed:  # closed while subscribing: do not keep the stream open for nobody
                self._hub.unsubscribe(self)
        while not self.closed:
            with self._ready:
                while not (self._down or self._snapshot is not None or self._changes or self.closed):
                    self._ready.wait()
                down, snapshot, changes = self._down, self._snapshot, self._changes
                self._down, self._snapshot, self._changes = None, None, {}
            if self.closed:
                return
            if down is not None:
                yield down
            if snapshot is not None:
                yield Snapshot(snapshot)
            for key, item in changes.items():
                yield Deleted(key) if item is None else Upserted(item)
