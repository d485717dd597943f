"""PromptDialog: ask for one line of text, validated inline; dismisses with the text or None."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Static

Validator = Callable[[str], str | None]  # returns an error message, or None when the value is acceptable


class PromptDialog(ModalScreen[str | None]):
    DEFAULT_CSS = """
    PromptDialog { align: center middle; }
    PromptDialog > Vertical {
        width: 80%; max-width: 90; height: auto; border: thick $primary; background: $surface; padding: 1 2;
    }
    PromptDialog .prompt-error { color: $error; height: auto; }
    PromptDialog .prompt-hint { color: $text-muted; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        question: str,
        *,
        value: str = "",
        placeholder: str = "",
        validate: Validator | None = None,
        hint: str = "",
        suggestions: list[str] | None = None,
    ) -> None:
        super().__init__()
        self.question = question
        self.value = value
        self.placeholder = placeholder
        self.validate = validate
        self.hint = hint
        self.suggester = SuggestFromList(suggestions, case_sensitive=False) if suggestions else None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.question))
            yield Input(self.value, placeholder=self.placeholder, suggester=self.suggester)
            yield Static("", classes="prompt-error")
            if self.hint:
                yield Static(Text(self.hint), classes="prompt-hint")

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        error = "a value is needed" if not value else self.validate(value) if self.validate else None
        if error:
            self.query_one(".prompt-error", Static).update(Text(error))
            return
        self.dismiss(value)
