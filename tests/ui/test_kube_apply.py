"""Apply a manifest (f) and edit in $EDITOR (e), driven by Pilot against the sandbox's real cluster."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Input

from tests.conftest import unique, wait_for
from tests.integration.test_kube_apply import deployment_yaml
from tests.ui.test_app_live import app_for, until
from tui.adapters.kube_apply import apply_document
from tui.adapters.kube_cluster import KubeCluster
from tui.adapters.kube_manifest import parse_manifest
from tui.app import PortsideApp
from tui.audit import AuditLog
from tui.views.kube_apply import PlanScreen, ReopenDialog
from tui.views.kube_area import KubeArea
from widgets.dialogs import ConfirmDialog
from widgets.prompt import PromptDialog
from widgets.resource_table import ResourceTable

EXAMPLE = Path(__file__).parents[2] / "examples" / "manifests" / "web.yaml"


@pytest.fixture
def cluster(test_namespace: str) -> Iterator[KubeCluster]:
    found = KubeCluster(context="sandbox-admin", namespace=test_namespace)
    yield found
    found.close()


def plan_cells(screen: PlanScreen) -> list[list[str]]:
    table = screen.query_one("#plan-table", DataTable)
    return [[cell.plain for cell in table.get_row_at(n)] for n in range(table.row_count)]


def deployments(app: PortsideApp) -> ResourceTable:
    return app.screen.query_one("#deployments-view ResourceTable", ResourceTable)


def deployment(app: PortsideApp, name: str) -> Any:
    return next((r for r in deployments(app).records.values() if r.name == name), None)


async def open_plan(app: PortsideApp, pilot: Any, path: Path) -> PlanScreen:
    await pilot.press("4")
    await pilot.press("f")
    await until(
        pilot, lambda: isinstance(app.screen, PromptDialog) and app.screen.query(Input), what="the file prompt"
    )
    app.screen.query_one(Input).value = str(path)
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, PlanScreen), 60, "the plan")
    assert isinstance(app.screen, PlanScreen)
    return app.screen


async def test_a_manifest_applied_through_the_app_reaches_three_of_three_ready(
    cluster: KubeCluster, test_namespace: str, audit: AuditLog, tmp_path: Path
) -> None:
    name = unique("web")
    manifest = tmp_path / "web.yaml"
    manifest.write_text(EXAMPLE.read_text().replace("web", name))
    app = app_for(test_namespace, audit)
    async with app.run_test(size=(120, 40)) as pilot:
        plan = await open_plan(app, pilot, manifest)
        assert plan_cells(plan) == [
            ["create", "Deployment", f"{test_namespace}/{name}", ""],
            ["create", "Service", f"{test_namespace}/{name}", ""],
        ]
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="the gateway's confirmation")
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        assert dialog.cli == f"kubectl apply --server-side --field-manager=portside --filename {manifest}"
        await pilot.press("y")
        await until(
            pilot,
            lambda: isinstance(app.screen, PlanScreen) and app.screen.title_text.startswith("Applied"),
            60,
            "the results",
        )
        assert [row[0] for row in plan_cells(app.screen)] == ["created", "created"]  # type: ignore[arg-type]
        await pilot.press("escape")
        await app.screen.query_one(KubeArea).show("deployments")
        await until(pilot, lambda: deployment(app, name) is not None, 60, "the deployment row")
        await until(
            pilot,
            lambda: (d := deployment(app, name)).desired == 3 and d.ready == 3 and d.available == 3,
            120,
            "3/3 ready",
        )
        view = app.screen.query_one("#deployments-view")
        ready = next(c for c in view.COLUMNS if c.key == "ready")  # type: ignore[attr-defined]
        assert ready.render(deployment(app, name)).plain == "3"
    (record,) = audit.read()
    assert (record["action"], record["objects"], record["result"]) == (
        "manifest.apply",
        [f"Deployment/{name}", f"Service/{name}"],
        "ok",
    )


async def test_a_manifest_with_an_error_shows_it_located_and_cannot_be_applied(
    test_namespace: str, audit: AuditLog, tmp_path: Path
) -> None:
    name = unique("bad")
    manifest = tmp_path / "bad.yaml"
    text = deployment_yaml(name, -1)
    manifest.write_text(f"{text}---\n- not an object\n")
    list_line = len(text.splitlines()) + 2
    app = app_for(test_namespace, audit)
    async with app.run_test(size=(120, 40)) as pilot:
        plan = await open_plan(app, pilot, manifest)
        assert plan_cells(plan) == [["error", "Deployment", f"{test_namespace}/{name}", ""]]
        errors = str(plan.query_one(".plan-errors").render())
        assert f"{manifest}:8: Deployment/{name}: " in errors and "spec.replicas" in errors
        assert f"{manifest}:{list_line}: a document must be a mapping" in errors
        await pilot.press("a")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PlanScreen)  # nothing to confirm: no apply while a document fails
        await pilot.press("escape")
    assert audit.read() == []


async def test_readonly_refuses_apply_before_asking_and_audits_it(test_namespace: str, audit: AuditLog) -> None:
    app = app_for(test_namespace, audit, readonly=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("4")
        await pilot.press("f")
        await until(pilot, audit.read, what="the audit record of the refusal")
        await pilot.pause()
        assert not isinstance(app.screen, PromptDialog | PlanScreen | ConfirmDialog)
    (record,) = audit.read()
    assert (record["action"], record["confirmation"]) == ("manifest.apply", "refused")


# ---- edit in $EDITOR


def editor_script(tmp_path: Path, body: str) -> str:
    """An "editor": a Python script run on the file, as $EDITOR would be."""
    script = tmp_path / "editor.py"
    script.write_text("import sys\nfrom pathlib import Path\npath = Path(sys.argv[1])\n" + body)
    return f"{sys.executable} {script}"


def settled_deployment(cluster: KubeCluster, replicas: int) -> str:
    """A deployment created by apply, once its controller has stopped writing to it."""
    name = unique("edit")
    (document,) = parse_manifest(deployment_yaml(name, replicas), "d.yaml").documents
    apply_document(cluster, document)
    path = f"/apis/apps/v1/namespaces/{cluster.namespace}/deployments/{name}"

    def settled() -> bool:
        raw = cluster.request("GET", path)
        status = raw.get("status") or {}
        return (
            status.get("observedGeneration") == raw["metadata"]["generation"]
            and (status.get("readyReplicas") or 0) == replicas
        )

    wait_for(settled, 120, "the deployment to settle")
    return name


async def select_deployment(app: PortsideApp, pilot: Any, name: str) -> None:
    await pilot.press("4")
    await app.screen.query_one(KubeArea).show("deployments")
    await until(pilot, lambda: deployment(app, name) is not None, 60, "the deployment row")
    rows = deployments(app)
    rows.move_cursor(row=rows.get_row_index(deployment(app, name).uid))


async def test_edit_in_editor_changes_replicas_through_the_gateway(
    cluster: KubeCluster, test_namespace: str, audit: AuditLog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = settled_deployment(cluster, 1)
    replace = (
        "Path(sys.argv[0]).with_name('file.txt').write_text(f'{path} {path.stat().st_mode & 0o777:o}')\n"
        "path.write_text(path.read_text().replace('replicas: 1', 'replicas: 2'))\n"
    )
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", editor_script(tmp_path, replace))
    app = app_for(test_namespace, audit)
    async with app.run_test(size=(120, 40)) as pilot:
        await select_deployment(app, pilot, name)
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, PlanScreen), 60, "the edit's plan")
        assert plan_cells(app.screen)[0][0::3] == ["configure", "spec.replicas"]  # type: ignore[arg-type]
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="the gateway's confirmation")
        await pilot.press("y")
        await until(pilot, lambda: deployment(app, name).desired == 2, 60, "2 replicas desired")
    path = f"/apis/apps/v1/namespaces/{test_namespace}/deployments/{name}"
    assert cluster.request("GET", path)["spec"]["replicas"] == 2
    edited, mode = (tmp_path / "file.txt").read_text().rsplit(" ", 1)
    assert mode == "600" and not Path(edited).parent.exists()  # private, and removed afterwards
    (record,) = audit.read()
    assert (record["action"], record["objects"], record["result"]) == ("deployment.edit", [name], "ok")


@pytest.mark.parametrize(
    "body",
    [
        "path.write_text(path.read_text().replace('replicas: 1', 'replicas: 5'))\nsys.exit(1)\n",
        "path.write_text(path.read_text())\n",
    ],
    ids=["editor-fails", "file-unchanged"],
)
async def test_an_editor_that_fails_or_changes_nothing_applies_nothing(
    body: str,
    cluster: KubeCluster,
    test_namespace: str,
    audit: AuditLog,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    name = settled_deployment(cluster, 1)
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", editor_script(tmp_path, body))
    path = f"/apis/apps/v1/namespaces/{test_namespace}/deployments/{name}"
    version = cluster.request("GET", path)["metadata"]["resourceVersion"]
    app = app_for(test_namespace, audit)
    notices: list[str] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await select_deployment(app, pilot, name)
        await pilot.press("e")
        await until(pilot, lambda: any("nothing applied" in n.message for n in app._notifications), 60, "a notice")
        notices = [n.message for n in app._notifications]
        assert not isinstance(app.screen, PlanScreen | ConfirmDialog)
    assert any("status 1" in n or "no changes" in n for n in notices)
    assert cluster.request("GET", path)["metadata"]["resourceVersion"] == version
    assert audit.read() == []


async def test_an_invalid_edit_is_located_and_offered_back_to_the_editor(
    cluster: KubeCluster, test_namespace: str, audit: AuditLog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = settled_deployment(cluster, 1)
    # The first run breaks the YAML; a second run (after re-open) sees the broken text and records it.
    body = (
        "text = path.read_text()\n"
        "seen = Path(sys.argv[0]).with_name('seen.txt')\n"
        "if seen.exists():\n"
        "    seen.write_text(text)\n"
        "else:\n"
        "    seen.write_text('')\n"
        "    path.write_text(text.replace('replicas: 1', 'replicas: [1'))\n"
    )
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", editor_script(tmp_path, body))
    app = app_for(test_namespace, audit)
    async with app.run_test(size=(120, 40)) as pilot:
        await select_deployment(app, pilot, name)
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, ReopenDialog), 60, "the located error")
        dialog = app.screen
        assert isinstance(dialog, ReopenDialog)
        assert any("(edited):" in p and "YAML syntax error" in p for p in dialog.problems)
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, ReopenDialog) and app.screen is not dialog, 60, "again")
        await pilot.press("escape")
    assert "replicas: [1" in (tmp_path / "seen.txt").read_text()  # the edited text came back, not the original
    assert audit.read() == []


async def test_an_edit_of_an_object_changed_meanwhile_reopens_on_the_fresh_object_keeping_the_edit(
    cluster: KubeCluster, test_namespace: str, audit: AuditLog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = settled_deployment(cluster, 1)
    # First run: someone else changes the object (kubectl annotate) while we edit replicas. Second run (the
    # re-open): record what the editor was given, and save it as is.
    annotate = ["kubectl", "--context", "sandbox-admin", "--namespace", test_namespace]
    annotate += ["annotate", "deployment", name, "touched=meanwhile"]
    body = (
        "import subprocess\n"
        "seen = Path(sys.argv[0]).with_name('seen.txt')\n"
        "if seen.exists():\n"
        "    seen.write_text(path.read_text())\n"
        "else:\n"
        "    seen.write_text('')\n"
        f"    subprocess.run({annotate!r}, check=True, capture_output=True)\n"
        "    path.write_text(path.read_text().replace('replicas: 1', 'replicas: 2'))\n"
    )
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", editor_script(tmp_path, body))
    app = app_for(test_namespace, audit)
    async with app.run_test(size=(120, 40)) as pilot:
        await select_deployment(app, pilot, name)
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, ReopenDialog), 60, "the conflict")
        assert "changed on the server since you opened it" in app.screen.title_text  # type: ignore[attr-defined]
        await pilot.press("e")
        await until(pilot, lambda: any("changes nothing" in n.message for n in app._notifications), 60, "done")
    given = (tmp_path / "seen.txt").read_text()
    assert "touched: meanwhile" in given  # the object as it is now...
    assert "# Your edit was not applied" in given and "#   replicas: 2" in given  # ...and the edit, kept
    live = cluster.request("GET", f"/apis/apps/v1/namespaces/{test_namespace}/deployments/{name}")
    assert live["spec"]["replicas"] == 1 and live["metadata"]["annotations"]["touched"] == "meanwhile"
    assert audit.read() == []
