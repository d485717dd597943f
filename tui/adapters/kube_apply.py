"""Apply manifests (server-side apply) and edit one object's YAML (replace), each planned first by a dry run.

A plan asks the server what each document would do (``dryRun=All``) and compares the answer with the live
object: ``create`` (none yet), ``unchanged``, or ``configure`` with the changed paths. Applying is the same
server-side apply without the dry run, as field manager ``portside``, never forcing another manager's fields.
An edit is a PUT of the edited YAML carrying the resourceVersion that was read, so a change made on the server
meanwhile is a Conflict instead of being overwritten. Errors name the file, the line of the field the server
complains about (or of the document) and the object. Blocking: call from thread workers.
"""

from __future__ import annotations

import copy
import json
import re
import threading
import weakref
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import quote

from tui.adapters import kube_resources as kr
from tui.adapters.errors import BackendError, Conflict, InvalidInput, NotFound, error_for_status
from tui.adapters.kube_cluster import KubeCluster, translated_errors
from tui.adapters.kube_manifest import KeyPath, Manifest, ManifestDocument, ManifestError, parse_manifest
from tui.adapters.kube_pods import object_yaml
from tui.adapters.sanitize import clean_line

APPLY_PATCH = "application/apply-patch+yaml"
FIELD_MANAGER = "portside"
IGNORED_METADATA = ("managedFields", "resourceVersion", "generation")  # change on every write
MAX_CHANGES = 8
PLAN_ATTEMPTS = 3  # dry runs of one document while the object keeps changing under it
DIFF_DEPTH = 8  # deeper differences are reported at this depth
_API_VERSION = re.compile(r"([a-z0-9]([a-z0-9.-]*[a-z0-9])?/)?v[0-9]+((alpha|beta)[0-9]+)?")  # it goes in a URL
NOT_EDITABLE = ("secret",)  # values would be written to a file in the clear


class Action(StrEnum):
    CREATE = "create"
    CONFIGURE = "configure"
    UNCHANGED = "unchanged"
    ERROR = "error"


@dataclass(frozen=True)
class PlanItem:
    """What one document would do; ``problem`` is ``file:line: kind/name: message`` for an error."""

    document: ManifestDocument
    action: Action
    namespace: str = ""
    changes: tuple[str, ...] = ()
    problem: str = ""

    @property
    def key(self) -> str:
        return str(self.document.index)


@dataclass(frozen=True)
class Location:
    """Where a document's object lives on the server."""

    path: str  # the object's path
    namespace: str  # "" for a cluster-scoped kind


class _Refusal(Exception):
    """The server answered an error: its status, sanitised message and the field it names, if any."""

    def __init__(self, status: int, message: str, field_path: KeyPath) -> None:
        super().__init__(message)
        self.status, self.message, self.field_path = status, message, field_path


# ---- where a document goes: our kinds table, else API discovery

_discovered: weakref.WeakKeyDictionary[KubeCluster, dict[str, list[dict[str, Any]]]] = weakref.WeakKeyDictionary()
_discovered_lock = threading.Lock()


def discover(cluster: KubeCluster, api_version: str) -> list[dict[str, Any]]:
    """The resources one group/version serves (``/api/v1`` or ``/apis/<group>/<version>``); cached."""
    with _discovered_lock:
        known = _discovered.get(cluster, {}).get(api_version)
    if known is not None:
        return known
    path = "/api/v1" if api_version == "v1" else f"/apis/{api_version}"
    try:
        listing = cluster.request("GET", path, timeout=(5, 10))
    except NotFound:
        listing = {}
    resources = [r for r in listing.get("resources") or [] if isinstance(r, dict)]
    if resources:  # a group not served yet (a CRD about to be installed) is asked again next time
        with _discovered_lock:
            _discovered.setdefault(cluster, {})[api_version] = resources
    return resources


def _known_kind(api_version: str, kind: str) -> kr.ResourceKind | None:
    """Our table's kind for this apiVersion and kind, if it has one (no discovery needed)."""
    for candidate in kr.KINDS.values():
        if candidate.singular == kind.lower() and api_version in candidate.group_versions:
            return candidate
    return None


def locate(
    document: ManifestDocument,
    default_namespace: str,
    resources: list[dict[str, Any]] | None = None,
) -> Location:
    """The object's path. ``resources`` is the discovery answer for its apiVersion, needed only for a kind our
    table does not know (or knows under other versions); an unknown kind raises InvalidInput, located."""
    api_version, kind = document.body["apiVersion"], document.body["kind"]
    if not _API_VERSION.fullmatch(api_version):
        message = f"apiVersion {clean_line(api_version)!r} is not 'version' or 'group/version'"
        raise InvalidInput(str(document.problem(message, ("apiVersion",))))
    known = _known_kind(api_version, kind)
    if known is not None:
        plural, namespaced = known.name, known.namespaced
    else:
        served = [r for r in resources or [] if r.get("kind") == kind and "/" not in str(r.get("name", ""))]
        if not served:
            why = f"{api_version} has no such kind" if resources else f"the server does not serve {api_version}"
            raise InvalidInput(str(document.problem(f"unknown kind {clean_line(kind)}: {why}", ("kind",))))
        plural, namespaced = str(served[0]["name"]), bool(served[0].get("namespaced"))
    namespace = (document.body["metadata"].get("namespace") or default_namespace) if namespaced else ""
    base = "/api/v1" if api_version == "v1" else f"/apis/{api_version}"
    scope = f"/namespaces/{quote(namespace, safe='')}" if namespaced else ""
    name = quote(document.body["metadata"]["name"], safe="")
    return Location(f"{base}{scope}/{plural}/{name}", clean_line(namespace))


def _location(cluster: KubeCluster, document: ManifestDocument) -> Location:
    kind, api_version = document.body["kind"], document.body["apiVersion"]
    if _known_kind(api_version, kind) is not None or not _API_VERSION.fullmatch(api_version):
        return locate(document, cluster.namespace or "default")
    return locate(document, cluster.namespace or "default", discover(cluster, api_version))


# ---- plan and apply a manifest


def plan_manifest(cluster: KubeCluster, manifest: Manifest) -> tuple[PlanItem, ...]:
    """A dry-run server-side apply of every document, compared with the live objects."""
    return tuple(plan_document(cluster, document) for document in manifest.documents)


def plan_document(cluster: KubeCluster, document: ManifestDocument) -> PlanItem:
    """The dry run first, then the live object at the version the dry run started from: a controller writing
    the object meanwhile (a deployment's revision annotation) is not mistaken for a change of the file."""
    namespace = document.namespace
    try:
        where = _location(cluster, document)
        namespace = where.namespace
        for _ in range(PLAN_ATTEMPTS):
            created, result = _server_side_apply(cluster, where, document, dry_run=True)
            if created:
                return PlanItem(document, Action.CREATE, where.namespace)
            live = _live(cluster, where.path)
            if live is not None and _version(live) == _version(result):
                break
    except BackendError as error:
        return PlanItem(document, Action.ERROR, namespace, problem=str(error))
    return _compared(document, where.namespace, live, result)


def _version(raw: dict[str, Any]) -> str:
    return str((raw.get("metadata") or {}).get("resourceVersion", ""))


def apply_document(cluster: KubeCluster, document: ManifestDocument) -> bool:
    """Server-side apply one document for real; True when it created the object. Errors are located."""
    where = _location(cluster, document)
    created, _ = _server_side_apply(cluster, where, document, dry_run=False)
    return created


def _server_side_apply(
    cluster: KubeCluster, where: Location, document: ManifestDocument, *, dry_run: bool
) -> tuple[bool, dict[str, Any]]:
    body = copy.deepcopy(document.body)
    if where.namespace and not body["metadata"].get("namespace"):
        body["metadata"]["namespace"] = where.namespace
    query = {"fieldManager": FIELD_MANAGER, "force": "false", **({"dryRun": "All"} if dry_run else {})}
    try:
        # JSON is YAML: the body is sent as the JSON text of the document, under the apply content type.
        return _call(cluster, "PATCH", where.path, query, json.dumps(body), APPLY_PATCH)
    except _Refusal as refusal:
        raise _located(document, refusal) from None


def _live(cluster: KubeCluster, path: str) -> dict[str, Any] | None:
    """The object now, or None when there is none."""
    try:
        return dict(cluster.request("GET", path))
    except NotFound:
        return None


def _compared(
    document: ManifestDocument, namespace: str, live: dict[str, Any] | None, result: dict[str, Any]
) -> PlanItem:
    if live is None:
        return PlanItem(document, Action.CREATE, namespace)
    changes = changed_paths(comparable(live), comparable(result))
    if not changes:
        return PlanItem(document, Action.UNCHANGED, namespace)
    if len(changes) > MAX_CHANGES:
        changes = [*changes[:MAX_CHANGES], f"… {len(changes) - MAX_CHANGES} more"]
    return PlanItem(document, Action.CONFIGURE, namespace, tuple(changes))


def comparable(raw: dict[str, Any]) -> dict[str, Any]:
    """An object without what changes on every write (status, managedFields, resourceVersion, generation)."""
    shown = {k: v for k, v in raw.items() if k != "status"}
    metadata = {k: v for k, v in (raw.get("metadata") or {}).items() if k not in IGNORED_METADATA}
    shown["metadata"] = metadata
    return shown


def changed_paths(before: Any, after: Any, path: str = "", depth: int = 0) -> list[str]:
    """Dotted paths (``spec.replicas``, ``spec.template.spec.containers[0].image``) where two values differ.
    Never the values themselves: a Secret's data shows as ``data.password`` only."""
    if before == after:
        return []
    if depth < DIFF_DEPTH and isinstance(before, dict) and isinstance(after, dict):
        found: list[str] = []
        for key in [*before, *(k for k in after if k not in before)]:
            child = f"{path}.{key}" if path else str(key)
            found += changed_paths(before.get(key), after.get(key), child, depth + 1)
        return found
    if depth < DIFF_DEPTH and isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        return [
            p
            for n, (b, a) in enumerate(zip(before, after, strict=True))
            for p in changed_paths(b, a, f"{path}[{n}]", depth + 1)
        ]
    return [clean_line(path or "(the whole object)")]


# ---- edit one object: read, replace with the resourceVersion that was read


@dataclass(frozen=True)
class EditSession:
    """An object as read for editing: the text given to the editor and the version a replace must match."""

    kind: str  # singular, as the action registry names it: "deployment"
    namespace: str
    name: str
    path: str
    resource_version: str
    text: str
    live: dict[str, Any] = field(repr=False, compare=False)


def open_for_edit(cluster: KubeCluster, kind: str, namespace: str, name: str) -> EditSession:
    """Read an object and render it as YAML without status and managedFields. Secrets are never edited."""
    found = kr.resource_kind(kind)
    if found.singular in NOT_EDITABLE:
        raise InvalidInput(f"a {found.singular} is not edited here: its values would be written to a file")
    path = kr.api_path(cluster, found, namespace if found.namespaced else "", name)
    live = dict(cluster.request("GET", path))
    text = object_yaml({k: v for k, v in live.items() if k != "status"})
    version = clean_line(str((live.get("metadata") or {}).get("resourceVersion", "")))
    return EditSession(found.singular, namespace, name, path, version, text, live)


def edited_document(session: EditSession, text: str, file: str) -> ManifestDocument:
    """The edited text as one document of the same object; anything else raises ManifestError, located."""
    manifest = parse_manifest(text, file)
    if manifest.problems:
        raise ManifestError(list(manifest.problems))
    if len(manifest.documents) != 1:
        raise ManifestError.at(file, 0, f"the edit must hold exactly one object, not {len(manifest.documents)}")
    (document,) = manifest.documents
    metadata = document.body["metadata"]
    same = (
        document.body["kind"].lower() == session.kind
        and metadata["name"] == session.name
        and metadata.get("namespace", session.namespace) == session.namespace
    )
    if not same:
        message = f"an edit cannot change the kind, name or namespace (it is {session.kind} {session.name})"
        raise ManifestError([document.problem(message, ("metadata",))])
    return document


def plan_edit(cluster: KubeCluster, session: EditSession, document: ManifestDocument) -> PlanItem:
    """A dry-run replace compared with the object as read; a Conflict (changed meanwhile) is raised."""
    try:
        result = _replace(cluster, session, document, dry_run=True)
    except Conflict:
        raise
    except BackendError as error:
        return PlanItem(document, Action.ERROR, session.namespace, problem=str(error))
    return _compared(document, session.namespace, session.live, result)


def replace_object(cluster: KubeCluster, session: EditSession, document: ManifestDocument) -> None:
    """Replace the object with the edited one, only if it is still at the version that was read."""
    _replace(cluster, session, document, dry_run=False)


def _replace(
    cluster: KubeCluster, session: EditSession, document: ManifestDocument, *, dry_run: bool
) -> dict[str, Any]:
    body = copy.deepcopy(document.body)
    body["metadata"]["resourceVersion"] = session.resource_version  # a change made meanwhile is a Conflict
    if session.namespace:
        body["metadata"]["namespace"] = session.namespace
    query = {"fieldManager": FIELD_MANAGER, **({"dryRun": "All"} if dry_run else {})}
    try:
        return _call(cluster, "PUT", session.path, query, body, "application/json")[1]
    except _Refusal as refusal:
        if refusal.status == 409:
            raise Conflict(
                f"{session.kind} {session.name} changed on the server since you opened it ({refusal.message})"
            ) from None
        raise _located(document, refusal) from None


def with_previous_edit(session: EditSession, edited: str) -> str:
    """The object as it is now, followed by an edit that could not be applied, kept as comments."""
    kept = "".join(f"# {line}\n" for line in edited.splitlines())
    return (
        f"{session.text.rstrip()}\n"
        "# Your edit was not applied: the object changed on the server since you opened it.\n"
        "# It is kept below as comments; copy what you need above.\n"
        f"{kept}"
    )


# ---- the server's answers


def _call(
    cluster: KubeCluster, method: str, path: str, query: dict[str, str], body: Any, content_type: str
) -> tuple[bool, dict[str, Any]]:
    """One request whose refusal is read in detail (_Refusal: the field it names): whether it created the
    object (201), and the object."""
    response = cluster.send(method, path, query, body, content_type=content_type)
    with translated_errors(f"{method} {path}"):
        try:
            data = response.read()
        finally:
            response.release_conn()
        if response.status < 400:
            result: dict[str, Any] = json.loads(data or b"{}")
            return response.status == 201, result
    raise _refusal(response.status, data, str(response.reason))


def _refusal(status: int, data: bytes, reason: str) -> _Refusal:
    try:
        answer = json.loads(data)
    except (ValueError, TypeError):
        answer = {}
    if not isinstance(answer, dict):
        answer = {}
    message = clean_line(str(answer.get("message") or reason or f"HTTP {status}"))
    causes = (answer.get("details") or {}).get("causes") or []
    fields = [str(c.get("field")) for c in causes if isinstance(c, dict) and c.get("field")]
    if not fields:  # server-side apply names a field in its text: "... typed patch object: .spec.replicas: ..."
        fields = re.findall(r"(?:^|\s)\.([A-Za-z][\w.\-\[\]]*?):", message)
    return _Refusal(status, message, field_path(fields[0]) if fields else ())


def field_path(text: str) -> KeyPath:
    """``spec.template.spec.containers[0].image`` as a key path."""
    path: list[str | int] = []
    for key, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", text):
        path.append(int(index) if index else key)
    return tuple(path)


def _located(document: ManifestDocument, refusal: _Refusal) -> BackendError:
    located = str(document.problem(refusal.message, refusal.field_path))
    if refusal.status == 500 and "typed patch" in refusal.message:
        return InvalidInput(located)  # a value of the wrong type: the file's fault, not the server's
    return error_for_status(refusal.status, located)


__all__ = [
    "Action",
    "EditSession",
    "Location",
    "PlanItem",
    "apply_document",
    "changed_paths",
    "comparable",
    "discover",
    "edited_document",
    "field_path",
    "locate",
    "open_for_edit",
    "plan_document",
    "plan_edit",
    "plan_manifest",
    "replace_object",
    "with_previous_edit",
]
