"""The Volumes and Networks views, driven by Pilot against the sandbox's real Docker engine.

Each view runs in a bare app whose confirmation is PortsideApp's own coroutine: the real ConfirmDialog is
pushed, answered with keys, and what the engine then holds is checked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import Input, Static

import tui.app
from tests.conftest import unique
from tests.integration.test_docker_volumes_networks import Scratch
from tests.ui.test_app_live import until
from themes import DEFAULT_THEME, THEMES
from tui.actions import Gateway, actions_for
from tui.adapters.docker_engine import DockerEngine
from tui.adapters.errors import NotFound
from tui.app import PortsideApp
from tui.audit import AuditLog
from tui.views.live_view import LiveView
from tui.views.networks import NetworksView
from tui.views.volumes import VolumesView
from widgets.detail_screen import DetailScreen
from widgets.dialogs import ConfirmDialog
from widgets.key_bar import KeyBar
from widgets.prompt import PromptDialog
from widgets.resource_table import ResourceTable

ViewFactory = Callable[[DockerEngine, Gateway], LiveView]
VIEWS: dict[str, ViewFactory] = {
    "volume": lambda engine, gateway: VolumesView(engine, gateway, id="volumes-view"),
    "network": lambda engine, gateway: NetworksView(engine, gateway, id="networks-view"),
}


class ViewApp(App[None]):
    """One view in a bare app, with the gateway and confirmation dialog of PortsideApp."""

    CSS_PATH = Path(tui.app.__file__).with_name("app.tcss")
    confirm = PortsideApp.confirm  # the app's own coroutine: pushes the real ConfirmDialog

    def __init__(self, kind: str, engine: DockerEngine, audit: AuditLog, *, readonly: bool = False) -> None:
        super().__init__()
        self.gateway = Gateway(audit, self.confirm, readonly=readonly, announce=self.notify)
        self.view = VIEWS[kind](engine, self.gateway)
        self.messages: list[str] = []

    def compose(self) -> ComposeResult:
        yield self.view
        yield KeyBar()

    def on_mount(self) -> None:
        for theme in THEMES:
            self.register_theme(theme)
        self.theme = DEFAULT_THEME
        self.view.query_one(ResourceTable).focus()

    def notify(self, message: str, **kwargs: Any) -> None:  # type: ignore[override]
        self.messages.append(str(message))
        super().notify(message, **{**kwargs, "markup": False})  # as PortsideApp: external text is not markup


@pytest.fixture
def scratch(docker_engine: DockerEngine) -> Iterator[Scratch]:
    made = Scratch(docker_engine)
    yield made
    made.cleanup()


def rows(app: ViewApp) -> ResourceTable:
    return app.view.table


async def select(pilot: Pilot[Any], app: ViewApp, key: str) -> None:
    table = rows(app)
    await until(pilot, lambda: key in table.records, what=f"the row {key}")
    table.move_cursor(row=table.get_row_index(key))


async def prompt_answer(pilot: Pilot[Any], app: ViewApp, text: str) -> PromptDialog:
    """Type ``text`` into the open prompt and submit it; returns the prompt (still open if refused)."""
    await until(pilot, lambda: isinstance(app.screen, PromptDialog) and app.screen.query(Input), what="the prompt")
    dialog = app.screen
    assert isinstance(dialog, PromptDialog)
    dialog.query_one(Input).value = text
    await pilot.press("enter")
    await pilot.pause()
    return dialog


def prompt_error(dialog: PromptDialog) -> str:
    return str(dialog.query_one(".prompt-error", Static).render())


async def confirm_dialog(pilot: Pilot[Any], app: ViewApp) -> ConfirmDialog:
    await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="the confirmation dialog")
    assert isinstance(app.screen, ConfirmDialog)
    return app.screen


def outcomes(audit: AuditLog) -> list[tuple[str, str, str]]:
    return [(r["action"], r["confirmation"], r["result"]) for r in audit.read()]


# ---- volumes


async def test_volume_create_refuses_a_clash_and_a_bad_name_inline_then_creates_it(
    docker_engine: DockerEngine, scratch: Scratch, audit: AuditLog
) -> None:
    existing = scratch.volume()
    name = scratch.expect_volume(unique("pt-ui-vol"))
    app = ViewApp("volume", DockerEngine(), audit)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: existing in rows(app).records, what="the existing volume")
        await pilot.press("c")
        dialog = await prompt_answer(pilot, app, existing)
        assert "exists already" in prompt_error(dialog) and app.screen is dialog
        dialog = await prompt_answer(pilot, app, "-" + name)
        assert "start with a letter or a digit" in prompt_error(dialog) and app.screen is dialog
        await prompt_answer(pilot, app, name)
        await until(pilot, lambda: name in rows(app).records, what="the created volume's row")
    assert docker_engine.inspect_volume(name)["Name"] == name
    assert outcomes(audit) == [("volume.create", "none", "ok")]


async def test_volume_remove_needs_the_typed_name_then_removes_it_from_the_engine(
    docker_engine: DockerEngine, scratch: Scratch, audit: AuditLog
) -> None:
    name = scratch.volume()
    app = ViewApp("volume", DockerEngine(), audit)
    async with app.run_test(size=(120, 40)) as pilot:
        await select(pilot, app, name)
        await pilot.press("ctrl+d")
        dialog = await confirm_dialog(pilot, app)
        assert dialog.typed_word == name and dialog.cli == f"docker volume rm {name}"
        await pilot.press("y", "enter")  # "y" is only a letter here: "y" is not the name
        assert app.screen is dialog
        await pilot.press("backspace", *name, "enter")
        await until(pilot, lambda: name not in rows(app).records, what="the row to go")
        await until(pilot, lambda: audit.read(), what="the removal's audit record")
    with pytest.raises(NotFound):
        docker_engine.inspect_volume(name)
    assert outcomes(audit) == [("volume.remove", "typed", "ok")]


async def test_volume_prune_confirmation_lists_the_unused_volumes_and_declining_keeps_them(
    docker_engine: DockerEngine, scratch: Scratch, audit: AuditLog
) -> None:
    unused = scratch.volume("pt-unused")
    used = scratch.volume("pt-used")
    scratch.container(volume=used, start=False)
    app = ViewApp("volume", DockerEngine(), audit)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: {unused, used} <= set(rows(app).records), what="both volumes")
        await pilot.press("ctrl+o")
        dialog = await confirm_dialog(pilot, app)
        # The preview: the unused volume will go, the used one will not (other tests' volumes may show too).
        assert unused in dialog.objects and used not in dialog.objects
        assert dialog.typed_word is not None and dialog.cli == "docker volume prune --force"
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, ConfirmDialog), what="the dialog to close")
    assert docker_engine.inspect_volume(unused) and docker_engine.inspect_volume(used)
    assert outcomes(audit) == [("volume.prune", "declined", "declined")]


async def test_volume_inspect_shows_summary_users_and_raw_json(
    docker_engine: DockerEngine, scratch: Scratch, audit: AuditLog
) -> None:
    name = scratch.volume()
    _, user = scratch.container(volume=name, start=False)
    app = ViewApp("volume", DockerEngine(), audit)
    async with app.run_test(size=(120, 40)) as pilot:
        await select(pilot, app, name)
        await until(pilot, lambda: rows(app).records[name].users == (user,), what="the user in the row")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, DetailScreen), what="the detail screen")
        detail = app.screen
        assert isinstance(detail, DetailScreen)
        summary, users, raw = detail.sections
        assert ("Mountpoint", rows(app).records[name].mountpoint) in summary.rows
        assert users.title == "Used by (1)" and users.rows == ((user,),)
        assert f'"Name": "{name}"' in raw.text
        await pilot.press("escape")
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, DetailScreen), what="the detail screen on d")
    assert audit.read() == []  # inspecting is not a mutation


# ---- networks


async def test_network_create_then_remove_through_the_app_with_the_yes_no_dialog(
    docker_engine: DockerEngine, scratch: Scratch, audit: AuditLog
) -> None:
    name = scratch.expect_network(unique("pt-ui-net"))
    app = ViewApp("network", DockerEngine(), audit)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: rows(app).row_count >= 3, what="the network list")
        await pilot.press("c")
        dialog = await prompt_answer(pilot, app, "bridge")
        assert "exists already" in prompt_error(dialog)
        await prompt_answer(pilot, app, name)

        def created() -> str | None:
            return next((n.id for n in rows(app).records.values() if n.name == name), None)

        await until(pilot, created, what="the created network's row")
        nid = created()
        assert nid is not None and docker_engine.inspect_network(nid)["Name"] == name
        await select(pilot, app, nid)
        await pilot.press("ctrl+d")
        dialog = await confirm_dialog(pilot, app)
        assert dialog.typed_word is None and dialog.cli == f"docker network rm {name}"
        await pilot.press("enter")  # the default button is No
        await until(pilot, lambda: not isinstance(app.screen, ConfirmDialog), what="the dialog to close")
        assert docker_engine.inspect_network(nid)
        await pilot.press("ctrl+d")
        await confirm_dialog(pilot, app)
        await pilot.press("y")
        await until(pilot, lambda: nid not in rows(app).records, what="the row to go")
        await until(pilot, lambda: len(audit.read()) == 3, what="the removal's audit record")
    with pytest.raises(NotFound):
        docker_engine.inspect_network(nid)
    assert outcomes(audit) == [
        ("network.create", "none", "ok"),
        ("network.remove", "declined", "declined"),
        ("network.remove", "yes_no", "ok"),
    ]


async def test_network_connect_and_disconnect_a_container_through_the_app(
    docker_engine: DockerEngine, scratch: Scratch, audit: AuditLog
) -> None:
    nid = scratch.network()
    cid, container = scratch.container()
    app = ViewApp("network", DockerEngine(), audit)
    async with app.run_test(size=(120, 40)) as pilot:
        await select(pilot, app, nid)
        name = rows(app).records[nid].name
        await pilot.press("plus")
        dialog = await prompt_answer(pilot, app, unique("no-such-container"))
        assert "no container named" in prompt_error(dialog)
        await prompt_answer(pilot, app, container)
        dialog = await confirm_dialog(pilot, app)
        assert dialog.cli == f"docker network connect {name} {container}"
        await pilot.press("y")
        await until(pilot, lambda: rows(app).records[nid].containers == (container,), what="the connected row")
        assert cid in docker_engine.inspect_network(nid)["Containers"]

        await pilot.press("minus")
        await until(pilot, lambda: isinstance(app.screen, PromptDialog), what="the prompt")
        assert container in app.screen.hint  # type: ignore[attr-defined]
        await prompt_answer(pilot, app, container)
        dialog = await confirm_dialog(pilot, app)
        assert dialog.cli == f"docker network disconnect {name} {container}"
        await pilot.press("y")
        await until(pilot, lambda: rows(app).records[nid].containers == (), what="the disconnected row")
    assert docker_engine.inspect_network(nid)["Containers"] == {}
    assert outcomes(audit) == [("network.connect", "yes_no", "ok"), ("network.disconnect", "yes_no", "ok")]


async def test_builtin_network_remove_is_refused_with_a_clear_message_and_no_dialog(
    docker_engine: DockerEngine, audit: AuditLog
) -> None:
    app = ViewApp("network", DockerEngine(), audit)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: any(n.name == "none" for n in rows(app).records.values()), what="none")
        await select(pilot, app, next(n.id for n in rows(app).records.values() if n.name == "none"))
        await pilot.press("ctrl+d")
        await until(pilot, lambda: app.messages, what="the refusal")
        assert not isinstance(app.screen, ConfirmDialog)
    assert app.messages == [
        "none is one of Docker's built-in networks (bridge, host, none): they cannot be removed"
    ]
    assert audit.read() == []
    assert any(n.name == "none" for n in docker_engine.list_networks())


# ---- read-only mode

MUTATIONS = (
    "create_volume",
    "remove_volume",
    "prune_volumes",
    "create_network",
    "remove_network",
    "connect_network",
    "disconnect_network",
)


class SpyEngine(DockerEngine):
    """The real engine, recording every volume or network mutation that reaches it."""

    def __init__(self) -> None:
        super().__init__()
        self.mutations: list[str] = []
        for name in MUTATIONS:
            setattr(self, name, self._recorded(name, getattr(self, name)))

    def _recorded(self, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            self.mutations.append(name)
            return method(*args, **kwargs)

        return call


@pytest.mark.parametrize("kind", ["volume", "network"])
async def test_readonly_refuses_every_mutation_before_any_prompt_and_nothing_reaches_the_engine(
    docker_engine: DockerEngine, scratch: Scratch, audit: AuditLog, kind: str
) -> None:
    key = scratch.volume() if kind == "volume" else scratch.network()  # unused: the prune preview has it
    spy = SpyEngine()
    app = ViewApp(kind, spy, audit, readonly=True)
    specs = actions_for(kind)
    async with app.run_test(size=(120, 40)) as pilot:
        await select(pilot, app, key)
        for done, spec in enumerate(specs, start=1):
            await pilot.press(spec.key)
            await until(pilot, lambda n=done: len(audit.read()) == n, what=f"the refusal of {spec.id}")
            await pilot.pause()
            assert not isinstance(app.screen, PromptDialog | ConfirmDialog), spec.id
        assert key in rows(app).records
    assert spy.mutations == []
    assert [(r["action"], r["confirmation"]) for r in audit.read()] == [(s.id, "refused") for s in specs]
    assert all(message.startswith("read-only mode:") for message in app.messages)
    if kind == "volume":
        assert docker_engine.inspect_volume(key)
    else:
        assert docker_engine.inspect_network(key)
