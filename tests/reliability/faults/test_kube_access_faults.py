"""Kubernetes faults that are not outages of the server: a blackholed network path (a tarpit that accepts and
never answers; a listener whose backlog is full, so connection attempts are dropped as on an unroutable
path, without sending anything off this machine), a revoked token, the viewer's 403s, and a kubeconfig with
broken contexts among good ones. The app must say what is wrong, stay responsive and switch to a good context.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import TabbedContent

from tests.reliability.faults.conftest import (
    FAULT_CONTEXT,
    fault_app,
    fault_ca_data,
    kubeconfig_with,
)
from tests.ui.test_app_live import until
from tui.adapters.errors import Unavailable
from tui.adapters.kube_cluster import KubeCluster, list_contexts
from tui.app import PortsideApp
from tui.views.kube_area import KubeArea
from widgets.target_bar import TargetBar

pytestmark = pytest.mark.fault

TIMEOUT_SHOWN = 30  # the client's connect timeout is 5 s; generous for a loaded 2-core machine


class Tarpit(int):
    """The port, and the connections accepted so far."""

    held: list[socket.socket]


@pytest.fixture
def tarpit() -> Iterator[Tarpit]:
    """A TCP port on loopback that accepts connections and never says a word."""
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    port = Tarpit(server.getsockname()[1])
    port.held = held
    yield port
    stop.set()
    thread.join(5)
    for conn in held:
        conn.close()
    server.close()


@pytest.fixture
def blackhole() -> Iterator[int]:
    """A loopback port whose accept queue is full: the kernel drops new SYNs, so connect() hangs until the
    client's timeout, as towards an unroutable address (which this sandbox may not send packets to)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    fillers = []
    for _ in range(3):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
        fillers.append(filler)
    yield port
    for filler in fillers:
        filler.close()
    server.close()


def current_status(app: PortsideApp) -> str:
    return str(app.screen.query_one(KubeArea).current.query_one(".view-status").render())


def says_why(app: PortsideApp, why: str) -> bool:
    return "kubeconfig" in current_status(app) and why in current_status(app)


async def switch_back_works(app: PortsideApp, pilot: Pilot[Any], namespace: str) -> None:
    """`:ctx faults-admin`: the good context lists pods and the bar says ok."""
    await app.switch_kube(context=FAULT_CONTEXT, namespace=namespace)
    bar = app.screen.query_one(TargetBar)
    view = app.screen.query_one(KubeArea).current
    await until(pilot, lambda: view.last_updated is not None, 30, "the good context's pods")
    await until(pilot, lambda: bar.kube[1] == "ok", 30, "the bar to say ok")


def tarpit_kubeconfig(tmp_path: Path, port: int, namespace: str) -> str:
    return kubeconfig_with(
        tmp_path / "kubeconfig",
        contexts={"tarpit": {"cluster": "tarpit", "user": "admin", "namespace": namespace}},
        clusters={
            "tarpit": {"server": f"https://127.0.0.1:{port}", "certificate-authority-data": fault_ca_data()}
        },
        users={},
    )


def test_a_silent_api_server_costs_one_timeout_not_one_per_hidden_retry(
    tarpit: Tarpit, tmp_path: Path, fault_engines: None
) -> None:
    """urllib3 retries three times by default: each timeout then took four times the client's (20 s, not 5 s)
    before the view could say anything. Counted in connections, not seconds."""
    cluster = KubeCluster(tarpit_kubeconfig(tmp_path, tarpit, "default"), "tarpit", "default")
    with pytest.raises(Unavailable, match="timed out"):
        cluster.list_pods()
    assert len(tarpit.held) == 1


@pytest.mark.parametrize("path", ["tarpit", "blackhole"])
async def test_a_blackholed_api_server_times_out_the_app_stays_responsive_and_switches_context(
    path: str, request: pytest.FixtureRequest, tmp_path: Path, test_namespace: str, fault_engines: None
) -> None:
    kubeconfig = tarpit_kubeconfig(tmp_path, request.getfixturevalue(path), test_namespace)
    app = fault_app(tmp_path, test_namespace, context="tarpit", kubeconfig=kubeconfig)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("4")
        await until(pilot, lambda: "timed out" in current_status(app), TIMEOUT_SHOWN, "a timeout in the view")
        assert "retrying in" in current_status(app)
        # Keys are handled while the feed waits on the dead path.
        areas = app.screen.query_one("#areas", TabbedContent)
        await pilot.press("1")
        await until(pilot, lambda: areas.active == "images", 5, "the images area")
        await pilot.press("4")
        await until(pilot, lambda: areas.active == "kube", 5, "the Kubernetes area")
        await switch_back_works(app, pilot, test_namespace)
        assert app.is_running


async def test_a_revoked_token_and_the_viewers_403_are_shown_and_other_contexts_work(
    tmp_path: Path, test_namespace: str, fault_engines: None
) -> None:
    kubeconfig = kubeconfig_with(
        tmp_path / "kubeconfig",
        contexts={"revoked": {"cluster": "portside-faults", "user": "revoked", "namespace": test_namespace}},
        clusters={},
        users={"revoked": {"token": "revoked-or-expired-token"}},
    )
    app = fault_app(tmp_path, test_namespace, context="revoked", kubeconfig=kubeconfig)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("4")
        await until(pilot, lambda: "Unauthorized" in current_status(app), 30, "unauthorized in the view")
        await switch_back_works(app, pilot, test_namespace)
        await app.switch_kube(context="faults-viewer", namespace="default")
        await until(pilot, lambda: "forbidden" in current_status(app), 30, "the viewer's 403 in the view")
        await app.switch_kube(context="faults-viewer", namespace="portside-view")
        view = app.screen.query_one(KubeArea).current
        await until(pilot, lambda: view.last_updated is not None, 30, "the viewer's own namespace listed")
        assert app.is_running


async def test_broken_contexts_are_listed_each_says_why_and_the_good_ones_work(
    tmp_path: Path, test_namespace: str, fault_engines: None
) -> None:
    kubeconfig = kubeconfig_with(
        tmp_path / "kubeconfig",
        contexts={
            "no-cluster": {"cluster": "missing", "user": "admin", "namespace": test_namespace},
            "bad-ca": {"cluster": "bad-ca", "user": "admin", "namespace": test_namespace},
        },
        clusters={
            "bad-ca": {"server": "https://127.0.0.1:6444", "certificate-authority": str(tmp_path / "no.crt")}
        },
        users={},
    )
    contexts, current = list_contexts(kubeconfig)
    assert {"faults-admin", "no-cluster", "bad-ca"} <= {c.name for c in contexts}
    assert current == FAULT_CONTEXT
    app = fault_app(tmp_path, test_namespace, kubeconfig=kubeconfig)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("4")
        view = app.screen.query_one(KubeArea).current
        await until(pilot, lambda: view.last_updated is not None, 30, "the good context's pods")
        for name, why in (("no-cluster", "missing"), ("bad-ca", "no.crt")):
            await app.switch_kube(context=name, namespace=test_namespace)
            await until(pilot, partial(says_why, app, why), 30, f"why {name} cannot be used")
        await switch_back_works(app, pilot, test_namespace)
        assert app.is_running
