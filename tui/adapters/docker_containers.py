"""Docker adapter, containers beyond the list: pause, kill, inspect, exec, shells and stats."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tui.adapters.docker_errors import translated_errors
from tui.adapters.models import ExecResult
from tui.adapters.sanitize import clean_line, clean_text
from tui.adapters.secrets import MASK, is_secret_name

if TYPE_CHECKING:
    import docker

SHELLS = ("bash", "ash", "sh")


@dataclass(frozen=True)
class StatsSample:
    """One reading of a container's counters; CPU % needs two of them."""

    cpu_total: int
    system_total: int
    online_cpus: int
    memory: int  # bytes in use, page cache excluded
    memory_limit: int


def cpu_percent(before: StatsSample, after: StatsSample) -> float:
    """CPU use between two samples, as `docker stats` computes it (100 % = one full core)."""
    cpu = after.cpu_total - before.cpu_total
    system = after.system_total - before.system_total
    if cpu <= 0 or system <= 0:
        return 0.0
    return cpu / system * max(after.online_cpus, 1) * 100.0


def stats_from_api(raw: dict[str, Any]) -> StatsSample:
    cpu = raw.get("cpu_stats") or {}
    usage = cpu.get("cpu_usage") or {}
    memory = raw.get("memory_stats") or {}
    details = memory.get("stats") or {}
    cache = int(details.get("total_inactive_file", details.get("inactive_file", details.get("cache", 0))) or 0)
    return StatsSample(
        cpu_total=int(usage.get("total_usage") or 0),
        system_total=int(cpu.get("system_cpu_usage") or 0),
        online_cpus=int(cpu.get("online_cpus") or len(usage.get("percpu_usage") or []) or 1),
        memory=max(int(memory.get("usage") or 0) - cache, 0),
        memory_limit=int(memory.get("limit") or 0),
    )


def masked_env(env: list[str], revealed: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """KEY=VALUE pairs with the values of secret-looking names masked unless revealed (RELIABILITY rule 8)."""
    pairs = []
    for item in env:
        name, _, value = item.partition("=")
        shown = MASK if is_secret_name(name) and name not in revealed else value
        pairs.append((clean_line(name), clean_line(shown)))
    return pairs


class ContainersMixin:
    """Mixed into DockerEngine; every method blocks: call it from a thread worker."""

    def api(self) -> docker.APIClient:
        raise NotImplementedError

    def pause_container(self, container_id: str) -> None:
        with translated_errors(f"pause {container_id[:12]}"):
            self.api().pause(container_id)

    def unpause_container(self, container_id: str) -> None:
        with translated_errors(f"unpause {container_id[:12]}"):
            self.api().unpause(container_id)

    def kill_container(self, container_id: str) -> None:
        with translated_errors(f"kill {container_id[:12]}"):
            self.api().kill(container_id)

    def inspect_container(self, container_id: str) -> dict[str, Any]:
        """The engine's full record. Its strings are not sanitised: display it through ``inspect_text``."""
        with translated_errors(f"inspect {container_id[:12]}"):
            return dict(self.api().inspect_container(container_id))

    def exec_command(self, container_id: str, command: str, timeout_lines: int = 5000) -> ExecResult:
        """Run a command (argv from shlex, no shell) to completion and return its output (bounded)."""
        argv = shlex.split(command)
        with translated_errors(f"exec in {container_id[:12]}"):
            api = self.api()
            exec_id = api.exec_create(container_id, argv, stdout=True, stderr=True)["Id"]
            raw = api.exec_start(exec_id)
            code = api.exec_inspect(exec_id).get("ExitCode")
        lines = clean_text(raw.decode(errors="replace")).splitlines()[-timeout_lines:]
        return ExecResult(code, "\n".join(lines))

    def find_shell(self, container_id: str) -> str | None:
        """The first of bash, ash, sh that the container can run, or None."""
        with translated_errors(f"shell in {container_id[:12]}"):
            api = self.api()
            for shell in SHELLS:
                try:
                    exec_id = api.exec_create(container_id, [shell, "-c", "exit 0"])["Id"]
                    api.exec_start(exec_id)
                except Exception:
                    continue
                if api.exec_inspect(exec_id).get("ExitCode") == 0:
                    return shell
        return None

    def stats_sample(self, container_id: str) -> StatsSample:
        with translated_errors(f"stats {container_id[:12]}"):
            return stats_from_api(self.api().stats(container_id, stream=False, one_shot=True))


def inspect_text(record: dict[str, Any]) -> str:
    """The inspect JSON for display: secret-looking env values masked, terminal controls removed."""
    shown = json.loads(json.dumps(record))
    config = shown.get("Config") or {}
    if config.get("Env"):
        config["Env"] = [f"{k}={v}" for k, v in masked_env(config["Env"])]
    return clean_text(json.dumps(shown, indent=2, sort_keys=True))
