"""Shared fixtures: the real sandbox engines (scripts/sandbox up) and a bounded wait helper."""

from __future__ import annotations

import contextlib
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tui.adapters.docker_engine import DockerEngine
from tui.adapters.errors import NotFound
from tui.adapters.kube_cluster import KubeCluster
from tui.audit import AuditLog

BUSYBOX = "portside/busybox:latest"
TEST_LABEL = "portside-test=1"  # on every container and namespace a test creates
STALE_AFTER = 1800  # seconds: what a test created longer ago than this was left by a killed run
SANDBOX_HINT = (
    "the sandbox is not up: run `scripts/sandbox up` and `eval $(scripts/sandbox env)` (scripts/test does both)"
)


def wait_for(condition: Callable[[], object], timeout: float = 30, what: str = "condition") -> object:
    """Poll a blocking condition until it is truthy; fail after ``timeout`` seconds (engines are asynchronous)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.1)


def collect(feed: Any) -> tuple[list[Any], threading.Thread]:
    """Consume a live feed in a thread, as a view's worker does; the test closes the feed and joins."""
    seen: list[Any] = []
    consumer = threading.Thread(target=lambda: seen.extend(feed), daemon=True)
    consumer.start()
    return seen, consumer


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def docker_engine() -> Iterator[DockerEngine]:
    if not os.environ.get("DOCKER_HOST"):
        pytest.fail(SANDBOX_HINT)
    engine = DockerEngine()
    engine.version()  # fails loudly when the engine is down
    # Containers left by an earlier run that was killed before its teardown (older than any live run's):
    for stale in engine.api().containers(all=True, filters={"label": TEST_LABEL}):
        if stale.get("Created", 0) < time.time() - STALE_AFTER:
            with contextlib.suppress(NotFound):
                engine.remove_container(stale["Id"], force=True)
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def kube_admin() -> Iterator[KubeCluster]:
    if not os.environ.get("KUBECONFIG"):
        pytest.fail(SANDBOX_HINT)
    cluster = KubeCluster(context="sandbox-admin")
    cluster.version()
    yield cluster
    cluster.close()


@pytest.fixture(scope="session")
def test_namespace(kube_admin: KubeCluster) -> Iterator[str]:
    """A namespace of this test session; deleted (with everything in it) at the end."""
    stale = kube_admin.request("GET", "/api/v1/namespaces", {"labelSelector": TEST_LABEL})
    for item in stale.get("items") or []:  # left by an earlier run that was killed before its teardown
        created = datetime.fromisoformat(item["metadata"]["creationTimestamp"].replace("Z", "+00:00"))
        if (datetime.now(UTC) - created).total_seconds() < STALE_AFTER:
            continue
        with contextlib.suppress(NotFound):
            kube_admin.request("DELETE", f"/api/v1/namespaces/{item['metadata']['name']}")
    name = unique("portside-test")
    kube_admin.request(
        "POST", "/api/v1/namespaces", body={"metadata": {"name": name, "labels": {"portside-test": "1"}}}
    )

    def service_account_ready() -> bool:
        try:
            path = f"/api/v1/namespaces/{name}/serviceaccounts/default"
            return bool(kube_admin.request("GET", path).get("secrets"))
        except NotFound:
            return False

    wait_for(service_account_ready, 60, "the default service account of the test namespace")
    yield name
    kube_admin.request("DELETE", f"/api/v1/namespaces/{name}")


@pytest.fixture
def container_factory(docker_engine: DockerEngine) -> Iterator[Callable[..., str]]:
    """Create busybox containers through the real engine; all are removed after the test."""
    created: list[str] = []

    def create(
        command: str = "sleep 3600",
        *,
        start: bool = True,
        name: str | None = None,
        port_bindings: dict[int, tuple[str, None]] | None = None,
        **kwargs: object,
    ) -> str:
        api = docker_engine.api()
        # init: tini forwards SIGTERM, so a stop is prompt
        host_config = api.create_host_config(init=True, port_bindings=port_bindings)
        labels = {"portside-test": "1", **kwargs.pop("labels", {})}  # type: ignore[dict-item]
        cid = api.create_container(
            BUSYBOX, command=command, name=name or unique("pt"), host_config=host_config, labels=labels, **kwargs
        )["Id"]
        created.append(cid)
        if start:
            api.start(cid)
        return str(cid)

    yield create
    for cid in created:
        with contextlib.suppress(NotFound):  # the test may have removed it
            docker_engine.remove_container(cid, force=True)


def pod_manifest(name: str, command: str = "sleep 3600") -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"app": "portside-test"}},
        "spec": {
            "terminationGracePeriodSeconds": 1,
            "containers": [
                {"name": "main", "image": BUSYBOX, "imagePullPolicy": "Never", "command": ["sh", "-c", command]}
            ],
        },
    }


@pytest.fixture
def audit(tmp_path: Path) -> AuditLog:
    return AuditLog(tmp_path / "audit.jsonl")
