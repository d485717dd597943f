"""Slim frozen records of Kubernetes kinds, parsed from raw JSON (only the fields the views show).

Every string passes ``clean_line`` here, once. A record's ``key`` is the object's uid: watches delete by uid.
Secrets keep key names only; their values are fetched on explicit reveal (kube_resources.read_secret_values).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tui.adapters.sanitize import clean_line

Raw = dict[str, Any]


def _s(value: Any) -> str:
    return "" if value is None else clean_line(str(value))


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _opt_int(value: Any) -> int | None:
    return None if value is None else _int(value)


def _time(value: Any) -> datetime | None:
    if not value or not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _parts(raw: Raw) -> tuple[Raw, Raw, Raw]:
    """metadata, spec, status: each a dict even when the server left it out."""
    return raw.get("metadata") or {}, raw.get("spec") or {}, raw.get("status") or {}


def _names(mapping: Any) -> tuple[str, ...]:
    return tuple(sorted(_s(k) for k in mapping)) if isinstance(mapping, dict) else ()


def _owner(meta: Raw) -> str:
    owners = meta.get("ownerReferences") or []
    return f"{_s(owners[0].get('kind'))}/{_s(owners[0].get('name'))}" if owners else ""


@dataclass(frozen=True)
class KubeObject:
    uid: str
    name: str
    namespace: str  # "" for cluster-scoped kinds
    created: datetime | None

    @property
    def key(self) -> str:
        return self.uid


def _object(meta: Raw) -> dict[str, Any]:
    return {
        "uid": _s(meta.get("uid")),
        "name": _s(meta.get("name")),
        "namespace": _s(meta.get("namespace")),
        "created": _time(meta.get("creationTimestamp")),
    }


# ---- workloads: desired vs current


@dataclass(frozen=True)
class Workload(KubeObject):
    desired: int
    current: int  # pods that exist (old and new)
    ready: int
    up_to_date: int | None  # None: the kind does not report it
    available: int | None
    observed: bool  # the controller has seen the latest spec (status.observedGeneration >= generation)
    selector: str = ""  # the label selector of its pods, as the API takes it ("app=web,tier in (a,b)")
    stalled: bool = False  # a deployment past its progress deadline

    def lags(self, value: int | None) -> bool:
        """Whether one count differs from the desired count (None: not reported, never lags)."""
        return value is not None and value != self.desired

    @property
    def converged(self) -> bool:
        counts = (self.current, self.ready, self.up_to_date, self.available)
        return self.observed and not any(self.lags(c) for c in counts)


def label_selector(selector: Any) -> str:
    """A LabelSelector object (matchLabels, matchExpressions) as the string the API's labelSelector takes."""
    if not isinstance(selector, dict):
        return ""
    terms = [f"{_s(k)}={_s(v)}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expression in selector.get("matchExpressions") or []:
        key, operator = _s(expression.get("key")), _s(expression.get("operator"))
        values = ",".join(_s(v) for v in expression.get("values") or [])
        terms.append(
            {"In": f"{key} in ({values})", "NotIn": f"{key} notin ({values})", "Exists": key}.get(
                operator, f"!{key}"
            )
        )
    return ",".join(terms)


def _stalled(status: Raw) -> bool:
    return any(
        c.get("type") == "Progressing" and c.get("reason") == "ProgressDeadlineExceeded"
        for c in status.get("conditions") or []
    )


def rollout_status(kind: str, w: Workload) -> tuple[str, bool]:
    """What `kubectl rollout status` would say of a workload now, and whether the rollout is done."""
    name = f"{kind} {w.name!r}"
    if not w.observed:
        return f"Waiting for {kind} spec update to be observed…", False
    if w.stalled:
        return f"{name} exceeded its progress deadline", False
    updated = w.up_to_date if w.up_to_date is not None else w.ready
    available = w.available if w.available is not None else w.ready
    if updated < w.desired:
        return f"Waiting for {name} rollout: {updated} of {w.desired} new replicas updated…", False
    if w.current > updated:
        old = w.current - updated
        return f"Waiting for {name} rollout: {old} old replica{'s' * (old != 1)} pending termination…", False
    if available < updated:
        return f"Waiting for {name} rollout: {available} of {updated} updated replicas available…", False
    return f"{name} successfully rolled out", True


def _observed(meta: Raw, status: Raw) -> bool:
    generation = meta.get("generation")
    return generation is None or _int(status.get("observedGeneration"), -1) >= _int(generation)


@dataclass(frozen=True)
class DeploymentInfo(Workload):
    pass


@dataclass(frozen=True)
class StatefulSetInfo(Workload):
    pass


@dataclass(frozen=True)
class DaemonSetInfo(Workload):
    pass


@dataclass(frozen=True)
class ReplicaSetInfo(Workload):
    owner: str = ""


def deployment_from_api(raw: Raw) -> DeploymentInfo:
    meta, spec, status = _parts(raw)
    return DeploymentInfo(
        **_object(meta),
        desired=_int(spec.get("replicas"), 1),  # the API defaults it to 1
        current=_int(status.get("replicas")),
        ready=_int(status.get("readyReplicas")),
        up_to_date=_int(status.get("updatedReplicas")),
        available=_int(status.get("availableReplicas")),
        observed=_observed(meta, status),
        selector=label_selector(spec.get("selector")),
        stalled=_stalled(status),
    )


def statefulset_from_api(raw: Raw) -> StatefulSetInfo:
    meta, spec, status = _parts(raw)
    return StatefulSetInfo(
        **_object(meta),
        desired=_int(spec.get("replicas"), 1),
        current=_int(status.get("replicas")),
        ready=_int(status.get("readyReplicas")),
        up_to_date=_int(status.get("updatedReplicas")),
        available=_opt_int(status.get("availableReplicas")),  # only from Kubernetes 1.22
        observed=_observed(meta, status),
        selector=label_selector(spec.get("selector")),
    )


def daemonset_from_api(raw: Raw) -> DaemonSetInfo:
    meta, spec, status = _parts(raw)
    return DaemonSetInfo(
        **_object(meta),
        desired=_int(status.get("desiredNumberScheduled")),  # one per eligible node: the status says how many
        current=_int(status.get("currentNumberScheduled")),
        ready=_int(status.get("numberReady")),
        up_to_date=_int(status.get("updatedNumberScheduled")),
        available=_int(status.get("numberAvailable")),
        observed=_observed(meta, status),
        selector=label_selector(spec.get("selector")),
    )


def replicaset_from_api(raw: Raw) -> ReplicaSetInfo:
    meta, spec, status = _parts(raw)
    return ReplicaSetInfo(
        **_object(meta),
        desired=_int(spec.get("replicas"), 1),
        current=_int(status.get("replicas")),
        ready=_int(status.get("readyReplicas")),
        up_to_date=None,
        available=_int(status.get("availableReplicas")),
        observed=_observed(meta, status),
        selector=label_selector(spec.get("selector")),
        owner=_owner(meta),
    )


# ---- batch


@dataclass(frozen=True)
class JobInfo(KubeObject):
    completions: int | None  # desired completions; None: any one success completes the job
    succeeded: int
    failed: int
    active: int
    started: datetime | None
    finished: datetime | None
    status: str  # Complete, Failed, Suspended, Running, Pending
    owner: str = ""
    selector: str = ""

    def duration(self, now: datetime) -> timedelta | None:
        if self.started is None:
            return None
        return (self.finished or now) - self.started


def _job_status(spec: Raw, status: Raw) -> str:
    for condition in status.get("conditions") or []:
        if condition.get("status") == "True" and condition.get("type") in ("Complete", "Failed", "Suspended"):
            return _s(condition["type"])
    if spec.get("suspend"):
        return "Suspended"
    return "Running" if status.get("active") or status.get("startTime") else "Pending"


def job_from_api(raw: Raw) -> JobInfo:
    meta, spec, status = _parts(raw)
    return JobInfo(
        **_object(meta),
        completions=_opt_int(spec.get("completions")),
        succeeded=_int(status.get("succeeded")),
        failed=_int(status.get("failed")),
        active=_int(status.get("active")),
        started=_time(status.get("startTime")),
        finished=_time(status.get("completionTime")),
        status=_job_status(spec, status),
        owner=_owner(meta),
        selector=label_selector(spec.get("selector")),
    )


@dataclass(frozen=True)
class CronJobInfo(KubeObject):
    schedule: str
    suspend: bool
    active: int
    last_schedule: datetime | None


def cronjob_from_api(raw: Raw) -> CronJobInfo:
    meta, spec, status = _parts(raw)
    return CronJobInfo(
        **_object(meta),
        schedule=_s(spec.get("schedule")),
        suspend=bool(spec.get("suspend")),
        active=len(status.get("active") or []),
        last_schedule=_time(status.get("lastScheduleTime")),
    )


# ---- network and configuration


@dataclass(frozen=True)
class ServiceInfo(KubeObject):
    type: str
    cluster_ip: str
    external: tuple[str, ...]  # external IPs and load-balancer ingress
    ports: tuple[str, ...]  # as kubectl shows them: "80/TCP", "80:30080/TCP"
    selector: tuple[tuple[str, str], ...] = ()


def _service_port(port: Raw) -> str:
    node = f":{_s(port.get('nodePort'))}" if port.get("nodePort") else ""
    return f"{_s(port.get('port'))}{node}/{_s(port.get('protocol') or 'TCP')}"


def service_from_api(raw: Raw) -> ServiceInfo:
    meta, spec, status = _parts(raw)
    ingress = (status.get("loadBalancer") or {}).get("ingress") or []
    external = [*(spec.get("externalIPs") or []), *(i.get("ip") or i.get("hostname") for i in ingress)]
    if spec.get("type") == "ExternalName":
        external.append(spec.get("externalName"))
    return ServiceInfo(
        **_object(meta),
        type=_s(spec.get("type") or "ClusterIP"),
        cluster_ip=_s(spec.get("clusterIP")),
        external=tuple(_s(e) for e in external if e),
        ports=tuple(_service_port(p) for p in spec.get("ports") or []),
        selector=tuple(sorted((_s(k), _s(v)) for k, v in (spec.get("selector") or {}).items())),
    )


@dataclass(frozen=True)
class ConfigMapInfo(KubeObject):
    keys: tuple[str, ...]  # data and binaryData key names

    @property
    def key_count(self) -> int:
        return len(self.keys)


def configmap_from_api(raw: Raw) -> ConfigMapInfo:
    meta = raw.get("metadata") or {}
    keys = (*_names(raw.get("data")), *_names(raw.get("binaryData")))
    return ConfigMapInfo(**_object(meta), keys=tuple(sorted(keys)))


@dataclass(frozen=True)
class SecretInfo(KubeObject):
    """Type and key NAMES only: values never enter a record (RELIABILITY.md rule 8)."""

    type: str
    keys: tuple[str, ...]


def secret_from_api(raw: Raw) -> SecretInfo:
    meta = raw.get("metadata") or {}
    # stringData is write-only and never returned; data holds the values, of which only the names are kept.
    return SecretInfo(**_object(meta), type=_s(raw.get("type") or "Opaque"), keys=_names(raw.get("data")))


# ---- cluster


@dataclass(frozen=True)
class NodeCondition:
    type: str
    status: str  # True, False, Unknown
    reason: str
    message: str

    @property
    def abnormal(self) -> bool:
        """Ready should be True; every other condition (MemoryPressure, DiskPressure, ...) False."""
        return self.status != ("True" if self.type == "Ready" else "False")


@dataclass(frozen=True)
class NodeResources:
    cpu: str  # a quantity as the API gives it: "2", "1500m"
    memory: str  # "24684092Ki"
    pods: int


@dataclass(frozen=True)
class NodeInfo(KubeObject):
    status: str  # Ready, NotReady, Unknown; ",SchedulingDisabled" when cordoned
    roles: tuple[str, ...]
    version: str
    internal_ip: str
    capacity: NodeResources
    allocatable: NodeResources
    conditions: tuple[NodeCondition, ...] = ()

    @property
    def problems(self) -> tuple[str, ...]:
        return tuple(c.type for c in self.conditions if c.abnormal and c.type != "Ready")


def _resources(raw: Any) -> NodeResources:
    raw = raw if isinstance(raw, dict) else {}
    return NodeResources(
        cpu=_s(raw.get("cpu") or "?"), memory=_s(raw.get("memory") or "?"), pods=_int(raw.get("pods"))
    )


def _roles(labels: Raw) -> tuple[str, ...]:
    roles = {
        k.removeprefix("node-role.kubernetes.io/") for k in labels if k.startswith("node-role.kubernetes.io/")
    }
    if labels.get("kubernetes.io/role"):
        roles.add(str(labels["kubernetes.io/role"]))
    return tuple(sorted(_s(r) for r in roles if r))


def node_from_api(raw: Raw) -> NodeInfo:
    meta, spec, status = _parts(raw)
    conditions = tuple(
        NodeCondition(
            type=_s(c.get("type")),
            status=_s(c.get("status") or "Unknown"),
            reason=_s(c.get("reason")),
            message=_s(c.get("message")),
        )
        for c in status.get("conditions") or []
    )
    ready = next((c.status for c in conditions if c.type == "Ready"), "Unknown")
    state = {"True": "Ready", "False": "NotReady"}.get(ready, "Unknown")
    if spec.get("unschedulable"):
        state += ",SchedulingDisabled"
    addresses = status.get("addresses") or []
    return NodeInfo(
        **_object(meta),
        status=state,
        roles=_roles(meta.get("labels") or {}),
        version=_s((status.get("nodeInfo") or {}).get("kubeletVersion")),
        internal_ip=next((_s(a.get("address")) for a in addresses if a.get("type") == "InternalIP"), ""),
        capacity=_resources(status.get("capacity")),
        allocatable=_resources(status.get("allocatable")),
        conditions=conditions,
    )


@dataclass(frozen=True)
class NamespaceInfo(KubeObject):
    status: str  # Active, Terminating
    labels: tuple[tuple[str, str], ...] = ()


def namespace_from_api(raw: Raw) -> NamespaceInfo:
    meta, _, status = _parts(raw)
    labels = tuple(sorted((_s(k), _s(v)) for k, v in (meta.get("labels") or {}).items()))
    return NamespaceInfo(**_object(meta), status=_s(status.get("phase") or "Active"), labels=labels)


@dataclass(frozen=True)
class EventInfo(KubeObject):
    type: str  # Normal, Warning
    reason: str
    object: str  # "Deployment/web"
    message: str
    count: int
    last_seen: datetime | None
    source: str = ""


def event_from_api(raw: Raw) -> EventInfo:
    meta = raw.get("metadata") or {}
    involved = raw.get("involvedObject") or {}
    series = raw.get("series") or {}
    # Older reporters set lastTimestamp/count; newer ones eventTime and series; creation is the last resort.
    last = _time(series.get("lastObservedTime")) or _time(raw.get("lastTimestamp")) or _time(raw.get("eventTime"))
    source = raw.get("source") or {}
    return EventInfo(
        **_object(meta),
        type=_s(raw.get("type") or "Normal"),
        reason=_s(raw.get("reason")),
        object=f"{_s(involved.get('kind'))}/{_s(involved.get('name'))}" if involved else "",
        message=_s(raw.get("message")),
        count=_int(series.get("count") or raw.get("count"), 1),
        last_seen=last or _time(meta.get("creationTimestamp")),
        source=_s(source.get("component") or raw.get("reportingComponent")),
    )


@dataclass(frozen=True)
class PodPlacement(KubeObject):
    """What the nodes view needs of a pod: where it runs and whether it still occupies the node."""

    node: str
    phase: str

    @property
    def occupies_node(self) -> bool:
        return bool(self.node) and self.phase not in ("Succeeded", "Failed")


def pod_placement_from_api(raw: Raw) -> PodPlacement:
    meta, spec, status = _parts(raw)
    return PodPlacement(**_object(meta), node=_s(spec.get("nodeName")), phase=_s(status.get("phase") or "Pending"))


# ---- quantities

_QUANTITY = re.compile(r"^([0-9.]+)([a-zA-Z]*)$")
_FACTORS = {
    "": 1,
    "k": 10**3,
    "M": 10**6,
    "G": 10**9,
    "T": 10**12,
    "P": 10**15,
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
    "Ti": 2**40,
    "Pi": 2**50,
}


def quantity_bytes(quantity: str) -> int | None:
    """A memory quantity ("24684092Ki", "1G", "512Mi", "1e3" is not handled) in bytes; None if unparseable."""
    match = _QUANTITY.match(quantity.strip())
    if not match or match.group(2) not in _FACTORS:
        return None
    try:
        return int(float(match.group(1)) * _FACTORS[match.group(2)])
    except ValueError:
        return None
