"""Drive one registry action of the real app on a real object: by its key or by the view's ``action_act``.

Questions the action asks first (a command, a replica count, a secret's key) get a plausible answer; a
confirmation gets its word typed, as a determined user would; other screens it opens are closed again.
"""

from __future__ import annotations

import time
from typing import Any

from textual.widgets import Input

from tests.reliability.conftest import select_in_view
from tests.ui.test_app_live import until
from tui.actions import ActionSpec
from tui.app import PortsideApp
from tui.audit import AuditLog
from tui.views.kube_area import KubeArea
from tui.views.live_view import LiveView
from widgets.dialogs import ConfirmDialog
from widgets.prompt import PromptDialog

# registry kind -> (area, Kubernetes kind or None, key of the object in docker_zoo / kube_zoo)
SUBJECTS: dict[str, tuple[str, str | None, str]] = {
    "container": ("containers", None, "container"),
    "image": ("images", None, "image"),
    "volume": ("volumes", None, "volume"),
    "network": ("networks", None, "network"),
    "compose": ("compose", None, "compose"),
    "log": ("containers", None, "container"),  # a container's log screen
    "manifest": ("kube", "pods", "pods"),  # the Kubernetes area applies manifest files
    **{
        kind: ("kube", f"{kind}s", f"{kind}s")
        for kind in (
            "pod",
            "deployment",
            "statefulset",
            "daemonset",
            "replicaset",
            "job",
            "cronjob",
            "service",
            "configmap",
            "secret",
            "namespace",
        )
    },
}
# Actions that live on a screen the view opens first: the key that opens it.
PRELUDE = {"log": "l"}
ANSWERS = {"container.exec": "ls /", "secret.reveal": "password"}  # else "1" (replicas) or the suggested value


def subject_name(spec: ActionSpec, zoo: dict[str, str]) -> str | None:
    found = SUBJECTS.get(spec.kind)
    return None if found is None else zoo.get(found[2])


async def open_subject(pilot: Any, app: PortsideApp, spec: ActionSpec, zoo: dict[str, str]) -> LiveView:
    area, kind, key = SUBJECTS[spec.kind]
    await back_to_main(pilot, app)
    return await select_in_view(pilot, app, area, kind, zoo[key])


async def back_to_main(pilot: Any, app: PortsideApp, limit: int = 10) -> None:
    """Close screens and dialogs (escape) until the main screen shows."""
    for _ in range(limit):
        if len(app.screen_stack) == 1:
            return
        screen = app.screen
        if isinstance(screen, ConfirmDialog | PromptDialog):
            screen.dismiss(None if isinstance(screen, PromptDialog) else False)
        else:
            app.pop_screen()
        await pilot.pause()
    assert len(app.screen_stack) == 1, f"could not close {app.screen_stack}"


async def answer_until_audited(
    pilot: Any,
    app: PortsideApp,
    spec: ActionSpec,
    audit: AuditLog,
    before: int,
    *,
    timeout: float = 20,
) -> tuple[dict[str, Any] | None, list[str]]:
    """Answer what the action asks until its audit record appears: (the record or None, dialogs seen)."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    answered: set[int] = set()
    while time.monotonic() < deadline:
        records = [r for r in audit.read()[before:] if r["action"] == spec.id]
        if records:
            return records[-1], seen
        screen = app.screen
        if id(screen) not in answered and isinstance(screen, PromptDialog):
            answered.add(id(screen))
            seen.append("prompt")
            box = screen.query_one(Input)
            if not box.value:
                box.value = ANSWERS.get(spec.id, "1")
            await pilot.press("enter")
        elif id(screen) not in answered and isinstance(screen, ConfirmDialog):
            answered.add(id(screen))
            seen.append(f"confirm:{'typed' if screen.typed_word is not None else 'y/N'}")
            if screen.typed_word is not None:
                screen.query_one("#typed", Input).value = screen.typed_word
                await pilot.press("enter")
            else:
                await pilot.press("y")
        await pilot.pause(0.05)
    return None, seen


async def drive(
    pilot: Any,
    app: PortsideApp,
    spec: ActionSpec,
    zoo: dict[str, str],
    audit: AuditLog,
    *,
    via: str,
) -> tuple[dict[str, Any] | None, list[str]]:
    """Select the action's object, trigger the action (``via`` "key" or "act") and answer its questions."""
    view = await open_subject(pilot, app, spec, zoo)
    if spec.kind in PRELUDE:
        await pilot.press(PRELUDE[spec.kind])
        await until(pilot, lambda: len(app.screen_stack) > 1, 30, f"the screen of {spec.kind}")
    before = len(audit.read())
    if via == "key":
        await pilot.press(spec.key)
    elif spec.kind == "manifest":
        app.screen.query_one(KubeArea).action_act(spec.id)
    elif spec.kind == "log":
        await app.run_action("screen.save")
    else:
        view.action_act(spec.id)
    found = await answer_until_audited(pilot, app, spec, audit, before)
    await back_to_main(pilot, app)
    return found
