"""LiveFeed: a cancellable iterator of deltas (Snapshot, Upserted, Deleted, Disconnected) over a backend.

A feed is consumed by one thread. ``close()`` may be called from any thread: it stops the loop and closes the
stream that is blocking, so the consuming worker returns promptly. After a fault the feed waits (backoff), then
lists again and yields a fresh Snapshot: the consumer's table equals the truth after any fault.

A feed that lists in pages (Kubernetes) yields each page as a Snapshot with ``page``/``complete`` to a consumer
that iterates ``feed.paged()``; a plain ``for delta in feed`` gets each list joined into one whole Snapshot.
"""

from __future__ import annotations

import contextlib
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from typing import Any, Generic, Protocol

from tui.adapters.errors import BackendError, Forbidden, Gone
from tui.adapters.models import Backoff, Delta, Disconnected, Item, Snapshot

FORBIDDEN_RETRY = 30.0  # seconds between asking again for a list the credentials may not read


class Closable(Protocol):
    def close(self) -> Any: ...


class LiveFeed(ABC, Generic[Item]):
    def __init__(self) -> None:
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._stream: Closable | None = None

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    def close(self) -> None:
        self._closed.set()
        with self._lock:
            stream, self._stream = self._stream, None
        if stream is not None:
            shut(stream)

    def _release(self, stream: Closable) -> None:
        """Close a stream this feed is done with (a fault before the stream was read, a reconnect)."""
        with self._lock:
            if self._stream is stream:
                self._stream = None
        shut(stream)

    def _attach(self, stream: Closable) -> None:
        """Register the stream that blocks, so that close() can interrupt it."""
        with self._lock:
            self._stream = stream
        if self.closed:
            self.close()

    def __iter__(self) -> Iterator[Delta[Item]]:
        """The deltas, each list whole: for consumers that replace everything on every Snapshot."""
        return self._deltas(paged=False)

    def paged(self) -> Iterator[Delta[Item]]:
        """The deltas, a long list page by page as it arrives (Snapshot ``page`` 0 not ``complete``, then the
        next pages up to the complete one): for consumers that show the first rows before the last are read."""
        return self._deltas(paged=True)

    def _deltas(self, *, paged: bool) -> Iterator[Delta[Item]]:
        backoff = Backoff()
        while not self.closed:
            try:
                # A list cut short by a fault is dropped with this generator: the next one starts at page 0.
                yield from (self._run(backoff) if paged else whole_lists(self._run(backoff)))
            except Gone:
                continue  # resourceVersion too old: relist at once
            except BackendError as error:
                if self.closed:
                    return
                # A 403 is an answer, not an outage: ask again rarely instead of backing off from 1 s.
                delay = FORBIDDEN_RETRY if isinstance(error, Forbidden) else backoff.next_delay()
                yield Disconnected(error, delay)
                self._closed.wait(delay)

    @abstractmethod
    def _run(self, backoff: Backoff) -> Iterator[Delta[Item]]:
        """List, yield a Snapshot (or its pages), call ``backoff.reset()``, then yield changes until the stream
        ends.

        Raise a BackendError when the backend fails; return when closed.
        """


def whole_lists(deltas: Iterable[Delta[Item]]) -> Iterator[Delta[Item]]:
    """The same deltas with the pages of each list joined into one complete Snapshot."""
    pages: list[Item] = []
    for delta in deltas:
        if isinstance(delta, Snapshot) and not delta.whole:
            if delta.page == 0:
                pages = []
            pages.extend(delta.items)
            if delta.complete:
                yield Snapshot(tuple(pages))
                pages = []
        else:
            yield delta


def shut(stream: Closable) -> None:
    """Close a stream, waking a read blocked on it in another thread; errors of a dead stream are ignored."""
    # shutdown() (urllib3 responses) wakes a read blocked in another thread; close() alone does not.
    with contextlib.suppress(Exception):
        getattr(stream, "shutdown", lambda: None)()
        stream.close()
