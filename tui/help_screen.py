"""The help screen (`?`): the keys of the place the user is, the global keys, and the verbs of every area.

Everything is derived, nothing is written twice: the keys come from the live bindings of the focus chain
(``Screen.active_bindings``, so a keymap override shows its new key), the risk, confirmation and CLI of each
registry action from ``ACTIONS``, and the verb x area table from ``ACTIONS`` with the keymap applied. All text is
``rich.text.Text``: descriptions, warnings and names are never parsed as markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich import box
from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.keys import format_key
from textual.screen import Screen
from textual.widgets import Static

from tui.actions import ACTIONS, ActionSpec, Confirm
from tui.views.live_view import LiveView
from widgets.key_bar import KeyBar

# Which area of the app a registry kind lives in (every other kind is a Kubernetes one), in the tabs' order.
AREA_OF_KIND = {
    "image": "Images",
    "container": "Containers",
    "compose": "Compose",
    "volume": "Volumes",
    "network": "Networks",
}
AREA_ORDER = ("Images", "Containers", "Compose", "Kubernetes", "Volumes", "Networks")
CONFIRMATION = {
    Confirm.NONE: "no confirmation",
    Confirm.YES_NO: "asks y/N",
    Confirm.TYPED: "asks for the typed name",
}
REMAPPED = "*"
KEY_NAMES = {"enter": "enter"}  # the keyboard model says "enter"; Textual shows a glyph


class _Placeholders(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return f"<{key}>"


def cli_text(spec: ActionSpec, fields: dict[str, str] | None = None) -> str:
    """The equivalent command; the fields not given show as <names>, <namespace>, ..."""
    return spec.cli.format_map(_Placeholders(fields or {}))


def confirmation_text(spec: ActionSpec, *, readonly: bool = False) -> str:
    """The risk and what the gateway will ask (one object, an unprotected target)."""
    if spec.mutates and readonly:
        return f"{spec.risk} · refused (read-only)"
    return f"{spec.risk} · {CONFIRMATION[spec.confirmation(1)]}"


def key_text(keys: str) -> str:
    """A binding's key string as shown to people: "question_mark" -> "?", "ctrl+d" stays, "d,enter" -> "d, enter"."""
    return ", ".join(KEY_NAMES.get(k.strip(), format_key(k.strip())) for k in keys.split(",") if k.strip())


def keymap_of(app: App[Any]) -> dict[str, str]:
    """The user's overrides, binding id -> keys (Textual keeps them in ``App._keymap``; there is no getter)."""
    keymap = getattr(app, "_keymap", None)
    return dict(keymap) if isinstance(keymap, dict) else {}


def bound_actions(node: DOMNode) -> dict[str, str]:
    """Registry action id -> the keys bound to it on ``node`` now (after the keymap)."""
    found: dict[str, list[str]] = {}
    for key, bindings in node._bindings.key_to_bindings.items():
        for binding in bindings:
            if binding.id in ACTIONS and binding.action.startswith("act("):
                found.setdefault(binding.id, []).append(key)
    keymap = keymap_of(node.app)  # Textual applies it to copies of the bindings, per key press
    return {action_id: keymap.get(action_id, ",".join(keys)) for action_id, keys in sorted(found.items())}


def action_key(spec: ActionSpec, keymap: dict[str, str]) -> str:
    """The key that runs a registry action now: the keymap's override, else the registry's default."""
    return keymap.get(spec.id, spec.key)


def focused_view(screen: Screen[Any]) -> LiveView | None:
    """The live view holding the focus on ``screen``, if any."""
    focused = screen.focused
    if focused is None:
        return None
    for node in focused.ancestors_with_self:
        if isinstance(node, LiveView):
            return node
    return None


@dataclass(frozen=True)
class HelpSection:
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    note: str = ""
    dim_rows: frozenset[int] = field(default_factory=frozenset)  # bindings shown disabled where they are

    def table(self) -> Table:
        table = Table(box=box.SIMPLE_HEAD, expand=True, show_edge=False, pad_edge=False)
        for column in self.columns:
            table.add_column(Text(column), overflow="fold")
        for n, row in enumerate(self.rows):
            table.add_row(*(Text(cell) for cell in row), style="dim" if n in self.dim_rows else None)
        return table

    def row(self, first: str) -> tuple[str, ...] | None:
        """The first row whose first cell is ``first`` (for tests and the palette)."""
        return next((r for r in self.rows if r[0] == first), None)


@dataclass
class _Entry:
    node: DOMNode
    binding: Binding
    keys: list[str]
    enabled: bool


def _entries(screen: Screen[Any]) -> list[_Entry]:
    """The active bindings of ``screen``, one entry per binding (its keys together), innermost node first."""
    entries: dict[tuple[int, str, str, str | None], _Entry] = {}
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if binding.system:
            continue
        group = (id(active.node), binding.action, binding.description, binding.id)
        if group in entries:
            entries[group].keys.append(key)
        else:
            entries[group] = _Entry(active.node, binding, [key], active.enabled)
    return list(entries.values())


def _binding_row(entry: _Entry, keymap: dict[str, str], readonly: bool, *, with_cli: bool) -> tuple[str, ...]:
    binding = entry.binding
    spec = ACTIONS.get(binding.id or "")
    keys = ", ".join(key_text(k) for k in entry.keys)
    description = binding.description or binding.action
    if binding.id and binding.id in keymap:
        keys += f" {REMAPPED}"
        if spec is not None:
            description += f" (default {key_text(spec.key)})"
    if not with_cli:
        return (keys, description)
    if spec is None:
        return (keys, description, "", "")
    confirmation = confirmation_text(spec, readonly=readonly)
    if not entry.enabled:
        confirmation += " · not allowed here"
    return (keys, description, confirmation, cli_text(spec))


def keys_here(screen: Screen[Any], app: App[Any]) -> tuple[HelpSection, HelpSection]:
    """The keys of the focused place (the view's own first), and the global keys (screen and app)."""
    keymap, readonly = keymap_of(app), bool(getattr(app, "readonly", False))
    local: list[_Entry] = []
    shared: list[_Entry] = []
    for entry in _entries(screen):
        (shared if isinstance(entry.node, (App, Screen)) else local).append(entry)
    local.sort(key=lambda e: not isinstance(e.node, LiveView))  # stable: the view's keys, then the widgets'
    view = focused_view(screen)
    title = f"Keys here: {view.NOUN.capitalize()}" if view is not None else "Keys on this screen"
    here = HelpSection(
        title,
        ("KEY", "ACTION", "RISK / CONFIRMATION", "EQUIVALENT CLI"),
        tuple(_binding_row(e, keymap, readonly, with_cli=True) for e in local),
        dim_rows=frozenset(n for n, e in enumerate(local) if not e.enabled),
    )
    everywhere = HelpSection(
        "Global keys",
        ("KEY", "ACTION"),
        tuple(_binding_row(e, keymap, readonly, with_cli=False) for e in shared),
    )
    return here, everywhere


def verb_table(keymap: dict[str, str]) -> HelpSection:
    """Verb x area from ACTIONS: which key runs each verb in each area, and whether it is one key everywhere."""
    verbs: dict[str, dict[str, list[str]]] = {}
    remapped = False
    for spec in ACTIONS.values():
        area = AREA_OF_KIND.get(spec.kind, "Kubernetes")
        key = key_text(action_key(spec, keymap))
        if spec.id in keymap:
            key, remapped = key + REMAPPED, True
        keys = verbs.setdefault(spec.verb, {}).setdefault(area, [])
        if key not in keys:
            keys.append(key)
    rows = []
    for verb, areas in verbs.items():
        cells = tuple(", ".join(areas.get(area, [])) for area in AREA_ORDER)
        distinct = {k.rstrip(REMAPPED) for keys in areas.values() for k in keys}
        rows.append((verb, *cells, "yes" if len(distinct) == 1 else "no"))
    note = "The same verb uses the same key in every area (ONE KEY)."
    if remapped:
        note += f" {REMAPPED} remapped in your keymap."
    return HelpSection("Verbs by area", ("VERB", *AREA_ORDER, "ONE KEY"), tuple(rows), note=note)


def help_sections(screen: Screen[Any], app: App[Any]) -> list[HelpSection]:
    """Everything the help screen shows for ``screen`` (the screen under the help), in order."""
    sections = []
    warnings = [str(w) for w in getattr(app, "config_warnings", None) or []]
    if warnings:
        sections.append(HelpSection("Configuration warnings", ("WARNING",), tuple((w,) for w in warnings)))
    here, everywhere = keys_here(screen, app)
    keymap = keymap_of(app)
    if any(REMAPPED in row[0] for row in (*here.rows, *everywhere.rows)):
        here = HelpSection(
            here.title, here.columns, here.rows, f"{REMAPPED} remapped in your keymap", here.dim_rows
        )
    sections += [here, everywhere, verb_table(keymap)]
    return sections


class HelpScreen(Screen[None]):
    """The keys of the screen it was opened from; escape, ? or q closes it."""

    DEFAULT_CSS = """
    HelpScreen > .help-title { height: 1; padding: 0 1; background: $panel; text-style: bold; }
    HelpScreen > VerticalScroll { height: 1fr; padding: 0 1; }
    HelpScreen .help-heading { margin-top: 1; text-style: bold; color: $primary; }
    HelpScreen .help-note { color: $text-muted; }
    HelpScreen .help-warnings { color: $warning; }
    """
    BINDINGS = [Binding("escape,question_mark,q", "close", "Close help", id="help.close")]

    def __init__(self, origin: Screen[Any]) -> None:
        super().__init__()
        # Read now: once this screen is on top, the origin's focus chain is no longer the active one.
        self.sections = help_sections(origin, origin.app)

    def section(self, title_start: str) -> HelpSection:
        return next(s for s in self.sections if s.title.startswith(title_start))

    def compose(self) -> ComposeResult:
        yield Static(Text("Keys — escape, ? or q closes · ctrl+p finds any command"), classes="help-title")
        with VerticalScroll():
            for section in self.sections:
                warnings = section.title.startswith("Configuration")
                yield Static(Text(section.title), classes="help-heading")
                if section.note:
                    yield Static(Text(section.note), classes="help-note")
                yield Static(section.table(), classes="help-warnings" if warnings else "help-section")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()  # arrows and page keys scroll

    def action_close(self) -> None:
        self.dismiss(None)
