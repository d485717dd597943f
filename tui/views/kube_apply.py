"""Apply a manifest file (``f`` in the Kubernetes area) and edit an object's YAML in $EDITOR (``e``).

Both show a plan first (a server-side dry run: create, configure with the changed paths, unchanged, or an error
located as ``file:line: kind/name: message``), then go through the gateway (``manifest.apply``,
``<kind>.edit``). The editor runs as an argv list with the app suspended, on a 0600 file in a private temporary
directory removed afterwards; an edit that cannot be applied is offered back to the editor, never dropped
silently.
"""

from __future__ import annotations

import asyncio
import os
import re
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult, SuspendNotSupported
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import DataTable, Static

from tui.actions import ActionObject, Gateway, Outcome
from tui.adapters import kube_apply as ka
from tui.adapters.errors import BackendError, Conflict
from tui.adapters.kube_cluster import KubeCluster
from tui.adapters.kube_manifest import ManifestError, read_manifest
from tui.views.kube_view import KubeView
from widgets.key_bar import KeyBar
from widgets.prompt import PromptDialog

ALERT_STYLE = "bold reverse"  # an error row (colours come from the theme, in CSS)
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
MAX_SUGGESTIONS = 300
MAX_SCANNED_DIRS = 2000
SCAN_DEPTH = 3
SKIPPED_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", ".mypy_cache", ".ruff_cache"}
HEADLESS_EDITOR_SECONDS = 60  # no terminal to hand over (tests, scripts): the editor must not hang the app


# ---- screens


class PlanScreen(ModalScreen[bool]):
    """A plan (or, after applying, the results): one row per document; errors listed with file:line.
    ``a`` or enter dismisses with True (the caller then asks the gateway); escape with False."""

    DEFAULT_CSS = """
    PlanScreen { align: center middle; }
    PlanScreen > Vertical {
        width: 95%; height: 90%; border: thick $primary; background: $surface; padding: 0 1;
    }
    PlanScreen .plan-title { text-style: bold; height: auto; }
    PlanScreen DataTable { height: 1fr; }
    PlanScreen .plan-errors { color: $error; height: auto; max-height: 12; overflow-y: auto; }
    PlanScreen .plan-hint { color: $text-muted; height: auto; }
    """
    BINDINGS = [
        Binding("escape,q", "close", "Back"),
        Binding("a", "apply", "Apply", id="kube.plan.apply"),
    ]

    def __init__(
        self,
        title: str,
        rows: Iterable[tuple[str, str, str, str]],
        problems: Iterable[str] = (),
        *,
        can_apply: bool,
        hint: str = "",
    ) -> None:
        super().__init__()
        self.title_text = title
        self.rows = list(rows)
        self.problems = list(problems)
        self.can_apply = can_apply
        self.hint = hint or ("a or enter: apply · escape: back" if can_apply else "escape: back")

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.title_text), classes="plan-title")
            table: DataTable[Text] = DataTable(cursor_type="row", id="plan-table")
            table.add_columns("ACTION", "KIND", "NAMESPACE/NAME", "CHANGES")
            for action, kind, name, changes in self.rows:
                failed = action in (ka.Action.ERROR, "failed")
                table.add_row(
                    Text(action, style=ALERT_STYLE if failed else ""), Text(kind), Text(name), Text(changes)
                )
            yield table
            if self.problems:
                yield Static(Text("\n".join(self.problems)), classes="plan-errors")
            yield Static(Text(self.hint), classes="plan-hint")
        yield KeyBar()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.can_apply if action == "apply" else True

    def action_apply(self) -> None:
        if self.can_apply:
            self.dismiss(True)

    def action_close(self) -> None:
        self.dismiss(False)

    @on(DataTable.RowSelected)
    def _enter(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_apply()


class ReopenDialog(ModalScreen[bool]):
    """Why an edit was not applied; ``e`` or enter re-opens the editor on the text, escape discards it."""

    DEFAULT_CSS = """
    ReopenDialog { align: center middle; }
    ReopenDialog > Vertical {
        width: 90%; max-width: 110; height: auto; max-height: 90%;
        border: thick $error; background: $surface; padding: 1 2;
    }
    ReopenDialog .reopen-title { text-style: bold; margin-bottom: 1; }
    ReopenDialog .reopen-problems { color: $error; height: auto; max-height: 16; overflow-y: auto; }
    ReopenDialog .reopen-hint { color: $text-muted; margin-top: 1; }
    """
    BINDINGS = [
        Binding("e,enter", "answer(True)", "Re-open editor"),
        Binding("escape", "answer(False)", "Discard the edit"),
    ]

    def __init__(self, title: str, problems: list[str]) -> None:
        super().__init__()
        self.title_text = title
        self.problems = problems

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.title_text), classes="reopen-title")
            yield Static(Text("\n".join(self.problems)), classes="reopen-problems")
            yield Static(Text("e or enter: re-open the editor on it · escape: discard it"), classes="reopen-hint")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


def plan_rows(
    items: Iterable[ka.PlanItem], outcomes: dict[str, str] | None = None
) -> list[tuple[str, str, str, str]]:
    """(action, kind, namespace/name, changes) per document; after applying, the action is its outcome."""
    rows = []
    for item in items:
        doc = item.document
        name = f"{item.namespace}/{doc.name}" if item.namespace else doc.name
        action = str(item.action) if outcomes is None else outcomes.get(item.key, "not applied")
        changes = ", ".join(item.changes) if item.action is ka.Action.CONFIGURE else ""
        rows.append((action, doc.kind, name, changes))
    return rows


# ---- apply a manifest file


def manifest_candidates(base: str) -> list[str]:
    """Manifest-looking files under ``base`` (relative, a few levels deep, bounded): the prompt's completions."""
    found: list[str] = []
    root_depth = base.rstrip(os.sep).count(os.sep)
    for scanned, (directory, dirs, files) in enumerate(os.walk(base)):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not d.startswith("."))
        if directory.count(os.sep) - root_depth >= SCAN_DEPTH:
            dirs[:] = []
        found += [
            os.path.relpath(os.path.join(directory, name), base)
            for name in sorted(files)
            if name.endswith(MANIFEST_SUFFIXES)
        ]
        if len(found) >= MAX_SUGGESTIONS or scanned >= MAX_SCANNED_DIRS:  # a home directory can be huge
            break
    return found[:MAX_SUGGESTIONS]


def file_problem(value: str) -> str | None:
    path = os.path.abspath(os.path.expanduser(value))
    if os.path.isfile(path):
        return None
    return f"{path} is a directory: name a manifest file" if os.path.isdir(path) else f"{path}: no such file"


async def apply_manifest(host: Widget, cluster: KubeCluster, gateway: Gateway) -> None:
    """Ask for a file, show its plan, apply it through the gateway, show what each document did."""
    app = host.app
    target = f"kube {await asyncio.to_thread(lambda: cluster.context)}"
    if gateway.is_readonly(target):  # refused (and audited) before any question
        result = await gateway.execute("manifest.apply", target, [], lambda _: None)
        host.notify(result.message, severity="error")
        return
    base = os.getcwd()
    suggestions = await asyncio.to_thread(manifest_candidates, base)
    answer = await app.push_screen_wait(
        PromptDialog(
            "Apply a manifest file (one or more YAML documents):",
            placeholder="deployment.yaml",
            validate=file_problem,
            hint=f"relative paths start at {base}; → takes the suggestion",
            suggestions=suggestions,
        )
    )
    if not answer:
        return
    path = os.path.abspath(os.path.expanduser(answer))
    try:
        manifest = await asyncio.to_thread(read_manifest, path)
    except ManifestError as error:
        problems = [str(p) for p in error.problems]
        await app.push_screen_wait(PlanScreen(f"{path}: nothing can be applied", [], problems, can_apply=False))
        return
    items = await asyncio.to_thread(ka.plan_manifest, cluster, manifest)
    problems = [str(p) for p in manifest.problems] + [i.problem for i in items if i.action is ka.Action.ERROR]
    count = len(items)
    title = f"Plan for {path}: {count} object{'s' if count != 1 else ''} (server-side dry run)"
    if not items and not problems:
        host.notify(f"{path} holds no objects: nothing to apply.", severity="warning")
        return
    hint = "fix the errors first: nothing is applied while a document fails · escape: back" if problems else ""
    plan = PlanScreen(title, plan_rows(items), problems, can_apply=bool(items) and not problems, hint=hint)
    if not await app.push_screen_wait(plan):
        return
    by_key = {item.key: item for item in items}
    outcomes: dict[str, str] = {}  # document key -> what applying it did
    failures: list[str] = []

    def perform(obj: ActionObject) -> None:
        item = by_key[obj.id]
        try:
            created = ka.apply_document(cluster, item.document)
        except BackendError as error:
            outcomes[obj.id] = "failed"
            failures.append(str(error))
            raise
        unchanged = item.action is ka.Action.UNCHANGED
        outcomes[obj.id] = "created" if created else "unchanged" if unchanged else "configured"

    objects = [ActionObject(i.key, i.document.label, i.namespace) for i in items]
    result = await gateway.execute("manifest.apply", target, objects, perform, details={"names": path})
    if result.outcome in (Outcome.DONE, Outcome.FAILED):
        heading = f"Applied {path}" if result.outcome is Outcome.DONE else f"{path}: some documents failed"
        app.push_screen(PlanScreen(heading, plan_rows(items, outcomes), failures, can_apply=False))
    else:
        host.notify(result.message, severity="information" if result.outcome is Outcome.DECLINED else "error")


# ---- edit one object in $VISUAL / $EDITOR


def editor_argv() -> list[str]:
    """$VISUAL, else $EDITOR, else vi, split as a shell would split words (never run by a shell)."""
    return shlex.split(os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi")


async def run_editor(app: App[Any], path: Path) -> int | str:
    """The editor's exit status, or why it could not run. The terminal is handed over while it runs."""
    try:
        argv = [*editor_argv(), str(path)]
    except ValueError as error:
        return f"cannot read $VISUAL/$EDITOR: {error}"
    try:
        if app.is_headless:  # no terminal to hand over: run it detached from the (absent) terminal
            done = await asyncio.to_thread(
                subprocess.run, argv, stdin=subprocess.DEVNULL, check=False, timeout=HEADLESS_EDITOR_SECONDS
            )
            return done.returncode
        with app.suspend():
            return subprocess.run(argv, check=False).returncode  # argv list, never a shell string
    except FileNotFoundError:
        return f"editor not found: {argv[0]} (set $VISUAL or $EDITOR)"
    except OSError as error:
        return f"cannot run the editor {argv[0]}: {error.strerror or error}"
    except subprocess.TimeoutExpired:
        return f"the editor did not exit within {HEADLESS_EDITOR_SECONDS}s"
    except SuspendNotSupported:
        return "this terminal cannot be handed over to an editor (Textual web?)"


def start_edit(view: KubeView, cluster: KubeCluster, kind: str) -> None:
    """``e`` in a Kubernetes view: edit the object under the cursor (one at a time)."""
    record = view.table.selected
    if record is None:
        view.notify("Nothing selected", severity="warning")
        return
    view.run_worker(edit_object(view, cluster, kind, record), group="actions", exit_on_error=False)


async def edit_object(view: KubeView, cluster: KubeCluster, kind: str, record: Any) -> None:
    action_id = f"{kind}.edit"
    if view.gateway.is_readonly(view.target()):  # refused (and audited) before the editor opens
        await view.execute(action_id, [record], lambda _: None)
        return
    if not await view.permitted(action_id, [record]):  # RBAC first: say no before the editor opens
        return
    try:
        session = await asyncio.to_thread(ka.open_for_edit, cluster, kind, record.namespace, record.name)
    except BackendError as error:
        view.notify(str(error), severity="error")
        return
    workdir = Path(tempfile.mkdtemp(prefix="portside-edit-"))  # 0700: only this user reads the copy
    try:
        await _edit_loop(view, cluster, session, workdir, action_id, record)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


class _NotApplied(Exception):
    """An edit that could not be applied: why (shown), and the edited text goes back to the editor if asked."""

    def __init__(self, title: str, problems: list[str]) -> None:
        super().__init__(title)
        self.title, self.problems = title, problems


async def _edit_loop(
    view: KubeView, cluster: KubeCluster, session: ka.EditSession, workdir: Path, action_id: str, record: Any
) -> None:
    """Editor, plan, gateway; an edit that fails goes back to the editor until it is applied or discarded."""
    label = f"{session.kind} {session.namespace}/{session.name}" if session.namespace else session.name
    path = workdir / f"{session.kind}-{re.sub(r'[^A-Za-z0-9_.-]', '_', session.name)}.yaml"
    text = session.text
    while True:
        _write_private(path, text)
        status = await run_editor(view.app, path)
        if isinstance(status, str):
            view.notify(status, severity="error")
            return
        if status != 0:
            view.notify(f"The editor exited with status {status}: nothing applied.", severity="warning")
            return
        edited = path.read_text(encoding="utf-8", errors="replace")
        if edited == session.text:
            view.notify(f"{label}: no changes, nothing applied.")
            return
        try:
            await _plan_and_replace(view, cluster, session, edited, label, action_id, record)
            return
        except Conflict as conflict:
            fresh = await _reopen_fresh(view, cluster, session, edited, str(conflict))
            if fresh is None:
                return
            session, text = fresh
        except _NotApplied as why:
            if not await _reopen(view, why.title, why.problems):
                return
            text = edited


async def _plan_and_replace(
    view: KubeView,
    cluster: KubeCluster,
    session: ka.EditSession,
    edited: str,
    label: str,
    action_id: str,
    record: Any,
) -> None:
    """Parse, dry-run, show the plan, then replace through the gateway. Raises Conflict or _NotApplied."""
    try:
        document = ka.edited_document(session, edited, f"{label} (edited)")
    except ManifestError as error:
        raise _NotApplied(f"{label}: the edit cannot be applied", [str(p) for p in error.problems]) from None
    try:
        item = await asyncio.to_thread(ka.plan_edit, cluster, session, document)
    except Conflict:
        raise
    except BackendError as error:
        raise _NotApplied(f"{label}: the edit cannot be applied", [str(error)]) from None
    if item.action is ka.Action.UNCHANGED:
        view.notify(f"{label}: the edit changes nothing on the server; nothing applied.")
        return
    if item.action is ka.Action.ERROR:
        raise _NotApplied(f"{label}: the server refuses the edit", [item.problem])
    plan = PlanScreen(f"Edit {label}: {', '.join(item.changes)}", plan_rows([item]), can_apply=True)
    if not await view.app.push_screen_wait(plan):
        raise _NotApplied(f"{label}: not applied", ["You went back from the plan."])
    failure: list[BackendError] = []
    outcome = await view.execute(action_id, [record], _replacer(cluster, session, document, failure))
    if outcome is Outcome.FAILED and failure:
        if isinstance(failure[0], Conflict):
            raise failure[0]
        raise _NotApplied(f"{label}: the edit failed", [str(failure[0])])


def _replacer(
    cluster: KubeCluster, session: ka.EditSession, document: Any, failure: list[BackendError]
) -> Callable[[ActionObject], None]:
    """The gateway's perform for an edit; keeps the error, so that a Conflict can offer the fresh object."""

    def perform(_: ActionObject) -> None:
        try:
            ka.replace_object(cluster, session, document)
        except BackendError as error:
            failure.append(error)
            raise

    return perform


async def _reopen(view: KubeView, title: str, problems: list[str]) -> bool:
    answer: bool = await view.app.push_screen_wait(ReopenDialog(title, problems))
    return answer


async def _reopen_fresh(
    view: KubeView, cluster: KubeCluster, session: ka.EditSession, edited: str, why: str
) -> tuple[ka.EditSession, str] | None:
    """After a Conflict: offer the object as it is now, with the edit kept below it as comments."""
    title = f"{session.kind} {session.name} changed on the server since you opened it"
    if not await _reopen(view, title, [why, "Re-open shows the current version with your edit as comments."]):
        return None
    try:
        fresh = await asyncio.to_thread(ka.open_for_edit, cluster, session.kind, session.namespace, session.name)
    except BackendError as error:
        view.notify(str(error), severity="error")
        return None
    return fresh, ka.with_previous_edit(fresh, edited)


def _write_private(path: Path, text: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
