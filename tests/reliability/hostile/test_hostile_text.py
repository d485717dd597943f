"""Hostile text where it enters (the sanitiser) and where it shows (Pilot, the real app): every payload loses what
drives a terminal and keeps its visible text; markup shows as typed and does nothing."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import DataTable

from tests.conftest import unique
from tests.reliability.conftest import HOSTILE_TEXT, PAYLOADS, screen_has_no_escape, screen_text, select_in_view
from tests.ui.test_app_live import until
from tui.adapters.docker_engine import DockerEngine
from tui.adapters.kube_cluster import KubeCluster
from tui.adapters.sanitize import LineDecoder, clean_line, clean_text
from tui.app import make_app
from tui.audit import AuditLog
from widgets.detail_screen import DetailScreen
from widgets.dialogs import ConfirmDialog

pytestmark = pytest.mark.hostile


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_each_payload_leaves_the_sanitiser_without_controls_and_markup_kept_as_text(
    payload: str, record_property: Any
) -> None:
    record_property("inputs", 1)
    text = f"before {payload} after"
    decoded = LineDecoder().feed(f"{text}\n".encode())
    for out in (clean_line(text), clean_text(text), *decoded):
        assert not screen_has_no_escape(out), repr(out)
        assert out.startswith("before ") and out.endswith(" after"), repr(out)
        if payload.startswith("["):
            assert payload in out


@pytest.mark.parametrize("introducer", ["\x1b]0;", "\x1bP", "\x1b_", "\x9d0;", "\x90"])
def test_an_unterminated_string_sequence_hides_only_the_rest_of_its_own_line(
    introducer: str, record_property: Any
) -> None:
    """A stray OSC in exec output or a revealed value must not hide the lines after it (privileged: true)."""
    record_property("inputs", 1)
    out = clean_text(f"kind: Pod{introducer}hidden title\nprivileged: true\nlast line")
    assert out == "kind: Pod\nprivileged: true\nlast line"


@pytest.mark.docker
async def test_markup_in_labels_and_stack_names_shows_literally_and_a_click_on_it_does_nothing(
    busybox: Any, test_namespace: str, audit: AuditLog, record_property: Any
) -> None:
    record_property("inputs", 1)
    name = unique("markup")
    stack = f"{name}{PAYLOADS['markup_click']}{PAYLOADS['markup_broken']}"
    busybox(
        name=name,
        labels={"hostile": HOSTILE_TEXT, "com.docker.compose.project": stack},
        environment=[f"HOSTILE={HOSTILE_TEXT}"],
    )
    app = make_app(DockerEngine(), KubeCluster(context="sandbox-admin", namespace=test_namespace), audit)
    async with app.run_test(size=(200, 50)) as pilot:
        view = await select_in_view(pilot, app, "containers", None, name)
        row = view.table.get_row_index(next(k for k, r in view.table.records.items() if r.name == name))
        cells = [getattr(c, "plain", c) for c in view.table.get_row_at(row)]
        assert stack in cells, cells  # the COMPOSE column, as typed
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, DetailScreen), 30, "the inspect screen")
        shown = screen_text(app.screen)
        assert not screen_has_no_escape(shown)
        assert PAYLOADS["markup_style"] in shown and PAYLOADS["markup_click"] in shown and "HOSTILE-RED" in shown
        for table in app.screen.query(DataTable):
            for index in range(table.row_count):
                spans = [s for cell in table.get_row_at(index) for s in getattr(cell, "spans", [])]
                assert not spans, f"a cell of data has styles or actions: {spans}"
        await pilot.press("escape")
        # The stack's name in a confirmation dialog, clicked: no action runs, the app stays.
        await select_in_view(pilot, app, "compose", None, stack)
        await pilot.press("S")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), 30, "the confirmation")
        assert stack in screen_text(app.screen)
        await pilot.click(".objects")
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, ConfirmDialog)
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, ConfirmDialog), 10, "the dialog to close")
        assert app.is_running
