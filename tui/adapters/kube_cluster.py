"""Kubernetes adapter: raw JSON over HTTP (``kube_http``), with the kubeconfig read as kubectl reads it
(``kube_config``: TLS, tokens, client certificates, exec plugins).

Lists and watches are plain JSON, decoded with orjson, and only the fields we show are parsed: the official
client's generated models cost 0.7 s to import and about 21 s and 1 GB to build for 10,000 pods. The
kubeconfig is read, never written: switching context is a new KubeCluster, not an edit of the file.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

import orjson

from tui.adapters import kube_config
from tui.adapters.errors import BackendError, Gone, Unavailable, error_for_status
from tui.adapters.kube_http import KubeConnection
from tui.adapters.live import LiveFeed
from tui.adapters.models import (
    Backoff,
    ContainerState,
    Deleted,
    Delta,
    EngineVersion,
    KubeContext,
    PodInfo,
    Snapshot,
    Upserted,
)
from tui.adapters.sanitize import clean_line

if TYPE_CHECKING:
    import urllib3

ALL_NAMESPACES = ""
WATCH_SECONDS = 60  # server-side watch timeout; the read timeout is a little longer, so no read blocks forever
PAGE_SIZE = 500  # objects per list request, as kubectl: the first page is shown while the next ones are read


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _status_message(raw: str | bytes, fallback: str) -> str:
    try:
        body = orjson.loads(raw)
    except (ValueError, TypeError):
        return fallback
    return clean_line(str(body.get("message") or fallback)) if isinstance(body, dict) else fallback


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a large answer is decoded and parsed.

    JSON makes no reference cycles, but its many new dicts and lists trigger collections that scan the whole
    heap: with the collector on, decoding a page of 500 pods took 1.6 times as long (a list of 10,000: 1.2 s
    instead of 0.75 s). It is left as it was found (a thread that found it paused does not resume it).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def translated_errors(what: str) -> Iterator[None]:
    try:
        yield
    except BackendError:
        raise
    except Exception as exc:
        import urllib3.exceptions  # loaded with the connection (kube_http), ~50 ms that start-up does not wait for

        if isinstance(exc, urllib3.exceptions.HTTPError | OSError):
            raise Unavailable(f"{what}: API server unreachable ({clean_line(str(exc))})") from None
        if isinstance(exc, ValueError):  # a truncated or non-JSON body
            raise Unavailable(f"{what}: malformed answer from the API server ({clean_line(str(exc))})") from None
        raise


def list_contexts(kubeconfig: str | None = None) -> tuple[list[KubeContext], str | None]:
    """Contexts of the kubeconfig and the name of its current one. Reads the file only."""
    config = kube_config.load(kubeconfig)
    contexts = []
    for name, ctx in config.contexts.items():
        cluster = str(ctx.get("cluster", ""))
        server = config.clusters.get(cluster, ({}, ""))[0].get("server", "")
        contexts.append(
            KubeContext(
                name=clean_line(name),
                cluster=clean_line(cluster),
                user=clean_line(str(ctx.get("user", ""))),
                namespace=clean_line(str(ctx.get("namespace") or "default")),
                server=clean_line(str(server)),
            )
        )
    return contexts, (clean_line(config.current) if config.current else None)


def pod_from_api(raw: dict[str, Any]) -> PodInfo:
    meta = raw.get("metadata") or {}
    spec = raw.get("spec") or {}
    status = raw.get("status") or {}
    statuses = status.get("containerStatuses") or []
    containers = []
    for cs in statuses:
        state = cs.get("state") or {}
        kind = next(iter(state), "waiting")
        detail = state.get(kind) or {}
        containers.append(
            ContainerState(
                name=clean_line(str(cs.get("name", ""))),
                ready=bool(cs.get("ready")),
                restarts=int(cs.get("restartCount") or 0),
                state=kind,
                reason=clean_line(str(detail.get("reason") or "")),
            )
        )
    owners = meta.get("ownerReferences") or []
    owner = f"{owners[0].get('kind')}/{owners[0].get('name')}" if owners else ""
    return PodInfo(
        uid=clean_line(str(meta.get("uid", ""))),
        namespace=clean_line(str(meta.get("namespace", ""))),
        name=clean_line(str(meta.get("name", ""))),
        phase=clean_line(str(status.get("phase") or "Unknown")),
        status=pod_status(raw),
        ready=sum(1 for c in containers if c.ready),
        total=len(spec.get("containers") or []) or len(containers),
        restarts=sum(c.restarts for c in containers),
        node=clean_line(str(spec.get("nodeName") or "")),
        ip=clean_line(str(status.get("podIP") or "")),
        created=_parse_time(meta.get("creationTimestamp")),
        containers=tuple(containers),
        labels=tuple(sorted((clean_line(k), clean_line(str(v))) for k, v in (meta.get("labels") or {}).items())),
        owner=clean_line(owner),
    )


def pod_status(raw: dict[str, Any]) -> str:
    """The STATUS column as kubectl computes it: waiting/terminated reasons win over the phase."""
    meta = raw.get("metadata") or {}
    status = raw.get("status") or {}
    reason = str(status.get("reason") or status.get("phase") or "Unknown")
    for i, cs in enumerate(status.get("initContainerStatuses") or []):
        state = cs.get("state") or {}
        term, wait = state.get("terminated"), state.get("waiting")
        if term and term.get("exitCode") == 0:
            continue
        if term:
            reason = f"Init:{term.get('reason') or 'ExitCode:{}'.format(term.get('exitCode'))}"
        elif wait and wait.get("reason") and wait.get("reason") != "PodInitializing":
            reason = f"Init:{wait['reason']}"
        else:
            reason = f"Init:{i}/{len(status.get('initContainerStatuses') or [])}"
        break
    else:
        running = False
        for cs in reversed(status.get("containerStatuses") or []):
            state = cs.get("state") or {}
            wait, term = state.get("waiting"), state.get("terminated")
            if wait and wait.get("reason"):
                reason = wait["reason"]
            elif term and term.get("reason"):
                reason = term["reason"]
            elif term:
                reason = f"ExitCode:{term.get('exitCode')}"
            elif "running" in state and cs.get("ready"):
                running = True
        if reason == "Completed" and running:
            reason = "Running"
    if meta.get("deletionTimestamp"):
        reason = "Terminating"
    return clean_line(reason)


class KubeCluster:
    """One kube context. Every method blocks: call it from a thread worker."""

    def __init__(
        self, kubeconfig: str | None = None, context: str | None = None, namespace: str | None = None
    ) -> None:
        self.kubeconfig = kubeconfig
        self._context_name = context
        self._namespace = namespace
        self._connection: KubeConnection | None = None
        self._lock = threading.Lock()

    @property
    def context(self) -> str:
        if self._context_name is None:
            try:
                _, current = list_contexts(self.kubeconfig)
            except BackendError:
                current = None
            self._context_name = current or ""
        return self._context_name

    @property
    def namespace(self) -> str:
        """The namespace in use: the flag, else the context's own, else "default"; "" means all."""
        if self._namespace is None:
            try:
                contexts, _ = list_contexts(self.kubeconfig)
            except BackendError:
                contexts = []
            match = [c.namespace for c in contexts if c.name == self.context]
            self._namespace = match[0] if match else "default"
        return self._namespace

    def connection(self) -> KubeConnection:
        """The context's server and credentials, read from the kubeconfig on first use."""
        with self._lock:
            if self._connection is None:
                target = kube_config.target(kube_config.load(self.kubeconfig), self.context or None)
                self._connection = KubeConnection(target)
            return self._connection

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
            self._connection = None

    def send(
        self,
        method: str,
        path: str,
        query: dict[str, Any] | None = None,
        body: Any = None,
        *,
        timeout: tuple[float, float | None] = (5, 30),
        content_type: str = "application/json",
    ) -> urllib3.BaseHTTPResponse:
        """One raw API call, whatever its status; the body is left to read."""
        connection = self.connection()
        with translated_errors(f"{method} {path}"):
            return connection.send(method, path, query, body, content_type=content_type, timeout=timeout)

    def request(
        self,
        method: str,
        path: str,
        query: dict[str, Any] | None = None,
        body: Any = None,
        *,
        stream: bool = False,
        timeout: tuple[float, float | None] = (5, 30),
        content_type: str = "application/json",
    ) -> Any:
        """One API call. Returns parsed JSON, or the open urllib3 response when ``stream``; an error status is
        raised as our BackendError."""
        response = self.send(method, path, query, body, timeout=timeout, content_type=content_type)
        with translated_errors(f"{method} {path}"):
            if response.status >= 400:
                data = response.read()
                response.release_conn()
                raise error_for_status(
                    response.status, f"{method} {path}: {_status_message(data, str(response.reason))}"
                )
            if stream:
                return response
            try:
                data = response.read() or b"{}"
            finally:
                response.release_conn()
            with collector_paused():
                return orjson.loads(data)

    def version(self) -> EngineVersion:
        info = self.request("GET", "/version", timeout=(5, 10))
        namespace = self.namespace or "all namespaces"
        return EngineVersion(
            endpoint=f"{self.context}/{namespace}", version=clean_line(str(info.get("gitVersion")))
        )

    # ---- pods

    def pods_path(self, namespace: str | None = None) -> str:
        ns = self.namespace if namespace is None else namespace
        return f"/api/v1/namespaces/{ns}/pods" if ns else "/api/v1/pods"

    def list_pods(self, namespace: str | None = None, selector: str = "") -> list[PodInfo]:
        body = self.request("GET", self.pods_path(namespace), {"labelSelector": selector} if selector else None)
        return [pod_from_api(item) for item in body.get("items") or []]

    def delete_pod(self, namespace: str, name: str) -> None:
        self.request("DELETE", f"/api/v1/namespaces/{namespace}/pods/{name}")

    def watch_pods(self, namespace: str | None = None, selector: str = "") -> ListWatch:
        return ListWatch(self, self.pods_path(namespace), pod_from_api, selector)


class ListWatch(LiveFeed[Any]):
    """List in pages, then watch from the list's resourceVersion; resume after a timeout, relist on 410 Gone.

    Pages are ``page_size`` objects (``limit`` and ``continue``, as kubectl): each is yielded as soon as it is
    decoded, so a consumer of ``paged()`` shows the first rows while the rest is read. The label selector is
    sent with every page and with the watch: the server filters.
    """

    def __init__(
        self,
        cluster: KubeCluster,
        path: str,
        parse: Callable[[dict[str, Any]], Any],
        selector: str = "",
        *,
        page_size: int = PAGE_SIZE,
    ) -> None:
        super().__init__()
        self.cluster, self.path, self.parse = cluster, path, parse
        self.selector = {"labelSelector": selector} if selector else {}  # filtered by the server
        self.page_size = page_size

    def _run(self, backoff: Backoff) -> Iterator[Delta[Any]]:
        version = yield from self._list()
        if self.closed:
            return
        backoff.reset()
        while not self.closed:
            query = {
                "watch": "true",
                "resourceVersion": version,
                "allowWatchBookmarks": "true",
                "timeoutSeconds": WATCH_SECONDS,
                **self.selector,
            }
            response = self.cluster.request("GET", self.path, query, stream=True, timeout=(5, WATCH_SECONDS + 15))
            self._attach(response)
            with translated_errors(f"watch {self.path}"):
                for line in response:
                    if self.closed:
                        return
                    event = orjson.loads(line)
                    kind, obj = event.get("type"), event.get("object") or {}
                    if kind == "ERROR":
                        code = int(obj.get("code") or 500)
                        raise error_for_status(code, f"watch {self.path}: {clean_line(str(obj.get('message')))}")
                    version = str((obj.get("metadata") or {}).get("resourceVersion") or version)
                    if kind in ("ADDED", "MODIFIED"):
                        yield Upserted(self.parse(obj))
                    elif kind == "DELETED":
                        yield Deleted(clean_line(str((obj.get("metadata") or {}).get("uid", ""))))
            response.release_conn()

    def _list(self) -> Generator[Snapshot[Any], None, str]:
        """Yield the list page by page; return its resourceVersion (the last page's: all pages share one).

        An expired ``continue`` token answers 410, raised as Gone: the feed then lists again from the start.
        """
        token, page = "", 0
        while True:
            query: dict[str, Any] = {"limit": self.page_size, **self.selector}
            if token:
                query["continue"] = token
            body = self.cluster.request("GET", self.path, query)
            meta = body.get("metadata") or {}
            token = str(meta.get("continue") or "")
            with collector_paused():
                items = tuple(map(self.parse, body.get("items") or ()))
            yield Snapshot(items, complete=not token, page=page)
            if not token or self.closed:
                return str(meta.get("resourceVersion", ""))
            page += 1


__all__ = ["ALL_NAMESPACES", "PAGE_SIZE", "Gone", "KubeCluster", "ListWatch", "list_contexts", "pod_from_api"]
