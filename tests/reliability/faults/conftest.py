"""Fault injection (issue #8) on the sandbox's private fault engines: a second dockerd and a second API server
(`scripts/sandbox faults-up`; `scripts/sandbox up` starts them too), which these tests kill, stop and pause
while other suites keep using the shared engines. Tests marked ``disruptive`` touch shared services (etcd, the
kubelet): they run only when selected with ``-m disruptive``, after everything else.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from textual.pilot import Pilot

from tests.conftest import BUSYBOX, unique, wait_for
from tui.adapters.docker_engine import DockerEngine
from tui.adapters.errors import NotFound
from tui.adapters.kube_cluster import KubeCluster
from tui.app import PortsideApp, make_app
from tui.audit import AuditLog

SANDBOX = Path(__file__).resolve().parents[3] / "scripts" / "sandbox"
STATE = Path(os.environ.get("PORTSIDE_SANDBOX", Path.home() / ".local/state/portside-sandbox"))
FAULT_DOCKER_HOST = os.environ.get("PORTSIDE_FAULTS_DOCKER_HOST", f"unix://{STATE / 'faults/docker.sock'}")
FAULT_KUBECONFIG = os.environ.get("PORTSIDE_FAULTS_KUBECONFIG", str(STATE / "faults.kubeconfig"))
FAULT_CONTEXT = "faults-admin"
ETCD = "http://127.0.0.1:2379"
RECOVERY = 90  # seconds: a restart (up to ~15 s) plus the feed's backoff (at most 30 s) plus a relist
HINT = "the fault engines are not up: run `scripts/sandbox faults-up` (scripts/sandbox up starts them too)"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "disruptive: pauses or stops a shared service (etcd, kubelet)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Disruptive tests stall every other suite for a while: only when asked for by name.
    if "disruptive" in (config.getoption("markexpr", "") or ""):
        return
    skip = pytest.mark.skip(reason="disruptive: run alone with `pytest -m disruptive tests/reliability/faults`")
    for item in items:
        if item.get_closest_marker("disruptive") is not None:
            item.add_marker(skip)


def sandbox(verb: str, name: str, timeout: float = 240) -> None:
    """`scripts/sandbox VERB NAME`: kill, stop, start (waits until it serves), pause or resume one service."""
    done = subprocess.run([str(SANDBOX), verb, name], capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise AssertionError(f"scripts/sandbox {verb} {name} failed:\n{done.stdout}{done.stderr}")


@pytest.fixture(scope="session")
def fault_engines() -> None:
    """Both fault engines answer, or the session fails with how to start them."""
    try:
        DockerEngine(FAULT_DOCKER_HOST).version()
        KubeCluster(FAULT_KUBECONFIG, FAULT_CONTEXT).version()
    except Exception as error:
        pytest.fail(f"{HINT} ({error})")


@pytest.fixture(autouse=True)
def restored(request: pytest.FixtureRequest) -> Iterator[None]:
    """Whatever a test broke is running again before the next one starts, even when the test failed."""
    yield
    names = ["fault-dockerd", "fault-apiserver"]
    if request.node.get_closest_marker("disruptive") is not None:
        with contextlib.suppress(AssertionError):
            sandbox("resume", "etcd")
        names = ["etcd", "kubelet", *names]
    for name in names:
        sandbox("start", name)


@pytest.fixture
def fault_docker(fault_engines: None) -> Iterator[DockerEngine]:
    engine = DockerEngine(FAULT_DOCKER_HOST)
    yield engine
    engine.close()


@pytest.fixture
def fault_containers(fault_docker: DockerEngine) -> Iterator[Callable[..., str]]:
    """Busybox containers on the fault engine (labelled, tini as init so a stop is prompt); removed after."""
    created: list[str] = []

    def create(command: str = "sleep 3600", **host: Any) -> str:
        api = fault_docker.api()
        cid = str(
            api.create_container(
                BUSYBOX,
                command=["sh", "-c", command],
                name=unique("fault"),
                labels={"portside-test": "1"},
                host_config=api.create_host_config(init=True, network_mode="none", **host),
            )["Id"]
        )
        created.append(cid)
        api.start(cid)
        return cid

    yield create
    engine = DockerEngine(FAULT_DOCKER_HOST)
    for cid in created:
        with contextlib.suppress(Exception):  # the engine may have removed it, or be down after a failure
            engine.remove_container(cid, force=True)
    engine.close()


@pytest.fixture
def fault_cluster(fault_engines: None, test_namespace: str) -> Iterator[KubeCluster]:
    """The admin context of the private API server, in the session's test namespace."""
    cluster = KubeCluster(FAULT_KUBECONFIG, FAULT_CONTEXT, test_namespace)
    yield cluster
    cluster.close()


def fresh_cluster(namespace: str, context: str = FAULT_CONTEXT) -> KubeCluster:
    """A new adapter, for the "equals a fresh list" checks."""
    return KubeCluster(FAULT_KUBECONFIG, context, namespace)


def fault_app(
    tmp_path: Path,
    namespace: str,
    *,
    context: str = FAULT_CONTEXT,
    kubeconfig: str | None = None,
    docker: str = FAULT_DOCKER_HOST,
) -> PortsideApp:
    return make_app(
        DockerEngine(docker),
        KubeCluster(kubeconfig or FAULT_KUBECONFIG, context, namespace),
        AuditLog(tmp_path / "audit.jsonl"),
    )


def status_text(app: PortsideApp, selector: str) -> str:
    """The status line of a view (``#containers-view``, ``#pods-view``, ...)."""
    return str(app.screen.query_one(f"{selector} .view-status").render())


async def until_async(
    pilot: Pilot[Any], condition: Callable[[], object], timeout: float = RECOVERY, what: str = ""
) -> None:
    """Like ``until``, for conditions that block (a fresh list): each is run off the event loop."""
    deadline = time.monotonic() + timeout
    last: object = None
    while True:
        last = await asyncio.to_thread(condition)
        if last:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or condition}")
        await pilot.pause(0.2)


def kubeconfig_with(
    path: Path,
    contexts: dict[str, dict[str, Any]],
    clusters: dict[str, dict[str, Any]],
    users: dict[str, dict[str, Any]],
) -> str:
    """A kubeconfig made of the fault kubeconfig's cluster and admin user plus the given extra entries."""
    base = yaml.safe_load(Path(FAULT_KUBECONFIG).read_text())
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": base["clusters"] + [{"name": k, "cluster": v} for k, v in clusters.items()],
        "users": base["users"] + [{"name": k, "user": v} for k, v in users.items()],
        "contexts": base["contexts"] + [{"name": k, "context": v} for k, v in contexts.items()],
        "current-context": FAULT_CONTEXT,
    }
    path.write_text(yaml.safe_dump(doc))
    path.chmod(0o600)
    return str(path)


def fault_ca_data() -> str:
    base = yaml.safe_load(Path(FAULT_KUBECONFIG).read_text())
    return str(base["clusters"][0]["cluster"]["certificate-authority-data"])


# ---- etcd, through its v3 HTTP gateway (Debian's etcd-server has no etcdctl)


def etcd_call(path: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(f"{ETCD}{path}", data=json.dumps(body).encode(), method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        answer: dict[str, Any] = json.loads(response.read())
    return answer


def etcd_revision() -> int:
    key = base64.b64encode(b"portside-fault-probe").decode()
    return int(etcd_call("/v3/kv/range", {"key": key})["header"]["revision"])


def compact_etcd() -> int:
    """Compact etcd's history up to now: a watch from any older resourceVersion gets 410 Gone."""
    revision = etcd_revision()
    etcd_call("/v3/kv/compaction", {"revision": str(revision), "physical": True})
    return revision


def create_pod(admin: KubeCluster, namespace: str, name: str, command: str = "sleep 3600") -> str:
    """A busybox pod through the SHARED API server (it writes to the same etcd); returns its uid."""
    manifest = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"app": "portside-fault"}},
        "spec": {
            "terminationGracePeriodSeconds": 1,
            "containers": [
                {"name": "main", "image": BUSYBOX, "imagePullPolicy": "Never", "command": ["sh", "-c", command]}
            ],
        },
    }
    created = admin.request("POST", f"/api/v1/namespaces/{namespace}/pods", body=manifest)
    return str(created["metadata"]["uid"])


def delete_pod(admin: KubeCluster, namespace: str, name: str) -> None:
    with contextlib.suppress(NotFound):
        admin.request("DELETE", f"/api/v1/namespaces/{namespace}/pods/{name}", body={"gracePeriodSeconds": 0})


def pod_running(admin: KubeCluster, namespace: str, name: str, timeout: float = 90) -> None:
    def running() -> bool:
        pod = admin.request("GET", f"/api/v1/namespaces/{namespace}/pods/{name}")
        return (pod.get("status") or {}).get("phase") == "Running"

    wait_for(running, timeout, f"pod {name} Running")
