"""Confirmation census (RELIABILITY.md rule 5): every destructive or data-loss action of the registry, pressed on
a real object, opens the confirmation showing the exact objects and the CLI; Enter alone never confirms; data
loss needs the typed name; no destructive action sits on a bare printable key, Backspace or Delete."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.binding import Binding
from textual.widgets import Input

from tests.reliability.census.driver import SUBJECTS, back_to_main, open_subject, subject_name
from tests.ui.test_app_live import until
from tui.actions import ACTIONS, ActionSpec, Risk, destructive_ids
from tui.adapters.docker_engine import DockerEngine
from tui.adapters.errors import NotFound
from tui.adapters.kube_cluster import KubeCluster
from tui.app import PortsideApp, make_app
from tui.audit import AuditLog
from tui.views.image_build import PrunePreview
from widgets.dialogs import ConfirmDialog

pytestmark = [pytest.mark.census, pytest.mark.docker, pytest.mark.kube, pytest.mark.timeout(600)]

DANGEROUS = [spec for spec in ACTIONS.values() if spec.risk in (Risk.DESTRUCTIVE, Risk.DATA_LOSS)]
UNSAFE_KEYS = {"backspace", "delete", "enter", "space", "tab"}
KUBE_PATHS = {
    "pods": "/api/v1/namespaces/{ns}/pods/{name}",
    "deployments": "/apis/apps/v1/namespaces/{ns}/deployments/{name}",
    "statefulsets": "/apis/apps/v1/namespaces/{ns}/statefulsets/{name}",
    "daemonsets": "/apis/apps/v1/namespaces/{ns}/daemonsets/{name}",
    "replicasets": "/apis/apps/v1/namespaces/{ns}/replicasets/{name}",
    "jobs": "/apis/batch/v1/namespaces/{ns}/jobs/{name}",
    "cronjobs": "/apis/batch/v1beta1/namespaces/{ns}/cronjobs/{name}",
    "services": "/api/v1/namespaces/{ns}/services/{name}",
    "configmaps": "/api/v1/namespaces/{ns}/configmaps/{name}",
    "secrets": "/api/v1/namespaces/{ns}/secrets/{name}",
    "namespaces": "/api/v1/namespaces/{name}",
}


def bare_key(key: str) -> bool:
    """A key one touch away from a mistake: a single printable character, or Backspace/Delete/Enter/..."""
    return any(len(k.strip()) == 1 or k.strip() in UNSAFE_KEYS for k in key.split(","))


def test_no_destructive_action_is_bound_to_a_bare_key_backspace_or_delete() -> None:
    from tui.views import compose, compose_detail, containers, images, networks, pods, volumes
    from tui.views.kube_resources import KubeResourceView

    classes: list[Any] = [
        containers.ContainersView,
        images.ImagesView,
        volumes.VolumesView,
        networks.NetworksView,
        compose.ComposeView,
        compose_detail.StackScreen,
        pods.PodsView,
        *(KubeResourceView.for_kind(kind) for area, kind, _ in SUBJECTS.values() if area == "kube" and kind),
    ]
    bound = [
        (cls.__name__, binding.key, binding.id)
        for cls in classes
        for binding in cls.BINDINGS
        if isinstance(binding, Binding)
    ]
    dangerous_ids = {spec.id for spec in DANGEROUS}
    in_registry = [(s.id, s.key) for s in DANGEROUS if bare_key(s.key)]
    in_views = [b for b in bound if b[2] in dangerous_ids and bare_key(b[1])]
    # An action bound under another id (a view's own Binding running act('...remove')) counts too.
    by_action = [
        (cls.__name__, b.key, b.action)
        for cls in classes
        for b in cls.BINDINGS
        if isinstance(b, Binding) and any(f"'{i}'" in b.action for i in dangerous_ids) and bare_key(b.key)
    ]
    assert DANGEROUS and bound
    assert not in_registry and not in_views and not by_action, (in_registry, in_views, by_action)


def exists_check(
    spec: ActionSpec, zoo: dict[str, str], docker: DockerEngine, kube: KubeCluster, namespace: str
) -> Callable[[], bool]:
    """Whether the action's object still exists (and a container still runs)."""
    api = docker.api()
    area, kind, key = SUBJECTS[spec.kind]
    name = zoo[key]
    if kind is not None:
        path = KUBE_PATHS[kind].format(ns=namespace, name=name)

        def kube_exists() -> bool:
            try:
                found = kube.request("GET", path)
            except NotFound:
                return False
            return not (found.get("metadata") or {}).get("deletionTimestamp")

        return kube_exists
    checks: dict[str, Callable[[], Any]] = {
        "containers": lambda: api.inspect_container(name)["State"]["Running"],
        "compose": lambda: api.containers(filters={"label": f"com.docker.compose.project={name}"}),
        "images": lambda: api.inspect_image(name) and api.inspect_image(zoo["dangling"]),
        "volumes": lambda: api.inspect_volume(name),
        "networks": lambda: api.inspect_network(name),
    }

    def docker_exists() -> bool:
        try:
            return bool(checks[area]())
        except Exception:
            return False

    return docker_exists


async def open_confirmation(pilot: Any, app: PortsideApp, spec: ActionSpec) -> ConfirmDialog:
    """Press the action's key (and, for image prune, get past its preview with Continue)."""
    await pilot.press(spec.key)
    await until(
        pilot, lambda: isinstance(app.screen, ConfirmDialog | PrunePreview), 30, f"the dialog of {spec.id}"
    )
    if isinstance(app.screen, PrunePreview):
        await pilot.press("enter")  # the preview's default is Cancel
        await until(pilot, lambda: not isinstance(app.screen, PrunePreview), 10, "the preview to close")
        assert not isinstance(app.screen, ConfirmDialog), "enter on the prune preview went on"
        await pilot.press(spec.key)
        await until(pilot, lambda: isinstance(app.screen, PrunePreview), 30, "the preview again")
        await pilot.click("#continue")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), 30, f"the confirmation of {spec.id}")
    dialog = app.screen
    assert isinstance(dialog, ConfirmDialog)
    return dialog


async def test_every_destructive_action_asks_enter_never_confirms_and_data_loss_needs_the_typed_name(
    docker_zoo: dict[str, str],
    kube_zoo: dict[str, str],
    docker_engine: DockerEngine,
    kube_admin: KubeCluster,
    test_namespace: str,
    audit: AuditLog,
    record_property: Any,
) -> None:
    zoo = {**docker_zoo, **kube_zoo}
    problems: list[str] = []
    unconfirmed = 0
    checked = 0
    app = make_app(DockerEngine(), KubeCluster(context="sandbox-admin", namespace=test_namespace), audit)
    async with app.run_test(size=(160, 50)) as pilot:
        await until(pilot, lambda: app.area_table("containers").row_count > 0, 60, "the containers")
        for spec in DANGEROUS:
            name = subject_name(spec, zoo)
            if name is None:
                problems.append(f"{spec.id}: no view to drive it from")
                continue
            exists = exists_check(spec, zoo, docker_engine, kube_admin, test_namespace)
            assert exists(), f"{spec.id}: {name} is missing before the test"
            await open_subject(pilot, app, spec, zoo)
            dialog = await open_confirmation(pilot, app, spec)
            checked += 1
            shown = "\n".join(dialog.objects)
            if spec.id.endswith("prune"):
                expected = zoo["dangling"][7:19] if spec.kind == "image" else name
            else:
                expected = name
            if expected not in shown:
                problems.append(f"{spec.id}: the dialog lists {dialog.objects}, not {expected}")
            if not dialog.cli.startswith(spec.cli.split("{")[0]) or (
                "{names}" in spec.cli and not spec.id.endswith("prune") and name not in dialog.cli
            ):
                problems.append(f"{spec.id}: the dialog's CLI is {dialog.cli!r}")
            typed = dialog.typed_word is not None
            if spec.risk is Risk.DATA_LOSS and not typed:
                problems.append(f"{spec.id}: data loss confirmed by y/N, not by the typed name")
            await pilot.press("enter")
            await pilot.pause()
            if typed:
                assert isinstance(app.screen, ConfirmDialog), f"{spec.id}: enter closed a typed confirmation"
                app.screen.query_one("#typed", Input).value = dialog.typed_word + "x"  # type: ignore[operator]
                await pilot.press("enter", "y")
                await pilot.pause()
                assert isinstance(app.screen, ConfirmDialog), f"{spec.id}: a wrong name or y confirmed"
                await pilot.press("escape")
            await until(pilot, lambda: not isinstance(app.screen, ConfirmDialog), 10, "the dialog to close")
            await until(
                pilot,
                lambda s=spec: any(r["action"] == s.id for r in audit.read()),  # type: ignore[misc]
                10,
                f"the audit record of {spec.id}",
            )
            results = [r["result"] for r in audit.read() if r["action"] == spec.id]
            if "ok" in results or not exists():
                unconfirmed += 1
                problems.append(f"{spec.id}: performed without its confirmation ({results})")
            await back_to_main(pilot, app)
    record_property("destructive_actions_checked", checked)
    record_property("unconfirmed_destructive", unconfirmed)
    assert checked == len(DANGEROUS) and not problems, "\n".join(problems)


async def test_scaling_a_deployment_to_zero_needs_the_typed_name(
    kube_zoo: dict[str, str], kube_admin: KubeCluster, test_namespace: str, audit: AuditLog
) -> None:
    spec = ACTIONS["deployment.scale"]
    app = make_app(DockerEngine(), KubeCluster(context="sandbox-admin", namespace=test_namespace), audit)
    async with app.run_test(size=(160, 50)) as pilot:
        await open_subject(pilot, app, spec, kube_zoo)
        await pilot.press(spec.key)
        await until(pilot, lambda: app.screen.query(Input), 10, "the replicas prompt")
        app.screen.query_one(Input).value = "0"
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), 10, "the confirmation")
        assert app.screen.typed_word == kube_zoo["deployments"]  # type: ignore[attr-defined]
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("escape")
        await until(pilot, lambda: any(r["action"] == spec.id for r in audit.read()), 10, "the audit record")
    path = f"/apis/apps/v1/namespaces/{test_namespace}/deployments/{kube_zoo['deployments']}"
    assert kube_admin.request("GET", path)["spec"]["replicas"] == 1
    assert [r["result"] for r in audit.read()] == ["declined"]


def test_a_config_file_cannot_put_a_destructive_action_on_a_bare_key_backspace_or_delete(tmp_path: Path) -> None:
    """Remapping keys from the config (``[keys]``) must not undo rule 5: such a mapping is a warning, ignored."""
    from tui.config import load_config

    remaps = {"container.remove": "delete", "volume.remove": "x", "namespace.delete": "backspace"}
    path = tmp_path / "config.toml"
    path.write_text("[keys]\n" + "".join(f'"{action}" = "{key}"\n' for action, key in remaps.items()))
    config = load_config(path)
    config.check(themes=set(), binding_ids=set(ACTIONS), is_colour=lambda _: True, guarded=destructive_ids())
    kept = {action: key for action, key in config.keys.items() if action in remaps}
    assert not kept, f"destructive actions remapped to bare keys: {kept}"
    assert len(config.warnings) >= len(remaps), config.warnings
