"""Per frame, no escape byte from data reaches the terminal (RELIABILITY.md rule 6, kubectl CVE-2021-25743).

The real ``portside`` runs in a pseudo-terminal against real objects carrying hostile text: a container (labels,
env, command, compose project, log output), a pod whose log prints the same, and an event with a hostile reason
and message. Keys walk the areas, inspect, describe, YAML, events and logs; every byte the app writes is kept and
searched for what only the data could have put there (OSC 52, a title, a data colour, C1, bidi overrides).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import unique, wait_for
from tests.reliability.conftest import HOSTILE_TEXT, PAYLOADS, forbidden_in_output
from tests.reliability.hostile.terminal import Terminal
from tui.adapters.kube_cluster import KubeCluster

pytestmark = [pytest.mark.hostile, pytest.mark.docker, pytest.mark.kube, pytest.mark.timeout(400)]

# The container prints its first argument (the hostile text) on stdout and stderr, then waits.
PRINT_AND_WAIT = 'printf "%s\\n" "$0"; printf "%s\\n" "$0" >&2; sleep 3600'


@pytest.fixture
def hostile_objects(busybox: Any, kube_admin: KubeCluster, test_namespace: str) -> Iterator[dict[str, str]]:
    """A hostile container, a hostile pod (its log) and a hostile event about that pod."""
    name = unique("hostile")
    busybox(
        ["sh", "-c", PRINT_AND_WAIT, HOSTILE_TEXT],
        name=name,
        labels={"hostile": HOSTILE_TEXT, "com.docker.compose.project": f"{name}{PAYLOADS['markup_style']}"},
        environment=[f"HOSTILE={HOSTILE_TEXT}"],
    )
    pod = unique("hostile-pod")
    ns = test_namespace
    kube_admin.request(
        "POST",
        f"/api/v1/namespaces/{ns}/pods",
        body={
            "metadata": {"name": pod, "annotations": {"hostile": HOSTILE_TEXT}},
            "spec": {
                "terminationGracePeriodSeconds": 1,
                "containers": [
                    {
                        "name": "main",
                        "image": "portside/busybox:latest",
                        "imagePullPolicy": "Never",
                        "command": ["sh", "-c", PRINT_AND_WAIT, HOSTILE_TEXT],
                    }
                ],
            },
        },
    )

    def running() -> bool:
        status = kube_admin.request("GET", f"/api/v1/namespaces/{ns}/pods/{pod}").get("status") or {}
        return status.get("phase") == "Running"

    wait_for(running, 90, "the hostile pod to run")
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    uid = kube_admin.request("GET", f"/api/v1/namespaces/{ns}/pods/{pod}")["metadata"]["uid"]
    kube_admin.request(
        "POST",
        f"/api/v1/namespaces/{ns}/events",
        body={
            "metadata": {"name": unique("hostile-event")},
            "involvedObject": {"kind": "Pod", "name": pod, "namespace": ns, "uid": uid},
            "reason": f"Hostile{PAYLOADS['csi_red']}",
            "message": HOSTILE_TEXT,
            "type": "Warning",
            "count": 1,
            "firstTimestamp": now,
            "lastTimestamp": now,
            "source": {"component": "portside-test"},
        },
    )
    yield {"container": name, "pod": pod}
    kube_admin.request("DELETE", f"/api/v1/namespaces/{ns}/pods/{pod}")


def walk(term: Terminal, objects: dict[str, str]) -> list[str]:
    """Drive the app through every place hostile text shows; the steps taken, for the failure message.

    Each step waits for what its keys draw: text typed before a prompt opens would land on the table as
    action keys (``s`` opens a shell).
    """
    steps: list[str] = []

    def step(what: str, *keys: str, text: str = "", typed: str = "", then: str = "") -> None:
        steps.append(what)
        mark = term.mark()
        for key in keys:
            term.press(key)
        if text:
            term.wait_for(text, since=mark)
        if typed:
            term.type(typed)
        if then:  # what the typed text brings up
            term.wait_for(then, since=mark)

    term.wait_for(objects["container"])
    step("filter the containers", "/", text="filter:", typed=objects["container"])
    step("inspect the hostile container", "enter", "d", text="Summary")
    for tab in ("Env", "Mounts", "Ports", "Networks", "Labels", "JSON"):
        step(f"inspect tab {tab}", "right")
    step("back", "escape")
    step("the container's log", "l", text="HOSTILE-RED")
    step("back", "escape")
    step("the compose area", "3", text="HOSTILE-MARKUP")
    step("the stack's services", "d", text="Stack")
    step("back", "escape")
    step("the kubernetes area", "4", text=objects["pod"])
    step("go to events", ":", text="Go to:", typed="events")
    step("the events", "enter", text="LAST SEEN")
    # The session's namespace holds every test's events: filter to the pod's, so the hostile one is on screen.
    step("the hostile event", "/", text="filter:", typed=objects["pod"], then="HOSTILE-RED")
    step("back to the table", "enter")
    step("go to pods", ":", text="Go to:", typed="pods")
    step("the pods", "enter", text=objects["pod"])
    step("filter the pods", "/", text="filter:", typed=objects["pod"])
    step("describe the hostile pod", "enter", "d", text="Summary")
    for tab in ("Containers", "Events", "YAML"):
        step(f"describe tab {tab}", "right")
    step("back", "escape")
    step("the pod's YAML", "y", text="kind: Pod")
    step("back", "escape")
    step("the pod's log", "l", text="Logs:")
    step("back", "escape")
    return steps


def test_no_escape_sequence_from_data_reaches_the_terminal_in_any_view(
    hostile_objects: dict[str, str], test_namespace: str, tmp_path: Path, record_property: Any
) -> None:
    env = {**os.environ, "PORTSIDE_STATE_DIR": str(tmp_path)}
    term = Terminal(["--context", "sandbox-admin", "--namespace", test_namespace], env, size=(200, 50))
    steps: list[str] = []
    try:
        steps = walk(term, hostile_objects)
    finally:
        code = term.close()
        (tmp_path / "terminal.out").write_bytes(term.output)  # for a look after a failure
    record_property("inputs", len(PAYLOADS))
    output, shown = term.output, term.text()
    leaked = forbidden_in_output(output)
    assert not leaked, f"{leaked} reached the terminal (after: {', '.join(steps)})"
    # The data was really on screen, sanitised (JSON and YAML show an escape as the text "\u001b") and with
    # its markup shown as text:
    assert "HOSTILE-RED" in shown
    assert "[bold red]HOSTILE-MARKUP[/]" in shown and "[@click=app.quit]HOSTILE-CLICK[/]" in shown
    assert code == 0, f"portside exited with {code}"
