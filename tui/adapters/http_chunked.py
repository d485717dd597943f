"""HTTP/1.1 chunked transfer coding, undone over the response's own buffered reader.

A followed Docker log arrives as one HTTP chunk per log message. ``http.client`` decodes chunks in Python, a
few calls per chunk: about 25,000 chunks a second on this machine, so a container printing faster than that
fell behind while ``docker logs -f`` kept up. Here the bytes are read in large pieces (``read1`` of the
response's ``BufferedReader``, which also hands over what it had read ahead) and the chunk headers are found
with ``bytes.find``: the cost is per piece, plus a few operations per chunk.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

CRLF = b"\r\n"
MAX_HEADER = 4096  # a chunk-size line (hex size, optional extensions) longer than this is not HTTP


class ChunkedBody:
    """A chunked body as the plain bytes it carries, read with ``read1(size)`` of the connection."""

    def __init__(self, read1: Callable[[int], bytes]) -> None:
        self._read1 = read1
        self._left = 0  # bytes of the current chunk's data still to come
        self._crlf = 0  # bytes of the CRLF after a chunk's data still to skip
        self._head = b""  # an unfinished chunk-size line
        self.ended = False  # the last (zero-size) chunk was read

    def read1(self, size: int) -> bytes:
        """The next data bytes (at most about ``size`` read); b"" at the end of the body. A connection that
        closes before the body's last chunk raises ConnectionError (the server went away mid-answer)."""
        while not self.ended:
            raw = self._read1(size)
            if not raw:
                raise ConnectionError("the connection closed before the end of the answer")
            data = self._decode(raw)
            if data:
                return data
        return b""

    def _decode(self, raw: bytes) -> bytes:
        data = self._head + raw if self._head else raw
        self._head = b""
        out: list[bytes] = []
        at, end = 0, len(data)
        while at < end:
            if self._left:
                take = min(self._left, end - at)
                out.append(data[at : at + take])
                at += take
                self._left -= take
                if not self._left:
                    self._crlf = 2
            elif self._crlf:
                take = min(self._crlf, end - at)
                at += take
                self._crlf -= take
            else:
                line_end = data.find(CRLF, at)
                if line_end < 0:
                    self._head = data[at:]
                    if len(self._head) > MAX_HEADER:
                        raise ValueError("malformed chunked body: chunk-size line too long")
                    break
                size = int(data[at:line_end].split(b";", 1)[0], 16)  # ValueError on garbage
                at = line_end + 2
                if size == 0:
                    self.ended = True  # trailers, if any, are not read: the connection is closed after
                    break
                self._left = size
        return b"".join(out)


def chunked_body(response: Any) -> ChunkedBody | None:
    """A ChunkedBody over an ``http.client.HTTPResponse`` not read from yet, when its body is chunked and its
    connection is a buffered reader; None otherwise (then read it as it is)."""
    buffered = getattr(getattr(response, "fp", None), "read1", None)
    if not getattr(response, "chunked", False) or buffered is None or getattr(response, "chunk_left", None):
        return None
    return ChunkedBody(buffered)
