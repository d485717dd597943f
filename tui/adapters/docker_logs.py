"""Docker adapter, Container logs as a closable stream of sanitised lines.

The request goes through ``docker_http`` and the body is read here, in whatever pieces arrive (``read1``), its
HTTP chunks undone by ``http_chunked`` (docker-py reads a TTY container's log one byte per call and a
multiplexed one in two reads per frame, which is slow for 100,000 lines). Non-TTY logs are
multiplexed frames (8-byte header: stream, size); each frame is one log message, and with ``timestamps`` each
message starts with an RFC 3339 time.
"""

from __future__ import annotations

import http.client
import struct
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from tui.adapters.errors import BackendError, Unavailable
from tui.adapters.http_chunked import chunked_body
from tui.adapters.log_lines import STAMP_BYTES, LogLine, LogStream, RawLogParser, split_timestamp
from tui.adapters.sanitize import clean_line

if TYPE_CHECKING:
    from tui.adapters.docker_http import DockerHTTP

READ_SIZE = 64 * 1024
HEADER = 8
_FRAME_HEADER = struct.Struct(">BxxxL")  # stream (0 stdin, 1 stdout, 2 stderr), size


class MultiplexedLogParser:
    """Docker's multiplexed log frames (stdout and stderr of a non-TTY container) into lines.

    Each stream has its own decoder, so a partial line on stdout is not glued to a line on stderr. A message
    longer than 16 KiB arrives as several frames, each with its own timestamp: only the first one is kept.
    """

    def __init__(self, source: str, *, timestamps: bool) -> None:
        self.source = source
        self.timestamps = timestamps
        self._streams = {
            1: RawLogParser(source, timestamps=timestamps),
            2: RawLogParser(source, timestamps=timestamps),
        }
        self._at_line_start = {1: True, 2: True}
        self._pending = b""

    def feed(self, chunk: bytes) -> list[LogLine]:
        data = self._pending + chunk if self._pending else chunk
        lines: list[LogLine] = []
        parts: list[bytes] = []  # consecutive payloads of one stream, decoded together
        current = 1
        offset, end = 0, len(data)
        while end - offset >= HEADER:
            kind, size = _FRAME_HEADER.unpack_from(data, offset)
            if end - offset - HEADER < size:
                break
            payload = data[offset + HEADER : offset + HEADER + size]
            offset += HEADER + size
            stream = 2 if kind == 2 else 1  # stdin (0) never carries log output
            if stream != current:
                if parts:
                    lines.extend(self._streams[current].feed(b"".join(parts)))
                    parts = []
                current = stream
            parts.append(self._continued(stream, payload))
        if parts:
            lines.extend(self._streams[current].feed(b"".join(parts)))
        self._pending = data[offset:]
        return lines

    def skip(self, chunk: bytes) -> tuple[int, datetime | None]:
        data = self._pending + chunk if self._pending else chunk
        skipped, last_start = 0, -1  # last_start: where the last message that began a line starts
        offset, end = 0, len(data)
        while end - offset >= HEADER:
            kind, size = _FRAME_HEADER.unpack_from(data, offset)
            if end - offset - HEADER < size:
                break
            start, offset = offset + HEADER, offset + HEADER + size
            stream = 2 if kind == 2 else 1
            parser = self._streams[stream]
            if self._at_line_start[stream] and parser.at_line_start and data.endswith(b"\n", start, offset):
                skipped += data.count(b"\n", start, offset)  # whole lines: nothing to carry over
                last_start = start
            elif size:
                skipped += parser.skip(data[start:offset])[0]
            if size:
                self._at_line_start[stream] = data.endswith(b"\n", start, offset)
        self._pending = data[offset:]
        stamp = None
        if self.timestamps and last_start >= 0:
            stamp, _ = split_timestamp(data[last_start : last_start + STAMP_BYTES].decode("ascii", "replace"))
        return skipped, stamp

    def _continued(self, stream: int, payload: bytes) -> bytes:
        """A payload without the repeated timestamp when it continues a long message."""
        if self.timestamps and not self._at_line_start[stream]:
            stamp, space, rest = payload.partition(b" ")
            if space and len(stamp) <= 40 and stamp[:1].isdigit():
                payload = rest
        if payload:
            self._at_line_start[stream] = payload.endswith(b"\n")
        return payload

    def flush(self) -> list[LogLine]:
        return self._streams[1].flush() + self._streams[2].flush()


def _translate(error: Exception) -> BackendError:
    if isinstance(error, OSError | http.client.HTTPException):
        return Unavailable(f"log stream interrupted ({clean_line(str(error))})")
    return Unavailable(f"log stream failed: {type(error).__name__}: {clean_line(str(error))}")


class LogsMixin:
    """Mixed into DockerEngine; every method blocks: call it from a thread worker."""

    http: DockerHTTP

    def container_logs(
        self,
        container_id: str,
        *,
        tail: int | None = 1000,
        since: datetime | None = None,
        timestamps: bool = True,
        follow: bool = True,
    ) -> LogStream:
        """The container's log (stdout and stderr) as a LogStream of sanitised lines.

        ``tail=None`` starts at the beginning; ``follow`` keeps the stream open while the container runs.
        The source of each line is the container's name.
        """
        what = f"logs of {container_id[:12]}"
        path = f"/containers/{quote(container_id, safe='')}"
        info: dict[str, Any] = self.http.get(what, f"{path}/json")
        query: dict[str, Any] = {
            "stdout": True,
            "stderr": True,
            "follow": follow,
            "timestamps": timestamps,
            "tail": "all" if tail is None else max(tail, 0),
        }
        if since is not None:
            query["since"] = f"{since.timestamp():.6f}"
        answer = self.http.stream(what, f"{path}/logs", query, follow=follow)
        name = str(info.get("Name") or "").lstrip("/")
        source = clean_line(name) if name else container_id[:12]
        tty = bool((info.get("Config") or {}).get("Tty"))
        parser = (
            RawLogParser(source, timestamps=timestamps)
            if tty
            else MultiplexedLogParser(source, timestamps=timestamps)
        )
        body = chunked_body(answer.response) or answer.response  # each log message is one HTTP chunk

        def read() -> bytes:
            # One system call a piece: under load, each one waits for the GIL (LogStream batches the pieces).
            return bytes(body.read1(READ_SIZE))

        return LogStream(read, answer.close, parser, translate=_translate)
