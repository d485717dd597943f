"""Confirmation dialogs. No is the default; Enter alone never confirms (RELIABILITY.md rule 5)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static


class ConfirmDialog(ModalScreen[bool]):
    """Ask before a mutation. With ``typed_word`` the user must type it exactly; else ``y`` confirms.

    The dialog shows the exact objects affected, the target they live on and the equivalent CLI command.
    """

    DEFAULT_CSS = """
    ConfirmDialog { align: center middle; }
    ConfirmDialog > Vertical {
        width: 80%; max-width: 100; height: auto; max-height: 90%;
        border: thick $error; background: $surface; padding: 1 2;
    }
    ConfirmDialog .title { text-style: bold; margin-bottom: 1; }
    ConfirmDialog .objects { max-height: 12; overflow-y: auto; color: $text; }
    ConfirmDialog .cli { color: $text-muted; margin: 1 0; }
    ConfirmDialog Horizontal { height: auto; align-horizontal: right; }
    ConfirmDialog Button { margin-left: 2; }
    """

    BINDINGS = [
        Binding("escape,n", "answer(False)", "No", show=True),
        Binding("y", "answer(True)", "Yes", show=True),
    ]

    def __init__(self, title: str, target: str, objects: list[str], cli: str, typed_word: str | None = None):
        super().__init__()
        self.title_text = title
        self.target = target
        self.objects = objects
        self.cli = cli
        self.typed_word = typed_word

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.title_text), classes="title")
            yield Static(Text(f"on {self.target}:"))
            yield Static(Text("\n".join(f"  • {name}" for name in self.objects)), classes="objects")
            yield Static(Text(f"$ {self.cli}"), classes="cli")
            if self.typed_word is not None:
                yield Label(Text(f"Type {self.typed_word!r} to confirm:"))
                yield Input(placeholder=self.typed_word, id="typed")
            with Horizontal():
                yield Button("No", id="no", variant="primary")
                yield Button("Yes", id="yes", variant="error", disabled=self.typed_word is not None)

    def on_mount(self) -> None:
        focus = "#typed" if self.typed_word is not None else "#no"
        self.query_one(focus).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # With a typed confirmation, "y" and "n" are letters to type, not answers.
        return not (self.typed_word is not None and action == "answer" and parameters != (False,))

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    @on(Input.Changed, "#typed")
    def _typed(self, event: Input.Changed) -> None:
        self.query_one("#yes", Button).disabled = event.value != self.typed_word

    @on(Input.Submitted, "#typed")
    def _submitted(self, event: Input.Submitted) -> None:
        if event.value == self.typed_word:
            self.dismiss(True)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")
