"""TargetBar: the Docker endpoint and kube context always visible as text, with a READ-ONLY badge."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static


class TargetBar(Static):
    """One line: ``docker <endpoint> <version> │ kube <context>/<namespace> <version> │ READ-ONLY``.

    Each side is a (label, state) pair; state is "ok", "down" or "pending" and picks the style class.
    """

    DEFAULT_CSS = """
    TargetBar { height: 1; background: $panel; color: $text; padding: 0 1; }
    """

    docker: reactive[tuple[str, str]] = reactive(("connecting…", "pending"))
    kube: reactive[tuple[str, str]] = reactive(("connecting…", "pending"))
    readonly: reactive[bool] = reactive(False)

    STATE_STYLE = {"ok": "bold", "down": "bold reverse", "pending": "dim"}

    def render(self) -> Text:
        # The kube side and the badge are never cut; a long Docker endpoint is shortened in its middle.
        tail = Text(no_wrap=True)
        tail.append(" │ ", style="dim")
        tail.append("kube ", style="dim")
        tail.append(self.kube[0], style=self.STATE_STYLE.get(self.kube[1], ""))
        if self.readonly:
            tail.append(" │ ", style="dim")
            tail.append(" READ-ONLY ", style="bold reverse")
        room = max(self.size.width - tail.cell_len - len("docker "), 12)
        text = Text("docker ", style="dim", no_wrap=True, overflow="ellipsis")
        text.append(middle_ellipsis(self.docker[0], room), style=self.STATE_STYLE.get(self.docker[1], ""))
        return text + tail


def middle_ellipsis(value: str, width: int) -> str:
    """``value`` cut to ``width`` cells by replacing its middle with an ellipsis."""
    if len(value) <= width:
        return value
    keep = width - 1
    return value[: keep // 2] + "…" + value[len(value) - (keep - keep // 2) :]
