"""Kubernetes pods area: list + watch from resourceVersion, incremental by uid."""

from __future__ import annotations

import asyncio
import shlex
import shutil
import subprocess
from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import work
from textual.binding import Binding
from textual.message import Message

from tui.actions import ActionObject, Outcome
from tui.adapters.errors import BackendError
from tui.adapters.kube_pods import events_for, exec_in_pod, get_pod
from tui.adapters.live import LiveFeed
from tui.adapters.models import PodInfo
from tui.format import age
from tui.views.kube_view import KubeView
from tui.views.live_view import action_bindings
from widgets.prompt import PromptDialog
from widgets.resource_table import Column

HEALTHY = {"Running", "Completed", "Succeeded"}


def status_cell(p: PodInfo) -> Text:
    return Text(
        p.status,
        style=""
        if p.status in HEALTHY
        else "bold reverse"
        if "Err" in p.status or "BackOff" in p.status or p.status == "OOMKilled"
        else "italic",
    )


class PodsView(KubeView):
    COLUMNS = [
        Column("namespace", "NAMESPACE", lambda p: p.namespace),
        Column("name", "NAME", lambda p: p.name),
        Column("ready", "READY", lambda p: f"{p.ready}/{p.total}"),
        Column("status", "STATUS", status_cell),
        Column("restarts", "RESTARTS", lambda p: str(p.restarts)),
        Column("age", "AGE", lambda p: age(p.created), volatile=True),
        Column("node", "NODE", lambda p: p.node),
        Column("ip", "IP", lambda p: p.ip),
    ]
    BINDINGS = [
        *action_bindings("pod"),
        Binding("l", "logs", "Logs", id="pods.logs"),
        Binding("P", "logs(True)", "Previous logs", id="pods.previous_logs"),
        Binding("d,enter", "describe", "Describe", id="pods.describe"),
        Binding("y", "yaml", "YAML", id="pods.yaml"),
        Binding("O", "owner", "Owner", id="pods.owner"),
    ]
    NOUN = "pods"

    def open_watch(self, namespace: str, selector: str) -> LiveFeed[Any]:
        return self.cluster.watch_pods(namespace, selector)

    def performers(self) -> dict[str, Callable[[ActionObject], None]]:
        return {"pod.delete": lambda o: self.cluster.delete_pod(o.namespace, o.name)}

    # ---- logs, shell, describe, YAML, owner

    async def _choose_container(self, pod: PodInfo) -> str | None:
        names = [c.name for c in pod.containers] or [""]
        if len(names) == 1:
            return names[0]
        answer = await self.app.push_screen_wait(
            PromptDialog(
                f"Container of {pod.name}:",
                value=names[0],
                suggestions=names,
                validate=lambda v: None if v in names else f"{pod.name} has: {', '.join(names)}",
            )
        )
        return answer

    @work(exit_on_error=False, group="pod-open")
    async def action_logs(self, previous: bool = False) -> None:
        pod = self.table.selected
        if pod is None:
            return
        container = await self._choose_container(pod)
        if container is None:
            return
        from tui.views.log_screen import pod_log_screen  # screens load when first opened (start-up, issue #7)

        self.app.push_screen(pod_log_screen(self.cluster, pod.namespace, pod.name, container, previous=previous))

    @work(exit_on_error=False, group="actions")
    async def action_shell(self) -> None:
        pod = self.table.selected
        if pod is None:
            return
        kubectl = shutil.which("kubectl")
        if kubectl is None:
            self.notify("An interactive shell in a pod needs kubectl on PATH.", severity="error")
            return
        container = await self._choose_container(pod)
        if container is None:
            return
        argv = [kubectl]
        if self.cluster.kubeconfig:
            argv += ["--kubeconfig", self.cluster.kubeconfig]
        argv += ["--context", self.cluster.context, "--namespace", pod.namespace, "exec", "-it", pod.name]
        argv += (
            ["--container", container, "--", "sh", "-c", FIRST_SHELL]
            if container
            else ["--", "sh", "-c", FIRST_SHELL]
        )

        def interactive(_: ActionObject) -> None:
            with self.app.suspend():
                subprocess.run(argv, check=False)  # argv list, never a shell string on our side

        await self.execute("pod.shell", [pod], interactive, in_thread=False)

    @work(exit_on_error=False, group="pod-open")
    async def action_describe(self) -> None:
        pod = self.table.selected
        if pod is None:
            return
        try:
            raw, events = await asyncio.gather(
                asyncio.to_thread(get_pod, self.cluster, pod.namespace, pod.name),
                asyncio.to_thread(events_for, self.cluster, pod.namespace, pod.uid),
            )
        except BackendError as error:
            self.notify(str(error), severity="error")
            return
        from tui.views.pod_detail import describe_screen

        self.app.push_screen(describe_screen(pod, raw, events))

    @work(exit_on_error=False, group="pod-open")
    async def action_yaml(self) -> None:
        pod = self.table.selected
        if pod is None:
            return
        try:
            raw = await asyncio.to_thread(get_pod, self.cluster, pod.namespace, pod.name)
        except BackendError as error:
            self.notify(str(error), severity="error")
            return
        from tui.views.pod_detail import yaml_screen

        self.app.push_screen(yaml_screen(pod, raw))

    @work(exit_on_error=False, group="actions")
    async def exec_command(self) -> None:
        """``x``: run one command in a container of the pod and show what it printed."""
        pod = self.table.selected
        if pod is None:
            return
        container = await self._choose_container(pod)
        if container is None:
            return
        command = await self.app.push_screen_wait(
            PromptDialog(
                f"Command to run in {pod.name}/{container} (no shell; quote arguments):", placeholder="ls /"
            )
        )
        if not command:
            return
        try:
            argv = shlex.split(command)
        except ValueError as error:
            self.notify(f"{command!r}: {error}", severity="error")
            return
        output: list[str] = []

        def run(obj: ActionObject) -> None:
            result = exec_in_pod(self.cluster, obj.namespace, obj.name, container, argv)
            output.append(f"exit code {result.exit_code}\n\n{result.output}")

        if await self.execute("pod.exec", [pod], run, details={"command": command}) == Outcome.DONE:
            from widgets.detail_screen import output_screen

            self.app.push_screen(output_screen(f"{pod.namespace}/{pod.name} · {container}: {command}", output[0]))

    def action_act(self, action_id: str) -> None:
        if action_id == "pod.shell":
            self.action_shell()
        elif action_id == "pod.exec":
            self.exec_command()
        elif action_id == "pod.edit":  # e: the pod's YAML in $EDITOR
            from tui.views.kube_apply import start_edit

            start_edit(self, self.cluster, "pod")
        else:
            super().action_act(action_id)

    class JumpTo(Message):
        """Bubbles to the Kubernetes area: show ``kind`` filtered to ``name`` (a pod's owner)."""

        def __init__(self, kind: str, name: str) -> None:
            super().__init__()
            self.kind, self.name = kind, name

    def action_owner(self) -> None:
        pod = self.table.selected
        if pod is None or not pod.owner:
            self.notify("This pod has no owner: nothing to jump to.", severity="warning")
            return
        kind, _, name = pod.owner.partition("/")
        self.post_message(self.JumpTo(kind, name))


# bash, else ash, else sh: the first shell the container has (RELIABILITY: argv, the script runs in the pod)
FIRST_SHELL = "command -v bash >/dev/null && exec bash; command -v ash >/dev/null && exec ash; exec sh"
