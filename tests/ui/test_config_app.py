"""The config file in the running app: key overrides, per-target policies, themes, warnings, NO_COLOR.

Policies are tested against the sandbox's real engines; the shell-only behaviours (keys, frame, theme, warnings)
use the fixed backends, as tests/ui/test_app_shell.py does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.color import Color

from tests.conftest import pod_manifest, unique
from tests.ui.fixed_backends import FixedDocker, FixedKube
from tests.ui.test_app_live import SpyEngine, table, until
from tui.adapters.docker_engine import DockerEngine
from tui.adapters.kube_cluster import KubeCluster
from tui.app import PortsideApp, make_app
from tui.audit import AuditLog
from tui.cli import parse_args, read_config
from tui.config import Config, load_config
from widgets.dialogs import ConfirmDialog
from widgets.prompt import PromptDialog
from widgets.target_bar import TargetBar


def config_file(tmp_path: Path, text: str) -> Config:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return load_config(path)


def fixed_app(tmp_path: Path, config: Config) -> PortsideApp:
    return make_app(FixedDocker(), FixedKube(), AuditLog(tmp_path / "audit.jsonl"), config=config)


def notifications(app: PortsideApp) -> list[tuple[str, str]]:
    return [(n.severity, n.message) for n in app._notifications]


# ---- keys


async def test_a_keymap_override_from_the_config_file_takes_effect(tmp_path: Path) -> None:
    app = fixed_app(tmp_path, config_file(tmp_path, '[keys]\n"app.jump" = "g"\n'))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("colon")  # the default key no longer opens the prompt
        await pilot.pause()
        assert not isinstance(app.screen, PromptDialog)
        await pilot.press("g")
        await until(pilot, lambda: isinstance(app.screen, PromptDialog), 10, "the go-to prompt on g")


async def test_an_action_key_remapped_in_the_config_file_stops_through_the_new_key(
    container_factory: Callable[..., str], tmp_path: Path, audit: AuditLog
) -> None:
    cid = container_factory(network_disabled=True)  # needs no network: independent of the bridge
    config = config_file(tmp_path, '[keys]\ncontainer.stop = "ctrl+s"\n')
    app = make_app(DockerEngine(), KubeCluster(context="sandbox-admin"), audit, config=config)
    async with app.run_test(size=(120, 40)) as pilot:
        rows = table(app, "containers")
        await until(pilot, lambda: cid in rows.records, what="the container row")
        rows.move_cursor(row=rows.get_row_index(cid))
        await pilot.press("S")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmDialog)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="the stop confirmation")
        assert app.screen.cli.startswith("docker stop ")  # type: ignore[attr-defined]
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, ConfirmDialog), what="the dialog to close")
    assert [r["action"] for r in audit.read()] == ["container.stop"]


# ---- per-target policies, on the real sandbox


async def ask_to_delete_pod(app: PortsideApp, pilot: object, name: str) -> ConfirmDialog:
    """Open the delete confirmation for the pod called ``name`` in the Kubernetes area."""
    await pilot.press("4")  # type: ignore[attr-defined]
    rows = table(app, "pods")
    await until(pilot, lambda: any(p.name == name for p in rows.records.values()), 60, "the pod row")  # type: ignore[arg-type]
    uid = next(p.uid for p in rows.records.values() if p.name == name)
    rows.move_cursor(row=rows.get_row_index(uid))
    await pilot.press("ctrl+d")  # type: ignore[attr-defined]
    await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="the confirmation")  # type: ignore[arg-type]
    assert isinstance(app.screen, ConfirmDialog)
    return app.screen


async def test_a_protected_context_asks_for_the_typed_name_where_an_unprotected_one_asks_yes_no(
    kube_admin: KubeCluster, test_namespace: str, tmp_path: Path, audit: AuditLog
) -> None:
    name = unique("guarded")
    kube_admin.request("POST", f"/api/v1/namespaces/{test_namespace}/pods", body=pod_manifest(name))

    async def confirmation_with(policy: str) -> tuple[str | None, bool, tuple[str, ...]]:
        """The typed word the delete dialog asks for, whether it says why, and the kube side's badges."""
        cluster = KubeCluster(context="sandbox-admin", namespace=test_namespace)
        app = make_app(DockerEngine(), cluster, audit, config=config_file(tmp_path, policy))
        async with app.run_test(size=(120, 40)) as pilot:
            dialog = await ask_to_delete_pod(app, pilot, name)
            badges = app.screen_stack[0].query_one(TargetBar).kube_badges
            await pilot.press("escape")
            await until(pilot, lambda: not isinstance(app.screen, ConfirmDialog), what="the dialog to close")
            return dialog.typed_word, "protected" in dialog.title_text, badges

    policy = '[[policy]]\nmatch = "^{}$"\nbackend = "kube"\nprotected = true\n'
    assert await confirmation_with(policy.format("sandbox-admin")) == (name, True, ("PROTECTED",))
    assert await confirmation_with(policy.format("prod-eu")) == (None, False, ())
    assert [r["confirmation"] for r in audit.read()] == ["declined", "declined"]
    assert (
        kube_admin.request("GET", f"/api/v1/namespaces/{test_namespace}/pods/{name}")["metadata"]["name"] == name
    )


async def test_a_readonly_docker_target_refuses_and_shows_read_only_on_its_side(
    docker_engine: DockerEngine, container_factory: Callable[..., str], tmp_path: Path, audit: AuditLog
) -> None:
    cid = container_factory(network_disabled=True)  # needs no network: independent of the bridge
    spy = SpyEngine()
    config = config_file(
        tmp_path, f"[[policy]]\nmatch = '^{re.escape(spy.endpoint)}$'\nbackend = \"docker\"\nreadonly = true\n"
    )
    app = make_app(spy, KubeCluster(context="sandbox-admin"), audit, config=config)
    async with app.run_test(size=(120, 40)) as pilot:
        rows = table(app, "containers")
        await until(pilot, lambda: cid in rows.records, what="the container row")
        bar = app.screen.query_one(TargetBar)
        assert bar.docker_badges == ("READ-ONLY",) and bar.kube_badges == ()
        assert not bar.readonly  # the app itself is not read-only: only that target
        rows.move_cursor(row=rows.get_row_index(cid))
        await pilot.press("S")
        await until(pilot, audit.read, what="the audit record of the refusal")
        assert not isinstance(app.screen, ConfirmDialog)
    assert spy.mutations == []
    assert docker_engine.get_container(cid).state == "running"  # type: ignore[union-attr]
    [record] = audit.read()
    assert (record["confirmation"], record["target"]) == ("refused", f"docker {spy.endpoint}")


async def test_the_frame_shows_the_policy_colour_of_the_current_areas_target(tmp_path: Path) -> None:
    config = config_file(tmp_path, '[[policy]]\nmatch = "^prod-"\nbackend = "kube"\ncolor = "#ff0000"\n')
    app = fixed_app(tmp_path, config)  # the fixed kube context is "prod-eu"
    async with app.run_test(size=(120, 30)) as pilot:
        bar = app.screen.query_one(TargetBar)
        await until(pilot, lambda: bar.kube[1] == "ok", 10, "the kube side")
        assert bar.kube_color == "#ff0000" and bar.docker_color == ""
        assert not app.screen.has_class("-policy-frame")  # the Containers area acts on Docker
        await pilot.press("4")
        await until(pilot, lambda: app.screen.has_class("-policy-frame"), 10, "the frame on the Kubernetes area")
        assert app.screen.styles.border_top == ("heavy", Color.parse("#ff0000"))
        await pilot.press("1")
        await until(pilot, lambda: not app.screen.has_class("-policy-frame"), 10, "no frame on Images")
        assert app.screen.styles.border_top[0] in ("", "none")


# ---- a broken file, themes


async def test_a_broken_config_file_starts_the_app_with_a_warning(tmp_path: Path) -> None:
    config = config_file(tmp_path, 'theme = "portside-light"\n[keys\n"app.jump" = "g"\n')
    app = fixed_app(tmp_path, config)
    async with app.run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: notifications(app), 10, "the config warning")
        [(severity, message)] = notifications(app)
        assert severity == "warning"
        assert message.startswith(f"{tmp_path / 'config.toml'}:2: TOML syntax error")
        assert app.theme == "portside-dark"  # every default
        await pilot.press("1")
        await until(pilot, lambda: app.screen.query_one("#areas").active == "images", 10, "the app to work")  # type: ignore[attr-defined]


async def test_config_warnings_name_file_and_line_and_stay_for_the_help_screen(tmp_path: Path) -> None:
    config = config_file(tmp_path, 'theme = "nope"\n[keys]\n"container.stp" = "x"\n[logs]\nbuffer_lines = 1\n')
    app = fixed_app(tmp_path, config)
    async with app.run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: notifications(app), 10, "the config warning")
        path = tmp_path / "config.toml"
        assert [w.split(": ")[0] for w in app.config.warnings] == [f"{path}:1", f"{path}:3", f"{path}:5"]
        [(severity, message)] = notifications(app)
        assert severity == "warning" and message == "\n".join(app.config.warnings)


@pytest.mark.parametrize("theme", ["portside-light", "portside-contrast", "textual-light", "nord"])
async def test_the_config_theme_is_applied_ours_or_textuals(tmp_path: Path, theme: str) -> None:
    app = fixed_app(tmp_path, config_file(tmp_path, f'theme = "{theme}"\n'))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert app.theme == theme
        assert app.config.warnings == []


async def test_the_theme_flag_wins_over_the_config_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('theme = "portside-light"\n')
    config = read_config(parse_args(["--config", str(path), "--theme", "portside-contrast"]))
    app = fixed_app(tmp_path, config)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert app.theme == "portside-contrast"


async def test_no_color_renders_the_app_without_hue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def hues(app: PortsideApp) -> set[tuple[int, int, int]]:
        found = set()
        for strip in app.screen._compositor.render_strips():
            for segment in strip:
                for colour in (segment.style.color, segment.style.bgcolor) if segment.style else ():
                    if colour is not None and colour.triplet is not None:
                        r, g, b = colour.triplet
                        if not r == g == b:
                            found.add((r, g, b))
        return found

    coloured = fixed_app(tmp_path, Config())
    async with coloured.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert hues(coloured)  # the check can fail: normally there is colour
    monkeypatch.setenv("NO_COLOR", "1")
    plain = fixed_app(tmp_path, Config())
    async with plain.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert plain.no_color
        assert hues(plain) == set()


async def test_our_themes_are_in_textuals_theme_picker(tmp_path: Path) -> None:
    app = fixed_app(tmp_path, Config())
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert {"portside-dark", "portside-light", "portside-contrast", "textual-dark"} <= set(
            app.available_themes
        )


def test_readonly_in_the_config_file_makes_the_whole_app_read_only(tmp_path: Path) -> None:
    app = fixed_app(tmp_path, config_file(tmp_path, "readonly = true\n"))
    assert app.readonly and app.gateway.readonly
    assert not fixed_app(tmp_path, Config()).gateway.readonly


async def test_at_80_columns_the_target_bar_keeps_every_badge_in_short_form(tmp_path: Path) -> None:
    config = config_file(
        tmp_path,
        '[[policy]]\nmatch = "prod-eu"\nreadonly = true\nprotected = true\n'
        '[[policy]]\nmatch = "docker.sock"\nprotected = true\n',
    )
    app = fixed_app(tmp_path, config)
    async with app.run_test(size=(120, 24)) as pilot:
        bar = app.screen.query_one(TargetBar)
        await until(pilot, lambda: bar.kube_badges == ("READ-ONLY", "PROTECTED"), 10, "the kube badges")
        assert str(bar.render()).endswith("PROTECTED  │ kube prod-eu/demo v1.20.2  READ-ONLY   PROTECTED ")
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        line = str(bar.render())
        assert line.endswith("PROT  │ kube prod-eu/demo v1.20.2  RO   PROT ")
        assert len(line) <= bar.size.width
