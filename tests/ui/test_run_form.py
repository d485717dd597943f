"""The run form in the real app, against the sandbox's real engine: what it creates, what it refuses."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Callable, Iterator
from typing import Any

import docker.errors
import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Input, Select, Static, TextArea
from textual.worker import Worker

from tests.conftest import BUSYBOX, unique
from tests.ui.test_app_live import until
from tui.adapters.docker_engine import DockerEngine
from tui.adapters.docker_run import RunSpec
from tui.adapters.kube_cluster import KubeCluster
from tui.app import PortsideApp, make_app
from tui.audit import AuditLog
from tui.views.live_view import LiveView
from tui.views.run_form import RunForm, run_from_form


class SpyEngine(DockerEngine):
    """The real engine, recording the runs that reached it."""

    def __init__(self) -> None:
        super().__init__()
        self.runs: list[RunSpec] = []

    def run_container(self, spec: RunSpec) -> str:
        self.runs.append(spec)
        return super().run_container(spec)


@pytest.fixture
def made(docker_engine: DockerEngine) -> Iterator[Callable[[str], str]]:
    """Names of containers and volumes a test may create through the form; removed afterwards."""
    names: list[str] = []

    def register(name: str) -> str:
        names.append(name)
        return name

    yield register
    for name in names:
        holder = docker_engine.container_using_name(name)
        if holder is not None:
            docker_engine.remove_container(holder, force=True)
    for name in names:
        with contextlib.suppress(docker.errors.NotFound):
            docker_engine.api().remove_volume(name)


def free_loopback_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def app_with(engine: DockerEngine, audit: AuditLog, *, readonly: bool = False) -> PortsideApp:
    return make_app(engine, KubeCluster(context="sandbox-admin"), audit, readonly=readonly)


async def open_form(pilot: Pilot[Any], app: PortsideApp, engine: DockerEngine, image: str | None) -> Worker[None]:
    """What the `n` key does in the images and containers views: run_from_form in a worker of the view."""
    view = app.screen.query_one("#containers-view", LiveView)
    worker = view.run_worker(run_from_form(view, engine, image), group="actions", exit_on_error=False)
    await pilot.pause()
    return worker


def text_of(form: RunForm, selector: str) -> str:
    return str(form.query_one(selector, Static).render())


async def test_run_form_creates_the_container_it_describes(
    docker_engine: DockerEngine, made: Callable[[str], str], audit: AuditLog
) -> None:
    name, volume, port = made(unique("pt-form")), made(unique("pt-form-vol")), free_loopback_port()
    engine = DockerEngine()
    app = app_with(engine, audit)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_form(pilot, app, engine, BUSYBOX)
        await until(pilot, lambda: isinstance(app.screen, RunForm), what="the run form")
        form = app.screen
        assert isinstance(form, RunForm)
        assert form.query_one("#image", Input).value == BUSYBOX  # prefilled from the image
        await pilot.press(*name)  # the name field has the focus
        form.query_one("#hostname", Input).value = "web-1"
        form.query_one("#command", Input).value = "httpd -f -p 80"
        form.query_one("#publish", Input).value = f"127.0.0.1:{port}:80"
        form.query_one("#volumes", Input).value = f"{volume}:/data"
        form.query_one("#env", TextArea).text = "MODE=demo\nAPI_TOKEN=s3cret\n"
        form.query_one("#restart", Select).value = "always"
        await pilot.pause()
        preview = text_of(form, "#preview")
        assert preview == (
            f"$ docker run --detach --name {name} --hostname web-1 --publish 127.0.0.1:{port}:80"
            f" --volume {volume}:/data --env MODE=demo --env 'API_TOKEN=***' --restart always {BUSYBOX}"
            " httpd -f -p 80"
        )
        run = form.query_one("#run", Button)
        assert run.region.bottom <= 24 and not run.disabled  # reachable at 80x24
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not isinstance(app.screen, RunForm), what="the form to close")
        await until(pilot, lambda: audit.read(), what="the audit record of the run")
    info = docker_engine.api().inspect_container(name)
    assert info["State"]["Running"]
    assert info["Config"]["Hostname"] == "web-1"
    assert {"MODE=demo", "API_TOKEN=s3cret"} <= set(info["Config"]["Env"])
    assert info["HostConfig"]["PortBindings"] == {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(port)}]}
    assert info["HostConfig"]["RestartPolicy"]["Name"] == "always"
    assert [(m["Type"], m["Name"], m["Destination"]) for m in info["Mounts"]] == [("volume", volume, "/data")]
    (record,) = audit.read()
    assert (record["action"], record["objects"], record["confirmation"], record["result"]) == (
        "image.run",
        [BUSYBOX],
        "none",
        "ok",
    )
    assert "s3cret" not in audit.path.read_text()


async def test_run_form_shows_problems_inline_and_will_not_submit_them(
    docker_engine: DockerEngine,
    container_factory: Callable[..., str],
    made: Callable[[str], str],
    audit: AuditLog,
) -> None:
    taken = unique("pt-taken")
    holder = container_factory(name=taken)
    spy = SpyEngine()
    app = app_with(spy, audit)
    async with app.run_test(size=(80, 24)) as pilot:
        worker = await open_form(pilot, app, spy, None)
        await until(pilot, lambda: isinstance(app.screen, RunForm), what="the run form")
        form = app.screen
        assert isinstance(form, RunForm)
        await until(pilot, lambda: "an image is needed" in text_of(form, "#image-error"), what="the form checked")
        form.query_one("#image", Input).value = "portside/absent:never"
        form.query_one("#name", Input).value = taken
        form.query_one("#publish", Input).value = "127.0.0.1:8080:99999"
        form.query_one("#env", TextArea).text = "NOVALUE"
        await until(
            pilot,
            lambda: (
                "pull it first" in text_of(form, "#image-error")
                and f"container {holder[:12]}" in text_of(form, "#name-error")
            ),
            what="the engine's answers under the image and the name",
        )
        assert "out of range" in text_of(form, "#publish-error")
        assert "expected KEY=VALUE" in text_of(form, "#env-error")
        assert form.query_one("#run", Button).disabled
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form  # still open, nothing sent
        form.query_one("#image", Input).value = BUSYBOX
        form.query_one("#name", Input).value = made(unique("pt-fixed"))
        form.query_one("#publish", Input).value = ""
        form.query_one("#env", TextArea).text = ""
        await until(pilot, lambda: not form.query_one("#run", Button).disabled, what="the form to become valid")
        form.query_one("#name", Input).focus()
        await pilot.press("enter")  # Enter moves to the next field; it never runs
        assert app.screen is form and app.focused is form.query_one("#hostname", Input)
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, RunForm), what="the form to close")
        await worker.wait()
    assert spy.runs == [] and audit.read() == []  # cancelled: nothing ran, nothing to record


async def test_readonly_refuses_run_and_nothing_is_created(docker_engine: DockerEngine, audit: AuditLog) -> None:
    spy = SpyEngine()
    app = app_with(spy, audit, readonly=True)
    async with app.run_test(size=(80, 24)) as pilot:
        worker = await open_form(pilot, app, spy, BUSYBOX)
        await until(pilot, lambda: audit.read() or isinstance(app.screen, RunForm), what="a refusal or a form")
        assert not isinstance(app.screen, RunForm)  # refused at once: no form to fill in for nothing
        await worker.wait()
    assert spy.runs == []
    (record,) = audit.read()
    assert (record["action"], record["objects"], record["confirmation"]) == ("image.run", [BUSYBOX], "refused")
