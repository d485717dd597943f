"""Compose logs: the logs of a stack's containers merged into one stream, each line labelled with its service.

``MergedLogStream`` reads several LogStreams (one per container), each in its own thread, into one bounded
queue, and hands the consumer batches like a single LogStream does; ``close()`` from any thread closes every
part and wakes the consumer. A part that fails leaves a line saying so; the others go on.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator

from tui.adapters.compose_container import NUMBER
from tui.adapters.errors import BackendError, NotFound
from tui.adapters.log_lines import BATCH_LINES, BATCH_SECONDS, LogLine, LogStream, RawLogParser
from tui.adapters.models import ContainerInfo

QUEUED_BATCHES = 64  # per merged stream: the parts wait when the consumer is this far behind


def log_sources(containers: Iterable[ContainerInfo]) -> dict[str, tuple[str, str]]:
    """Container id -> (source label, service): the service's name, or ``service-N`` when it has replicas."""
    found = [c for c in containers if c.compose_service]
    counts: dict[str, int] = {}
    for c in found:
        counts[c.compose_service or ""] = counts.get(c.compose_service or "", 0) + 1
    sources = {}
    for c in found:
        service = c.compose_service or ""
        number = c.label(NUMBER) or c.name.rsplit("-", 1)[-1].rsplit("_", 1)[-1]
        sources[c.id] = (service if counts[service] == 1 else f"{service}-{number}", service)
    return sources


class MergedLogStream(LogStream):
    """A LogStream (closable iterator of batches of LogLine) over several LogStreams, relabelled by source.

    It is a LogStream so that a LogScreen can show it as it shows one container's log.
    """

    def __init__(self, parts: dict[str, LogStream]) -> None:
        """``parts``: source label -> its stream (already open)."""
        super().__init__(lambda: b"", lambda: None, RawLogParser("", timestamps=False))
        self.parts = parts
        self._merged: queue.Queue[list[LogLine] | None] = queue.Queue(QUEUED_BATCHES)
        self._stop = threading.Event()
        self._running = len(parts)
        self._threads: list[threading.Thread] = []
        self._started = False
        self._start_lock = threading.Lock()

    @property
    def closed(self) -> bool:
        return self._stop.is_set()

    @property
    def skipped(self) -> int:
        return sum(part.skipped for part in self.parts.values())

    def close(self) -> None:
        if self._stop.is_set():
            return
        self._stop.set()
        for part in self.parts.values():
            with contextlib.suppress(Exception):
                part.close()

    def join(self, timeout: float | None = None) -> bool:
        deadline = None if timeout is None else time.monotonic() + timeout
        for thread in self._threads:
            thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        return all(part.join(0) for part in self.parts.values()) and not any(t.is_alive() for t in self._threads)

    def __iter__(self) -> Iterator[list[LogLine]]:
        return self

    def __next__(self) -> list[LogLine]:
        self._start_parts()
        batch = self._take(None)
        if batch is None:
            raise StopIteration
        deadline = time.monotonic() + BATCH_SECONDS
        while len(batch) < BATCH_LINES:
            more = self._take(deadline)
            if not more:
                break
            batch.extend(more)
        # Lines that arrived together (the parts' first tails) are put in time order; the sort is stable.
        batch.sort(key=_when)
        return batch

    # ---- consumer side

    def _take(self, deadline: float | None) -> list[LogLine] | None:
        """The next batch; None when every part ended, the stream closed, or ``deadline`` passed."""
        while not self._stop.is_set():
            if self._running == 0 and self._merged.empty():
                return None
            wait = 0.1 if deadline is None else min(0.1, deadline - time.monotonic())
            if wait <= 0:
                return None
            try:
                item = self._merged.get(timeout=wait)
            except queue.Empty:
                continue
            if item is None:  # one part ended
                self._running -= 1
                continue
            return item
        return None

    def _start_parts(self) -> None:
        with self._start_lock:
            if self._started or self._stop.is_set():
                return
            self._started = True
            for source, part in self.parts.items():
                thread = threading.Thread(
                    target=self._relay, args=(source, part), name=f"portside-logs-{source}", daemon=True
                )
                self._threads.append(thread)
                thread.start()

    # ---- one thread per part

    def _relay(self, source: str, part: LogStream) -> None:
        try:
            for batch in part:
                if self._stop.is_set():
                    return
                self._offer([LogLine(source, line.text, line.timestamp) for line in batch])
        except BackendError as error:
            if not self._stop.is_set():
                self._offer([LogLine(source, f"[log stream ended: {error}]")])
        finally:
            part.close()
            self._offer(None)

    def _offer(self, item: list[LogLine] | None) -> None:
        while not self._stop.is_set():
            try:
                self._merged.put(item, timeout=0.1)
                return
            except queue.Full:
                continue


def _when(line: LogLine) -> float:
    return line.timestamp.timestamp() if line.timestamp is not None else 0.0


def merged_logs(open_one: Callable[[str], LogStream], containers: Iterable[ContainerInfo]) -> MergedLogStream:
    """Open the log of every container (``open_one(container_id)``) and merge them, labelled by service.

    A container removed meanwhile is skipped; if none is left, NotFound.
    """
    parts: dict[str, LogStream] = {}
    try:
        for container_id, (source, _service) in log_sources(containers).items():
            with contextlib.suppress(NotFound):
                parts[source] = open_one(container_id)
    except BaseException:
        for part in parts.values():
            part.close()
        raise
    if not parts:
        raise NotFound("no container of the stack has a log to show")
    return MergedLogStream(parts)
