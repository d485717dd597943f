"""TargetBar: the Docker endpoint and kube context always visible as text, with READ-ONLY / PROTECTED badges."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.color import Color, ColorParseError
from textual.reactive import reactive
from textual.widgets import Static

MIN_ENDPOINT = 12  # cells of the Docker endpoint kept however narrow the bar
SHORT_BADGES = {"READ-ONLY": "RO", "PROTECTED": "PROT"}


class TargetBar(Static):
    """One line: ``docker <endpoint> <version> │ kube <context>/<namespace> <version> │ READ-ONLY``.

    Each side is a (label, state) pair; state is "ok", "down" or "pending" and picks the style class. Each side
    may carry badges of its own (``docker_badges``: "READ-ONLY", "PROTECTED") and a marker colour (the user's
    policy colour for that target, validated by the app; "" for none) painted behind the side's name.
    """

    DEFAULT_CSS = """
    TargetBar { height: 1; background: $panel; color: $text; padding: 0 1; }
    TargetBar > .target-bar--label { color: $text-muted; }
    TargetBar > .target-bar--ok { text-style: bold; }
    TargetBar > .target-bar--pending { color: $text-muted; text-style: italic; }
    TargetBar > .target-bar--down { background: $error; color: $text; text-style: bold; }
    TargetBar > .target-bar--readonly { background: $warning; color: $background; text-style: bold; }
    TargetBar > .target-bar--protected { background: $error; color: $background; text-style: bold; }
    """
    COMPONENT_CLASSES = {
        "target-bar--label",
        "target-bar--ok",
        "target-bar--pending",
        "target-bar--down",
        "target-bar--readonly",
        "target-bar--protected",
    }

    docker: reactive[tuple[str, str]] = reactive(("connecting…", "pending"))
    kube: reactive[tuple[str, str]] = reactive(("connecting…", "pending"))
    readonly: reactive[bool] = reactive(False)
    docker_badges: reactive[tuple[str, ...]] = reactive(())
    kube_badges: reactive[tuple[str, ...]] = reactive(())
    docker_color: reactive[str] = reactive("")
    kube_color: reactive[str] = reactive("")

    def render(self) -> Text:
        # The kube side and the badges are never cut; a long Docker endpoint is shortened in its middle, and
        # when even that is not enough the badges take their short forms (RO, PROT).
        text = self._line(short=False)
        if text.cell_len > self.size.width:
            text = self._line(short=True)
        return text

    def _line(self, *, short: bool) -> Text:
        tail = Text(no_wrap=True)
        tail.append(" │ ", style=self._label_style())
        tail.append_text(self._side_name("kube", self.kube_color))
        tail.append(" ")
        tail.append(self.kube[0], style=self._state_style(self.kube[1]))
        tail.append_text(self._badges(self.kube_badges, short))
        if self.readonly:
            tail.append(" │ ", style=self._label_style())
            tail.append(" READ-ONLY ", style=self.get_component_rich_style("target-bar--readonly"))
        head = self._side_name("docker", self.docker_color)
        head.append(" ")
        badges = self._badges(self.docker_badges, short)
        room = max(self.size.width - tail.cell_len - head.cell_len - badges.cell_len, MIN_ENDPOINT)
        head.append(middle_ellipsis(self.docker[0], room), style=self._state_style(self.docker[1]))
        return head + badges + tail

    def _label_style(self) -> Style:
        return self.get_component_rich_style("target-bar--label")

    def _side_name(self, name: str, color: str) -> Text:
        """The side's name; on the policy colour when the target has one."""
        try:
            background = Color.parse(color) if color else None
        except ColorParseError:
            background = None
        if background is None:
            return Text(name, style=self._label_style(), no_wrap=True)
        style = Style(bgcolor=background.rich_color, color=background.get_contrast_text().rich_color, bold=True)
        return Text(f" {name} ", style=style, no_wrap=True)

    def _badges(self, badges: tuple[str, ...], short: bool) -> Text:
        text = Text(no_wrap=True)
        for badge in badges:
            text.append(" ")
            style = self.get_component_rich_style(f"target-bar--{badge.lower().replace('-', '')}")
            text.append(f" {SHORT_BADGES.get(badge, badge) if short else badge} ", style=style)
        return text

    def _state_style(self, state: str) -> Style:
        return self.get_component_rich_style(f"target-bar--{state}")


def middle_ellipsis(value: str, width: int) -> str:
    """``value`` cut to ``width`` cells by replacing its middle with an ellipsis."""
    if len(value) <= width:
        return value
    keep = width - 1
    return value[: keep // 2] + "…" + value[len(value) - (keep - keep // 2) :]
