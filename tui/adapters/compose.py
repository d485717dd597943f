"""Compose projects discovered from the labels `docker compose` puts on containers (any directory)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from tui.adapters.models import ContainerInfo

PROJECT = "com.docker.compose.project"
SERVICE = "com.docker.compose.service"
WORKING_DIR = "com.docker.compose.project.working_dir"
CONFIG_FILES = "com.docker.compose.project.config_files"
ONEOFF = "com.docker.compose.oneoff"


@dataclass(frozen=True)
class ComposeStack:
    name: str
    working_dir: str
    config_files: str
    services: tuple[str, ...]
    running: int
    total: int

    @property
    def key(self) -> str:
        return self.name

    @property
    def state(self) -> str:
        if self.running == 0:
            return "stopped"
        return "running" if self.running == self.total else "partial"


def stacks_from_containers(containers: Iterable[ContainerInfo]) -> list[ComposeStack]:
    """Group containers by compose project; one-off containers (`compose run`) are not services."""
    groups: dict[str, list[ContainerInfo]] = defaultdict(list)
    for c in containers:
        if c.compose_project and c.label(ONEOFF) != "True":
            groups[c.compose_project].append(c)
    stacks = []
    for name, members in groups.items():
        first = members[0]
        stacks.append(
            ComposeStack(
                name=name,
                working_dir=first.label(WORKING_DIR) or "",
                config_files=first.label(CONFIG_FILES) or "",
                services=tuple(sorted({c.compose_service or "?" for c in members})),
                running=sum(1 for c in members if c.state == "running"),
                total=len(members),
            )
        )
    return sorted(stacks, key=lambda s: s.name)
