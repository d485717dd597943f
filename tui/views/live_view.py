"""LiveView: a ResourceTable kept live by an adapter feed consumed in a thread worker.

adapter feed (blocking, in a thread) -> LiveView.FeedDelta message -> handler on the event loop -> table.
The worker only does I/O and posts messages; the handler is the only place the table changes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static
from textual.worker import get_current_worker

from tui.actions import ActionObject, Gateway, Outcome, actions_for
from tui.adapters.docker_engine import DockerEngine
from tui.adapters.errors import Forbidden
from tui.adapters.live import LiveFeed
from tui.adapters.models import Deleted, Delta, Disconnected, Snapshot, Upserted
from widgets.resource_table import Column, ResourceTable
from widgets.text_index import TextIndex

INDEX_SLICE = 2_000  # records given a search text between two yields to the event loop (~20 ms)
HIDDEN_START_DELAY = 0.3  # seconds after the shown view's first list before the hidden areas open


class LiveView(Vertical):
    """An area showing one resource kind. Subclasses set COLUMNS, BACKEND and ``open_feed``."""

    COLUMNS: list[Column] = []
    BACKEND = "docker"  # which backend's health this view reports: "docker" or "kube"
    NOUN = "objects"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter", id="view.filter"),
        Binding("space", "mark", "Mark", id="view.mark", show=False),
        Binding("o", "sort", "Sort", id="view.sort", show=False),
        Binding("escape", "clear", "Clear filter / marks", id="view.clear", show=False),
    ]

    class FeedDelta(Message):
        def __init__(self, delta: Delta[Any]) -> None:
            super().__init__()
            self.delta = delta

    class BackendHealth(Message):
        """Bubbles to the app: the backend answered (ok) or failed (error text)."""

        def __init__(self, backend: str, ok: bool, detail: str = "") -> None:
            super().__init__()
            self.backend, self.ok, self.detail = backend, ok, detail

    class Settled(Message):
        """Bubbles to the app: this view's first list has been on screen a moment (the hidden areas may open)."""

    def __init__(self, open_feed: Callable[[], LiveFeed[Any]], gateway: Gateway, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.open_feed = open_feed
        self.gateway = gateway
        self.feed: LiveFeed[Any] | None = None
        self.last_updated: datetime | None = None
        self.records: dict[str, Any] = {}  # everything the feed knows; the table shows those that pass shows()
        self.filter_text = ""
        self.search_index = TextIndex(())  # made in compose(): some views set their COLUMNS after __init__
        self._status: tuple[str, bool] | None = None
        self._started = False
        self._unmounted = False
        self._table: ResourceTable | None = None
        self._listing: set[str] | None = None  # keys of the list arriving page by page; None once synced

    def compose(self) -> ComposeResult:
        self.search_index = TextIndex(c.render for c in self.COLUMNS if not c.volatile)  # ages: not filtered on
        yield Static(Text("loading…"), classes="view-status")
        yield Input(placeholder="filter: text in any column (escape clears)", classes="view-filter")
        yield ResourceTable(self.COLUMNS)

    def shows(self, record: Any) -> bool:
        """Whether a record is listed: the filter, and the view's own toggles (subclasses extend)."""
        if not self.filter_text:
            return True
        return self.filter_text.casefold() in self.search_index.text(record)

    def refilter(self) -> None:
        if type(self).shows is not LiveView.shows:  # the view's own toggles too: a call per record
            self.table.apply_snapshot([r for r in self.records.values() if self.shows(r)])
        elif self.filter_text:  # the text alone: C-level passes over the records
            self.table.apply_snapshot(self.search_index.matching(self.records, self.filter_text))
        else:
            self.table.apply_snapshot(list(self.records.values()))

    # ---- filter, marks, sort

    def set_filter(self, text: str) -> None:
        """Show only records matching ``text`` (as if typed after /)."""
        box = self.query_one(".view-filter", Input)
        box.add_class("-open")
        box.value = text  # Input.Changed applies it

    def action_filter(self) -> None:
        box = self.query_one(".view-filter", Input)
        box.add_class("-open")
        box.focus()
        self.index_for_filter()

    @work(exclusive=True, group="filter-index", exit_on_error=False)
    async def index_for_filter(self) -> None:
        """Make the records' search texts while the user starts typing, a slice at a time between other
        messages, so that the first key is not the one that pays for 100,000 rows (~9 us a record)."""
        records = list(self.records.values())
        for start in range(0, len(records), INDEX_SLICE):
            for record in records[start : start + INDEX_SLICE]:
                self.search_index.text(record)
            await asyncio.sleep(0)

    @on(Input.Changed, ".view-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.apply_filter(event.value.strip())

    @on(Input.Submitted, ".view-filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        self.submit_filter(event.value.strip())
        self.table.focus()

    def apply_filter(self, text: str) -> None:
        """The filter box changed (each key press): filter the rows here. Kubernetes views extend it."""
        self.filter_text = text
        self.refilter()
        self._show_status(self.summary())

    def submit_filter(self, text: str) -> None:
        """The filter was confirmed with enter (a label selector is sent to the server only then)."""

    def action_clear(self) -> None:
        box = self.query_one(".view-filter", Input)
        if box.has_class("-open"):
            box.value = ""
            box.remove_class("-open")
            self.table.focus()
        elif self.table.marked:
            self.table.clear_marks()

    def action_mark(self) -> None:
        record = self.table.selected
        if record is not None:
            self.table.toggle_mark(record.key)
            self.table.action_cursor_down()
            self._show_status(self.summary())

    def action_sort(self) -> None:
        self.table.cycle_sort()

    @property
    def table(self) -> ResourceTable:
        if self._table is None:  # composed once: a query per use was a third of the cost of a feed delta
            self._table = self.query_one(ResourceTable)
        return self._table

    def on_mount(self) -> None:
        if any(c.volatile for c in self.COLUMNS):
            self.set_interval(5, self.table.refresh_volatile)
        at_hand = self.list_at_hand()
        if at_hand is not None:  # in the first frame; the feed brings the list again, then what changed
            self._on_delta(self.FeedDelta(at_hand))

    def list_at_hand(self) -> Snapshot[Any] | None:
        """A list the backend already holds, to show before the feed starts (none unless a view says so)."""
        return None

    def on_show(self) -> None:
        self.start()

    def start(self) -> None:
        """Follow the feed, once: when the view is first shown, else when the app opens the hidden areas (after
        the shown view's first list, so that they never compete with the first paint)."""
        if not self._started:
            self._started = True
            self.follow()

    def on_unmount(self) -> None:
        # Set before self.feed is read; follow reads it after setting self.feed: one of the two closes the feed.
        self._unmounted = True
        if self.feed is not None:
            self.feed.close()

    @work(thread=True, exclusive=True, exit_on_error=False, group="feed")
    def follow(self) -> None:
        worker = get_current_worker()
        self.feed = feed = self.open_feed()  # may read a kubeconfig: off the event loop
        if self._unmounted:  # while it opened (areas opened as the app quits): on_unmount saw no feed
            feed.close()
            return
        for delta in feed.paged():
            if worker.is_cancelled:
                feed.close()
                return
            self.post_message(self.FeedDelta(delta))

    @on(FeedDelta)
    def _on_delta(self, message: FeedDelta) -> None:
        message.stop()
        delta = message.delta
        if isinstance(delta, Disconnected) and isinstance(delta.error, Forbidden):
            # The server answered: only this list is refused, the backend is not down.
            self._show_status(f"forbidden: {delta.error} — asking again in {delta.retry_in:.0f}s", down=True)
            return
        if isinstance(delta, Disconnected):
            self._show_status(f"{delta.error} — retrying in {delta.retry_in:.0f}s", down=True)
            self.post_message(self.BackendHealth(self.BACKEND, False, str(delta.error)))
            return
        self.apply_delta(delta)
        if isinstance(delta, Snapshot) and delta.page == 0:
            self.post_message(self.BackendHealth(self.BACKEND, True))
        if self.listing:
            self._show_status(self.summary())
            return
        if self.last_updated is None:  # the first list is complete: a moment after it is painted, the hidden
            self.set_timer(HIDDEN_START_DELAY, self._settled)  # areas open (keys typed at once come first)
        self.last_updated = datetime.now()  # when the table last equalled the truth
        self._show_status(self.summary())

    def _settled(self) -> None:
        if self.is_on_screen:  # else the user went to another area first: its view's first list opens them
            self.post_message(self.Settled())

    @property
    def listing(self) -> bool:
        """A list is arriving page by page: the table holds part of it (and, on a relist, the rows before)."""
        return self._listing is not None

    def apply_delta(self, delta: Snapshot[Any] | Upserted[Any] | Deleted) -> None:
        """Change the table by key. Views that show derived rows (compose stacks) override this."""
        if isinstance(delta, Snapshot) and not delta.whole:
            self._apply_page(delta)
        elif isinstance(delta, Snapshot):
            self._listing = None
            self.records = {r.key: r for r in delta.items}
            self.table.apply_snapshot([r for r in delta.items if self.shows(r)])
        elif isinstance(delta, Upserted):
            self.records[delta.item.key] = delta.item
            if self.shows(delta.item):
                self.table.upsert(delta.item)
            else:
                self.table.discard(delta.item.key)
        else:
            self.records.pop(delta.key, None)
            self.search_index.pop(delta.key, None)
            self.table.discard(delta.key)

    def _apply_page(self, page: Snapshot[Any]) -> None:
        """One page of a list, as one table update. The list replaces the records only when complete: on a relist
        the rows it no longer has stay until then, instead of a near-empty table at the first page."""
        if page.page == 0 or self._listing is None:
            self._listing = set()
        listed, records, haystacks = self._listing, self.records, self.search_index
        rows = dict(self.table.records)
        for record in page.items:
            key = record.key
            listed.add(key)
            records[key] = record
            if self.shows(record):
                rows[key] = record
            else:
                rows.pop(key, None)
        if page.complete:
            for key in [k for k in records if k not in listed]:
                del records[key]
                haystacks.pop(key, None)
                rows.pop(key, None)
            self._listing = None
        self.table.apply_snapshot(rows.values())  # unchanged rows cost a lookup; new keys are merged in one sort

    def summary(self) -> str:
        if self._listing is not None:
            text = f"listing… {len(self._listing)} so far"
            return text + (f", {self.table.row_count} matching {self.filter_text!r}" if self.filter_text else "")
        shown, total = self.table.row_count, len(self.records)
        text = f"{shown} {self.NOUN}" if shown == total else f"{shown} of {total} {self.NOUN}"
        if self.filter_text:
            text += f" matching {self.filter_text!r}"
        if self.table.marked:
            text += f" · {len(self.table.marked)} marked (space toggles, escape clears)"
        return text

    def _show_status(self, text: str, *, down: bool = False) -> None:
        if down and self.last_updated is not None:
            text += f" · last updated {self.last_updated:%H:%M:%S} (stale)"
        if self._status == (text, down):
            return  # most feed events change a row, not the summary: no repaint of the line
        self._status = (text, down)
        status = self.query_one(".view-status", Static)
        status.update(Text(text), layout=False)  # one line, fixed height: no reflow of the screen
        status.set_class(down, "-down")
        self.table.set_class(down, "-stale")

    # ---- mutations: every one goes through the gateway

    def target(self) -> str:
        """The Docker host or kube context the objects live on, for the dialog and the audit record."""
        raise NotImplementedError

    def action_object(self, record: Any) -> ActionObject:
        return ActionObject(id=record.key, name=record.name)

    def performers(self) -> dict[str, Callable[[ActionObject], None]]:
        """Action id -> the blocking call that performs it on one object."""
        return {}

    def targets(self) -> list[Any]:
        """The marked records, else the one under the cursor."""
        marked = [self.table.records[k] for k in self.table.marked if k in self.table.records]
        if marked:
            return marked
        return [self.table.selected] if self.table.selected is not None else []

    def action_act(self, action_id: str) -> None:
        records = self.targets()
        if not records:
            self.notify("Nothing selected", severity="warning")
            return
        self.perform_action(action_id, records)

    @work(exit_on_error=False, group="actions")
    async def perform_action(
        self, action_id: str, records: list[Any], details: dict[str, str] | None = None
    ) -> None:
        await self.execute(action_id, records, self.performers()[action_id], details=details)

    async def execute(
        self,
        action_id: str,
        records: list[Any],
        perform: Callable[[ActionObject], None],
        *,
        details: dict[str, str] | None = None,
        in_thread: bool = True,
        protected: bool = False,
    ) -> Outcome:
        """Run one action through the gateway and tell the user how it ended."""
        objects = [self.action_object(r) for r in records]
        result = await self.gateway.execute(
            action_id, self.target(), objects, perform, details=details, in_thread=in_thread, protected=protected
        )
        severity = {Outcome.DONE: "information", Outcome.DECLINED: "information"}.get(result.outcome, "error")
        self.notify(result.message, severity=severity)  # type: ignore[arg-type]
        if result.outcome is Outcome.DONE and len(records) > 1:
            self.table.clear_marks()
        return result.outcome


class DockerView(LiveView):
    """A LiveView of one Docker engine, fed by one of its watch methods; the target is the engine's endpoint."""

    def __init__(self, engine: DockerEngine, gateway: Gateway, **kwargs: Any) -> None:
        super().__init__(lambda: self.engine_feed(engine), gateway, **kwargs)
        self.engine = engine

    def engine_feed(self, engine: DockerEngine) -> LiveFeed[Any]:
        """The engine's feed this view shows."""
        raise NotImplementedError

    def target(self) -> str:
        return f"docker {self.engine.endpoint}"


def action_bindings(kind: str) -> list[BindingType]:
    """Key bindings for a resource kind, derived from the action registry (ids are remappable)."""
    return [Binding(spec.key, f"act('{spec.id}')", spec.verb, id=spec.id) for spec in actions_for(kind)]
