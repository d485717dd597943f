"""RunMixin.run_container against the sandbox's real dockerd: what docker run does, and nothing half-created."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Callable, Iterator

import docker.errors
import pytest

from tests.conftest import BUSYBOX, unique
from tui.adapters.docker_engine import DockerEngine
from tui.adapters.docker_run import RunSpec
from tui.adapters.errors import Conflict, InvalidInput, NotFound

LABEL = ("portside-test=1",)


def free_loopback_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def cleanup(docker_engine: DockerEngine) -> Iterator[Callable[[str], str]]:
    """Register container and volume names this test may create; whatever exists of them is removed after it."""
    names: list[str] = []

    def register(name: str) -> str:
        names.append(name)
        return name

    yield register
    api = docker_engine.api()
    for name in names:  # containers first: a volume in use cannot be removed
        holder = docker_engine.container_using_name(name)
        if holder is not None:
            docker_engine.remove_container(holder, force=True)
    for name in names:
        with contextlib.suppress(docker.errors.NotFound):
            api.remove_volume(name)


def volume_names(engine: DockerEngine) -> set[str]:
    return {v["Name"] for v in engine.api().volumes().get("Volumes") or []}


def test_run_creates_a_running_container_with_every_option(
    docker_engine: DockerEngine, cleanup: Callable[[str], str]
) -> None:
    name, volume, port = cleanup(unique("pt-run")), cleanup(unique("pt-run-vol")), free_loopback_port()
    spec = RunSpec(
        BUSYBOX,
        name=name,
        hostname="web-1",
        command="httpd -f -p 80",
        env=("MODE=demo", "DB_PASSWORD=hunter2"),
        publish=(f"127.0.0.1:{port}:80",),
        volumes=(f"{volume}:/data",),
        restart="always",
        labels=LABEL,
    )
    cid = docker_engine.run_container(spec)
    info = docker_engine.api().inspect_container(cid)
    assert info["Name"] == f"/{name}"
    assert info["State"]["Running"]
    assert info["Config"]["Hostname"] == "web-1"
    assert info["Config"]["Cmd"] == ["httpd", "-f", "-p", "80"]
    assert {"MODE=demo", "DB_PASSWORD=hunter2"} <= set(info["Config"]["Env"])  # the engine gets the real value
    assert info["HostConfig"]["PortBindings"] == {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(port)}]}
    assert info["HostConfig"]["RestartPolicy"]["Name"] == "always"
    (mount,) = info["Mounts"]
    assert (mount["Type"], mount["Name"], mount["Destination"], mount["RW"]) == ("volume", volume, "/data", True)
    assert volume in volume_names(docker_engine)  # created by the engine on the way


def test_run_with_a_name_in_use_raises_conflict_and_creates_nothing(
    docker_engine: DockerEngine, container_factory: Callable[..., str], cleanup: Callable[[str], str]
) -> None:
    name = unique("pt-taken")
    holder = container_factory(name=name)
    volume = cleanup(unique("pt-unused-vol"))
    before = {c["Id"] for c in docker_engine.api().containers(all=True)}
    with pytest.raises(Conflict, match=f"'{name}' is already used by container {holder[:12]}"):
        docker_engine.run_container(RunSpec(BUSYBOX, name=name, volumes=(f"{volume}:/data",), labels=LABEL))
    assert {c["Id"] for c in docker_engine.api().containers(all=True)} == before
    assert volume not in volume_names(docker_engine)


def test_run_of_a_missing_image_says_pull_it_first_and_creates_nothing(
    docker_engine: DockerEngine, cleanup: Callable[[str], str]
) -> None:
    name, volume = cleanup(unique("pt-noimage")), cleanup(unique("pt-noimage-vol"))
    with pytest.raises(NotFound, match="image not found locally: pull it first"):
        docker_engine.run_container(
            RunSpec("portside/absent:never", name=name, volumes=(f"{volume}:/data",), labels=LABEL)
        )
    assert docker_engine.container_using_name(name) is None
    assert volume not in volume_names(docker_engine)


def test_run_whose_start_fails_removes_the_container_and_its_new_volume(
    docker_engine: DockerEngine, cleanup: Callable[[str], str]
) -> None:
    name, volume = cleanup(unique("pt-nostart")), cleanup(unique("pt-nostart-vol"))
    spec = RunSpec(BUSYBOX, name=name, command="no-such-program", volumes=(f"{volume}:/data",), labels=LABEL)
    with pytest.raises(InvalidInput, match=r"no-such-program.*nothing was left behind"):
        docker_engine.run_container(spec)
    assert docker_engine.container_using_name(name) is None
    assert volume not in volume_names(docker_engine)


def test_run_whose_start_fails_keeps_a_volume_that_existed_before(
    docker_engine: DockerEngine, cleanup: Callable[[str], str]
) -> None:
    volume = cleanup(unique("pt-kept-vol"))
    docker_engine.api().create_volume(volume, labels={"portside-test": "1"})
    spec = RunSpec(
        BUSYBOX, name=cleanup(unique("pt-nostart")), command="no-such-program", volumes=(f"{volume}:/data",)
    )
    with pytest.raises(InvalidInput):
        docker_engine.run_container(spec)
    assert volume in volume_names(docker_engine)


def test_run_with_invalid_options_raises_invalid_input_before_the_engine_is_asked(
    docker_engine: DockerEngine, cleanup: Callable[[str], str]
) -> None:
    name = cleanup(unique("pt-invalid"))
    with pytest.raises(InvalidInput, match=r"publish: .*out of range.*restart: "):
        docker_engine.run_container(RunSpec(BUSYBOX, name=name, publish=("127.0.0.1:1:70000",), restart="never"))
    assert docker_engine.container_using_name(name) is None


def test_container_using_name_matches_the_whole_name_only(
    docker_engine: DockerEngine, container_factory: Callable[..., str]
) -> None:
    name = unique("pt-exact")
    cid = container_factory(name=name, start=False)
    assert docker_engine.container_using_name(name) == cid
    assert docker_engine.container_using_name(name[:-1]) is None  # the engine's filter alone matches prefixes
    assert docker_engine.container_using_name(name.replace("-", ".")) is None  # '.' is not a regex wildcard
