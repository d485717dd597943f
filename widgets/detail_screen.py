"""DetailScreen: named sections of read-only detail (inspect, layers, describe) on tabs; escape goes back."""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static, TabbedContent, TabPane


@dataclass(frozen=True)
class Section:
    """Either ``text`` (shown as is, never parsed as markup) or a table of ``rows`` under ``columns``."""

    title: str
    text: str = ""
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = field(default=())


class DetailScreen(Screen[None]):
    DEFAULT_CSS = """
    DetailScreen > .detail-title { height: 1; padding: 0 1; background: $panel; text-style: bold; }
    DetailScreen VerticalScroll { height: 1fr; padding: 0 1; }
    DetailScreen DataTable { height: 1fr; }
    """
    BINDINGS = [Binding("escape,q", "app.pop_screen", "Back")]

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
                        table: DataTable[Text] = DataTable(cursor_type="row")
                        table.add_columns(*section.columns)
                        for row in section.rows:
                            table.add_row(*(Text(cell) for cell in row))
                        yield table
                    else:
                        with VerticalScroll():
                            yield Static(Text(section.text))
        yield Footer()
