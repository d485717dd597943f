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
        text = Text(no_wrap=True, overflow="ellipsis")
        for name, (label, state) in (("docker", self.docker), ("kube", self.kube)):
            if name == "kube":
                text.append(" │ ", style="dim")
            text.append(f"{name} ", style="dim")
            text.append(label, style=self.STATE_STYLE.get(state, ""))
        if self.readonly:
            text.append(" │ ", style="dim")
            text.append(" READ-ONLY ", style="bold reverse")
        return text
