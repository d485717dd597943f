"""docker_http (the tables' reads over http.client) against the sandbox's real dockerd, with docker-py as the
reference for what the engine answers."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable

import pytest

from tests.conftest import unique, wait_for
from tui.adapters.docker_engine import DockerEngine, container_from_api, image_from_api
from tui.adapters.docker_http import DockerHTTP, connection_factory, explanation, query_string
from tui.adapters.errors import InvalidInput, NotFound, Unavailable


def test_the_lists_match_docker_py(docker_engine: DockerEngine, container_factory: Callable[..., str]) -> None:
    # Only our containers are compared: the kubelet's pods restart containers on this engine at any moment.
    running = container_factory(
        "httpd -f -p 80", labels={"portside.test": "http"}, ports=[80], port_bindings={80: ("127.0.0.1", None)}
    )
    created = container_factory(start=False)
    api = docker_engine.api()
    by_docker_py = {c["Id"]: container_from_api(c) for c in api.containers(all=True)}
    ours = {c.id: c for c in docker_engine.list_containers()}
    assert ours[running] == by_docker_py[running] and ours[created] == by_docker_py[created]
    assert ours[running].ports and ours[running].label("portside.test") == "http"
    only_running = {c.id for c in docker_engine.list_containers(all=False)}
    assert running in only_running and created not in only_running
    assert docker_engine.list_images() == [image_from_api(i) for i in api.images()]


def test_a_filtered_list_sends_the_filter_to_the_engine(
    docker_engine: DockerEngine, container_factory: Callable[..., str]
) -> None:
    first, second = container_factory(), container_factory()
    container_factory()
    assert {c.id for c in docker_engine.list_containers(ids=[first, second])} == {first, second}
    assert docker_engine.get_container(first).id == first  # type: ignore[union-attr]


def test_an_error_answer_becomes_our_error_with_the_engine_s_words(docker_engine: DockerEngine) -> None:
    with pytest.raises(NotFound, match="No such container"):
        docker_engine.http.get("inspect", "/containers/no-such-container-at-all/json")
    with pytest.raises(InvalidInput, match=r"(?i)invalid filter"):
        docker_engine.http.get("list", "/containers/json", {"filters": {"no-such-filter": ["x"]}})


def test_an_engine_that_is_not_there_is_unavailable(tmp_path: object) -> None:
    with pytest.raises(Unavailable, match="Docker engine unreachable"):
        DockerHTTP(f"unix://{tmp_path}/no.sock", timeout=5).get("list containers", "/containers/json")
    with pytest.raises(Unavailable, match="only unix://"):
        DockerHTTP("ssh://somewhere", timeout=5).get("list containers", "/containers/json")


def test_the_event_stream_delivers_events_and_closes_from_another_thread(
    docker_engine: DockerEngine, container_factory: Callable[..., str]
) -> None:
    stream = docker_engine.events(("container",), ("create", "destroy"))
    seen: list[dict[str, object]] = []
    reader = threading.Thread(target=lambda: seen.extend(stream), daemon=True)
    reader.start()
    name = unique("pt-events")
    cid = container_factory(name=name)
    wait_for(lambda: any(e.get("id") == cid for e in seen), 30, "the create event")
    assert {str(e.get("Action")) for e in seen} <= {"create", "destroy"}  # the engine applied the filter
    closed_at = time.monotonic()
    stream.close()
    reader.join(5)
    assert not reader.is_alive(), "close() did not end a read blocked on the stream"
    assert time.monotonic() - closed_at < 5


def test_start_up_imports_neither_docker_py_nor_urllib3() -> None:
    """The modules the first screen needs leave docker-py (with requests) and urllib3 to the first call that
    needs them: ~0.15 s of imports off the cold start (bench scenario 1)."""
    code = (
        "import sys; import tui.cli, tui.app, tui.views.containers, tui.adapters.docker_engine, "
        "tui.adapters.kube_cluster; print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'docker', 'requests', 'urllib3', 'yaml'}))"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]"


def test_query_string_follows_the_engine_s_conventions() -> None:
    assert query_string({"all": True, "size": False, "limit": 3, "skip": None}) == "all=1&size=0&limit=3"
    assert query_string({"filters": {"id": ["a"]}}) == "filters=%7B%22id%22%3A%5B%22a%22%5D%7D"


def test_explanation_reads_the_engine_s_message_or_its_text() -> None:
    assert explanation(b'{"message": "No such container: x\\u001b[31m"}') == "No such container: x"
    assert explanation(b"plain words\n") == "plain words"
    assert explanation(b"") == "no explanation given"


def test_endpoints_are_read_as_docker_reads_them() -> None:
    assert connection_factory("tcp://10.0.0.1")(3).port == 2375
    assert connection_factory("10.0.0.1:2380")(3).host == "10.0.0.1"
    assert connection_factory("https://example.test")(3).port == 2376
    with pytest.raises(Unavailable, match="no socket path"):
        connection_factory("unix://")
