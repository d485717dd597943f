"""Paginated list (limit + continue) of ListWatch against the sandbox's real API server, and the pods view on it.

25 Pending pods (a scheduler that does not exist: they cost nothing) in a namespace of this module, listed 10 at
a time: pages of 10, 10 and 5.
"""

from __future__ import annotations

import base64
import contextlib
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import BUSYBOX, collect, unique, wait_for
from tests.ui.test_app_live import table, until
from tui.adapters.docker_engine import DockerEngine
from tui.adapters.errors import NotFound
from tui.adapters.kube_cluster import KubeCluster, ListWatch, pod_from_api
from tui.adapters.models import Deleted, Disconnected, Snapshot
from tui.app import make_app
from tui.audit import AuditLog
from tui.views.live_view import LiveView

PODS = 25
PAGE = 10


def pending_pod(name: str, group: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"app": "portside-test", "group": group}},
        "spec": {
            "schedulerName": "portside-none",  # never scheduled: stays Pending
            "terminationGracePeriodSeconds": 0,
            "containers": [
                {"name": "main", "image": BUSYBOX, "imagePullPolicy": "Never", "command": ["sleep", "1d"]}
            ],
        },
    }


@pytest.fixture(scope="module")
def paging_namespace(kube_admin: KubeCluster) -> Iterator[str]:
    """A namespace of this module with 25 Pending pods p-00..p-24 (group=even/odd); deleted at the end."""
    name = unique("portside-test-paging")
    kube_admin.request(
        "POST", "/api/v1/namespaces", body={"metadata": {"name": name, "labels": {"portside-test": "1"}}}
    )
    try:

        def service_account_ready() -> bool:
            with contextlib.suppress(NotFound):
                path = f"/api/v1/namespaces/{name}/serviceaccounts/default"
                return bool(kube_admin.request("GET", path).get("secrets"))  # pods are refused before its token
            return False

        wait_for(service_account_ready, 60, "the default service account")
        for i in range(PODS):
            body = pending_pod(f"p-{i:02d}", "even" if i % 2 == 0 else "odd")
            kube_admin.request("POST", f"/api/v1/namespaces/{name}/pods", body=body)
        yield name
    finally:
        kube_admin.request("DELETE", f"/api/v1/namespaces/{name}")


class RecordingCluster(KubeCluster):
    """The real cluster, recording the query of every list request (watches excluded)."""

    def __init__(self) -> None:
        super().__init__(context="sandbox-admin")
        self.lists: list[dict[str, Any]] = []

    def request(
        self, method: str, path: str, query: dict[str, Any] | None = None, *args: Any, **kwargs: Any
    ) -> Any:
        if method == "GET" and query and "limit" in query:
            self.lists.append(dict(query))
        return super().request(method, path, query, *args, **kwargs)


def pods_path(namespace: str) -> str:
    return f"/api/v1/namespaces/{namespace}/pods"


def pages_until_complete(seen: list[Any]) -> list[Snapshot[Any]]:
    pages: list[Snapshot[Any]] = []
    for delta in seen:
        assert isinstance(delta, Snapshot), f"a change before the list completed: {delta}"
        pages.append(delta)
        if delta.complete:
            return pages
    return []


def test_first_page_arrives_alone_then_pages_complete_the_list_then_changes_are_watched(
    kube_admin: KubeCluster, paging_namespace: str
) -> None:
    feed = ListWatch(kube_admin, pods_path(paging_namespace), pod_from_api, page_size=PAGE)
    seen: list[Any] = []
    consumer = threading.Thread(target=lambda: seen.extend(feed.paged()), daemon=True)
    consumer.start()
    try:
        wait_for(lambda: pages_until_complete(list(seen)), 30, "the list to complete")
        pages = pages_until_complete(list(seen))
        first = pages[0]
        assert len(first.items) == PAGE and first.page == 0 and not first.complete
        assert [len(p.items) for p in pages] == [10, 10, 5]
        assert [p.page for p in pages] == [0, 1, 2]
        uids = {pod.uid for p in pages for pod in p.items}
        assert len(uids) == PODS
        gone = next(pod for pod in first.items if pod.name == "p-03")
        kube_admin.delete_pod(paging_namespace, "p-03")
        wait_for(lambda: any(isinstance(d, Deleted) and d.key == gone.uid for d in seen), 60, "the delete event")
    finally:
        feed.close()
        consumer.join(10)
    assert not consumer.is_alive(), "close() must end the watch"
    assert not any(isinstance(d, Disconnected) for d in seen)
    kube_admin.request("POST", pods_path(paging_namespace), body=pending_pod("p-03", "odd"))  # as it was


def test_the_selector_is_sent_with_every_page_and_the_server_filters_each(paging_namespace: str) -> None:
    cluster = RecordingCluster()
    feed = ListWatch(cluster, pods_path(paging_namespace), pod_from_api, "group=odd", page_size=5)
    seen: list[Any] = []
    consumer = threading.Thread(target=lambda: seen.extend(feed.paged()), daemon=True)
    consumer.start()
    try:
        wait_for(lambda: pages_until_complete(list(seen)), 30, "the list to complete")
    finally:
        feed.close()
        consumer.join(10)
    pages = pages_until_complete(seen)
    names = sorted(pod.name for p in pages for pod in p.items)
    assert names == [f"p-{i:02d}" for i in range(1, PODS, 2)]  # 12 odd pods: pages of 5, 5, 2
    assert [len(p.items) for p in pages] == [5, 5, 2]
    assert len(cluster.lists) == 3
    assert all(q["labelSelector"] == "group=odd" and q["limit"] == 5 for q in cluster.lists)
    assert "continue" not in cluster.lists[0] and all(q["continue"] for q in cluster.lists[1:])
    cluster.close()


def test_plain_iteration_gets_the_pages_joined_into_one_whole_snapshot(
    kube_admin: KubeCluster, paging_namespace: str
) -> None:
    """Consumers that replace on every Snapshot (the nodes view's pod counts) never see a partial list."""
    feed = ListWatch(kube_admin, pods_path(paging_namespace), pod_from_api, page_size=PAGE)
    seen, consumer = collect(feed)
    try:
        wait_for(lambda: seen, 30, "the first delta")
    finally:
        feed.close()
        consumer.join(10)
    first = seen[0]
    assert isinstance(first, Snapshot) and first.whole
    assert len({pod.uid for pod in first.items}) == PODS


class ExpiringCluster(RecordingCluster):
    """The real cluster; the first continue token is sent back made too old (its resourceVersion compacted away),
    so the API server answers 410 "continue parameter is too old", as after a pause of minutes between pages."""

    def request(
        self, method: str, path: str, query: dict[str, Any] | None = None, *args: Any, **kwargs: Any
    ) -> Any:
        if query and query.get("continue") and not any(q.get("continue") for q in self.lists):
            token = json.loads(base64.urlsafe_b64decode(query["continue"] + "=" * (-len(query["continue"]) % 4)))
            token["rv"] = 1
            query = {
                **query,
                "continue": base64.urlsafe_b64encode(json.dumps(token).encode()).decode().rstrip("="),
            }
        return super().request(method, path, query, *args, **kwargs)


def test_an_expired_continue_token_relists_from_the_first_page(paging_namespace: str) -> None:
    cluster = ExpiringCluster()
    feed = ListWatch(cluster, pods_path(paging_namespace), pod_from_api, page_size=PAGE)
    seen: list[Any] = []
    consumer = threading.Thread(target=lambda: seen.extend(feed.paged()), daemon=True)
    consumer.start()
    try:
        wait_for(lambda: any(isinstance(d, Snapshot) and d.complete for d in seen), 30, "a complete list")
    finally:
        feed.close()
        consumer.join(10)
    assert [(d.page, d.complete) for d in seen[:4]] == [(0, False), (0, False), (1, False), (2, True)]
    assert not any(isinstance(d, Disconnected) for d in seen), "410 is a relist, not a disconnection"
    assert len({pod.uid for d in seen[1:4] for pod in d.items}) == PODS
    assert ["continue" in q for q in cluster.lists] == [False, True, False, True, True]
    cluster.close()


# ---- the pods view, listing page by page


class GatedCluster(KubeCluster):
    """The real cluster, listing pods 10 at a time; a page after the first waits until the test opens the gate.

    ``before_relist`` runs in the feed's thread just before the second list starts (a change the watch will
    never report); ``expire_watch`` makes the first watch start from a compacted version: 410, relist at once.
    """

    def __init__(self, namespace: str) -> None:
        super().__init__(context="sandbox-admin", namespace=namespace)
        self.gate = threading.Event()
        self.lists = 0
        self.expire_watch = False
        self.before_relist: Any = None

    def watch_pods(self, namespace: str | None = None, selector: str = "") -> ListWatch:
        return ListWatch(self, self.pods_path(namespace), pod_from_api, selector, page_size=PAGE)

    def request(
        self, method: str, path: str, query: dict[str, Any] | None = None, *args: Any, **kwargs: Any
    ) -> Any:
        if query and "limit" in query and path.endswith("/pods"):
            if "continue" in query:
                assert self.gate.wait(60), "the test never opened the gate"
            else:
                self.lists += 1
                if self.lists == 2 and self.before_relist is not None:
                    self.before_relist()
        elif query and query.get("watch") == "true" and self.expire_watch:
            self.expire_watch = False
            query = {**query, "resourceVersion": "1"}
        return super().request(method, path, query, *args, **kwargs)


def status_of(view: LiveView) -> str:
    return str(view.query_one(".view-status").render())


async def test_pods_view_says_listing_while_paging_then_the_synced_count(
    paging_namespace: str, tmp_path: Any
) -> None:
    cluster = GatedCluster(paging_namespace)
    app = make_app(DockerEngine(), cluster, AuditLog(tmp_path / "audit.jsonl"))
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("4")
            view = app.screen.query_one("#pods-view", LiveView)
            rows = table(app, "pods")
            await until(pilot, lambda: rows.row_count > 0, 30, "the first page")
            assert rows.row_count == PAGE and view.listing and view.last_updated is None
            assert status_of(view) == "listing… 10 so far"
            cluster.gate.set()
            await until(pilot, lambda: not view.listing, 30, "the list to complete")
            assert rows.row_count == PODS and view.last_updated is not None
            assert status_of(view) == f"{PODS} pods"
    finally:
        cluster.gate.set()
        cluster.close()


async def test_a_relist_keeps_the_rows_until_it_completes_then_drops_those_gone(
    kube_admin: KubeCluster, paging_namespace: str, tmp_path: Any
) -> None:
    """No near-empty table at the first page of a relist; a pod deleted while unwatched goes at its end."""
    cluster = GatedCluster(paging_namespace)
    cluster.gate.set()
    cluster.expire_watch = True
    relisting = threading.Event()

    def delete_unwatched() -> None:  # between the first watch's 410 and the relist: no watch reports it
        kube_admin.delete_pod(paging_namespace, "p-24")
        wait_for(lambda: "p-24" not in {p.name for p in kube_admin.list_pods(paging_namespace)}, 30, "p-24 gone")
        cluster.gate.clear()
        relisting.set()

    cluster.before_relist = delete_unwatched
    app = make_app(DockerEngine(), cluster, AuditLog(tmp_path / "audit.jsonl"))
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("4")
            view = app.screen.query_one("#pods-view", LiveView)
            rows = table(app, "pods")
            await until(pilot, lambda: view.last_updated is not None, 30, "the first list synced")
            await until(pilot, relisting.is_set, 60, "the relist after 410")
            await until(pilot, lambda: view.listing, 30, "the relist's first page")
            assert rows.row_count == PODS, "the first page of a relist must not empty the table"
            assert "p-24" in {p.name for p in rows.records.values()}
            cluster.gate.set()
            await until(pilot, lambda: not view.listing, 30, "the relist to complete")
            assert rows.row_count == PODS - 1
            assert "p-24" not in {p.name for p in rows.records.values()}
            assert status_of(view) == f"{PODS - 1} pods"
    finally:
        cluster.gate.set()
        cluster.close()
        kube_admin.request("POST", pods_path(paging_namespace), body=pending_pod("p-24", "even"))
