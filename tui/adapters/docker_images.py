"""Docker adapter, Images: history (layers), users, build, pull, push, tag, remove, prune.

Build, pull and push answer with a long JSON stream; ``ProgressStream`` turns it into ``Progress`` records and
can be closed from another thread (the socket is shut down, which wakes the blocked read).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tui.adapters.docker_errors import timestamp, translated_errors
from tui.adapters.errors import (
    BackendError,
    Forbidden,
    InvalidInput,
    NotFound,
    Unavailable,
)
from tui.adapters.models import ContainerInfo, ImageInfo
from tui.adapters.sanitize import clean_line

if TYPE_CHECKING:
    import docker
    import requests
    from docker.types.daemon import CancellableStream

STREAM_TIMEOUT = 900  # a build step or a registry may be silent for long; the user can cancel at any time
MAX_PENDING = 16 * 1024  # a build line longer than this (no newline yet) is shown cut, not held forever

# Docker's reference grammar, simplified: [host[:port]/]path[:tag][@digest], path components lower-case.
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_HOST = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?"
# A first component is a registry only with a dot or a port, or when it is localhost (as docker decides).
_DOMAIN = rf"(?:(?:localhost|{_HOST}(?:\.{_HOST})+)(?::[0-9]+)?|{_HOST}:[0-9]+)/"
_REFERENCE = re.compile(
    rf"^(?:{_DOMAIN})?{_COMPONENT}(?:/{_COMPONENT})*(?::[\w][\w.-]{{0,127}})?(?:@sha256:[a-f0-9]{{64}})?$"
)
# "/bin/sh -c #(nop) LABEL a=b", "/bin/sh -c echo hi", "|1 A=b /bin/sh -c echo $A" (build args first)
_SHELL = re.compile(r"^(?:\|\d+ (?:\S+=\S* )*)?/bin/sh -c (#\(nop\)\s*)?")
_STEP = re.compile(r"^Step \d+/\d+ : ")


def reference_error(reference: str) -> str | None:
    """Why ``reference`` is not an image reference (repository[:tag]), or None when it is one."""
    if not _REFERENCE.match(reference):
        return f"{reference!r} is not an image reference: [registry/]name[:tag], name in lower case"
    return None


def parse_reference(reference: str) -> tuple[str, str]:
    """``"127.0.0.1:5000/a/b:v1"`` -> ``("127.0.0.1:5000/a/b", "v1")``; the tag defaults to ``latest``."""
    from docker.utils import parse_repository_tag

    repository, tag = parse_repository_tag(reference)
    return repository, tag or "latest"


def has_registry(reference: str) -> bool:
    """Whether the reference names a registry host ("127.0.0.1:5000/x", "registry.example/x")."""
    first, _, rest = reference.partition("/")
    return bool(rest) and ("." in first or ":" in first or first == "localhost")


def build_input_error(context_dir: str, dockerfile: str) -> str | None:
    """Why a build cannot start with these paths (missing directory or Dockerfile), or None."""
    if not context_dir:
        return "a build context directory is needed"
    if not os.path.isdir(context_dir):
        return f"build context {context_dir!r} is not a directory"
    path = dockerfile_path(context_dir, dockerfile)
    if not os.path.isfile(path):
        return f"Dockerfile {path!r} does not exist"
    return None


def dockerfile_path(context_dir: str, dockerfile: str) -> str:
    """The Dockerfile's path: ``dockerfile`` is relative to the context unless absolute."""
    return os.path.join(context_dir, dockerfile or "Dockerfile")


# ---- records


@dataclass(frozen=True)
class LayerInfo:
    """One entry of an image's history: the instruction that made it and what it added."""

    id: str  # "sha256:…", or "<missing>" for layers built on another machine
    created_by: str
    size: int
    created: datetime
    comment: str = ""
    tags: tuple[str, ...] = ()

    @property
    def instruction(self) -> str:
        """The Dockerfile form: ``/bin/sh -c #(nop) LABEL a=b`` -> ``LABEL a=b``, ``/bin/sh -c x`` -> ``RUN x``."""
        match = _SHELL.match(self.created_by)
        if match is None:
            return self.created_by
        rest = self.created_by[match.end() :].strip()
        return rest if match.group(1) else f"RUN {rest}"


@dataclass(frozen=True)
class Progress:
    """One event of a build, pull or push: a line to show, the layer it is about, or the error that ended it."""

    line: str
    layer: str | None = None  # a pull/push event about one layer: the UI keeps one row per layer
    error: str | None = None
    current: int | None = None
    total: int | None = None


@dataclass(frozen=True)
class DanglingImages:
    """What a prune of dangling images would remove, shown before it is confirmed."""

    images: tuple[ImageInfo, ...]

    @property
    def total_size(self) -> int:
        return sum(i.size for i in self.images)


@dataclass(frozen=True)
class PruneResult:
    deleted: tuple[str, ...]
    reclaimed: int


def layer_from_api(raw: Mapping[str, Any]) -> LayerInfo:
    return LayerInfo(
        id=clean_line(str(raw.get("Id") or "<missing>")),
        created_by=clean_line(str(raw.get("CreatedBy") or "")),
        size=int(raw.get("Size") or 0),
        created=timestamp(raw.get("Created")),
        comment=clean_line(str(raw.get("Comment") or "")),
        tags=tuple(clean_line(str(t)) for t in raw.get("Tags") or () if t),
    )


# ---- the JSON stream of build, pull and push


class ProgressParser:
    """Turns the engine's JSON events into Progress records, remembering the build step and the error.

    Build output arrives as text chunks that may split a line ("Step 2/3 : RUN x" then "\\n"): lines are
    joined before they are shown, and the last "Step N/M : ..." line is kept so an error can name it.
    """

    def __init__(self) -> None:
        self.step = ""
        self.error: str | None = None
        self.image_id: str | None = None
        self._pending = ""

    def feed(self, event: Mapping[str, Any]) -> list[Progress]:
        if not isinstance(event, dict):
            return [Progress(clean_line(str(event)))]
        out: list[Progress] = []
        if "stream" in event:
            out.extend(self._text(str(event["stream"])))
        error = event.get("error") or (event.get("errorDetail") or {}).get("message")
        if error:
            out.extend(self.flush())
            message = clean_line(str(error))
            self.error = f"failed at {self.step}: {message}" if self.step else message
            out.append(Progress(f"ERROR: {message}", error=self.error))
        aux = event.get("aux")
        if isinstance(aux, dict) and aux.get("ID"):
            self.image_id = clean_line(str(aux["ID"]))
        status = event.get("status")
        if status:
            out.append(self._status(event, clean_line(str(status))))
        return out

    def flush(self) -> list[Progress]:
        """The last line when the stream ended without a newline."""
        rest, self._pending = self._pending, ""
        return [self._line(rest)] if rest else []

    def _text(self, chunk: str) -> list[Progress]:
        *lines, self._pending = (self._pending + chunk).split("\n")
        if len(self._pending) > MAX_PENDING:
            lines.append(self._pending)
            self._pending = ""
        return [self._line(line) for line in lines]

    def _line(self, raw: str) -> Progress:
        line = clean_line(raw.removesuffix("\r"))
        if _STEP.match(line):
            self.step = line
        return Progress(line)

    def _status(self, event: Mapping[str, Any], status: str) -> Progress:
        layer = clean_line(str(event["id"])) if event.get("id") else None
        progress = clean_line(str(event.get("progress") or ""))
        detail = event.get("progressDetail") or {}
        current = detail.get("current") if isinstance(detail, dict) else None
        total = detail.get("total") if isinstance(detail, dict) else None
        return Progress(
            f"{status} {progress}".rstrip(),
            layer=layer,
            current=int(current) if isinstance(current, int) else None,
            total=int(total) if isinstance(total, int) else None,
        )


def stream_error(what: str, message: str, default: type[BackendError]) -> BackendError:
    """The error type for an error reported inside a stream (HTTP 200 already sent)."""
    low = message.lower()
    if "not found" in low or "does not exist" in low or "manifest unknown" in low:
        return NotFound(f"{what}: {message}")
    if "denied" in low or "unauthorized" in low or "authentication required" in low:
        return Forbidden(f"{what}: {message}")
    if "connection refused" in low or "no such host" in low or "i/o timeout" in low:
        return Unavailable(f"{what}: {message}")
    return default(f"{what}: {message}")


class ProgressStream:
    """A closable iterator of Progress over one build, pull or push.

    The request starts on the first ``next()``, in the caller's thread. ``close()`` may be called from any thread:
    it shuts the socket down, the iteration stops quietly and ``cancelled`` is True. An error the engine
    reports in the stream is yielded as a Progress with ``error`` set, then raised as a BackendError when the
    stream ends (for a build its message names the failing step).
    """

    def __init__(
        self,
        what: str,
        client: Callable[[], docker.APIClient],
        start: Callable[[docker.APIClient], Iterator[Any]],
        failure: type[BackendError] = Unavailable,
    ) -> None:
        self.what = what
        self.parser = ProgressParser()
        self._client_factory = client
        self._start = start
        self._failure = failure
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._cancellable: CancellableStream | None = None
        self._iterator: Iterator[Progress] | None = None

    @property
    def cancelled(self) -> bool:
        return self._closed.is_set()

    @property
    def image_id(self) -> str | None:
        """The built image's id, once the engine has said it."""
        return self.parser.image_id

    def __iter__(self) -> Iterator[Progress]:
        return self

    def __next__(self) -> Progress:
        if self._iterator is None:
            self._iterator = self._run()
        return next(self._iterator)

    def close(self) -> None:
        self._closed.set()
        with self._lock:
            stream, self._cancellable = self._cancellable, None
        if stream is not None:
            with contextlib.suppress(Exception):  # already closed, or the engine went away: nothing to wake
                stream.close()

    def _run(self) -> Iterator[Progress]:
        if self.cancelled:
            return
        from docker.types.daemon import CancellableStream

        client = self._client_factory()
        responses: list[requests.Response] = []
        # The response is what close() must reach; docker-py's generators hide it, a session hook does not.
        client.hooks["response"].append(lambda response, *args, **kwargs: responses.append(response))
        try:
            with translated_errors(self.what):
                events = self._start(client)
            if responses:
                with self._lock:
                    self._cancellable = CancellableStream(events, responses[-1])
            if self.cancelled:  # closed while the request was being made
                self.close()
                return
            yield from self._events(events)
            yield from self.parser.flush()
        finally:
            with self._lock:
                self._cancellable = None
            client.close()
        if self.parser.error and not self.cancelled:
            raise stream_error(self.what, self.parser.error, self._failure)

    def _events(self, events: Iterator[Any]) -> Iterator[Progress]:
        import urllib3.exceptions  # loaded with docker-py, which opened the stream

        while not self.cancelled:
            try:
                with translated_errors(self.what):
                    event = next(events, None)
            except BackendError:
                if self.cancelled:
                    return  # the socket was shut down on purpose
                raise
            except (urllib3.exceptions.HTTPError, OSError, json.JSONDecodeError):  # requests' are OSErrors
                if self.cancelled:
                    return
                raise Unavailable(f"{self.what}: the engine's stream broke off") from None
            if event is None:
                return
            yield from self.parser.feed(event)


class ImagesMixin:
    """Mixed into DockerEngine; every method blocks: call it from a thread worker."""

    endpoint: str

    def api(self) -> docker.APIClient:
        raise NotImplementedError

    def list_containers(self, *, all: bool = True) -> list[ContainerInfo]:
        raise NotImplementedError

    # ---- read

    def image_history(self, image_id: str) -> list[LayerInfo]:
        """The image's layers, newest first (as ``docker history`` shows them)."""
        with translated_errors(f"history of {image_id[:19]}"):
            return [layer_from_api(raw) for raw in self.api().history(image_id)]

    def containers_using(self, image_id: str) -> list[ContainerInfo]:
        """Containers (running or not) created from exactly this image id."""
        return [c for c in self.list_containers(all=True) if c.image_id == image_id]

    def container_counts(self) -> dict[str, int]:
        """Image id -> how many containers (running or not) use it, in one call."""
        return dict(Counter(c.image_id for c in self.list_containers(all=True)))

    def dangling_images(self) -> DanglingImages:
        """Untagged top-level images: what ``docker image prune`` removes."""
        from tui.adapters.docker_engine import image_from_api  # docker_engine imports this module

        with translated_errors("list dangling images"):
            found = self.api().images(filters={"dangling": True})
        return DanglingImages(tuple(image_from_api(raw) for raw in found))

    # ---- streams

    def build_image(
        self,
        context_dir: str,
        dockerfile: str = "Dockerfile",
        tag: str | None = None,
        buildargs: dict[str, str] | None = None,
    ) -> ProgressStream:
        """Build from a context directory; the stream starts when it is first read."""
        problem = build_input_error(context_dir, dockerfile)
        if problem:
            raise InvalidInput(problem)
        if tag and (problem := reference_error(tag)):
            raise InvalidInput(problem)

        def start(client: docker.APIClient) -> Iterator[Any]:
            return client.build(
                path=context_dir,
                dockerfile=dockerfile or "Dockerfile",
                tag=tag or None,
                buildargs=buildargs or None,
                rm=True,
                forcerm=True,
                decode=True,
                timeout=STREAM_TIMEOUT,
            )

        return ProgressStream(f"build {tag or context_dir}", self._stream_client, start, InvalidInput)

    def pull_image(self, reference: str) -> ProgressStream:
        if problem := reference_error(reference):
            raise InvalidInput(problem)
        repository, tag = parse_reference(reference)
        return ProgressStream(
            f"pull {reference}",
            self._stream_client,
            lambda client: client.pull(repository, tag=tag, stream=True, decode=True),
        )

    def push_image(self, reference: str) -> ProgressStream:
        if problem := reference_error(reference):
            raise InvalidInput(problem)
        repository, tag = parse_reference(reference)
        return ProgressStream(
            f"push {reference}",
            self._stream_client,
            lambda client: client.push(repository, tag=tag, stream=True, decode=True),
        )

    def _stream_client(self) -> docker.APIClient:
        """A client of its own per stream, so its response can be reached (and closed) without a race."""
        import docker

        version = self.api().api_version
        with translated_errors("connect"):
            return docker.APIClient(base_url=self.endpoint, version=version, timeout=STREAM_TIMEOUT)

    # ---- mutations

    def tag_image(self, image_id: str, repository: str, tag: str = "latest") -> None:
        if problem := reference_error(f"{repository}:{tag}"):
            raise InvalidInput(problem)
        with translated_errors(f"tag {image_id[:19]} as {repository}:{tag}"):
            self.api().tag(image_id, repository, tag)

    def remove_image(self, image: str, *, force: bool = False) -> None:
        """Remove a reference: a tag is untagged (the image stays while other tags name it), an id is deleted."""
        with translated_errors(f"remove {image[:71]}"):
            self.api().remove_image(image, force=force)

    def prune_dangling(self) -> PruneResult:
        with translated_errors("prune dangling images"):
            found = self.api().prune_images(filters={"dangling": True})
        deleted = tuple(
            clean_line(str(entry.get("Deleted")))
            for entry in found.get("ImagesDeleted") or ()
            if entry.get("Deleted")
        )
        return PruneResult(deleted, int(found.get("SpaceReclaimed") or 0))
