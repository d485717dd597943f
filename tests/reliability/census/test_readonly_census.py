"""Read-only census (RELIABILITY.md rule 4): with readonly=True, every action of the registry, driven by its key
and by the view's action_act on a real object, and then a random key storm, sends no mutating request and
spawns no engine command line. Checked at the transport: urllib3's urlopen and process spawns."""

from __future__ import annotations

import random
import time
from typing import Any

import pytest
from textual.binding import Binding

from tests.reliability.census.driver import SUBJECTS, back_to_main, drive, subject_name
from tests.reliability.census.spy import TransportSpy
from tests.ui.test_app_live import until
from tui.actions import ACTIONS
from tui.adapters.docker_engine import DockerEngine
from tui.adapters.kube_cluster import KubeCluster
from tui.app import PortsideApp, make_app
from tui.audit import AuditLog

pytestmark = [pytest.mark.census, pytest.mark.docker, pytest.mark.kube, pytest.mark.timeout(1500)]

STORM_KEYS = 2000
STORM_SECONDS = 300  # a budget: on a busy 2-core machine the storm stops early, and says how many keys it pressed
SEED = 8  # the storm is random but repeatable
# Keys the storm leaves out: they end the app (an exit is not a mutation, but it would end the census) or
# suspend the test process.
STORM_EXCLUDED = {"q", "ctrl+q", "ctrl+c", "ctrl+z", "ctrl+p"}
STORM_EXTRA = [*"abcdefghijklmnoprstuvwxyz0123456789", "enter", "escape", "tab", "space", "up", "down", "slash"]


def readonly_app(namespace: str, audit: AuditLog) -> PortsideApp:
    return make_app(
        DockerEngine(), KubeCluster(context="sandbox-admin", namespace=namespace), audit, readonly=True
    )


def storm_keys(app: PortsideApp) -> list[str]:
    """Every key bound anywhere in the app (the app, its views, their screens), plus letters and friends."""
    from tui.views import (
        compose,
        compose_detail,
        containers,
        images,
        kube_area,
        log_screen,
        networks,
        pods,
        volumes,
    )
    from tui.views.kube_resources import KubeResourceView
    from tui.views.live_view import LiveView
    from widgets import detail_screen, dialogs, log_view, prompt

    classes: list[Any] = [
        type(app),
        LiveView,
        containers.ContainersView,
        images.ImagesView,
        volumes.VolumesView,
        networks.NetworksView,
        compose.ComposeView,
        compose_detail.StackScreen,
        pods.PodsView,
        kube_area.KubeArea,
        log_screen.LogScreen,
        log_view.LogView,
        detail_screen.DetailScreen,
        dialogs.ConfirmDialog,
        prompt.PromptDialog,
        *{KubeResourceView.for_kind(kind) for area, kind, _ in SUBJECTS.values() if area == "kube" and kind},
    ]
    keys = {
        key.strip()
        for cls in classes
        for binding in cls.BINDINGS
        if isinstance(binding, Binding)
        for key in binding.key.split(",")
    }
    return sorted((keys | set(STORM_EXTRA)) - STORM_EXCLUDED)


def summary(spy: TransportSpy) -> str:
    return f"requests {spy.leaked}, spawns {spy.leaked_spawns}"


async def test_readonly_no_registry_action_sends_a_mutating_request_or_spawns_an_engine_cli(
    docker_zoo: dict[str, str],
    kube_zoo: dict[str, str],
    test_namespace: str,
    audit: AuditLog,
    record_property: Any,
) -> None:
    zoo = {**docker_zoo, **kube_zoo}
    spy = TransportSpy()
    driven: list[tuple[str, str, str]] = []  # (action, via, audit confirmation or "no record")
    app = readonly_app(test_namespace, audit)
    pressed = 0
    try:
        with spy.installed():
            async with app.run_test(size=(160, 50)) as pilot:
                await until(pilot, lambda: app.area_table("containers").row_count > 0, 60, "the containers")
                for via in ("key", "act"):
                    for spec in ACTIONS.values():
                        if subject_name(spec, zoo) is None:
                            continue
                        record, _ = await drive(pilot, app, spec, zoo, audit, via=via)
                        driven.append((spec.id, via, record["confirmation"] if record else "no record"))
                keys = storm_keys(app)
                rng = random.Random(SEED)
                await app.action_area("containers")
                deadline = time.monotonic() + STORM_SECONDS
                while pressed < STORM_KEYS and time.monotonic() < deadline:
                    await pilot.press(rng.choice(keys))
                    pressed += 1
                await back_to_main(pilot, app, limit=50)
                # What the storm started finishes (or waits on a question that was closed) before the count.
                await until(
                    pilot,
                    lambda: not [w for w in app.workers if w.group == "actions" and w.is_running],
                    30,
                    "the storm's actions to finish",
                )
    finally:  # figures even when the app crashed on the way: what left the process is known regardless
        record_property("actions_driven", len(driven))
        record_property("keys", pressed)
        record_property("requests_seen", len(spy.requests))
        record_property("mutations_leaked", len(spy.leaked) + len(spy.leaked_spawns))
    assert spy.requests, "the spy saw no request at all: it is not installed where the clients send"
    assert pressed >= 300, f"only {pressed} keys of the storm were pressed in {STORM_SECONDS}s"
    assert not spy.leaked and not spy.leaked_spawns, summary(spy)
    not_refused = [(a, via, c) for a, via, c in driven if ACTIONS[a].mutates and c != "refused"]
    assert not not_refused, f"mutating actions the gateway did not refuse and audit: {not_refused}"
