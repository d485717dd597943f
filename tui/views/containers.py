"""Containers area: every container on the engine, live from engine events, with stats of what is on screen."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Sparkline, Static
from textual.worker import get_current_worker

from tui.actions import ActionObject, Gateway
from tui.adapters.docker_containers import StatsSample, cpu_percent
from tui.adapters.docker_engine import DockerEngine
from tui.adapters.errors import BackendError
from tui.adapters.live import LiveFeed
from tui.adapters.models import ContainerInfo, Deleted, Snapshot, Upserted
from tui.config import app_config
from tui.format import human_size
from tui.views.live_view import DockerView, action_bindings
from widgets.prompt import PromptDialog
from widgets.resource_table import Column, ResourceTable

STATE_STYLE = {"running": "bold", "paused": "italic", "restarting": "italic", "exited": "dim", "dead": "dim"}
HISTORY = 60  # samples kept per container for the sparklines


def state_cell(c: ContainerInfo) -> Text:
    health = ""
    for marker in ("(healthy)", "(unhealthy)", "(health: starting)"):
        if marker in c.status:
            health = " " + marker.strip("()").removeprefix("health: ")
    return Text(c.state + health, style=STATE_STYLE.get(c.state, ""))


class ContainerStats:
    """CPU % and memory per container from successive samples; kept only for containers sampled lately."""

    def __init__(self) -> None:
        self.last: dict[str, StatsSample] = {}
        self.cpu: dict[str, deque[float]] = {}
        self.memory: dict[str, deque[float]] = {}

    def add(self, key: str, sample: StatsSample) -> None:
        before = self.last.get(key)
        self.last[key] = sample
        if before is not None:
            self.cpu.setdefault(key, deque(maxlen=HISTORY)).append(cpu_percent(before, sample))
        self.memory.setdefault(key, deque(maxlen=HISTORY)).append(float(sample.memory))

    def forget_except(self, keys: set[str]) -> None:
        for table in (self.last, self.cpu, self.memory):
            for key in [k for k in table if k not in keys]:
                del table[key]

    def cpu_text(self, key: str) -> str:
        values = self.cpu.get(key)
        return f"{values[-1]:.1f}%" if values else ""

    def memory_text(self, key: str) -> str:
        values = self.memory.get(key)
        return human_size(int(values[-1])) if values else ""


class ContainersView(DockerView):
    BINDINGS = [
        *action_bindings("container"),
        Binding("a", "toggle_all", "All/running", id="containers.toggle_all"),
        Binding("d,enter", "inspect", "Inspect", id="containers.inspect"),
        Binding("n", "run_form", "Run new", id="containers.run"),
        Binding("l", "logs", "Logs", id="containers.logs"),
    ]
    NOUN = "containers"

    def engine_feed(self, engine: DockerEngine) -> LiveFeed[Any]:
        return engine.watch_containers()

    def list_at_hand(self) -> Snapshot[ContainerInfo] | None:
        return self.engine.containers_at_hand()  # the stream opened at start-up (tui.cli) has usually listed

    def __init__(self, engine: DockerEngine, gateway: Gateway, **kwargs: Any) -> None:
        super().__init__(engine, gateway, **kwargs)
        self.show_all = True
        self.stats = ContainerStats()
        self._on_screen: list[str] = []  # read by the stats thread; replaced (never mutated) on the loop
        self._stop_stats = threading.Event()
        stats = self.stats
        self.COLUMNS = [
            Column("name", "NAME", lambda c: c.name),
            Column("image", "IMAGE", lambda c: c.image),
            Column("state", "STATE", state_cell),
            Column("status", "STATUS", lambda c: c.status),
            Column("cpu", "CPU", lambda c: stats.cpu_text(c.id) if c.state == "running" else ""),
            Column("memory", "MEM", lambda c: stats.memory_text(c.id) if c.state == "running" else ""),
            Column("ports", "PORTS", lambda c: ", ".join(str(p) for p in c.ports)),
            Column("project", "COMPOSE", lambda c: c.compose_project or ""),
        ]

    def compose(self) -> ComposeResult:
        yield from super().compose()
        with Horizontal(classes="stats-panel"):
            yield Static("", classes="stats-label", id="cpu-label")
            yield Sparkline([], id="cpu-spark")
            yield Static("", classes="stats-label", id="mem-label")
            yield Sparkline([], id="mem-spark")

    def on_mount(self) -> None:
        self.stats_every = app_config(self.app).stats.refresh_seconds  # only containers on screen are sampled
        self.call_after_refresh(self.sample_stats)  # after the first frame, which it would slow

    def on_unmount(self) -> None:
        self._stop_stats.set()

    # ---- what is listed

    def shows(self, record: ContainerInfo) -> bool:
        # Containers the kubelet runs for pods belong to the Pods area; here they are counted, not listed.
        if record.kubernetes_pod:
            return False
        if not self.show_all and record.state not in ("running", "paused", "restarting"):
            return False
        return super().shows(record)

    def action_toggle_all(self) -> None:
        self.show_all = not self.show_all
        self.refilter()
        self._show_status(self.summary())

    def summary(self) -> str:
        running = sum(1 for c in self.records.values() if c.state == "running" and not c.kubernetes_pod)
        pods = sum(1 for c in self.records.values() if c.kubernetes_pod)
        text = super().summary().replace(f"of {len(self.records)} ", f"of {len(self.records) - pods} ")
        text += f", {running} running" + ("" if self.show_all else " (a: show all)")
        return text + (f" · {pods} pod containers (see the Kubernetes area)" if pods else "")

    def apply_delta(self, delta: Snapshot[Any] | Upserted[Any] | Deleted) -> None:
        super().apply_delta(delta)
        self._track_screen()

    # ---- stats of what is on screen

    def _track_screen(self) -> None:
        table = self.table
        self._on_screen = [k for k in table.visible_keys() if table.records[k].state == "running"]

    @work(thread=True, exclusive=True, exit_on_error=False, group="stats")
    def sample_stats(self) -> None:
        worker = get_current_worker()
        while not worker.is_cancelled:
            started = time.monotonic()
            samples: dict[str, StatsSample] = {}
            for key in list(self._on_screen):
                try:
                    samples[key] = self.engine.stats_sample(key)
                except BackendError:
                    continue
            if samples and not worker.is_cancelled:
                self.app.call_from_thread(self._apply_stats, samples)
            if self._stop_stats.wait(max(self.stats_every - (time.monotonic() - started), 0.2)):
                return

    def _apply_stats(self, samples: dict[str, StatsSample]) -> None:
        for key, sample in samples.items():
            self.stats.add(key, sample)
            if key in self.table.records:
                self.table.upsert(self.table.records[key], resort=False)
        self.stats.forget_except(set(self._on_screen) | set(samples))
        self._track_screen()
        self._show_sparklines()

    @on(ResourceTable.RowHighlighted)
    def _highlighted(self) -> None:
        self._show_sparklines()

    def on_resize(self) -> None:
        self._track_screen()  # the first list can arrive before the table has a size: nothing was on screen

    def _show_sparklines(self) -> None:
        record = self.table.selected
        key = record.key if record is not None else ""
        cpu, memory = list(self.stats.cpu.get(key, [])), list(self.stats.memory.get(key, []))
        self.query_one("#cpu-spark", Sparkline).data = cpu
        self.query_one("#mem-spark", Sparkline).data = memory
        name = record.name if record is not None else ""
        self.query_one("#cpu-label", Static).update(Text(f"{name} CPU {self.stats.cpu_text(key) or '-'}"))
        limit = self.stats.last[key].memory_limit if key in self.stats.last else 0
        mem = self.stats.memory_text(key) or "-"
        self.query_one("#mem-label", Static).update(
            Text(f"MEM {mem}" + (f" / {human_size(limit)}" if limit else ""))
        )

    # ---- actions

    def performers(self) -> dict[str, Callable[[ActionObject], None]]:
        engine = self.engine
        return {
            "container.start": lambda o: engine.start_container(o.id),
            "container.stop": lambda o: engine.stop_container(o.id),
            "container.restart": lambda o: engine.restart_container(o.id),
            "container.pause": lambda o: engine.pause_container(o.id),
            "container.unpause": lambda o: engine.unpause_container(o.id),
            "container.kill": lambda o: engine.kill_container(o.id),
            "container.remove": lambda o: engine.remove_container(o.id),
            "container.remove_volumes": lambda o: engine.remove_container(o.id, volumes=True),
        }

    # Screens opened from here are imported when first opened: this view is on the start-up path, they are not.

    def action_logs(self) -> None:
        from tui.views.log_screen import container_log_screen

        record = self.table.selected
        if record is not None:
            self.app.push_screen(container_log_screen(self.engine, record))

    def action_run_form(self) -> None:
        from tui.views.run_form import run_from_form

        record = self.table.selected
        self.run_worker(
            run_from_form(self, self.engine, record.image if record else None),
            group="actions",
            exit_on_error=False,
        )

    def action_act(self, action_id: str) -> None:
        if action_id == "container.shell":
            self.open_shell()
        elif action_id == "container.exec":
            self.exec_command()
        else:
            super().action_act(action_id)

    @work(exit_on_error=False, group="actions")
    async def open_shell(self) -> None:
        record = self.table.selected
        if record is None:
            return
        if self.gateway.is_readonly(self.target()):  # refused and audited before the engine is asked anything:
            await self.execute("container.shell", [record], lambda _: None)  # finding a shell is an exec
            return
        docker_cli = shutil.which("docker")
        if docker_cli is None:
            self.notify("An interactive shell needs the docker command-line client on PATH.", severity="error")
            return
        shell = await self._in_thread(self.engine.find_shell, record.id)
        if shell is None:
            self.notify(f"{record.name} has no shell (tried bash, ash, sh).", severity="error")
            return
        argv = [docker_cli, "exec", "-it", record.id, shell]
        env = {**os.environ, "DOCKER_HOST": self.engine.endpoint}

        def interactive(_: ActionObject) -> None:
            with self.app.suspend():
                subprocess.run(argv, env=env, check=False)  # argv list, never a shell string

        await self.execute("container.shell", [record], interactive, in_thread=False)

    @work(exit_on_error=False, group="actions")
    async def exec_command(self) -> None:
        record = self.table.selected
        if record is None:
            return
        command = await self.app.push_screen_wait(
            PromptDialog(f"Command to run in {record.name} (no shell; quote arguments):", placeholder="ls -la /")
        )
        if not command:
            return
        output: list[str] = []

        def run(obj: ActionObject) -> None:
            result = self.engine.exec_command(obj.id, command)
            output.append(f"exit code {result.exit_code}\n\n{result.output}")

        if await self.execute("container.exec", [record], run, details={"command": command}) == "done":
            from widgets.detail_screen import output_screen

            self.app.push_screen(output_screen(f"{record.name}: {command}", output[0]))

    @work(exit_on_error=False, group="inspect")
    async def action_inspect(self) -> None:
        record = self.table.selected
        if record is None:
            return
        try:
            raw = await self._in_thread(self.engine.inspect_container, record.id)
        except BackendError as error:
            self.notify(str(error), severity="error")
            return
        from tui.views.container_detail import inspect_screen

        self.app.push_screen(inspect_screen(record, raw))

    async def _in_thread(self, call: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.to_thread(call, *args)
