"""Pod logs, YAML and events: what the Pods area opens for one pod. Blocking: call from thread workers."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
from typing import Any

from tui.adapters.errors import BackendError, InvalidInput, Unavailable
from tui.adapters.http_chunked import chunked_body
from tui.adapters.kube_cluster import KubeCluster
from tui.adapters.log_lines import LogStream, RawLogParser
from tui.adapters.models import ExecResult
from tui.adapters.sanitize import clean_line, clean_text
from tui.adapters.secrets import MASK, is_secret_name

LOG_READ = 64 * 1024
EXEC_OUTPUT = 1024 * 1024  # the last MiB of a command's output is shown
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def pod_logs(
    cluster: KubeCluster,
    namespace: str,
    pod: str,
    container: str,
    *,
    previous: bool = False,
    tail: int | None = 1000,
    since_seconds: float | None = None,
    follow: bool = True,
) -> LogStream:
    """One container's log as a LogStream; ``previous`` reads the instance before the last restart."""
    query: dict[str, Any] = {
        "container": container,
        "timestamps": "true",
        "follow": str(follow and not previous).lower(),
    }
    if previous:
        query["previous"] = "true"
    if tail is not None:
        query["tailLines"] = tail
    if since_seconds is not None:
        query["sinceSeconds"] = max(1, int(since_seconds))
    path = f"/api/v1/namespaces/{namespace}/pods/{pod}/log"
    # A quiet container is not a fault: no read timeout on a followed log; close() shuts the socket down.
    response = cluster.request("GET", path, query, stream=True, timeout=(5, None))

    body = chunked_body(response._fp) or response

    def read() -> bytes:
        return bytes(body.read1(LOG_READ))

    def cancel() -> None:
        with contextlib.suppress(Exception):
            response.shutdown()
        with contextlib.suppress(Exception):
            response.release_conn()

    def translate(
        error: Exception,
    ) -> BackendError:  # urllib3's words ("IncompleteRead(0 bytes read)") are not ours
        return Unavailable(f"log stream interrupted: API server unreachable ({clean_line(str(error))})")

    return LogStream(
        read, cancel, RawLogParser(clean_line(f"{pod}/{container}"), timestamps=True), translate=translate
    )


def exec_in_pod(
    cluster: KubeCluster, namespace: str, pod: str, container: str, argv: list[str], *, timeout: float = 60
) -> ExecResult:
    """Run a command (argv, no shell) in a pod's container to completion, through kubectl (which speaks the
    exec protocol and the kubeconfig's auth); the output is bounded and sanitised."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        raise InvalidInput("running a command in a pod needs kubectl on PATH")
    command = [kubectl]
    if cluster.kubeconfig:
        command += ["--kubeconfig", cluster.kubeconfig]
    command += ["--context", cluster.context, "--namespace", namespace, "exec", pod]
    command += ["--container", container] if container else []
    try:
        done = subprocess.run(
            [*command, "--", *argv], capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL, check=False
        )
    except subprocess.TimeoutExpired:
        raise Unavailable(f"exec in {pod}: no answer within {timeout:.0f}s") from None
    output = (done.stdout + done.stderr)[-EXEC_OUTPUT:].decode(errors="replace")
    return ExecResult(done.returncode, clean_text(output))


def object_yaml(raw: dict[str, Any]) -> str:
    """An object as YAML for display: managedFields dropped, Secret values masked, terminal controls removed."""
    import yaml  # loaded when first shown: not on the path to the first list (issue #7)

    shown = dict(raw)
    metadata = dict(shown.get("metadata") or {})
    metadata.pop("managedFields", None)
    annotations = metadata.get("annotations")
    if isinstance(annotations, dict) and LAST_APPLIED in annotations:  # a copy of the whole object, env included
        metadata["annotations"] = {**annotations, LAST_APPLIED: MASK}
    shown["metadata"] = metadata
    if shown.get("kind") == "Secret":
        for field in ("data", "stringData"):
            if isinstance(shown.get(field), dict):
                shown[field] = dict.fromkeys(shown[field], MASK)
    spec = shown.get("spec")
    if isinstance(spec, dict):
        template = spec.get("template")
        if isinstance(template, dict) and isinstance(template.get("spec"), dict):  # a workload's pod template
            shown["spec"] = {**spec, "template": {**template, "spec": _masked_env(template["spec"])}}
        else:
            shown["spec"] = _masked_env(spec)
    return clean_text(yaml.safe_dump(shown, sort_keys=False, default_flow_style=False))


def _masked_env(pod_spec: dict[str, Any]) -> dict[str, Any]:
    """A copy of a pod spec whose env values with secret-looking names (DB_PASSWORD, API_TOKEN) are masked."""
    pod_spec = dict(pod_spec)
    for field in ("initContainers", "containers", "ephemeralContainers"):
        containers = pod_spec.get(field)
        if not isinstance(containers, list):
            continue
        masked = []
        for container in containers:
            if isinstance(container, dict) and isinstance(container.get("env"), list):
                env = [
                    {**var, "value": MASK}
                    if isinstance(var, dict) and "value" in var and is_secret_name(str(var.get("name", "")))
                    else var
                    for var in container["env"]
                ]
                container = {**container, "env": env}
            masked.append(container)
        pod_spec[field] = masked
    return pod_spec


def events_for(cluster: KubeCluster, namespace: str, uid: str) -> list[tuple[str, str, str, str, str]]:
    """(last seen, type, reason, count, message) of the events about one object, oldest first."""
    listing = cluster.request(
        "GET", f"/api/v1/namespaces/{namespace}/events", {"fieldSelector": f"involvedObject.uid={uid}"}
    )
    rows = []
    for event in listing.get("items") or []:
        last = str(event.get("lastTimestamp") or event.get("eventTime") or "")
        rows.append(
            (
                clean_line(last),
                clean_line(str(event.get("type", ""))),
                clean_line(str(event.get("reason", ""))),
                str(event.get("count") or 1),
                clean_line(str(event.get("message", ""))),
            )
        )
    return sorted(rows)


def get_pod(cluster: KubeCluster, namespace: str, name: str) -> dict[str, Any]:
    return dict(cluster.request("GET", f"/api/v1/namespaces/{namespace}/pods/{name}"))
