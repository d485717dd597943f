"""A bare Textual app (Header, DataTable, Footer, one row): the floor of a cold start on this machine.

Scenarios 1 and 2 time it in the same run as portside, under the same harness, so that a slow phase of the
machine shows in both (`python bench/textual_floor.py`).
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import DataTable, Footer, Header

ROW = "textual-floor-row"


class FloorApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable()
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("NAME", "STATE")
        table.add_row(ROW, "running")


if __name__ == "__main__":
    FloorApp().run()
