"""TargetBar: the Docker endpoint and kube context always visible as text, with a READ-ONLY badge."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static


class TargetBar(Static):
    """One line: ``docker <endpoint> <version> │ kube <context>/<namespace> <version> │ READ-ONLY``.

    Each side is a (label, state) pair; state is "ok", "down" or "pending" and picks the style class.
    """

    DEFAULT_CSS = """
    TargetBar { height: 1; background: $panel; color: $text; padding: 0 1; }
    TargetBar > .target-bar--label { color: $text-muted; }
    TargetBar > .target-bar--ok { text-style: bold; }
    TargetBar > .target-bar--pending { color: $text-muted; text-style: italic; }
    TargetBar > .target-bar--down { background: $error; color: $text; text-style: bold; }
    TargetBar > .target-bar--readonly { background: $warning; color: $background; text-style: bold; }
    """
    COMPONENT_CLASSES = {
        "target-bar--label",
        "target-bar--ok",
        "target-bar--pending",
        "target-bar--down",
        "target-bar--readonly",
    }

    docker: reactive[tuple[str, str]] = reactive(("connecting…", "pending"))
    kube: reactive[tuple[str, str]] = reactive(("connecting…", "pending"))
    readonly: reactive[bool] = reactive(False)

    def render(self) -> Text:
        # The kube side and the badge are never cut; a long Docker endpoint is shortened in its middle.
        label = self.get_component_rich_style("target-bar--label")
        tail = Text(no_wrap=True)
        tail.append(" │ kube ", style=label)
        tail.append(self.kube[0], style=self._state_style(self.kube[1]))
        if self.readonly:
            tail.append(" │ ", style=label)
            tail.append(" READ-ONLY ", style=self.get_component_rich_style("target-bar--readonly"))
        room = max(self.size.width - tail.cell_len - len("docker "), 12)
        text = Text("docker ", style=label, no_wrap=True, overflow="ellipsis")
        text.append(middle_ellipsis(self.docker[0], room), style=self._state_style(self.docker[1]))
        return text + tail

    def _state_style(self, state: str) -> Style:
        return self.get_component_rich_style(f"target-bar--{state}")


def middle_ellipsis(value: str, width: int) -> str:
    """``value`` cut to ``width`` cells by replacing its middle with an ellipsis."""
    if len(value) <= width:
        return value
    keep = width - 1
    return value[: keep // 2] + "…" + value[len(value) - (keep - keep // 2) :]
