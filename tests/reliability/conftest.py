"""Shared by the reliability suites (issue #8): markers, scorecard figures, hostile payloads, a zoo of real
Kubernetes objects (one of every kind with actions) and the helpers that drive the real app to one of them.

Figures for ``scripts/scorecard`` travel in the JUnit XML as properties: every test here records its
``category`` (from its marker) and may record counts (``inputs``, ``mutations_leaked``, ...) itself.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.conftest import BUSYBOX, unique, wait_for
from tests.ui.test_app_live import until
from tui.adapters.docker_engine import DockerEngine
from tui.adapters.errors import NotFound
from tui.adapters.kube_cluster import KubeCluster
from tui.app import PortsideApp
from tui.views.kube_area import KubeArea
from tui.views.live_view import LiveView
from widgets.resource_table import ResourceTable

CATEGORIES = ("fault", "hostile", "census", "secrets")
MARKERS = {
    "fault": "a fault-injection scenario (scorecard: scenarios run / survived)",
    "hostile": "a hostile input (scorecard: bad inputs tried / handled)",
    "census": "a read-only or confirmation census of the action registry",
    "secrets": "secret canaries must never leak",
    "soak": "slow (a 1 GB log): run with PORTSIDE_SOAK=1",
}


def pytest_configure(config: pytest.Config) -> None:
    for name, text in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {text}")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if os.environ.get("PORTSIDE_SOAK") == "1":
        return
    skip = pytest.mark.skip(reason="soak test: run with PORTSIDE_SOAK=1")
    for item in items:
        if item.get_closest_marker("soak") is not None:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _scorecard_category(request: pytest.FixtureRequest, record_property: Any) -> None:
    """Every reliability test says which scorecard line it counts towards."""
    for category in CATEGORIES:
        if request.node.get_closest_marker(category) is not None:
            record_property("category", category)
            return


# ---- hostile text: what a container name, label, log line or event message may carry

OSC52 = "\x1b]52;c;SE9TVElMRS1DTElQQk9BUkQ=\x07"  # writes "HOSTILE-CLIPBOARD" to the clipboard
OSC_TITLE = "\x1b]0;HOSTILE-TITLE\x07"
CSI_RED = "\x1b[31mHOSTILE-RED\x1b[0m"
CSI_DSR = "\x1b[6n"  # asks the terminal to answer with the cursor position (input injection)
OSC8 = "\x1b]8;;https://evil.example/HOSTILE\x07link\x1b]8;;\x07"
DCS = "\x1bPqHOSTILE-DCS\x1b\\"
C1_CSI = "\x9b31mHOSTILE-C1"
BIDI = "HOSTILE\u202eTXT.EXE"
MARKUP_STYLE = "[bold red]HOSTILE-MARKUP[/]"
MARKUP_CLICK = "[@click=app.quit]HOSTILE-CLICK[/]"
MARKUP_BROKEN = "[/]HOSTILE-CLOSE[/unclosed"

PAYLOADS = {
    "osc52": OSC52,
    "osc_title": OSC_TITLE,
    "csi_red": CSI_RED,
    "csi_dsr": CSI_DSR,
    "osc8": OSC8,
    "dcs": DCS,
    "c1_csi": C1_CSI,
    "bidi": BIDI,
    "markup_style": MARKUP_STYLE,
    "markup_click": MARKUP_CLICK,
    "markup_broken": MARKUP_BROKEN,
}
HOSTILE_TEXT = "".join(PAYLOADS.values())

# Byte sequences that only data could have put on the terminal (Textual's own output never holds them).
FORBIDDEN_OUTPUT = {
    "OSC 52 clipboard write": b"\x1b]52;",
    "OSC title": b"HOSTILE-TITLE\x07",
    "data CSI colour": b"\x1b[31mHOSTILE",
    "data CSI device status report": b"\x1b[6n",
    "OSC 8 link to data": b"\x1b]8;;https://evil.example",
    "DCS": b"\x1bPq",
    "C1 control (U+0080-U+009F)": None,  # checked by a pattern, see forbidden_in_output
    "bidi override U+202E": "\u202e".encode(),
    "bidi isolate U+2066-U+2069": None,
}


def forbidden_in_output(data: bytes) -> list[str]:
    """What of FORBIDDEN_OUTPUT appears in bytes written to a terminal."""
    import re

    found = [name for name, marker in FORBIDDEN_OUTPUT.items() if marker is not None and marker in data]
    if re.search(b"\xc2[\x80-\x9f]", data):  # U+0080-U+009F in UTF-8: the C1 controls
        found.append("C1 control (U+0080-U+009F)")
    if re.search(b"\xe2\x81[\xa6-\xa9]", data):
        found.append("bidi isolate U+2066-U+2069")
    return found


def screen_has_no_escape(text: str) -> list[str]:
    """Controls left in text a widget shows (escape, C0 except tab/newline, C1, bidi)."""
    bad = [c for c in text if c == "\x1b" or (ord(c) < 0x20 and c not in "\t\n") or 0x7F <= ord(c) <= 0x9F]
    bad += [c for c in text if c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"]
    return [repr(c) for c in bad]


# ---- a zoo of Kubernetes objects, one of each kind that has actions


def _container(command: str = "sleep 3600", env: list[dict[str, str]] | None = None) -> dict[str, Any]:
    container: dict[str, Any] = {
        "name": "main",
        "image": BUSYBOX,
        "imagePullPolicy": "Never",
        "command": ["sh", "-c", command],
    }
    if env:
        container["env"] = env
    return container


def _template(app: str, **container: Any) -> dict[str, Any]:
    return {
        "metadata": {"labels": {"app": app}},
        "spec": {"terminationGracePeriodSeconds": 1, "containers": [_container(**container)]},
    }


def zoo_manifests(prefix: str) -> dict[str, tuple[str, dict[str, Any]]]:
    """kind -> (API collection path under the namespace, body). Names start with ``prefix``."""
    template = _template(prefix)
    selector = {"matchLabels": {"app": prefix}}
    job_template = _template(prefix)
    job_template["spec"]["restartPolicy"] = "Never"
    return {
        "pods": (
            "/api/v1/namespaces/{ns}/pods",
            {**template, "metadata": {"name": f"{prefix}-pod", "labels": {"app": f"{prefix}-pod"}}},
        ),
        "deployments": (
            "/apis/apps/v1/namespaces/{ns}/deployments",
            {
                "metadata": {"name": f"{prefix}-deploy"},
                "spec": {"replicas": 1, "selector": selector, "template": template},
            },
        ),
        "statefulsets": (
            "/apis/apps/v1/namespaces/{ns}/statefulsets",
            {
                "metadata": {"name": f"{prefix}-sts"},
                "spec": {
                    "replicas": 0,
                    "serviceName": f"{prefix}-svc",
                    "selector": selector,
                    "template": template,
                },
            },
        ),
        "daemonsets": (
            "/apis/apps/v1/namespaces/{ns}/daemonsets",
            {
                "metadata": {"name": f"{prefix}-ds"},
                # a node selector no node has: the daemon set exists but runs nothing (the node is shared)
                "spec": {
                    "selector": selector,
                    "template": {
                        **template,
                        "spec": {**template["spec"], "nodeSelector": {"portside-test": "none"}},
                    },
                },
            },
        ),
        "jobs": (
            "/apis/batch/v1/namespaces/{ns}/jobs",
            {"metadata": {"name": f"{prefix}-job"}, "spec": {"suspend": False, "template": job_template}},
        ),
        "cronjobs": (
            "/apis/batch/v1beta1/namespaces/{ns}/cronjobs",
            {
                "metadata": {"name": f"{prefix}-cron"},
                "spec": {
                    "schedule": "0 0 1 1 *",
                    "suspend": True,
                    "jobTemplate": {"spec": {"template": job_template}},
                },
            },
        ),
        "services": (
            "/api/v1/namespaces/{ns}/services",
            {
                "metadata": {"name": f"{prefix}-svc"},
                "spec": {"selector": {"app": prefix}, "ports": [{"port": 80}]},
            },
        ),
        "configmaps": (
            "/api/v1/namespaces/{ns}/configmaps",
            {"metadata": {"name": f"{prefix}-cm"}, "data": {"setting": "on"}},
        ),
        "secrets": (
            "/api/v1/namespaces/{ns}/secrets",
            {"metadata": {"name": f"{prefix}-secret"}, "stringData": {"password": "not-a-canary"}},
        ),
    }


@pytest.fixture(scope="module")
def kube_zoo(kube_admin: KubeCluster, test_namespace: str) -> Iterator[dict[str, str]]:
    """One object of every namespaced kind with actions, in the session's test namespace: kind -> name.

    ``replicasets`` is the deployment's; ``namespaces`` is the test namespace itself.
    """
    prefix = unique("zoo")
    created: list[str] = []
    names: dict[str, str] = {}
    for kind, (collection, body) in zoo_manifests(prefix).items():
        path = collection.format(ns=test_namespace)
        kube_admin.request("POST", path, body=body)
        created.append(f"{path}/{body['metadata']['name']}")
        names[kind] = body["metadata"]["name"]

    def replicaset() -> str:
        listing = kube_admin.request(
            "GET", f"/apis/apps/v1/namespaces/{test_namespace}/replicasets", {"labelSelector": f"app={prefix}"}
        )
        items = listing.get("items") or []
        return str(items[0]["metadata"]["name"]) if items else ""

    names["replicasets"] = str(wait_for(replicaset, 60, "the deployment's replica set"))
    names["namespaces"] = test_namespace
    yield names
    for path in reversed(created):
        with contextlib.suppress(NotFound):
            kube_admin.request("DELETE", path)


# ---- driving the app to one object


async def select_in_view(pilot: Any, app: PortsideApp, area: str, kind: str | None, name: str) -> LiveView:
    """Show ``area`` (and the Kubernetes ``kind``), wait for the row named ``name`` and put the cursor on it."""
    await until(pilot, lambda: app.screen_stack[0].query(f"#{area}-view ResourceTable"), 30, f"the {area} area")
    await app.action_area(area)
    if area == "kube" and kind is not None:
        await app.screen.query_one(KubeArea).show(kind)
    view = current_view(app, area)
    await until(
        pilot,
        lambda: any(getattr(r, "name", None) == name for r in view.table.records.values()),
        60,
        f"{name} in the {kind or area} view",
    )
    key = next(k for k, r in view.table.records.items() if r.name == name)
    view.table.move_cursor(row=view.table.get_row_index(key))
    view.table.focus()
    await pilot.pause()
    return view


def current_view(app: PortsideApp, area: str) -> LiveView:
    view = app.screen.query_one(f"#{area}-view")
    if isinstance(view, KubeArea):
        return view.current
    assert isinstance(view, LiveView)
    return view


def table_of(view: LiveView) -> ResourceTable:
    return view.table


# No network: the containers here need none, and the sandbox's default bridge may be missing (docker0).
NETWORK_MODE = "none"


@pytest.fixture
def busybox(docker_engine: DockerEngine) -> Iterator[Callable[..., str]]:
    """Create (and start) labelled busybox containers without a network; all are removed after the test."""
    api = docker_engine.api()
    created: list[str] = []

    def create(
        command: str | list[str] = "sleep 3600",
        *,
        name: str | None = None,
        labels: dict[str, str] | None = None,
        start: bool = True,
        **kwargs: Any,
    ) -> str:
        host_config = api.create_host_config(init=True, network_mode=NETWORK_MODE)
        cid = api.create_container(
            BUSYBOX,
            command=command,
            name=name or unique("pt-rel"),
            host_config=host_config,
            labels={"portside-test": "1", **(labels or {})},
            **kwargs,
        )["Id"]
        created.append(cid)
        if start:
            api.start(cid)
        return str(cid)

    yield create
    for cid in created:
        with contextlib.suppress(Exception):
            api.remove_container(cid, force=True)


@pytest.fixture(scope="module")
def docker_zoo(docker_engine: DockerEngine) -> Iterator[dict[str, str]]:
    """One Docker object of each kind with actions, all labelled portside-test=1: kind -> name (or id).

    container: a running busybox; compose: a stack (one container with compose's labels); image: a unique
    tag of busybox; dangling: an untagged image (so that prune has something to show); volume, network.
    """
    api = docker_engine.api()
    prefix = unique("zoo")
    labels = {"portside-test": "1"}
    host_config = api.create_host_config(init=True, network_mode=NETWORK_MODE)
    containers: list[str] = []

    def run(name: str, extra: dict[str, str]) -> str:
        cid = api.create_container(
            BUSYBOX, command="sleep 3600", name=name, host_config=host_config, labels={**labels, **extra}
        )["Id"]
        containers.append(cid)
        api.start(cid)
        return str(cid)

    names = {"container": f"{prefix}-ctr", "compose": f"{prefix}-stack"}
    run(names["container"], {})
    run(
        f"{prefix}-stack-web-1",
        {
            "com.docker.compose.project": names["compose"],
            "com.docker.compose.service": "web",
            "com.docker.compose.container-number": "1",
            "com.docker.compose.oneoff": "False",
        },
    )
    repository = f"portside-test/{prefix}"
    # An image of its own (not one more tag of busybox): a row whose name is this tag, whatever else is tagged.
    api.commit(
        containers[0], repository=repository, tag="census", changes=[f"LABEL portside-test=1 zoo={prefix}-tag"]
    )
    names["image"] = f"{repository}:census"
    dangling = api.commit(containers[0], changes=[f"LABEL portside-test=1 zoo={prefix}"])["Id"]
    names["dangling"] = str(dangling)
    api.create_volume(f"{prefix}-vol", labels=labels)
    names["volume"] = f"{prefix}-vol"
    network = api.create_network(f"{prefix}-net", labels=labels)["Id"]
    names["network"] = f"{prefix}-net"
    yield names
    for cid in containers:
        with contextlib.suppress(Exception):
            api.remove_container(cid, force=True)
    for remove in (
        lambda: api.remove_image(names["image"]),
        lambda: api.remove_image(dangling, force=True),
        lambda: api.remove_volume(names["volume"], force=True),
        lambda: api.remove_network(network),
    ):
        with contextlib.suppress(Exception):
            remove()


# ---- what a screen shows, as text (every widget's content, not only the visible part)


def screen_text(screen: Any) -> str:
    """The text of every Static, Label, DataTable cell, Input value, log line and title of a screen."""
    from textual.widgets import DataTable, Input, Static, Tab

    from widgets.log_view import LogView

    parts: list[str] = [str(getattr(screen, "title_text", ""))]
    for widget in screen.query("*"):
        if isinstance(widget, DataTable):
            parts += [str(label) for label in (c.label for c in widget.columns.values())]
            for row in range(widget.row_count):
                parts += [getattr(cell, "plain", str(cell)) for cell in widget.get_row_at(row)]
        elif isinstance(widget, ResourceTable):  # a Line-API table: its rows, not only the ones drawn
            for row in range(widget.row_count):
                parts += [getattr(cell, "plain", str(cell)) for cell in widget.get_row_at(row)]
        elif isinstance(widget, Input):
            parts.append(widget.value)
        elif isinstance(widget, LogView):
            parts += [line.text for line in widget.buffer]
        elif isinstance(widget, Static | Tab):
            content = widget.render()
            parts.append(getattr(content, "plain", str(content)))
    return "\n".join(parts)
