"""One LiveView for every Kubernetes kind: columns per kind as data, watch-driven, changed by uid.

``kube_view(cluster, gateway, "deployments")`` builds the view of a kind. Workloads show desired against
current counts and style the counts that lag while a rollout or scale converges. A 403 shows plainly as
"forbidden" in the view's status line and is asked again rarely; other views are not affected. Secrets show key
names only; a value is fetched per key on an explicit, audited reveal.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Static
from textual.worker import get_current_worker

from tui.actions import ActionObject, Gateway, Outcome, actions_for
from tui.adapters import kube_resources as kr
from tui.adapters.errors import BackendError
from tui.adapters.kube_cluster import KubeCluster
from tui.adapters.kube_health import cluster_health
from tui.adapters.kube_pods import events_for
from tui.adapters.kube_records import (
    JobInfo,
    NodeInfo,
    PodPlacement,
    SecretInfo,
    Workload,
    quantity_bytes,
    rollout_status,
)
from tui.adapters.live import LiveFeed
from tui.adapters.models import Disconnected, Snapshot, Upserted
from tui.adapters.secrets import MASK
from tui.format import age
from tui.views.cluster import cluster_sections
from tui.views.kube_apply import start_edit
from tui.views.kube_view import KubeView
from tui.views.live_view import action_bindings
from tui.views.pods import PodsView
from tui.views.workload_logs import workload_log_screen
from widgets.detail_screen import DetailScreen, Section
from widgets.prompt import PromptDialog
from widgets.resource_table import Column, ResourceTable

LAG_STYLE = "bold italic"  # a count that differs from the desired one: the workload is not (yet) at desired
ALERT_STYLE = "bold reverse"  # failed jobs, warning events, nodes not ready


# ---- cells


def _count(field: str) -> Callable[[Workload], Text]:
    def render(w: Workload) -> Text:
        value = getattr(w, field)
        lagging = w.lags(value) or (field != "desired" and not w.observed)
        return Text("-" if value is None else str(value), style=LAG_STYLE if lagging else "")

    return render


def _memory(quantity: str) -> str:
    size = quantity_bytes(quantity)
    if size is None:
        return quantity
    value = float(size)
    for unit in ("", "Ki", "Mi", "Gi"):
        if value < 1024:
            return f"{value:.0f}{unit}" if unit == "" else f"{value:.1f}{unit}"
        value /= 1024
    return f"{value:.1f}Ti"


def _job_status(j: JobInfo) -> Text:
    style = {"Complete": "", "Failed": ALERT_STYLE}.get(j.status, LAG_STYLE)
    return Text(j.status, style=style)


def _completions(j: JobInfo) -> str:
    return f"{j.succeeded}/{j.completions if j.completions is not None else 1}"


def _duration(j: JobInfo) -> str:
    return age(j.started, now=j.finished or datetime.now(UTC)) if j.started else "-"


NAMESPACE = Column("namespace", "NAMESPACE", lambda r: r.namespace)
NAME = Column("name", "NAME", lambda r: r.name)
AGE = Column("age", "AGE", lambda r: age(r.created), volatile=True)
WORKLOAD = [
    NAMESPACE,
    NAME,
    Column("desired", "DESIRED", _count("desired")),
    Column("current", "CURRENT", _count("current")),
    Column("ready", "READY", _count("ready")),
    Column("up_to_date", "UP-TO-DATE", _count("up_to_date")),
    Column("available", "AVAILABLE", _count("available")),
    AGE,
]

COLUMNS: dict[str, list[Column]] = {
    "pods": PodsView.COLUMNS,
    "deployments": WORKLOAD,
    "statefulsets": WORKLOAD,
    "daemonsets": WORKLOAD,
    "replicasets": [*WORKLOAD, Column("owner", "OWNER", lambda r: r.owner)],
    "jobs": [
        NAMESPACE,
        NAME,
        Column("completions", "COMPLETIONS", _completions),
        Column("status", "STATUS", _job_status),
        Column("duration", "DURATION", _duration, volatile=True),
        AGE,
    ],
    "cronjobs": [
        NAMESPACE,
        NAME,
        Column("schedule", "SCHEDULE", lambda c: c.schedule),
        Column("suspend", "SUSPEND", lambda c: Text(str(c.suspend), style=LAG_STYLE if c.suspend else "")),
        Column("active", "ACTIVE", lambda c: str(c.active)),
        Column("last", "LAST SCHEDULE", lambda c: age(c.last_schedule) if c.last_schedule else "-", volatile=True),
        AGE,
    ],
    "services": [
        NAMESPACE,
        NAME,
        Column("type", "TYPE", lambda s: s.type),
        Column("cluster_ip", "CLUSTER-IP", lambda s: s.cluster_ip),
        Column("external", "EXTERNAL-IP", lambda s: ",".join(s.external) or "<none>"),
        Column("ports", "PORT(S)", lambda s: ",".join(s.ports) or "<none>"),
        AGE,
    ],
    "configmaps": [NAMESPACE, NAME, Column("data", "DATA", lambda c: str(c.key_count)), AGE],
    "secrets": [
        NAMESPACE,
        NAME,
        Column("type", "TYPE", lambda s: s.type),
        Column("data", "DATA", lambda s: str(len(s.keys))),
        Column("keys", "KEYS", lambda s: ", ".join(s.keys)),  # names only: values are never in a record
        AGE,
    ],
    "namespaces": [
        NAME,
        Column("status", "STATUS", lambda n: Text(n.status, style="" if n.status == "Active" else LAG_STYLE)),
        AGE,
    ],
    "events": [
        NAMESPACE,
        Column("last", "LAST SEEN", lambda e: age(e.last_seen), volatile=True),
        Column("type", "TYPE", lambda e: Text(e.type, style="" if e.type == "Normal" else ALERT_STYLE)),
        Column("reason", "REASON", lambda e: e.reason),
        Column("object", "OBJECT", lambda e: e.object),
        Column("count", "COUNT", lambda e: str(e.count)),
        Column("message", "MESSAGE", lambda e: e.message),
    ],
}


def node_columns(pods_on: Callable[[str], int | None]) -> list[Column]:
    """Nodes: status, roles, allocatable/capacity, pods running there (from a pods watch), conditions."""

    def status(n: NodeInfo) -> Text:
        return Text(n.status, style="" if n.status == "Ready" else ALERT_STYLE)

    def pods(n: NodeInfo) -> str:
        count = pods_on(n.name)
        return f"{'?' if count is None else count}/{n.allocatable.pods}"

    return [
        NAME,
        Column("status", "STATUS", status),
        Column("roles", "ROLES", lambda n: ",".join(n.roles) or "<none>"),
        Column("cpu", "CPU ALLOC/CAP", lambda n: f"{n.allocatable.cpu}/{n.capacity.cpu}"),
        Column(
            "memory", "MEMORY ALLOC/CAP", lambda n: f"{_memory(n.allocatable.memory)}/{_memory(n.capacity.memory)}"
        ),
        Column("pods", "PODS", pods),
        Column("conditions", "CONDITIONS", lambda n: Text(",".join(n.problems) or "-", style=_problem_style(n))),
        Column("version", "VERSION", lambda n: n.version),
        AGE,
    ]


def _problem_style(n: NodeInfo) -> str:
    return ALERT_STYLE if n.problems else ""


# ---- the view


class KubeResourceView(KubeView):
    """The live table of one kind; build it with ``kube_view`` so that the kind's action keys are bound."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("d,enter", "details", "Details", id="kube.details")]

    class Placements(Message):
        """A delta of the pods watch that counts pods per node (nodes view only)."""

        def __init__(self, delta: Any) -> None:
            super().__init__()
            self.delta = delta

    def __init__(
        self,
        cluster: KubeCluster,
        gateway: Gateway,
        kind: kr.ResourceKind | str,
        namespace: str | None = None,
        **kwargs: Any,
    ) -> None:
        self.kind = kr.resource_kind(kind)
        super().__init__(cluster, gateway, namespace, **kwargs)
        self.NOUN = self.kind.name
        self.pods_by_node: Counter[str] | None = None  # None until the pods watch answers (or when it cannot)
        self._placements: dict[str, str] = {}
        self._placement_feed: LiveFeed[Any] | None = None
        self.COLUMNS = node_columns(self.pods_on) if self.kind.name == "nodes" else COLUMNS[self.kind.name]

    @classmethod
    def for_kind(cls, kind: kr.ResourceKind | str) -> type[KubeResourceView]:
        """A subclass binding the kind's actions from the registry (bindings are per class in Textual)."""
        found = kr.resource_kind(kind)
        return _view_class(found.name, tuple(spec.id for spec in actions_for(found.singular)))

    def open_watch(self, namespace: str, selector: str) -> LiveFeed[Any]:
        return kr.watch_kind(self.cluster, self.kind, namespace, selector)

    def on_mount(self) -> None:
        if self.kind.name == "nodes":
            self.follow_placements()

    def on_unmount(self) -> None:
        if self._placement_feed is not None:
            self._placement_feed.close()

    # ---- a 403 is an answer, not an outage

    def summary(self) -> str:
        text = super().summary()
        if self.kind.workload:
            lagging = sum(1 for r in self.records.values() if not r.converged)
            text += f" · {lagging} not at desired" if lagging else ""
        return text

    # ---- pods per node, from a watch of slim pod placements

    def pods_on(self, node: str) -> int | None:
        return None if self.pods_by_node is None else self.pods_by_node.get(node, 0)

    @work(thread=True, exclusive=True, exit_on_error=False, group="placements")
    def follow_placements(self) -> None:
        worker = get_current_worker()
        self._placement_feed = feed = kr.watch_kind(self.cluster, kr.POD_PLACEMENTS, "")
        for delta in feed:
            if worker.is_cancelled:
                feed.close()
                return
            self.post_message(self.Placements(delta))

    @on(Placements)
    def _on_placements(self, message: Placements) -> None:
        message.stop()
        delta = message.delta
        if isinstance(delta, Disconnected):
            self.pods_by_node = None
        else:
            if isinstance(delta, Snapshot):
                self._placements = {}
                items: tuple[PodPlacement, ...] = delta.items
            elif isinstance(delta, Upserted):
                items = (delta.item,)
            else:
                self._placements.pop(delta.key, None)
                items = ()
            for pod in items:
                if pod.occupies_node:
                    self._placements[pod.uid] = pod.node
                else:
                    self._placements.pop(pod.uid, None)
            self.pods_by_node = Counter(self._placements.values())
        for record in list(self.table.records.values()):
            self.table.upsert(record, resort=False)  # only the PODS cells whose text changed are rewritten

    # ---- actions: every mutation goes through the gateway

    def performers(self) -> dict[str, Callable[[ActionObject], None]]:
        cluster, kind = self.cluster, self.kind
        found: dict[str, Callable[[ActionObject], None]] = {
            f"{kind.singular}.delete": lambda o: kr.delete(cluster, kind, o.namespace, o.name)
        }
        if kind.restartable:
            found[f"{kind.singular}.restart"] = lambda o: kr.rollout_restart(cluster, kind, o.namespace, o.name)
        return found

    def action_act(self, action_id: str) -> None:
        if action_id == f"{self.kind.singular}.scale":
            self.scale_selected(action_id)
        elif action_id == "secret.reveal":
            self.reveal_secret()
        elif action_id == f"{self.kind.singular}.edit":  # e: the object's YAML in $EDITOR (tui/views/kube_apply)
            start_edit(self, self.cluster, self.kind.singular)
        else:
            super().action_act(action_id)

    @work(exit_on_error=False, group="actions")
    async def scale_selected(self, action_id: str) -> None:
        records = self.targets()
        if not records:
            self.notify("Nothing selected", severity="warning")
            return
        if not await self.permitted(action_id, records):
            return
        now = records[0].desired if len(records) == 1 else None
        answer = await self.app.push_screen_wait(
            PromptDialog(
                f"Replicas for {len(records)} {self.kind.name}"
                if now is None
                else f"Replicas for {records[0].name}",
                value="" if now is None else str(now),
                validate=lambda v: None if v.isdigit() else "a whole number, 0 or more",
            )
        )
        if answer is None:
            return
        replicas = int(answer)
        cluster, kind = self.cluster, self.kind
        result = await self.gateway.execute(
            action_id,
            self.target(),
            [self.action_object(r) for r in records],
            lambda o: kr.scale(cluster, kind, o.namespace, o.name, replicas),
            protected=replicas == 0,  # scaling to 0 stops the service: typed confirmation (RELIABILITY.md rule 5)
            details={"replicas": str(replicas)},
        )
        self._tell(result.outcome, result.message)

    @work(exit_on_error=False, group="actions")
    async def reveal_secret(self) -> None:
        record = self.table.selected
        if record is None:
            self.notify("Nothing selected", severity="warning")
            return
        if not record.keys:
            self.notify(f"{record.name} has no keys", severity="warning")
            return
        if not await self.permitted("secret.reveal", [record]):
            return
        key = await self.app.push_screen_wait(
            PromptDialog(
                f"Key of {record.namespace}/{record.name} to reveal:",
                value=record.keys[0] if len(record.keys) == 1 else "",
                validate=lambda v: None if v in record.keys else "one of: " + ", ".join(record.keys),
            )
        )
        if key is None:
            return
        shown: list[str] = []  # the value lives only here and in the screen showing it

        def fetch(o: ActionObject) -> None:
            shown.append(kr.read_secret_values(self.cluster, o.namespace, o.name).get(key, ""))

        result = await self.gateway.execute(
            "secret.reveal", self.target(), [self.action_object(record)], fetch, details={"key": key}
        )
        if result.outcome is Outcome.DONE and shown:
            self.app.push_screen(
                DetailScreen(f"secret {record.namespace}/{record.name}", [Section(key, text=shown[0])])
            )
        elif result.outcome is not Outcome.DONE:
            self._tell(result.outcome, result.message)

    def _tell(self, outcome: Outcome, message: str) -> None:
        severity = "information" if outcome in (Outcome.DONE, Outcome.DECLINED) else "error"
        self.notify(message, severity=severity)  # type: ignore[arg-type]

    # ---- describe (with the object's events), rollout status, logs of a workload's pods, cluster health

    @work(exit_on_error=False, group="kube-open")
    async def action_details(self) -> None:
        record = self.table.selected
        if record is None:
            return
        sections = detail_sections(record)
        if isinstance(record, Workload):
            sections[0] = Section(
                "Summary",
                text=f"{sections[0].text}\nrollout       {rollout_status(self.kind.singular, record)[0]}",
            )
        if record.namespace and self.kind.name != "events":
            try:
                events = await asyncio.to_thread(events_for, self.cluster, record.namespace, record.uid)
            except BackendError as error:
                events = [("", "", "", "", f"events could not be read: {error}")]
            sections.append(
                Section("Events", columns=("LAST SEEN", "TYPE", "REASON", "COUNT", "MESSAGE"), rows=tuple(events))
            )
        self.app.push_screen(DetailScreen(f"{self.kind.singular} {_full_name(record)}", sections))

    def compose(self) -> ComposeResult:
        yield from super().compose()
        if self.kind.workload:
            yield Static(Text(""), classes="rollout-status")

    def apply_delta(self, delta: Any) -> None:
        super().apply_delta(delta)
        self._show_rollout()

    @on(ResourceTable.RowHighlighted)
    def _highlighted(self) -> None:
        self._show_rollout()

    def _show_rollout(self) -> None:
        """The selected workload's rollout, as `kubectl rollout status` words it, live with every watch event."""
        if not self.kind.workload:
            return
        record = self.table.selected
        text, done = rollout_status(self.kind.singular, record) if record is not None else ("", True)
        line = self.query_one(".rollout-status", Static)
        line.update(Text(text))
        line.set_class(not done, "-progressing")

    def action_logs(self) -> None:
        record = self.table.selected
        if record is not None:
            self.app.push_screen(workload_log_screen(self.cluster, self.kind.singular, record))

    @work(exit_on_error=False, group="kube-open")
    async def action_cluster(self) -> None:
        try:
            health = await asyncio.to_thread(cluster_health, self.cluster)
        except BackendError as error:
            self.notify(str(error), severity="error")
            return
        nodes = sorted(self.records.values(), key=lambda n: n.name)
        sections = cluster_sections(self.cluster.context, health, nodes, self.pods_on)
        self.app.push_screen(DetailScreen(f"cluster {self.cluster.context}", sections))


def _full_name(record: Any) -> str:
    return f"{record.namespace}/{record.name}" if record.namespace else record.name


def detail_sections(record: Any) -> list[Section]:
    """What a record holds, plus the tables some kinds need (node conditions, secret keys masked)."""
    lines = []
    for field in dataclasses.fields(record):
        value = getattr(record, field.name)
        if field.name in ("conditions", "keys") or value in ((), None, ""):
            continue
        if dataclasses.is_dataclass(value):  # node capacity/allocatable
            value = ", ".join(f"{f.name} {getattr(value, f.name)}" for f in dataclasses.fields(value))
        elif isinstance(value, tuple):
            value = ", ".join("=".join(v) if isinstance(v, tuple) else str(v) for v in value)
        lines.append(f"{field.name.replace('_', ' '):<14}{value}")
    sections = [Section("Summary", text="\n".join(lines))]
    if isinstance(record, NodeInfo):
        sections.append(
            Section(
                "Conditions",
                columns=("TYPE", "STATUS", "REASON", "MESSAGE"),
                rows=tuple((c.type, c.status, c.reason, c.message) for c in record.conditions),
            )
        )
    if isinstance(record, SecretInfo):  # values are fetched only by the reveal action, one key at a time
        sections.append(Section("Keys", columns=("KEY", "VALUE"), rows=tuple((k, MASK) for k in record.keys)))
    elif isinstance(getattr(record, "keys", None), tuple):
        sections.append(Section("Keys", columns=("KEY",), rows=tuple((k,) for k in record.keys)))
    return sections


@cache
def _view_class(kind_name: str, action_ids: tuple[str, ...]) -> type[KubeResourceView]:
    # Keyed by the action ids too: a view built after the registry changed (a test adding specs) binds them.
    kind = kr.KINDS[kind_name]
    bindings = action_bindings(kind.singular)
    if kind.workload or kind.name == "jobs":
        bindings.append(Binding("l", "logs", "Logs", id="kube.logs"))
    if kind.name == "nodes":
        bindings.append(Binding("c", "cluster", "Cluster health", id="kube.cluster"))
    return type(f"{kind.name.capitalize()}View", (KubeResourceView,), {"BINDINGS": bindings})


def kube_view(
    cluster: KubeCluster,
    gateway: Gateway,
    kind: kr.ResourceKind | str,
    namespace: str | None = None,
    **kwargs: Any,
) -> KubeResourceView:
    """The live view of one kind, with the kind's action keys bound."""
    return KubeResourceView.for_kind(kind)(cluster, gateway, kind, namespace, **kwargs)
