"""The Docker Engine API's reads (lists, events, logs, version) over ``http.client``.

docker-py brings requests and urllib3: about 0.13 s of imports before the first request could leave, on a
start-up whose whole budget is 0.6 s. The first screen needs one list and one event stream, so the reads go
through here (the standard library, ~10 ms of imports) and docker-py is imported by the first action or detail
that needs it. Paths carry no API version: the engine then answers in its own current version, as docker-py's
``version="auto"`` would have negotiated.

Errors leave as BackendError: an answer of 4xx/5xx by its status, an engine that cannot be reached as
Unavailable (``docker_errors.unreachable``, as for docker-py's calls).
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode, urlsplit

import orjson

from tui import __version__
from tui.adapters.docker_errors import unreachable
from tui.adapters.errors import Unavailable, error_for_status
from tui.adapters.sanitize import clean_line

STREAM_READ = 65_536  # bytes asked of a streamed answer at a time (read1 returns what has arrived)
MAX_MESSAGE = 300  # characters of an error answer shown


class UnixConnection(http.client.HTTPConnection):
    """HTTP over a unix socket (the engine's default endpoint)."""

    def __init__(self, path: str, timeout: float | None) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.settimeout(self.timeout)
            sock.connect(self._path)
        except OSError:
            sock.close()
            raise
        self.sock = sock


def connection_factory(endpoint: str) -> Callable[[float | None], http.client.HTTPConnection]:
    """How to open a connection to ``endpoint`` (unix://, tcp://, http:// or https://, as docker-py reads them).

    Raises Unavailable for any other scheme.
    """
    parts = urlsplit(endpoint if "://" in endpoint else f"tcp://{endpoint}")
    if parts.scheme == "unix":
        path = parts.netloc + parts.path
        if not path:
            raise Unavailable(f"Docker endpoint {endpoint!r}: no socket path")
        return lambda timeout: UnixConnection(path, timeout)
    host = parts.hostname or "localhost"
    if parts.scheme in ("tcp", "http"):
        port = parts.port or 2375
        return lambda timeout: http.client.HTTPConnection(host, port, timeout=timeout)
    if parts.scheme == "https":
        port = parts.port or 2376
        context = ssl.create_default_context()
        return lambda timeout: http.client.HTTPSConnection(host, port, timeout=timeout, context=context)
    raise Unavailable(f"Docker endpoint {endpoint!r}: only unix://, tcp://, http:// and https:// are supported")


def query_string(query: dict[str, Any]) -> str:
    """The engine's query conventions: booleans as 1/0, filters (a dict) as JSON."""

    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "1" if v else "0"
        if isinstance(v, dict):
            return orjson.dumps(v).decode()
        return str(v)

    return urlencode({k: value(v) for k, v in query.items() if v is not None})


def explanation(body: bytes) -> str:
    """The engine's error answer ({"message": ...}, else its text), fit for one line."""
    try:
        message = str(orjson.loads(body).get("message") or "")
    except (orjson.JSONDecodeError, AttributeError):
        message = body.decode("utf-8", "replace")
    return clean_line(message.strip())[:MAX_MESSAGE] or "no explanation given"


class DockerHTTP:
    """GET requests to one engine, each on its own connection (a unix socket connects in microseconds), so that
    any thread may call at once. Every method blocks: call it from a thread worker."""

    def __init__(self, endpoint: str, timeout: float) -> None:
        self.endpoint = endpoint
        self._timeout = timeout
        self._factory: Callable[[float | None], http.client.HTTPConnection] | None = None

    def get(self, what: str, path: str, query: dict[str, Any] | None = None) -> Any:
        """The decoded JSON answer of ``GET path``."""
        connection, response = self._open(what, path, query)
        try:
            body = response.read()
        except (OSError, http.client.HTTPException) as error:
            raise unreachable(what, error) from None
        finally:
            connection.close()
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            raise Unavailable(f"{what}: the Docker engine's answer is not JSON") from None

    def stream(
        self, what: str, path: str, query: dict[str, Any] | None = None, *, follow: bool = True
    ) -> StreamedAnswer:
        """An answer to read as it comes (events, a log), its headers already received. A followed stream may
        be quiet for hours: it has no read timeout, and ``close`` ends a wait from another thread."""
        connection, response = self._open(what, path, query)
        if follow and connection.sock is not None:
            connection.sock.settimeout(None)
        return StreamedAnswer(connection, response)

    def json_lines(self, what: str, path: str, query: dict[str, Any] | None = None) -> JsonLines:
        """A streamed answer of one JSON value per line (the event stream)."""
        return JsonLines(what, self.stream(what, path, query))

    def _open(
        self, what: str, path: str, query: dict[str, Any] | None
    ) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
        if self._factory is None:
            self._factory = connection_factory(self.endpoint)
        connection = self._factory(self._timeout)
        target = f"{path}?{query_string(query)}" if query else path
        try:
            connection.request("GET", target, headers={"User-Agent": f"portside/{__version__}"})
            response = connection.getresponse()
        except (OSError, http.client.HTTPException) as error:
            connection.close()
            raise unreachable(what, error) from None
        if response.status >= 400:
            try:
                message = explanation(response.read())
            except (OSError, http.client.HTTPException):
                message = response.reason
            finally:
                connection.close()
            raise error_for_status(response.status, f"{what}: {message}")
        return connection, response


class StreamedAnswer:
    """The body of a streamed answer, read in one thread; ``close`` (from any thread) ends the reading."""

    def __init__(self, connection: http.client.HTTPConnection, response: http.client.HTTPResponse) -> None:
        self.response = response  # read it with read1: what has arrived, chunk headers undone
        self._connection = connection
        self._socket = connection.sock
        self.closed = False

    def shutdown(self) -> None:
        """Wake a read blocked in another thread (closing alone does not)."""
        self.closed = True
        if self._socket is not None:
            with contextlib.suppress(OSError):
                self._socket.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.shutdown()
        with contextlib.suppress(Exception):
            self.response.close()
        self._connection.close()


class JsonLines:
    """The values of a streamed answer of JSON lines, read in one thread; ``close`` (from any thread) ends the
    reading. Iteration ends when the engine ends the answer or the stream is closed; a connection lost midway
    raises Unavailable."""

    def __init__(self, what: str, answer: StreamedAnswer) -> None:
        self._what = what
        self._answer = answer

    def __iter__(self) -> Iterator[Any]:
        pending = b""
        while not self._answer.closed:
            try:
                piece = self._answer.response.read1(STREAM_READ)
            except Exception as error:  # closed under the read, http.client fails in many ways
                if self._answer.closed:
                    return
                raise unreachable(self._what, error) from None
            if not piece:
                return
            lines = (pending + piece).split(b"\n")
            pending = lines.pop()
            for line in lines:
                if line.strip():
                    yield self._decode(line)

    def _decode(self, line: bytes) -> Any:
        try:
            return orjson.loads(line)
        except orjson.JSONDecodeError:
            raise Unavailable(f"{self._what}: the Docker engine sent a line that is not JSON") from None

    def shutdown(self) -> None:
        self._answer.shutdown()

    def close(self) -> None:
        self._answer.close()
