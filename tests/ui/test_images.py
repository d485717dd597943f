"""The Images area driven by Pilot against the sandbox's real engine and its local registry (127.0.0.1:5000)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static, TextArea

from tests.conftest import BUSYBOX, unique
from tests.integration.test_docker_images import images_made_by
from tests.ui.test_app_live import app_for, table, until
from tui.adapters.docker_engine import DockerEngine
from tui.adapters.docker_images import Progress, ProgressStream
from tui.adapters.errors import BackendError
from tui.app import PortsideApp
from tui.audit import AuditLog
from tui.views.image_build import BuildForm, ProgressScreen, PrunePreview
from tui.views.images import ImageRow
from widgets.detail_screen import DetailScreen
from widgets.dialogs import ConfirmDialog
from widgets.log_view import LogView
from widgets.prompt import PromptDialog

REGISTRY = "127.0.0.1:5000"
BUILD_TIMEOUT = 120


@pytest.fixture
def images_to_remove(docker_engine: DockerEngine) -> Iterator[list[str]]:
    made: list[str] = []
    yield made
    for reference in reversed(made):
        with contextlib.suppress(BackendError):
            docker_engine.remove_image(reference, force=True)


class ImageSpy(DockerEngine):
    """The real engine, recording which image mutations reached it."""

    def __init__(self) -> None:
        super().__init__()
        self.mutations: list[str] = []

    def build_image(self, *args: Any, **kwargs: Any) -> ProgressStream:
        self.mutations.append("build")
        return super().build_image(*args, **kwargs)

    def pull_image(self, reference: str) -> ProgressStream:
        self.mutations.append("pull")
        return super().pull_image(reference)

    def push_image(self, reference: str) -> ProgressStream:
        self.mutations.append("push")
        return super().push_image(reference)

    def tag_image(self, image_id: str, repository: str, tag: str = "latest") -> None:
        self.mutations.append("tag")
        super().tag_image(image_id, repository, tag)

    def remove_image(self, image: str, *, force: bool = False) -> None:
        self.mutations.append("remove")
        super().remove_image(image, force=force)


def images(app: PortsideApp) -> Any:
    return table(app, "images")


async def open_images(pilot: Pilot[Any], app: PortsideApp) -> None:
    await pilot.press("1")
    await until(pilot, lambda: any(BUSYBOX in r.image.tags for r in images(app).records.values()), what="busybox")


def select(app: PortsideApp, matches: Callable[[ImageRow], bool]) -> ImageRow:
    rows = images(app)
    row: ImageRow = next(r for r in rows.records.values() if matches(r))
    rows.move_cursor(row=rows.get_row_index(row.key))
    return row


def with_tag(tag: str) -> Callable[[ImageRow], bool]:
    return lambda row: tag in row.image.tags


async def answer_prompt(pilot: Pilot[Any], app: PortsideApp, value: str) -> None:
    await until(pilot, lambda: isinstance(app.screen, PromptDialog), what="the prompt")
    app.screen.query_one(Input).value = value
    await pilot.press("enter")


async def finished_progress(pilot: Pilot[Any], app: PortsideApp) -> ProgressScreen:
    await until(pilot, lambda: isinstance(app.screen, ProgressScreen), what="the progress screen")
    screen = app.screen
    assert isinstance(screen, ProgressScreen)
    await until(pilot, lambda: not screen.running, BUILD_TIMEOUT, "the operation to finish")
    return screen


def log_lines(screen: ProgressScreen) -> list[str]:
    return [line.text for line in screen.query_one(LogView).buffer]


async def build(pilot: Pilot[Any], app: PortsideApp, context: Path, tag: str = "", args: str = "") -> None:
    await pilot.press("b")
    await until(pilot, lambda: isinstance(app.screen, BuildForm), what="the build form")
    form = app.screen
    form.query_one("#context", Input).value = str(context)
    form.query_one("#tag", Input).value = tag
    form.query_one("#buildargs", TextArea).text = args
    form.query_one("#tag", Input).focus()
    await pilot.press("enter")


async def test_build_streams_its_output_and_the_layers_view_lists_the_new_image_layers(
    docker_engine: DockerEngine, tmp_path: Path, audit: AuditLog, images_to_remove: list[str], test_namespace: str
) -> None:
    tag = f"portside-test/built:{unique('b')}"
    images_to_remove.append(tag)
    (tmp_path / "Dockerfile").write_text(f"FROM {BUSYBOX}\nRUN echo hi > /hello\nLABEL portside-test=1\n")
    app = app_for(test_namespace, audit)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_images(pilot, app)
        await build(pilot, app, tmp_path, tag)
        progress = await finished_progress(pilot, app)
        assert progress.error is None
        assert "Step 2/3 : RUN echo hi > /hello" in log_lines(progress)
        await pilot.press("escape")
        await until(pilot, lambda: any(with_tag(tag)(r) for r in images(app).records.values()), what="the row")
        row = select(app, with_tag(tag))
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, DetailScreen), what="the layers screen")
        layers = app.screen
        assert isinstance(layers, DetailScreen)
        instructions = [r[3] for r in layers.sections[0].rows]
        assert instructions[:2] == ["LABEL portside-test=1", "RUN echo hi > /hello"]
        assert layers.query_one(DataTable).row_count == len(docker_engine.image_history(tag))
        assert layers.sections[1].title == "Used by (0)"
        await pilot.press("escape")
        await pilot.press("ctrl+d")  # remove: a reversible-risk dialog, then the tag is gone
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="the remove dialog")
        assert app.screen.cli == f"docker rmi {tag}"  # type: ignore[attr-defined]
        await pilot.press("y")
        await until(pilot, lambda: row.key not in images(app).records, 30, "the row to go")
        await until(pilot, lambda: len(audit.read()) == 2, what="the removal's audit record")
    assert all(tag not in i.tags for i in docker_engine.list_images())
    assert [(r["action"], r["result"]) for r in audit.read()] == [("image.build", "ok"), ("image.remove", "ok")]


async def test_failed_build_shows_the_failing_step(
    docker_engine: DockerEngine, tmp_path: Path, audit: AuditLog, images_to_remove: list[str], test_namespace: str
) -> None:
    (tmp_path / "Dockerfile").write_text(
        f"FROM {BUSYBOX}\nRUN echo {unique('no-cache')} > /m\nRUN false\nLABEL portside-test=1\n"
    )
    app = app_for(test_namespace, audit)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_images(pilot, app)
        await build(pilot, app, tmp_path, f"portside-test/broken:{unique('b')}")
        progress = await finished_progress(pilot, app)
        images_to_remove.extend(images_made_by(log_lines(progress)))
        assert progress.error and "Step 3/4 : RUN false" in progress.error
        status = progress.query_one(".progress-status", Static)
        assert status.has_class("-failed") and "Step 3/4 : RUN false" in str(status.render())
    (record,) = audit.read()
    assert record["action"] == "image.build" and "Step 3/4 : RUN false" in record["result"]


async def test_escape_cancels_a_running_build_and_the_audit_says_so(
    docker_engine: DockerEngine, tmp_path: Path, audit: AuditLog, images_to_remove: list[str], test_namespace: str
) -> None:
    tag = f"portside-test/slow:{unique('b')}"
    images_to_remove.append(tag)
    (tmp_path / "Dockerfile").write_text(f"FROM {BUSYBOX}\nRUN sleep 120\nLABEL portside-test=1\n")
    app = app_for(test_namespace, audit)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_images(pilot, app)
        await build(pilot, app, tmp_path, tag)
        await until(pilot, lambda: isinstance(app.screen, ProgressScreen), what="the progress screen")
        progress = app.screen
        assert isinstance(progress, ProgressScreen)
        await until(pilot, lambda: any("Running in" in line for line in log_lines(progress)), 60, "the RUN step")
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, ProgressScreen), what="the screen to close")
        await until(pilot, audit.read, 60, "the audit record")
    (record,) = audit.read()
    assert record["action"] == "image.build" and record["result"].endswith("cancelled")
    assert all(tag not in i.tags for i in docker_engine.list_images())


async def test_build_form_checks_its_input_before_anything_runs(
    tmp_path: Path, audit: AuditLog, test_namespace: str
) -> None:
    app = app_for(test_namespace, audit)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_images(pilot, app)
        error = lambda: str(app.screen.query_one(".form-error", Static).render())  # noqa: E731
        await build(pilot, app, tmp_path / "missing")
        assert "is not a directory" in error()
        app.screen.query_one("#context", Input).value = str(tmp_path)
        await pilot.press("enter")
        assert "does not exist" in error()
        (tmp_path / "Dockerfile").write_text(f"FROM {BUSYBOX}\n")
        app.screen.query_one("#buildargs", TextArea).text = "OK=1\nnot an assignment"
        await pilot.press("enter")
        assert "line 2" in error()
        app.screen.query_one("#tag", Input).value = "Not A Tag"
        await pilot.press("enter")
        assert "not an image reference" in error()
        assert isinstance(app.screen, BuildForm)
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, BuildForm), what="the form to close")
    assert audit.read() == []


def no_client() -> Any:
    raise AssertionError("this stream is never started")


async def test_a_finished_operation_shows_its_last_lines_with_its_last_word() -> None:
    """ "done" appears with every line of the stream shown: the log view's own batching (~50 ms) would
    otherwise leave a pull's last line ("Status: ...") out of the screen that already says it finished."""
    never_started = ProgressStream("pull x", client=no_client, start=lambda client: iter(()))
    screen = ProgressScreen("Pull x", never_started)
    app: App[None] = App()
    async with app.run_test(size=(120, 40)) as pilot:
        await app.push_screen(screen)
        await pilot.pause()
        for n in range(3):
            screen.feed(Progress(line=f"line {n}"))
        screen.finish(None)
        screen._drain()  # what the screen's timer does, called here so that nothing runs in between
        assert not screen.running
        assert log_lines(screen)[-3:] == ["line 0", "line 1", "line 2"]


async def test_tag_push_and_pull_through_the_local_registry(
    docker_engine: DockerEngine, audit: AuditLog, images_to_remove: list[str], test_namespace: str
) -> None:
    reference = f"{REGISTRY}/portside-test/busybox:{unique('t')}"
    images_to_remove.append(reference)
    app = app_for(test_namespace, audit)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_images(pilot, app)
        select(app, with_tag(BUSYBOX))
        await pilot.press("t")
        await answer_prompt(pilot, app, reference)
        await until(pilot, lambda: any(with_tag(reference)(r) for r in images(app).records.values()), what="tag")
        select(app, with_tag(reference))
        await pilot.press("P")
        await answer_prompt(pilot, app, reference)
        pushed = await finished_progress(pilot, app)
        assert pushed.error is None
        layer_rows = pushed.query_one("#layers", DataTable)
        assert layer_rows.row_count >= 1  # one row per layer, updated in place
        states = {str(layer_rows.get_row_at(n)[1]) for n in range(layer_rows.row_count)}
        assert states & {"Pushed", "Layer already exists"}
        await pilot.press("escape")
        docker_engine.remove_image(reference)
        await until(pilot, lambda: not any(with_tag(reference)(r) for r in images(app).records.values()))
        await pilot.press("p")
        await answer_prompt(pilot, app, reference)
        pulled = await finished_progress(pilot, app)
        assert pulled.error is None
        assert any(line.startswith("Status: ") for line in log_lines(pulled))
        await pilot.press("escape")
        await until(pilot, lambda: any(with_tag(reference)(r) for r in images(app).records.values()), what="pull")
    assert reference in {t for i in docker_engine.list_images() for t in i.tags}
    assert [(r["action"], r["result"]) for r in audit.read()] == [
        ("image.tag", "ok"),
        ("image.push", "ok"),
        ("image.pull", "ok"),
    ]


async def test_readonly_refuses_every_image_mutation_without_asking(audit: AuditLog, test_namespace: str) -> None:
    spy = ImageSpy()
    app = app_for(test_namespace, audit, readonly=True, docker=spy)
    keys = {
        "p": "image.pull",
        "P": "image.push",
        "b": "image.build",
        "t": "image.tag",
        "ctrl+d": "image.remove",
        "ctrl+x": "image.remove_force",
        "ctrl+o": "image.prune",
    }
    async with app.run_test(size=(120, 40)) as pilot:
        await open_images(pilot, app)
        select(app, with_tag(BUSYBOX))
        for n, key in enumerate(keys, start=1):
            await pilot.press(key)
            await until(pilot, lambda n=n: len(audit.read()) == n, what=f"the refusal of {key}")  # type: ignore[misc]
            assert app.screen is app.screen_stack[0]  # no prompt, form, preview or dialog was opened
    assert spy.mutations == []
    assert [(r["action"], r["confirmation"]) for r in audit.read()] == [(a, "refused") for a in keys.values()]


async def test_dangling_images_are_hidden_until_toggled_and_prune_previews_then_removes_them(
    docker_engine: DockerEngine, tmp_path: Path, audit: AuditLog, images_to_remove: list[str], test_namespace: str
) -> None:
    (tmp_path / "Dockerfile").write_text(f"FROM {BUSYBOX}\nLABEL portside-test=1 marker={unique('m')}\n")
    stream = docker_engine.build_image(str(tmp_path), "Dockerfile", None)  # untagged: dangling
    list(stream)
    dangling = stream.image_id
    assert dangling
    images_to_remove.append(dangling)
    app = app_for(test_namespace, audit)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_images(pilot, app)
        view = app.screen.query_one("#images-view")
        await until(pilot, lambda: dangling in view.images, what="the dangling image in the feed")  # type: ignore[attr-defined]
        assert dangling not in images(app).records
        await pilot.press("a")
        await until(pilot, lambda: dangling in images(app).records, what="the dangling row")
        assert images(app).records[dangling].name == "<none>:<none>"
        await pilot.press("ctrl+o")
        await until(pilot, lambda: isinstance(app.screen, PrunePreview), what="the prune preview")
        preview = app.screen
        assert isinstance(preview, PrunePreview)
        assert dangling in {i.id for i in preview.preview.images}
        assert "Total: " in str(preview.query_one(".total", Static).render())
        await pilot.click("#continue")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="the typed confirmation")
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog) and dialog.typed_word is not None
        assert dialog.cli == "docker image prune --force"
        dialog.query_one("#typed", Input).value = dialog.typed_word
        await pilot.press("enter")
        await until(pilot, lambda: dangling not in images(app).records, 30, "the pruned row to go")
        await pilot.press("a")
        await until(pilot, lambda: all(not r.dangling for r in images(app).records.values()), what="hidden again")
    assert all(i.id != dangling for i in docker_engine.dangling_images().images)
    (record,) = audit.read()
    assert (record["action"], record["confirmation"], record["result"]) == ("image.prune", "typed", "ok")


async def test_used_by_counts_containers_and_the_layers_view_names_them(
    container_factory: Callable[..., str], audit: AuditLog, test_namespace: str
) -> None:
    name = unique("pt-user")
    container_factory(name=name, start=False)
    app = app_for(test_namespace, audit)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_images(pilot, app)
        row = select(app, with_tag(BUSYBOX))
        await until(pilot, lambda: (images(app).records[row.key].used_by or 0) >= 1, what="the USED BY count")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, DetailScreen), what="the layers screen")
        used_by = app.screen.sections[1]  # type: ignore[attr-defined]
        assert name in {r[0] for r in used_by.rows}
