"""KeyBar: the keys of the focused widget and its ancestors, drawn as one line by one widget.

Textual's Footer mounts a widget per key and recomposes them all whenever the focus or a binding changes: with
twenty keys that was a quarter of portside's start-up on the event loop, and the same again on every area
switch. KeyBar draws the screen's active bindings as one Text; a click runs the key under the pointer.
"""

from __future__ import annotations

from typing import NamedTuple

from rich.text import Text
from textual import events
from textual.screen import Screen
from textual.widget import Widget


class Shown(NamedTuple):
    start: int
    end: int
    key: str
    enabled: bool


class KeyBar(Widget):
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
    }
    KeyBar > .key-bar--key {
        color: $footer-key-foreground;
        background: $footer-key-background;
        text-style: bold;
    }
    KeyBar > .key-bar--description {
        color: $footer-description-foreground;
        background: $footer-description-background;
    }
    KeyBar > .key-bar--disabled {
        text-style: dim;
    }
    """
    COMPONENT_CLASSES = {"key-bar--key", "key-bar--description", "key-bar--disabled"}

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._shown: list[Shown] = []

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if screen is self.screen:
            self.refresh()

    def render(self) -> Text:
        key_style = self.get_component_rich_style("key-bar--key")
        description_style = self.get_component_rich_style("key-bar--description")
        disabled_style = self.get_component_rich_style("key-bar--disabled", partial=True)
        palette_key = self.app.COMMAND_PALETTE_BINDING if self.app.ENABLE_COMMAND_PALETTE else None
        line, palette = Text(no_wrap=True, overflow="crop", end=""), Text(end="")
        self._shown = []
        seen: set[str] = set()
        for _node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            is_palette = binding.key == palette_key  # shown at the right edge even though hidden, as in Footer
            if (not binding.show and not is_palette) or binding.action in seen:
                continue  # several keys for one action: the first is shown, as in Footer
            seen.add(binding.action)
            target = palette if is_palette else line
            start = len(target)
            target.append(f" {self.app.get_key_display(binding)} ", key_style)
            target.append(f"{binding.description} ", description_style)
            if not enabled:
                target.stylize(disabled_style, start)
            self._shown.append(Shown(start, len(target), binding.key, enabled))
        if palette:
            # The keys that do not fit are cut before the palette key, whose span moves to the right edge.
            offset = max(0, self.size.width - len(palette))
            line.truncate(offset, pad=True)
            self._shown = [
                s._replace(start=s.start + offset, end=s.end + offset) if s.key == palette_key else s
                for s in self._shown
                if s.key == palette_key or s.end <= offset
            ]
            line.append_text(palette)
        return line

    def on_click(self, event: events.Click) -> None:
        for shown in self._shown:
            if shown.start <= event.x < shown.end:
                if shown.enabled:
                    self.app.simulate_key(shown.key)
                else:
                    self.app.bell()
                return
