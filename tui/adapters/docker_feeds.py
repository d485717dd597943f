"""Live feeds over the Docker engine's event stream: subscribe first, then list, then apply events."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

from tui.adapters.docker_errors import translated_errors
from tui.adapters.errors import NotFound, Unavailable
from tui.adapters.live import LiveFeed
from tui.adapters.models import Backoff, ContainerInfo, Deleted, Delta, Snapshot, Upserted
from tui.adapters.sanitize import clean_line

# Container events that change what the list shows; exec_*, attach, top, ... do not.
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


class _EventFeed(LiveFeed[Any]):
    """Subscribe to events first, then list, then apply events: nothing between the two is missed."""

    kinds: tuple[str, ...] = ()

    def __init__(self, engine: Any) -> None:
        super().__init__()
        self.engine = engine

    def _run(self, backoff: Backoff) -> Iterator[Delta[Any]]:
        stream = self.engine.events(self.kinds)
        self._attach(stream)
        yield Snapshot(tuple(self._list()))
        backoff.reset()
        with translated_errors("events"):
            for event in stream:
                if self.closed:
                    return
                yield from self._apply(event)
        if not self.closed:
            raise Unavailable("Docker event stream ended")

    def _list(self) -> list[Any]:
        raise NotImplementedError

    def _apply(self, event: dict[str, Any]) -> Iterator[Delta[Any]]:
        raise NotImplementedError


SETTLE_SECONDS = 0.5  # a second look after an event, for kinds listed again on every event

# The state an event implies. The engine's list view can lag its own events by a moment (a lookup right after
# "die" may still say running), and no later event would correct it: the event's word wins over the lookup.
EVENT_STATE = {"start": "running", "restart": "running", "unpause": "running", "pause": "paused", "die": "exited"}


def settled(info: ContainerInfo, action: str, event: dict[str, Any]) -> ContainerInfo:
    state = EVENT_STATE.get(action)
    if state is None or info.state == state:
        return info
    if state == "exited":
        code = clean_line(str((event.get("Actor") or {}).get("Attributes", {}).get("exitCode", "?")))
        return replace(info, state=state, status=f"Exited ({code}) Less than a second ago")
    status = "Up Less than a second" + (" (Paused)" if state == "paused" else "")
    return replace(info, state=state, status=status)


class ContainerFeed(_EventFeed):
    kinds = ("container",)

    def _list(self) -> list[ContainerInfo]:
        return self.engine.list_containers()

    def _apply(self, event: dict[str, Any]) -> Iterator[Delta[Any]]:
        action = str(event.get("Action") or event.get("status") or "").split(":")[0]
        cid = str(event.get("id") or event.get("Actor", {}).get("ID") or "")
        if action not in CONTAINER_ACTIONS or not cid:
            return
        if action == "destroy":
            yield Deleted(cid)
            return
        try:
            info = self.engine.get_container(cid)
        except NotFound:
            info = None
        if info is None:
            yield Deleted(cid)
            return
        yield Upserted(settled(info, action, event))


class RelistFeed(_EventFeed):
    """For kinds whose events are rare and often name references, not ids (images, volumes, networks):
    any event lists again. The table applies the snapshot by key, so only what changed is touched."""

    def __init__(self, engine: Any, kinds: tuple[str, ...], lister: Callable[[], list[Any]]) -> None:
        super().__init__(engine)
        self.kinds = kinds
        self.lister = lister

    def _list(self) -> list[Any]:
        return self.lister()

    def _apply(self, event: dict[str, Any]) -> Iterator[Delta[Any]]:
        first = tuple(self._list())
        yield Snapshot(first)
        # The engine's list can lag the event it just sent (a connect not yet in /networks); nothing later
        # would correct it, so look once more after a moment and send the difference, if any.
        if not self._closed.wait(SETTLE_SECONDS):
            again = tuple(self._list())
            if again != first:
                yield Snapshot(again)
