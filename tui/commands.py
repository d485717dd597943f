"""Command palette providers (ctrl+p): every area and kind, every listed resource, the focused view's actions,
and the kube contexts and namespaces.

Each provider builds its commands once, when the palette opens (``startup``; the kube one reads the kubeconfig
and lists namespaces in a thread), and matches them on every key press. Actions run through the view's
``action_act``, so the gateway refuses, confirms and audits them exactly as their keys do. Hits are plain
``Content`` and help texts are escaped: names come from the engines and are never parsed as markup.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from itertools import takewhile
from typing import Any, Protocol, cast

from rich.text import Text
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.dom import DOMNode
from textual.fuzzy import Matcher
from textual.markup import escape
from textual.screen import Screen
from textual.style import Style
from textual.widgets import ContentSwitcher, Input, TabbedContent, TabPane

from tui.actions import ACTIONS, Risk
from tui.adapters.errors import BackendError
from tui.adapters.kube_cluster import ALL_NAMESPACES, KubeCluster, list_contexts
from tui.adapters.kube_resources import KINDS, list_kind
from tui.adapters.models import KubeContext
from tui.help_screen import (
    HelpScreen,
    bound_actions,
    cli_text,
    confirmation_text,
    focused_view,
    key_text,
    keymap_of,
)
from tui.views.compose import ComposeView
from tui.views.kube_area import KubeArea
from tui.views.live_view import LiveView
from widgets.resource_table import Column

YIELD_EVERY = 200  # candidates matched between two yields to the event loop (thousands of pods stay fluid)


class Shell(Protocol):
    """What the providers use of the app (``PortsideApp``; not imported: it imports this module)."""

    kube: KubeCluster

    async def action_area(self, area: str) -> None: ...

    async def show_kind(self, kind: str) -> None: ...

    async def switch_kube(self, *, context: str | None, namespace: str | None) -> None: ...


@dataclass(frozen=True)
class PaletteCommand:
    text: str  # what is shown and matched; external names are plain text here
    help: str
    run: Callable[[], Any]  # a function or a coroutine function
    discover: bool = True  # listed before anything is typed


# ---- the base: build once, match per key press, never markup


class PortsideProvider(Provider):
    needs_main_screen = True  # the areas' commands make sense only over the main screen

    def __init__(self, screen: Screen[Any], match_style: Style | None = None) -> None:
        super().__init__(screen, match_style)
        self.commands: list[PaletteCommand] = []

    @property
    def shell(self) -> Shell:
        return cast(Shell, self.app)

    async def startup(self) -> None:
        if self.needs_main_screen and areas_of(self.screen) is None:
            return  # opened over a log or detail screen: the areas are not what the user is looking at
        self.commands = await self.build()

    async def build(self) -> list[PaletteCommand]:
        raise NotImplementedError

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        wanted = query.casefold()
        for n, command in enumerate(self.commands):
            if n % YIELD_EVERY == YIELD_EVERY - 1:
                await asyncio.sleep(0)
            if not _subsequence(wanted, command.text.casefold()):
                continue  # the fuzzy scorer is costly; most candidates fail this cheap test
            score = matcher.match(command.text)
            if score > 0:
                yield Hit(
                    score,
                    highlight(matcher, command.text),
                    self.runner(command),
                    text=command.text,
                    help=escape(command.help),
                )

    async def discover(self) -> Hits:
        for command in self.commands:
            if command.discover:
                yield DiscoveryHit(
                    Content(command.text), self.runner(command), text=command.text, help=escape(command.help)
                )

    def runner(self, command: PaletteCommand) -> Callable[[], None]:
        app = self.app

        def run() -> None:
            result = command.run()
            if inspect.isawaitable(result):  # mounts and dialogs: in a worker, faults become notifications
                app.run_worker(result, group="palette", exit_on_error=False)

        return run


def _subsequence(wanted: str, text: str) -> bool:
    rest = iter(text)
    return all(char in rest for char in wanted)


def highlight(matcher: Matcher, text: str) -> Content:
    """``Matcher.highlight`` parses the candidate as markup; this marks the matched letters of plain text."""
    content = Content(text)
    _, offsets = matcher.fuzzy_search.match(matcher.query, text)
    for offset in offsets:
        if not text[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


# ---- where things are on the main screen


def areas_of(screen: Screen[Any]) -> TabbedContent | None:
    found = screen.query("#areas")
    tabs = found.first() if found else None
    return tabs if isinstance(tabs, TabbedContent) else None


def area_panes(tabs: TabbedContent) -> list[tuple[TabPane, str, str]]:
    """(pane, area title, number key) for each area tab, in order ("2 Containers" -> "Containers", "2")."""
    found = []
    for pane in tabs.get_child_by_type(ContentSwitcher).query_children(TabPane):
        number, _, title = str(tabs.get_tab(pane).label).partition(" ")
        found.append((pane, title or number, number if number.isdigit() else ""))
    return found


def pane_of(view: LiveView) -> TabPane | None:
    return next((n for n in view.ancestors if isinstance(n, TabPane)), None)


def kube_area_of(view: LiveView) -> KubeArea | None:
    return next((n for n in view.ancestors if isinstance(n, KubeArea)), None)


def current_view(screen: Screen[Any]) -> LiveView | None:
    """The view holding the focus, else the one the active area shows."""
    view = focused_view(screen)
    tabs = areas_of(screen)
    if view is not None or tabs is None or not tabs.active:
        return view
    shown = tabs.get_pane(tabs.active).query(LiveView)
    kube = tabs.get_pane(tabs.active).query(KubeArea)
    return kube.first().current if kube else (shown.first() if shown else None)


def singular(noun: str) -> str:
    return noun.removesuffix("s")


# ---- 1. areas and Kubernetes kinds


class AreaCommands(PortsideProvider):
    async def build(self) -> list[PaletteCommand]:
        tabs = areas_of(self.screen)
        assert tabs is not None
        commands = [
            PaletteCommand(
                f"Go to {title}", f"area · key {number}" if number else "area", partial(self.go, pane.id)
            )
            for pane, title, number in area_panes(tabs)
        ]
        for kind in KINDS.values():
            names = ", ".join(dict.fromkeys(kind.short_names))
            commands.append(
                PaletteCommand(
                    f"Go to {kind.name} ({names})", f"Kubernetes · : {names}", partial(self.go_kind, kind.name)
                )
            )
        return commands

    async def go(self, area: str | None) -> None:
        if area:
            await self.shell.action_area(area)

    async def go_kind(self, kind: str) -> None:
        await self.shell.show_kind(kind)


# ---- 2. every resource of every mounted view


class ResourceCommands(PortsideProvider):
    async def build(self) -> list[PaletteCommand]:
        commands = []
        for view in self.screen.query(LiveView):
            pane = pane_of(view)
            if pane is None:
                continue
            where = "Kubernetes" if kube_area_of(view) is not None else view.NOUN.capitalize()
            noun = singular(view.NOUN)
            for record in listed_rows(view):
                commands.append(
                    PaletteCommand(
                        f"{noun} {describe(view, record)}",
                        f"{where} · enter puts the cursor on it",
                        partial(reveal, self.shell, view, record.key),
                        discover=False,  # thousands: found by typing, not listed up front
                    )
                )
        return commands


def listed_rows(view: LiveView) -> list[Any]:
    """The rows the view lists with its text filter cleared (its own toggles, like "running only", still hold)."""
    rows = view.stack_rows() if isinstance(view, ComposeView) else list(view.records.values())
    saved, view.filter_text = view.filter_text, ""
    try:
        return [r for r in rows if view.shows(r)]
    finally:
        view.filter_text = saved


def describe(view: LiveView, record: Any) -> str:
    """ "namespace/name (state)" from the view's own columns (already sanitised by the adapters)."""
    columns = {c.key: c for c in view.COLUMNS}
    name = _cell(columns.get("name"), record) or str(getattr(record, "name", "") or record.key)
    namespace = _cell(columns.get("namespace"), record)
    state = _cell(columns.get("state") or columns.get("status"), record)
    text = f"{namespace}/{name}" if namespace else name
    return f"{text} ({state})" if state else text


def _cell(column: Column | None, record: Any) -> str:
    if column is None:
        return ""
    value = column.render(record)
    return value.plain if isinstance(value, Text) else str(value)


async def reveal(shell: Shell, view: LiveView, key: str) -> None:
    """Show the view's area (and kind) with the cursor on ``key``, clearing a filter that hides it."""
    pane = pane_of(view)
    if not view.is_attached or pane is None or pane.id is None:
        view.app.notify("That view is gone (the kube context changed?)", severity="warning")
        return
    await shell.action_area(pane.id)
    kube = kube_area_of(view)
    if kube is not None and view.id:
        await kube.show(view.id.removesuffix("-view"))
    table = view.table
    if not table.select_key(key):
        box = view.query_one(".view-filter", Input)
        box.value = ""  # its Changed message re-applies "" and updates the status line
        box.remove_class("-open")
        view.filter_text = ""
        view.refilter()
        if not table.select_key(key):
            view.notify("It is no longer listed", severity="warning")
    table.focus()


# ---- 3. the actions of the focused view


class ActionCommands(PortsideProvider):
    async def build(self) -> list[PaletteCommand]:
        view = current_view(self.screen)
        if view is None:
            return []
        noun, records = singular(view.NOUN), view.targets()
        objects = [view.action_object(r) for r in records]
        subject = objects[0].name if len(objects) == 1 else f"{len(objects)} marked"
        if not objects:
            subject = ""
        fields = {"names": " ".join(o.name for o in objects), "namespace": objects[0].namespace if objects else ""}
        readonly = view.gateway.is_readonly(view.target())
        commands = []
        # The view's actions, then those of its containers up to the area (the Kubernetes area's apply).
        for node in [view, *takewhile(lambda n: not isinstance(n, TabPane), view.ancestors)]:
            for action_id, keys in bound_actions(node).items():
                spec = ACTIONS[action_id]
                # Creations act on what their form asks for; the area's actions on no row at all.
                on_row = node is view and subject and spec.risk is not Risk.CREATE
                target = f" {subject}" if on_row else ""
                help_text = f"key {key_text(keys)} · {confirmation_text(spec, readonly=readonly)}"
                if node.check_action("act", (action_id,)) is not True:
                    help_text += " · not allowed here"
                cli = cli_text(spec, fields if on_row else None)
                commands.append(
                    PaletteCommand(
                        f"{spec.verb} {singular(spec.kind) if node is not view else noun}{target}",
                        f"{help_text} · {cli}",
                        partial(act, node, action_id),
                    )
                )
        for binding in other_bindings(view):
            commands.append(
                PaletteCommand(
                    f"{binding.description} · {view.NOUN}",
                    f"key {key_text(keymap_of(view.app).get(binding.id or '', binding.key))}",
                    partial(self.app.run_action, binding.action, view),
                )
            )
        return commands


def act(node: DOMNode, action_id: str) -> Any:
    """What the action's key does: the node's ``action_act`` (the gateway refuses, confirms and audits)."""
    return getattr(node, "action_act")(action_id)  # noqa: B009 - DOMNode does not declare it


def other_bindings(view: LiveView) -> list[Binding]:
    """The view's own keys that are not registry actions (logs, inspect, filter, ...), one per binding id."""
    seen: dict[str, Binding] = {}
    for bindings in view._bindings.key_to_bindings.values():
        for binding in bindings:
            if binding.id in ACTIONS or binding.system or not binding.description:
                continue
            name = binding.id or binding.action
            if name not in seen:
                seen[name] = binding
    return list(seen.values())


# ---- 4. kube contexts and namespaces


@dataclass(frozen=True)
class KubeChoices:
    contexts: list[KubeContext]
    context: str
    namespace: str
    namespaces: list[str]


def kube_choices(cluster: KubeCluster) -> KubeChoices:
    """Blocking (kubeconfig, one list): the contexts, and the namespaces one may list (else the current one)."""
    try:
        contexts, _ = list_contexts(cluster.kubeconfig)
    except BackendError:
        contexts = []
    context, namespace = cluster.context, cluster.namespace
    try:
        namespaces = sorted(ns.name for ns in list_kind(cluster, "namespaces", ""))
    except BackendError:  # forbidden (a namespaced role) or unreachable
        namespaces = [namespace] if namespace else []
    return KubeChoices(contexts, context, namespace, namespaces)


class KubeCommands(PortsideProvider):
    async def build(self) -> list[PaletteCommand]:
        shell = self.shell
        found = await asyncio.to_thread(kube_choices, shell.kube)
        commands = []
        for ctx in found.contexts:
            used = " · in use" if ctx.name == found.context else ""
            commands.append(
                PaletteCommand(
                    f"Use context {ctx.name}",
                    f"cluster {ctx.cluster} · user {ctx.user} · namespace {ctx.namespace}{used}",
                    partial(shell.switch_kube, context=ctx.name, namespace=None),
                )
            )
        for name in found.namespaces:
            used = "in use · " if name == found.namespace else ""
            commands.append(
                PaletteCommand(
                    f"Use namespace {name}",
                    f"{used}context {found.context}",
                    partial(shell.switch_kube, context=found.context, namespace=name),
                    discover=False,
                )
            )
        commands.append(
            PaletteCommand(
                "All namespaces",
                f"{'in use · ' if found.namespace == ALL_NAMESPACES else ''}context {found.context}",
                partial(shell.switch_kube, context=found.context, namespace=ALL_NAMESPACES),
            )
        )
        return commands


# ---- the help screen from anywhere


class HelpCommands(PortsideProvider):
    needs_main_screen = False

    async def build(self) -> list[PaletteCommand]:
        screen, app = self.screen, self.app
        if isinstance(screen, HelpScreen):
            return []

        def show() -> None:
            app.push_screen(HelpScreen(screen))

        return [PaletteCommand("Keys and help", "key ?", show)]
