"""ComposeEngine against the sandbox's real dockerd, with the seed-shaped example and docker-compose 1.29.2.

Each test runs its own copy of the example under a unique project name, without the fixed container names and
host ports (the demo stack "elastic" may hold them), and takes it down with its volumes afterwards.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import BUSYBOX, unique, wait_for
from tui.adapters.compose import stacks_from_containers
from tui.adapters.compose_container import (
    CONFIG_FILES,
    CONFIG_HASH,
    NETWORK,
    NUMBER,
    ONEOFF,
    PROJECT,
    SERVICE,
    VERSION,
    VOLUME,
    WORKING_DIR,
)
from tui.adapters.compose_engine import ComposeEngine, ComposeEvent
from tui.adapters.compose_errors import ComposeError
from tui.adapters.compose_model import ComposeProject, load_project
from tui.adapters.docker_engine import DockerEngine
from tui.adapters.docker_volumes import parse_created
from tui.adapters.errors import Conflict, NotFound

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "examples" / "elastic-stack" / "docker-compose.yml"
FIXTURES = ROOT / "tests" / "fixtures" / "compose"
SERVICES = ("es01", "es02", "es03", "kib01")


@dataclass
class Stack:
    """A copy of the example in a temporary directory, and its project name."""

    name: str
    file: Path
    compose: ComposeEngine

    def load(self) -> ComposeProject:
        return load_project([self.file], project_name=self.name, environment={})

    def edit(self, service: str, key: str, value: Any) -> None:
        data = yaml.safe_load(self.file.read_text())
        data["services"][service][key] = value
        self.file.write_text(yaml.safe_dump(data, sort_keys=False))

    def ids(self) -> dict[str, str]:
        return {c.name: c.id for c in self.compose.containers(self.name)}

    def inspect(self, container: str) -> dict[str, Any]:
        return dict(self.compose.api().inspect_container(container))


def seed_shaped(directory: Path) -> Path:
    """The example without container_name and host ports (es01 publishes on a loopback port the engine picks),
    every service labelled portside-test=1."""
    data = yaml.safe_load(EXAMPLE.read_text())
    for name, service in data["services"].items():
        service.pop("container_name", None)
        service.pop("ports", None)
        service["labels"] = {"portside-test": "1"}
        if name == "es01":
            service["ports"] = ["127.0.0.1::9200"]
    path = directory / "docker-compose.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def take_down(compose: ComposeEngine, project: str) -> None:
    with contextlib.suppress(Exception):
        compose.down(project, volumes=True, timeout=0)


@pytest.fixture
def compose(docker_engine: DockerEngine) -> ComposeEngine:
    return ComposeEngine(docker_engine)


@pytest.fixture
def stack(compose: ComposeEngine, tmp_path: Path) -> Iterator[Stack]:
    made = Stack(unique("pt-compose"), seed_shaped(tmp_path), compose)
    yield made
    take_down(compose, made.name)


def project_resources(compose: ComposeEngine, project: str) -> tuple[list[str], list[str], list[str]]:
    """Names of the containers, networks and volumes labelled with ``project``."""
    api = compose.api()
    label = {"label": f"{PROJECT}={project}"}
    containers = sorted(c["Names"][0].lstrip("/") for c in api.containers(all=True, filters=label))
    networks = sorted(n["Name"] for n in api.networks(filters=label))
    volumes = sorted(v["Name"] for v in api.volumes(filters=label).get("Volumes") or [])
    return containers, networks, volumes


# ---- up


def test_up_creates_containers_network_and_volumes_with_the_compose_labels(stack: Stack) -> None:
    project = stack.load()
    stack.compose.up(project, timeout=0)
    containers, networks, volumes = project_resources(stack.compose, stack.name)
    assert containers == [f"{stack.name}-{s}-1" for s in SERVICES]
    assert networks == [f"{stack.name}_elastic"]
    assert volumes == [f"{stack.name}_data01", f"{stack.name}_data02", f"{stack.name}_data03"]
    labels = stack.inspect(f"{stack.name}-es02-1")["Config"]["Labels"]
    assert {k: labels[k] for k in (PROJECT, SERVICE, NUMBER, ONEOFF, WORKING_DIR, CONFIG_FILES)} == {
        PROJECT: stack.name,
        SERVICE: "es02",
        NUMBER: "1",
        ONEOFF: "False",
        WORKING_DIR: str(stack.file.parent),
        CONFIG_FILES: str(stack.file),
    }
    assert labels[CONFIG_HASH] == project.service("es02").config_hash
    assert labels["portside-test"] == "1"
    network = stack.compose.api().inspect_network(f"{stack.name}_elastic")
    assert (network["Labels"][PROJECT], network["Labels"][NETWORK], network["Labels"][VERSION]) == (
        stack.name,
        "elastic",
        labels[VERSION],
    )
    volume = stack.compose.api().inspect_volume(f"{stack.name}_data01")
    assert (volume["Labels"][PROJECT], volume["Labels"][VOLUME]) == (stack.name, "data01")


def test_up_passes_ulimits_mounts_ports_and_aliases_to_the_engine(stack: Stack) -> None:
    stack.compose.up(stack.load(), timeout=0)
    es01 = stack.inspect(f"{stack.name}-es01-1")
    assert es01["State"]["Running"]
    assert es01["HostConfig"]["Ulimits"] == [{"Name": "memlock", "Soft": -1, "Hard": -1}]
    [mount] = es01["Mounts"]
    assert (mount["Name"], mount["Destination"]) == (f"{stack.name}_data01", "/usr/share/elasticsearch/data")
    [binding] = es01["NetworkSettings"]["Ports"]["9200/tcp"]
    assert binding["HostIp"] == "127.0.0.1"
    endpoint = es01["NetworkSettings"]["Networks"][f"{stack.name}_elastic"]
    assert "es01" in endpoint["Aliases"]


def test_up_starts_each_service_after_what_it_depends_on(stack: Stack) -> None:
    events: list[ComposeEvent] = []
    stack.compose.up(stack.load(), progress=events.append, timeout=0)
    created = [e.name for e in events if e.kind == "container" and e.action == "created"]
    assert created.index(f"{stack.name}-kib01-1") > created.index(f"{stack.name}-es01-1")
    es01_started = parse_created(stack.inspect(f"{stack.name}-es01-1")["State"]["StartedAt"])
    kib01_created = parse_created(stack.inspect(f"{stack.name}-kib01-1")["Created"])
    assert es01_started is not None and kib01_created is not None
    assert es01_started <= kib01_created  # the engine's own clock: es01 ran before kib01 existed


def test_second_up_with_an_unchanged_file_recreates_nothing(stack: Stack) -> None:
    stack.compose.up(stack.load(), timeout=0)
    before = stack.ids()
    result = stack.compose.up(stack.load(), timeout=0)
    assert stack.ids() == before
    assert sorted(result.names("running")) == sorted(before)
    assert result.names("created") == result.names("recreated") == []


def test_changing_one_service_environment_recreates_only_that_service(stack: Stack) -> None:
    stack.compose.up(stack.load(), timeout=0)
    before = stack.ids()
    stack.edit("es02", "environment", ["node.name=es02", "cluster.name=renamed"])
    result = stack.compose.up(stack.load(), timeout=0)
    after = stack.ids()
    changed = {name for name in before if before[name] != after.get(name)}
    assert changed == {f"{stack.name}-es02-1"}
    assert result.names("recreated") == [f"{stack.name}-es02-1"]
    env = stack.inspect(f"{stack.name}-es02-1")["Config"]["Env"]
    assert "cluster.name=renamed" in env


def test_status_shows_drift_until_up_converges(stack: Stack) -> None:
    stack.compose.up(stack.load(), timeout=0)
    assert stack.compose.status(stack.load()).in_sync
    stack.edit("es03", "environment", ["changed=1"])
    stack.compose.api().stop(f"{stack.name}-kib01-1", timeout=0)
    status = stack.compose.status(stack.load())
    states = {s.service: s.state for s in status.services}
    assert states == {"es01": "running", "es02": "running", "es03": "outdated", "kib01": "stopped"}
    assert len(status.drift) == 2
    stack.compose.up(stack.load(), timeout=0)
    assert stack.compose.status(stack.load()).drift == ()


def test_missing_image_fails_before_anything_is_created(compose: ComposeEngine, tmp_path: Path) -> None:
    name = unique("pt-compose")
    path = tmp_path / "compose.yml"
    path.write_text(
        "services:\n  web:\n    image: 127.0.0.1:5000/portside/no-such-image:1\n    volumes: [d:/d]\n"
        "volumes:\n  d: {}\n"
    )
    try:
        with pytest.raises(NotFound):
            compose.up(load_project([path], project_name=name, environment={}))
        assert project_resources(compose, name) == ([], [], [])
    finally:
        take_down(compose, name)


def test_container_name_held_by_another_container_is_refused_before_anything_is_created(
    compose: ComposeEngine, container_factory: Callable[..., str], tmp_path: Path
) -> None:
    holder = unique("pt-holder")
    container_factory(name=holder)
    name = unique("pt-compose")
    path = tmp_path / "compose.yml"
    path.write_text(f"services:\n  web:\n    image: {BUSYBOX}\n    container_name: {holder}\n")
    try:
        with pytest.raises(Conflict, match="used by another container"):
            compose.up(load_project([path], project_name=name, environment={}))
        assert project_resources(compose, name) == ([], [], [])
    finally:
        take_down(compose, name)


def test_cancel_stops_up_between_steps(stack: Stack) -> None:
    cancel = threading.Event()

    def cancel_after_first_container(event: ComposeEvent) -> None:
        if event.kind == "container" and event.action == "created":
            cancel.set()

    result = stack.compose.up(stack.load(), progress=cancel_after_first_container, cancel=cancel, timeout=0)
    assert result.cancelled
    assert [c.name for c in stack.compose.containers(stack.name)] == [f"{stack.name}-es01-1"]
    assert stack.compose.up(stack.load(), timeout=0).names("created") == [
        f"{stack.name}-{s}-1" for s in SERVICES[1:]
    ]


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.yml")), ids=lambda p: p.stem)
def test_bad_file_is_refused_with_its_location_and_creates_nothing(compose: ComposeEngine, path: Path) -> None:
    name = unique("pt-compose-bad")
    with pytest.raises(ComposeError) as caught:
        compose.up(load_project([path], project_name=name, environment={}))
    assert str(caught.value).startswith(f"{path}:{caught.value.line}: ")
    assert caught.value.line > 0
    assert project_resources(compose, name) == ([], [], [])


# ---- scale, stop, restart, down


def test_scale_a_service_to_three_and_back_to_one(stack: Stack) -> None:
    project = stack.load()
    stack.compose.up(project, timeout=0)
    stack.compose.scale(project, "es02", 3, timeout=0)
    es02 = stack.compose.containers(stack.name, ("es02",))
    assert [(c.name, c.state) for c in es02] == [(f"{stack.name}-es02-{n}", "running") for n in (1, 2, 3)]
    first = es02[0].id
    result = stack.compose.scale(project, "es02", 1, timeout=0)
    assert [c.id for c in stack.compose.containers(stack.name, ("es02",))] == [first]
    assert sorted(result.names("removed")) == [f"{stack.name}-es02-2", f"{stack.name}-es02-3"]


def test_stop_restart_and_down_keep_volumes_unless_asked(stack: Stack) -> None:
    project = stack.load()
    stack.compose.up(project, timeout=0)
    stopped = stack.compose.stop(project, timeout=0)
    assert stopped.names("stopped")[0] == f"{stack.name}-kib01-1"  # dependents stop first
    assert {c.state for c in stack.compose.containers(stack.name)} == {"exited"}
    restarted = stack.compose.restart(project, timeout=0)
    assert restarted.names("restarted")[-1] == f"{stack.name}-kib01-1"  # and start last
    assert {c.state for c in stack.compose.containers(stack.name)} == {"running"}
    stack.compose.down(project, timeout=0)
    containers, networks, volumes = project_resources(stack.compose, stack.name)
    assert (containers, networks) == ([], [])
    assert len(volumes) == 3
    removed = stack.compose.down(project, volumes=True, timeout=0)
    assert sorted(removed.names("removed", "volume")) == volumes
    assert project_resources(stack.compose, stack.name) == ([], [], [])


def test_start_brings_stopped_containers_back_without_creating_any(stack: Stack) -> None:
    project = stack.load()
    stack.compose.up(project, timeout=0)
    before = stack.ids()
    stack.compose.stop(stack.name, services=["es01"], timeout=0)
    result = stack.compose.start(stack.name)
    assert result.names("started") == [f"{stack.name}-es01-1"]
    assert stack.ids() == before
    wait_for(lambda: stack.inspect(f"{stack.name}-es01-1")["State"]["Running"], 10, "es01 running")


# ---- build and health


def test_build_service_is_built_tagged_and_run(compose: ComposeEngine, tmp_path: Path) -> None:
    name = unique("pt-compose")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "Dockerfile").write_text(
        f"FROM {BUSYBOX}\nLABEL portside-test=1\nARG GREETING\nRUN echo $GREETING > /greeting\n"
    )
    path = tmp_path / "compose.yml"
    path.write_text(
        "services:\n  app:\n    build:\n      context: app\n      args: {GREETING: hello}\n"
        "    command: [sleep, '3600']\n    init: true\n    labels: {portside-test: '1'}\n"
    )
    project = load_project([path], project_name=name, environment={})
    try:
        events: list[ComposeEvent] = []
        compose.up(project, progress=events.append)
        assert any(e.kind == "image" and e.action == "built" and e.name == f"{name}-app" for e in events)
        [container] = compose.containers(name)
        assert container.image == f"{name}-app"
        output = compose.api().exec_start(compose.api().exec_create(container.id, ["cat", "/greeting"]))
        assert output.strip() == b"hello"
    finally:
        take_down(compose, name)
        with contextlib.suppress(Exception):
            compose.api().remove_image(f"{name}-app", force=True)


def test_healthy_condition_waits_for_the_dependency_health_check(compose: ComposeEngine, tmp_path: Path) -> None:
    name = unique("pt-compose")
    path = tmp_path / "compose.yml"
    path.write_text(
        f"services:\n"
        f"  db:\n    image: {BUSYBOX}\n    command: [sleep, '3600']\n    init: true\n"
        f"    labels: {{portside-test: '1'}}\n"
        f"    healthcheck: {{test: [CMD, 'true'], interval: 1s, retries: 3}}\n"
        f"  web:\n    image: {BUSYBOX}\n    command: [sleep, '3600']\n    init: true\n"
        f"    labels: {{portside-test: '1'}}\n"
        f"    depends_on: {{db: {{condition: service_healthy}}}}\n"
    )
    try:
        compose.up(load_project([path], project_name=name, environment={}))
        db = compose.api().inspect_container(f"{name}-db-1")
        web = compose.api().inspect_container(f"{name}-web-1")
        first_check = parse_created(db["State"]["Health"]["Log"][0]["End"])
        web_created = parse_created(web["Created"])
        assert first_check is not None and web_created is not None
        assert first_check <= web_created  # web was created only once db had passed a health check
    finally:
        take_down(compose, name)


# ---- docker-compose 1.x sees our stacks, and we see (and take down) its stacks

needs_v1 = pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose 1.x is not installed")


def docker_compose(stack: Stack, *args: str) -> str:
    argv = ["docker-compose", "-f", str(stack.file), "-p", stack.name, *args]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=240, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


@needs_v1
def test_docker_compose_v1_lists_a_stack_brought_up_by_portside(stack: Stack) -> None:
    stack.compose.up(stack.load(), timeout=0)
    listed = docker_compose(stack, "ps", "--services", "--filter", "status=running")
    assert sorted(listed.split()) == sorted(SERVICES)
    ids = docker_compose(stack, "ps", "-q")
    assert sorted(ids.split()) == sorted(stack.ids().values())


@needs_v1
def test_stack_brought_up_by_docker_compose_v1_is_discovered_and_taken_down(
    stack: Stack, docker_engine: DockerEngine
) -> None:
    docker_compose(stack, "up", "-d")
    found = stack.compose.containers(stack.name)
    assert [(c.name, stack.compose.number(c, stack.name)) for c in found] == [
        (f"{stack.name}_{s}_1", 1) for s in SERVICES
    ]
    [discovered] = [s for s in stacks_from_containers(docker_engine.list_containers()) if s.name == stack.name]
    assert (discovered.services, discovered.running) == (SERVICES, 4)
    status = stack.compose.status(stack.load())
    assert {s.state for s in status.services} == {"outdated"}  # 1.x hashes differently: up would recreate
    stack.compose.down(stack.name, volumes=True, timeout=0)
    assert project_resources(stack.compose, stack.name) == ([], [], [])
