"""DockerEngine's images half (history, users, build, pull, push, tag, remove, prune) against the sandbox."""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import BUSYBOX, unique, wait_for
from tui.adapters.docker_engine import DockerEngine
from tui.adapters.docker_images import Progress, ProgressStream
from tui.adapters.errors import BackendError, Conflict, InvalidInput, NotFound

REGISTRY = "127.0.0.1:5000"
_NEW_IMAGE = re.compile(r"^ ---> ([0-9a-f]{12})$")


@pytest.fixture
def images_to_remove(docker_engine: DockerEngine) -> Iterator[list[str]]:
    """References (tags or ids) a test creates; removed after it, whatever happened."""
    made: list[str] = []
    yield made
    for reference in reversed(made):
        with contextlib.suppress(BackendError):
            docker_engine.remove_image(reference, force=True)


def context(tmp_path: Path, dockerfile: str) -> str:
    (tmp_path / "Dockerfile").write_text(dockerfile)
    return str(tmp_path)


def drain(stream: ProgressStream) -> list[Progress]:
    return list(stream)


def images_made_by(lines: list[str]) -> list[str]:
    """Ids of the images a build committed: each " ---> id" that follows a removed intermediate container."""
    made, after_container = [], False
    for line in lines:
        match = _NEW_IMAGE.match(line)
        if match and after_container:
            made.append(match.group(1))
        after_container = line.startswith("Removing intermediate container")
    return made


def tags_of(engine: DockerEngine) -> set[str]:
    return {tag for image in engine.list_images() for tag in image.tags}


def test_build_tags_an_image_whose_history_lists_the_dockerfile_steps(
    docker_engine: DockerEngine, tmp_path: Path, images_to_remove: list[str]
) -> None:
    tag = f"portside-test/built:{unique('b')}"
    images_to_remove.append(tag)
    path = context(tmp_path, f"FROM {BUSYBOX}\nRUN echo hi > /hello\nLABEL portside-test=1\n")
    stream = docker_engine.build_image(path, "Dockerfile", tag)
    lines = [p.line for p in drain(stream)]
    assert "Step 2/3 : RUN echo hi > /hello" in lines  # a step split over two chunks arrives as one line
    assert stream.image_id and stream.image_id.startswith("sha256:")
    assert tag in tags_of(docker_engine)
    layers = docker_engine.image_history(tag)
    assert layers[0].id == stream.image_id
    instructions = [layer.instruction for layer in layers]
    assert instructions[:2] == ["LABEL portside-test=1", "RUN echo hi > /hello"]
    assert layers[1].size > 0  # the RUN wrote a file


def test_build_args_reach_the_build(
    docker_engine: DockerEngine, tmp_path: Path, images_to_remove: list[str]
) -> None:
    tag = f"portside-test/args:{unique('b')}"
    images_to_remove.append(tag)
    path = context(tmp_path, f"FROM {BUSYBOX}\nARG GREETING\nRUN echo $GREETING > /g\nLABEL portside-test=1\n")
    drain(docker_engine.build_image(path, "Dockerfile", tag, {"GREETING": "hello"}))
    layers = docker_engine.image_history(tag)
    run = next(layer for layer in layers if "/g" in layer.created_by)
    assert "GREETING=hello" in run.created_by  # the engine records the value it built with
    assert run.instruction == "RUN echo $GREETING > /g"


def test_failed_build_names_the_failing_step_and_its_dangling_image_is_listed_then_pruned(
    docker_engine: DockerEngine, tmp_path: Path, images_to_remove: list[str]
) -> None:
    marker = unique("step")  # no cache: the step before the failure really commits a new image
    path = context(tmp_path, f"FROM {BUSYBOX}\nRUN echo {marker} > /m\nRUN false\nLABEL portside-test=1\n")
    seen: list[Progress] = []
    with pytest.raises(InvalidInput) as failure:
        for progress in docker_engine.build_image(path, "Dockerfile", None):
            seen.append(progress)
    made = images_made_by([p.line for p in seen])
    images_to_remove.extend(made)
    assert "Step 3/4 : RUN false" in str(failure.value)
    assert "returned a non-zero code: 1" in str(failure.value)
    assert seen[-1].error == str(failure.value).removeprefix(f"build {path}: ")
    (intermediate,) = made
    dangling = docker_engine.dangling_images()
    found = next(i for i in dangling.images if i.id.removeprefix("sha256:").startswith(intermediate))
    assert not found.tags and dangling.total_size >= found.size > 0
    result = docker_engine.prune_dangling()
    assert found.id in result.deleted
    assert all(i.id != found.id for i in docker_engine.dangling_images().images)


def test_push_to_and_pull_from_the_local_registry(
    docker_engine: DockerEngine, images_to_remove: list[str]
) -> None:
    reference = f"{REGISTRY}/portside-test/busybox:{unique('t')}"
    images_to_remove.append(reference)
    repository, tag = reference.rsplit(":", 1)
    docker_engine.tag_image(BUSYBOX, repository, tag)
    pushed = drain(docker_engine.push_image(reference))
    layer_states = {p.line.split(" ")[0] for p in pushed if p.layer}
    assert layer_states & {"Pushed", "Layer"}  # "Pushed", or "Layer already exists" from an earlier run
    assert any("digest: sha256:" in p.line for p in pushed)
    docker_engine.remove_image(reference)
    assert reference not in tags_of(docker_engine)
    pulled = drain(docker_engine.pull_image(reference))
    assert any(p.line.startswith("Status: ") for p in pulled)
    assert reference in tags_of(docker_engine)


def test_pull_of_a_missing_reference_raises_not_found(docker_engine: DockerEngine) -> None:
    with pytest.raises(NotFound):
        drain(docker_engine.pull_image(f"{REGISTRY}/portside-test/missing:{unique('m')}"))


def test_push_error_inside_the_stream_is_yielded_then_raised(docker_engine: DockerEngine) -> None:
    seen: list[Progress] = []
    with pytest.raises(NotFound) as failure:
        for progress in docker_engine.push_image(f"{REGISTRY}/portside-test/absent:{unique('m')}"):
            seen.append(progress)
    assert "does not exist locally" in str(failure.value)
    assert seen[-1].error and "does not exist locally" in seen[-1].error


def test_close_from_another_thread_stops_a_running_build(
    docker_engine: DockerEngine, tmp_path: Path, images_to_remove: list[str]
) -> None:
    tag = f"portside-test/slow:{unique('b')}"
    images_to_remove.append(tag)
    path = context(tmp_path, f"FROM {BUSYBOX}\nRUN sleep 120\nLABEL portside-test=1\n")
    stream = docker_engine.build_image(path, "Dockerfile", tag)
    lines: list[str] = []
    for progress in stream:  # blocks while the step sleeps: only close() from the other thread ends it
        lines.append(progress.line)
        if progress.line.startswith(" ---> Running in "):
            threading.Thread(target=stream.close).start()
    assert stream.cancelled
    assert not any(line.startswith("Successfully") for line in lines)
    running = lines[-1].removeprefix(" ---> Running in ")
    # The engine cancels a build whose client went away: its build container is removed.
    wait_for(lambda: not docker_engine.api().containers(all=True, filters={"id": running}), 60, "the build stop")
    assert tag not in tags_of(docker_engine)


def test_a_stream_closed_before_it_starts_never_contacts_the_engine(tmp_path: Path) -> None:
    engine = DockerEngine(f"unix://{tmp_path}/none.sock")  # any request would raise Unavailable
    stream = engine.pull_image("portside/busybox:latest")
    stream.close()
    assert drain(stream) == [] and stream.cancelled


def test_invalid_input_is_refused_before_the_engine(docker_engine: DockerEngine, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="not an image reference"):
        docker_engine.pull_image("Not A Reference")
    with pytest.raises(InvalidInput, match="not a directory"):
        docker_engine.build_image(str(tmp_path / "missing"), "Dockerfile", None)
    with pytest.raises(InvalidInput, match="does not exist"):
        docker_engine.build_image(str(tmp_path), "Dockerfile", None)
    with pytest.raises(InvalidInput, match="not an image reference"):
        docker_engine.tag_image(BUSYBOX, "UPPER/case", "x")


def test_tag_then_remove_untags_and_keeps_the_image(
    docker_engine: DockerEngine, images_to_remove: list[str]
) -> None:
    repository, tag = "portside-test/tagged", unique("t")
    images_to_remove.append(f"{repository}:{tag}")
    docker_engine.tag_image(BUSYBOX, repository, tag)
    assert f"{repository}:{tag}" in tags_of(docker_engine)
    docker_engine.remove_image(f"{repository}:{tag}")
    assert f"{repository}:{tag}" not in tags_of(docker_engine)
    assert BUSYBOX in tags_of(docker_engine)


def test_remove_of_an_image_a_container_uses_needs_force(
    docker_engine: DockerEngine, tmp_path: Path, images_to_remove: list[str]
) -> None:
    reference = f"portside-test/used:{unique('t')}"
    path = context(tmp_path, f"FROM {BUSYBOX}\nLABEL portside-test=1 marker={unique('m')}\n")
    stream = docker_engine.build_image(path, "Dockerfile", reference)
    drain(stream)
    assert stream.image_id
    images_to_remove.extend([stream.image_id, reference])
    api = docker_engine.api()
    cid = api.create_container(reference, command="true", labels={"portside-test": "1"})["Id"]
    try:
        with pytest.raises(Conflict):
            docker_engine.remove_image(reference)
        assert reference in tags_of(docker_engine)
        docker_engine.remove_image(reference, force=True)
        assert reference not in tags_of(docker_engine)
    finally:
        docker_engine.remove_container(cid, force=True)


def test_history_and_users_of_an_image(docker_engine: DockerEngine, container_factory: Callable[..., str]) -> None:
    cid = container_factory(start=False)
    busybox = next(i for i in docker_engine.list_images() if BUSYBOX in i.tags)
    assert cid in {c.id for c in docker_engine.containers_using(busybox.id)}
    assert docker_engine.container_counts()[busybox.id] >= 1
    (layer,) = docker_engine.image_history(busybox.id)  # the sandbox imports busybox as one layer
    # Other tests may give busybox a tag of their own for a while: ours must be there, not alone.
    assert layer.id == busybox.id and BUSYBOX in layer.tags and layer.size == busybox.size
