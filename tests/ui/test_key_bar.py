"""KeyBar: the focused widget's keys on one line, following the focus, clickable."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widget import Widget

from tests.ui.test_app_live import until
from widgets.key_bar import KeyBar


class Pane(Widget, can_focus=True):
    BINDINGS = [
        Binding("l", "ran('logs')", "Logs"),
        Binding("L", "ran('logs')", "Logs again"),  # a second key for the same action is not shown twice
        Binding("x", "ran('exec')", "Exec"),
        Binding("h", "ran('hidden')", "Hidden", show=False),
    ]

    def __init__(self, *, id: str, refuses: str = "") -> None:
        super().__init__(id=id)
        self.refuses = refuses

    def action_ran(self, what: str) -> None:
        self.app.ran.append(what)  # type: ignore[attr-defined]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return None if parameters == (self.refuses,) else True


class Other(Widget, can_focus=True):
    BINDINGS = [Binding("d", "app.bell", "Describe")]


class BarApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.ran: list[str] = []

    def compose(self) -> ComposeResult:
        yield Pane(id="pane", refuses="exec")
        yield Other(id="other")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(Pane).focus()


def bar_text(app: BarApp) -> str:
    return str(app.query_one(KeyBar).render())


async def test_the_bar_shows_the_focused_widgets_keys_once_each_and_follows_the_focus() -> None:
    app = BarApp()
    async with app.run_test(size=(80, 5)) as pilot:
        await until(pilot, lambda: "Logs" in bar_text(app), 5, "the pane's keys")
        text = bar_text(app)
        assert " l Logs " in text and " x Exec " in text
        assert "Logs again" not in text and "Hidden" not in text
        assert text.rstrip().endswith("^p palette")  # the palette key at the right edge
        app.query_one(Other).focus()
        await until(pilot, lambda: "Describe" in bar_text(app), 5, "the other widget's keys")
        assert "Logs" not in bar_text(app)


async def test_a_click_runs_the_key_under_the_pointer_and_a_disabled_key_does_nothing() -> None:
    app = BarApp()
    async with app.run_test(size=(80, 5)) as pilot:
        await until(pilot, lambda: "Logs" in bar_text(app), 5, "the pane's keys")
        text = bar_text(app)
        bar = app.query_one(KeyBar)
        await pilot.click(KeyBar, offset=(text.index("Logs"), 0))
        await until(pilot, lambda: app.ran == ["logs"], 5, "the logs action")
        await pilot.click(KeyBar, offset=(text.index("Exec"), 0))  # refused by check_action: shown disabled
        await pilot.pause()
        assert app.ran == ["logs"]
        assert bar.region.height == 1
