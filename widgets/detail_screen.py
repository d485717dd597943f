"""DetailScreen: named sections of read-only detail (inspect, layers, describe) on tabs; escape goes back."""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.coordinate import Coordinate
from textual.screen import Screen
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from widgets.key_bar import KeyBar


@dataclass(frozen=True)
class Section:
    """Either ``text`` (shown as is, never parsed as markup) or a table of ``rows`` under ``columns``."""

    title: str
    text: str = ""
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = field(default=())
    # Row index -> its last cell unmasked, shown only when the user presses v on that row (secrets).
    hidden: dict[int, str] = field(default_factory=dict, repr=False, compare=False)


class DetailScreen(Screen[None]):
    DEFAULT_CSS = """
    DetailScreen > .detail-title { height: 1; padding: 0 1; background: $panel; text-style: bold; }
    DetailScreen VerticalScroll { height: 1fr; padding: 0 1; }
    DetailScreen DataTable { height: 1fr; }
    """
    BINDINGS = [
        Binding("escape,q", "app.pop_screen", "Back"),
        Binding("v", "reveal", "Reveal value", id="detail.reveal"),
    ]

    def __init__(self, title: str, sections: list[Section]) -> None:
        super().__init__()
        self.title_text = title
        self.sections = sections

    def compose(self) -> ComposeResult:
        yield Static(Text(self.title_text), classes="detail-title")
        with TabbedContent():
            for n, section in enumerate(self.sections):
                with TabPane(section.title, id=f"section-{n}"):
                    if section.columns:
                        table: DataTable[Text] = DataTable(cursor_type="row", id=f"table-{n}")
                        table.add_columns(*section.columns)
                        for row in section.rows:
                            table.add_row(*(Text(cell) for cell in row))
                        yield table
                    else:
                        with VerticalScroll():
                            yield Static(Text(section.text))
        yield KeyBar()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "reveal":
            return self._revealable() is not None  # offered only on a table that has masked values
        return True

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    def _revealable(self) -> tuple[DataTable[Text], Section] | None:
        focused = self.focused
        if not isinstance(focused, DataTable) or focused.id is None:
            return None
        section = self.sections[int(focused.id.removeprefix("table-"))]
        return (focused, section) if section.hidden else None

    def action_reveal(self) -> None:
        """Show the real value of the secret under the cursor, for this screen only."""
        found = self._revealable()
        if found is None:
            return
        table, section = found
        row = table.cursor_row
        if row in section.hidden:
            column = table.ordered_columns[-1].key
            table.update_cell(
                table.coordinate_to_cell_key(Coordinate(row, 0)).row_key, column, Text(section.hidden[row])
            )


def output_screen(title: str, output: str) -> DetailScreen:
    """One command's output, as text (an exec in a container or a pod)."""
    return DetailScreen(title, [Section("Output", text=output)])
