"""The help screen (`?`) and the command palette (ctrl+p), on the real Docker engine and Kubernetes cluster.

The app is wired here the way tui/app.py wires it: `?` pushes HelpScreen, COMMANDS adds our providers.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from textual.app import App
from textual.binding import Binding
from textual.command import Command, CommandList, CommandPalette
from textual.content import Content
from textual.fuzzy import Matcher
from textual.markup import escape
from textual.pilot import Pilot
from textual.widgets import TabbedContent
from textual.worker import WorkerState

from tests.conftest import unique
from tests.ui.test_app_live import table, until
from tui import app as app_module
from tui.adapters.docker_engine import DockerEngine
from tui.adapters.kube_cluster import KubeCluster
from tui.app import PortsideApp
from tui.audit import AuditLog
from tui.commands import highlight, kube_choices
from tui.help_screen import HelpScreen, verb_table
from tui.views.kube_area import KubeArea
from tui.views.live_view import LiveView
from widgets.dialogs import ConfirmDialog
from widgets.target_bar import TargetBar


class WiredApp(PortsideApp):
    CSS_PATH = str(Path(app_module.__file__).with_name("app.tcss"))  # relative paths resolve from this file
    BINDINGS = [Binding("question_mark", "help", "Help", id="app.help")]

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))


def wired(namespace: str, audit: AuditLog, *, readonly: bool = False) -> WiredApp:
    kube = KubeCluster(context="sandbox-admin", namespace=namespace)
    return WiredApp(DockerEngine(), kube, audit, readonly=readonly)


def gathering(app: App[Any]) -> bool:
    return any(
        w.group == CommandPalette._GATHER_COMMANDS_GROUP and w.state in (WorkerState.PENDING, WorkerState.RUNNING)
        for w in app.workers
    )


async def run_from_palette(pilot: Pilot[Any], query: str, wanted: Callable[[str], bool], what: str) -> None:
    """ctrl+p, type ``query``, wait for a hit whose text satisfies ``wanted``, choose it."""
    app = pilot.app
    await pilot.press("ctrl+p")
    await until(pilot, lambda: isinstance(app.screen, CommandPalette), what="the palette")
    for char in query:
        await pilot.press("space" if char == " " else char)
    options = app.screen.query_one(CommandList)

    def index() -> int | None:
        if gathering(app):
            return None
        for n in range(options.option_count):
            if wanted(str(cast(Command, options.get_option_at_index(n)).hit.text)):
                return n
        return None

    await until(pilot, lambda: index() is not None, 30, what)
    options.highlighted = index()
    await pilot.press("enter")
    await until(pilot, lambda: not isinstance(app.screen, CommandPalette), what="the palette to close")


# ---- help


async def test_question_mark_lists_the_views_keys_with_risk_and_cli_then_the_global_keys_and_closes(
    container_factory: Callable[..., str], test_namespace: str, audit: AuditLog
) -> None:
    cid = container_factory()
    app = wired(test_namespace, audit)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: cid in table(app, "containers").records, what="the container row")
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), what="the help screen")
        help_screen = cast(HelpScreen, app.screen)
        here = help_screen.section("Keys here")
        assert here.title == "Keys here: Containers"
        assert here.row("l") == ("l", "Logs", "", "")
        assert here.row("ctrl+d") == ("ctrl+d", "Remove", "destructive · asks y/N", "docker rm <names>")
        assert here.row("ctrl+x") == (
            "ctrl+x",
            "Remove with volumes",
            "data-loss · asks for the typed name",
            "docker rm --volumes <names>",
        )
        everywhere = help_screen.section("Global keys")
        assert everywhere.row(":") == (":", "Go to")
        assert everywhere.row("?") == ("?", "Help")
        verbs = help_screen.section("Verbs by area")
        columns = verbs.columns
        remove = verbs.row("Remove")
        assert remove is not None
        assert remove[columns.index("Containers")] == remove[columns.index("Images")] == "ctrl+d"
        assert remove[columns.index("ONE KEY")] == "yes"
        stop = verbs.row("Stop")
        assert stop is not None and stop[columns.index("Compose")] == stop[columns.index("Containers")] == "S"
        assert not app.screen.query(".help-warnings")  # no config warnings: no section
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, HelpScreen), what="escape to close the help")
        assert app.focused is table(app, "containers")
        for closer in ("q", "question_mark"):
            await pilot.press("question_mark")
            await until(pilot, lambda: isinstance(app.screen, HelpScreen), what="the help again")
            await pilot.press(closer)
            await until(pilot, lambda: not isinstance(app.screen, HelpScreen), what=f"{closer} to close the help")
        assert app.is_running  # q closed the help, it did not quit


async def test_help_marks_a_remapped_key_and_shows_config_warnings_as_plain_text(
    test_namespace: str, audit: AuditLog
) -> None:
    app = wired(test_namespace, audit)
    async with app.run_test(size=(120, 40)) as pilot:
        app.set_keymap({"container.stop": "ctrl+s"})
        app.config_warnings = ["config.toml:3: unknown key [bold]colour[/bold]"]  # type: ignore[attr-defined]
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), what="the help screen")
        help_screen = cast(HelpScreen, app.screen)
        here = help_screen.section("Keys here")
        assert here.row("ctrl+s *") == (
            "ctrl+s *",
            "Stop (default S)",
            "reversible · asks y/N",
            "docker stop <names>",
        )
        assert here.row("S") is None
        stop = help_screen.section("Verbs by area").row("Stop")
        assert stop is not None and "ctrl+s*" in stop
        warnings = help_screen.section("Configuration warnings")
        assert warnings.rows == (("config.toml:3: unknown key [bold]colour[/bold]",),)
        await pilot.pause()
        assert "[bold]colour[/bold]" in app.export_screenshot()  # shown as typed, not parsed as markup


# ---- palette


async def test_palette_finds_a_container_by_partial_name_and_puts_the_cursor_on_it(
    container_factory: Callable[..., str], test_namespace: str, audit: AuditLog
) -> None:
    name = unique("palweb")
    wanted = container_factory(name=name)
    other = container_factory()
    app = wired(test_namespace, audit)
    async with app.run_test(size=(120, 40)) as pilot:
        rows = table(app, "containers")
        await until(pilot, lambda: wanted in rows.records and other in rows.records, what="the container rows")
        rows.move_cursor(row=rows.get_row_index(other))
        view = app.screen.query_one("#containers-view", LiveView)
        view.set_filter(other[:12])  # the wanted container is filtered out: the palette must still find it
        await until(pilot, lambda: wanted not in rows.records, what="the filter to hide it")
        await pilot.press("1")  # Images: the palette must bring the Containers area back
        partial_name = name.split("-")[1][:6]
        await run_from_palette(pilot, partial_name, lambda t: t.startswith(f"container {name} ("), "the hit")
        areas = app.screen.query_one("#areas", TabbedContent)
        await until(pilot, lambda: areas.active == "containers", what="the Containers area")
        await until(pilot, lambda: rows.selected is not None and rows.selected.key == wanted, what="the cursor")
        assert app.focused is rows
        assert view.filter_text == ""


async def test_palette_goes_to_a_kind_by_short_name(test_namespace: str, audit: AuditLog) -> None:
    app = wired(test_namespace, audit)
    async with app.run_test(size=(120, 40)) as pilot:
        await run_from_palette(pilot, "deploy", lambda t: t == "Go to deployments (deploy)", "the deployments hit")
        kube = app.screen.query_one(KubeArea)
        areas = app.screen.query_one("#areas", TabbedContent)
        await until(pilot, lambda: areas.active == "kube" and kube.kind == "deployments", what="the deployments")
        assert app.focused is kube.current.table


async def test_palette_switches_namespace_then_all_then_context_and_the_bar_follows(
    test_namespace: str, audit: AuditLog
) -> None:
    app = wired("default", audit)
    async with app.run_test(size=(120, 40)) as pilot:
        bar = app.screen.query_one(TargetBar)
        await until(pilot, lambda: bar.kube[1] == "ok" and "sandbox-admin/default" in bar.kube[0], 30, "the bar")
        suffix = test_namespace.rsplit("-", 1)[1][:6]  # part of the name is enough
        await run_from_palette(pilot, suffix, lambda t: t == f"Use namespace {test_namespace}", "the ns hit")
        await until(
            pilot, lambda: f"sandbox-admin/{test_namespace}" in bar.kube[0] and bar.kube[1] == "ok", 30, "the ns"
        )
        await run_from_palette(pilot, "all n", lambda t: t == "All namespaces", "the all-namespaces hit")
        await until(
            pilot, lambda: "sandbox-admin/all namespaces" in bar.kube[0] and bar.kube[1] == "ok", 30, "all ns"
        )
        await run_from_palette(pilot, "viewer", lambda t: t == "Use context sandbox-viewer", "the ctx hit")
        await until(
            pilot, lambda: "sandbox-viewer/portside-view" in bar.kube[0] and bar.kube[1] == "ok", 30, "the context"
        )
        assert app.is_running


def test_a_context_that_may_not_list_namespaces_offers_its_own(kube_admin: KubeCluster) -> None:
    viewer = KubeCluster(context="sandbox-viewer")
    try:
        choices = kube_choices(viewer)
    finally:
        viewer.close()
    assert choices.namespaces == ["portside-view"]  # listing namespaces is forbidden to the viewer
    assert {c.name for c in choices.contexts} >= {"sandbox-admin", "sandbox-viewer"}
    admin = kube_choices(kube_admin)
    assert "kube-system" in admin.namespaces and admin.context == "sandbox-admin"


async def test_an_action_from_the_palette_asks_through_the_gateway_and_declining_changes_nothing(
    docker_engine: DockerEngine, container_factory: Callable[..., str], test_namespace: str, audit: AuditLog
) -> None:
    cid = container_factory()
    app = wired(test_namespace, audit)
    async with app.run_test(size=(120, 40)) as pilot:
        rows = table(app, "containers")
        await until(pilot, lambda: cid in rows.records, what="the container row")
        rows.move_cursor(row=rows.get_row_index(cid))
        name = rows.records[cid].name
        await run_from_palette(pilot, f"stop {name}", lambda t: t == f"Stop container {name}", "the stop hit")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="the confirmation dialog")
        assert cast(ConfirmDialog, app.screen).cli == f"docker stop {name}"
        await pilot.press("n")
        await until(pilot, lambda: not isinstance(app.screen, ConfirmDialog), what="the dialog to close")
    assert docker_engine.get_container(cid).state == "running"  # type: ignore[union-attr]
    assert [(r["action"], r["result"]) for r in audit.read()] == [("container.stop", "declined")]


async def test_in_read_only_mode_a_palette_action_is_listed_but_refused_and_audited(
    docker_engine: DockerEngine, container_factory: Callable[..., str], test_namespace: str, audit: AuditLog
) -> None:
    cid = container_factory()
    app = wired(test_namespace, audit, readonly=True)
    async with app.run_test(size=(120, 40)) as pilot:
        rows = table(app, "containers")
        await until(pilot, lambda: cid in rows.records, what="the container row")
        rows.move_cursor(row=rows.get_row_index(cid))
        name = rows.records[cid].name
        await run_from_palette(pilot, f"kill {name}", lambda t: t == f"Kill container {name}", "the kill hit")
        await until(pilot, audit.read, what="the audit record of the refusal")
        assert not isinstance(app.screen, ConfirmDialog)
    assert docker_engine.get_container(cid).state == "running"  # type: ignore[union-attr]
    assert [(r["action"], r["confirmation"]) for r in audit.read()] == [("container.kill", "refused")]


def test_the_verb_table_says_when_a_remap_breaks_one_key_per_verb() -> None:
    columns = verb_table({}).columns
    assert all(row[columns.index("ONE KEY")] == "yes" for row in verb_table({}).rows)
    stop = verb_table({"container.stop": "ctrl+s"}).row("Stop")
    assert stop is not None
    assert stop[columns.index("Containers")] == "ctrl+s*" and stop[columns.index("Compose")] == "S"
    assert stop[columns.index("ONE KEY")] == "no"


def test_palette_hits_show_names_as_plain_text_never_markup() -> None:
    shown = highlight(Matcher("web"), "container web-[b]1[/b] ($x)")
    assert shown.plain == "container web-[b]1[/b] ($x)"
    assert Content.from_markup(escape("user [red]admin[/red]")).plain == "user [red]admin[/red]"


def test_the_palette_loads_every_provider_of_tui_commands_and_only_those() -> None:
    """The app names its providers (tui.commands is imported when the palette opens, not at start-up)."""
    from tui import commands

    loaded = {load() for load in PortsideApp.COMMANDS - App.COMMANDS if not isinstance(load, type)}
    defined = {
        value
        for value in vars(commands).values()
        if isinstance(value, type)
        and issubclass(value, commands.PortsideProvider)
        and value is not commands.PortsideProvider
        and value.__module__ == commands.__name__
    }
    assert loaded == defined and len(defined) == 5
