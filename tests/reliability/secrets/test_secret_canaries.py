"""Secret canaries (RELIABILITY.md rule 8): unique values in a Secret, in env vars that look secret (a container's
and a pod's) and in a kubeconfig token never show on a screen unless revealed, never reach the audit log and
never appear in a crash report."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.reliability.census.driver import back_to_main
from tests.reliability.conftest import screen_text, select_in_view
from tests.ui.test_app_live import until
from tui.adapters.docker_engine import DockerEngine
from tui.adapters.kube_cluster import KubeCluster
from tui.app import make_app
from tui.audit import AuditLog
from tui.views.kube_area import KubeArea
from widgets.detail_screen import DetailScreen

pytestmark = [pytest.mark.secrets, pytest.mark.docker, pytest.mark.kube, pytest.mark.timeout(300)]


def canary(what: str) -> str:
    return f"CANARY-{what}-{uuid.uuid4().hex}"


def kubeconfig_with_canary_token(tmp_path: Path, token: str) -> str:
    """A copy of the sandbox kubeconfig with one more user (the canary token) and a context using it."""
    config = yaml.safe_load(Path(os.environ["KUBECONFIG"]).read_text())
    config["users"].append({"name": "canary", "user": {"token": token}})
    cluster = config["contexts"][0]["context"]["cluster"]
    config["contexts"].append(
        {"name": "sandbox-canary", "context": {"cluster": cluster, "user": "canary", "namespace": "default"}}
    )
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(config))
    path.chmod(0o600)
    return str(path)


class Leaks:
    """Where each canary was seen; the scorecard counts them."""

    def __init__(self, canaries: dict[str, str]) -> None:
        self.canaries = canaries
        self.found: list[str] = []

    def check(self, where: str, text: str) -> None:
        for what, value in self.canaries.items():
            if value in text:
                self.found.append(f"{what} canary in {where}")


async def walk_detail(pilot: Any, app: Any, key: str, where: str, leaks: Leaks) -> None:
    """Open a detail screen with ``key``, check every tab's content, and go back."""
    await pilot.press(key)
    await until(pilot, lambda: isinstance(app.screen, DetailScreen), 30, f"the {where} screen")
    await pilot.pause()
    leaks.check(where, screen_text(app.screen))
    await back_to_main(pilot, app)


async def test_canaries_never_show_unrevealed_and_never_reach_the_audit_log(
    busybox: Any,
    kube_admin: KubeCluster,
    test_namespace: str,
    tmp_path: Path,
    audit: AuditLog,
    record_property: Any,
) -> None:
    canaries = {name: canary(name) for name in ("secret", "env", "pod-env", "token")}
    leaks = Leaks(canaries)
    container = f"canary-{uuid.uuid4().hex[:8]}"
    busybox(name=container, environment=[f"DB_PASSWORD={canaries['env']}", "PLAIN=visible"])
    pod, secret = f"canary-pod-{uuid.uuid4().hex[:6]}", f"canary-secret-{uuid.uuid4().hex[:6]}"
    ns = test_namespace
    encoded = base64.b64encode(canaries["secret"].encode()).decode()
    kube_admin.request(
        "POST",
        f"/api/v1/namespaces/{ns}/secrets",
        body={"metadata": {"name": secret}, "data": {"password": encoded}},
    )
    kube_admin.request(
        "POST",
        f"/api/v1/namespaces/{ns}/pods",
        body={
            "metadata": {"name": pod},
            "spec": {
                "terminationGracePeriodSeconds": 1,
                "containers": [
                    {
                        "name": "main",
                        "image": "portside/busybox:latest",
                        "imagePullPolicy": "Never",
                        "command": ["sleep", "3600"],
                        "env": [{"name": "DB_PASSWORD", "value": canaries["pod-env"]}],
                    }
                ],
            },
        },
    )
    kubeconfig = kubeconfig_with_canary_token(tmp_path, canaries["token"])
    app = make_app(DockerEngine(), KubeCluster(kubeconfig, "sandbox-admin", ns), audit)
    async with app.run_test(size=(160, 50)) as pilot:
        await select_in_view(pilot, app, "containers", None, container)
        leaks.check("the containers area", screen_text(app.screen))
        await walk_detail(pilot, app, "d", "container inspect", leaks)
        await select_in_view(pilot, app, "kube", "pods", pod)
        leaks.check("the pods area", screen_text(app.screen))
        await walk_detail(pilot, app, "d", "pod describe", leaks)
        await walk_detail(pilot, app, "y", "pod YAML", leaks)
        await select_in_view(pilot, app, "kube", "secrets", secret)
        leaks.check("the secrets area", screen_text(app.screen))
        await walk_detail(pilot, app, "d", "secret details", leaks)
        # Revealed on purpose: shown, audited, and still not in the audit record.
        await pilot.press("v")
        await until(pilot, lambda: app.screen.query("Input"), 10, "the key prompt")
        app.screen.query_one("Input").value = "password"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, DetailScreen), 30, "the revealed value")
        assert canaries["secret"] in screen_text(app.screen), "the reveal did not show the value"
        await back_to_main(pilot, app)
        # A context whose token the server refuses: the errors it causes must not quote the token.
        await app.switch_kube(context="sandbox-canary", namespace=None)
        await until(pilot, lambda: "unreachable" in app.screen.query_one("TargetBar").kube[0], 60, "the 401")  # type: ignore[attr-defined]
        area = app.screen.query_one(KubeArea)
        await until(
            pilot,
            lambda: "unauthorized" in str(area.current.query_one(".view-status").render()).lower(),
            60,
            "the refusal in the pods view",
        )
        leaks.check("the kube area with a refused token", screen_text(app.screen))
        leaks.check("notifications", "\n".join(str(n.message) for n in app._notifications))
    leaks.check("the audit log", audit.path.read_text())
    record_property("canaries", len(canaries))
    record_property("canaries_leaked", len(leaks.found))
    assert any(r["action"] == "secret.reveal" for r in audit.read()), "the reveal was not audited"
    assert not leaks.found, leaks.found


CRASHING_APP = """
import sys
from pathlib import Path

import tui.app
from tui.adapters.docker_engine import DockerEngine
from tui.adapters.kube_cluster import KubeCluster
from tui.app import PortsideApp
from tui.audit import AuditLog

class Crashing(PortsideApp):
    CSS_PATH = str(Path(tui.app.__file__).with_name("app.tcss"))
    if sys.argv[2] == "textual":  # the control: Textual's own report, which prints local variables
        from textual.app import App

        _fatal_error = App._fatal_error

    def on_mount(self) -> None:
        super().on_mount()
        self.call_later(self.explode)

    def explode(self) -> None:
        token = sys.argv[1]  # a secret in a local variable, as a real crash would have
        raise RuntimeError("portside crashed on purpose")

app = Crashing(DockerEngine(), KubeCluster(), AuditLog(), readonly=True)
app.run(headless=True, size=(100, 30))
"""


def crash(tmp_path: Path, token: str, handler: str) -> str:
    """Run an app that raises with ``token`` in a local variable; what it printed on the way out."""
    root = Path(__file__).parents[3]
    env = {**os.environ, "PORTSIDE_STATE_DIR": str(tmp_path), "PYTHONPATH": str(root)}
    script = tmp_path / "crashing_app.py"
    script.write_text(textwrap.dedent(CRASHING_APP))
    done = subprocess.run(
        [sys.executable, str(script), token, handler],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=root,
    )
    return done.stdout + done.stderr


def test_the_crash_report_shows_the_error_but_not_the_local_variables_holding_a_secret(
    tmp_path: Path, record_property: Any
) -> None:
    token = canary("crash")
    report = crash(tmp_path, token, "portside")
    record_property("canaries", 1)
    record_property("canaries_leaked", int(token in report))
    assert "RuntimeError" in report and "crashed on purpose" in report, report[-2000:]
    assert token not in report, "the crash report printed a local variable holding a secret"


def test_the_crash_check_would_see_textuals_default_report_print_the_secret(tmp_path: Path) -> None:
    """The control: with Textual's own handler the same crash prints the local variable."""
    token = canary("crash")
    assert token in crash(tmp_path, token, "textual")
