"""tui.adapters.compose: stacks are discovered from the labels compose puts on containers."""

from __future__ import annotations

from datetime import UTC, datetime

from tui.adapters.compose import ComposeStack, stacks_from_containers
from tui.adapters.models import ContainerInfo

EPOCH = datetime.fromtimestamp(0, UTC)


def _container(
    name: str,
    project: str | None = None,
    service: str | None = None,
    state: str = "running",
    oneoff: str | None = None,
    **extra: str,
) -> ContainerInfo:
    labels = dict(extra)
    if project is not None:
        labels["com.docker.compose.project"] = project
    if service is not None:
        labels["com.docker.compose.service"] = service
    if oneoff is not None:
        labels["com.docker.compose.oneoff"] = oneoff
    return ContainerInfo(
        id=f"id-{name}",
        name=name,
        image="img",
        image_id="sha256:x",
        state=state,
        status="",
        created=EPOCH,
        labels=tuple(sorted(labels.items())),
    )


def test_containers_are_grouped_by_compose_project_label() -> None:
    stacks = stacks_from_containers(
        [
            _container("shop-web-1", "shop", "web"),
            _container("blog-db-1", "blog", "db"),
            _container("shop-db-1", "shop", "db"),
        ]
    )
    assert [(s.name, s.services, s.total) for s in stacks] == [("blog", ("db",), 1), ("shop", ("db", "web"), 2)]


def test_containers_without_project_label_are_ignored() -> None:
    assert stacks_from_containers([_container("plain"), _container("other", service="web")]) == []


def test_oneoff_run_containers_are_not_counted() -> None:
    stacks = stacks_from_containers(
        [
            _container("shop-web-1", "shop", "web"),
            _container("shop-web-run-1a2b", "shop", "web", oneoff="True"),
            _container("shop-migrate-run", "shop", "migrate", oneoff="True"),
        ]
    )
    [stack] = stacks
    assert (stack.total, stack.services) == (1, ("web",))


def test_oneoff_false_containers_are_counted() -> None:
    [stack] = stacks_from_containers([_container("shop-web-1", "shop", "web", oneoff="False")])
    assert stack.total == 1


def test_project_with_only_oneoff_containers_is_not_a_stack() -> None:
    assert stacks_from_containers([_container("x-run", "tools", "cli", oneoff="True")]) == []


def test_running_and_total_counts_and_state_running() -> None:
    [stack] = stacks_from_containers([_container("a", "p", "a"), _container("b", "p", "b")])
    assert (stack.running, stack.total, stack.state) == (2, 2, "running")


def test_state_partial_when_some_containers_are_not_running() -> None:
    [stack] = stacks_from_containers(
        [_container("a", "p", "a"), _container("b", "p", "b", "exited"), _container("c", "p", "c", "restarting")]
    )
    assert (stack.running, stack.total, stack.state) == (1, 3, "partial")


def test_state_stopped_when_no_container_is_running() -> None:
    [stack] = stacks_from_containers([_container("a", "p", "a", "exited"), _container("b", "p", "b", "created")])
    assert (stack.running, stack.total, stack.state) == (0, 2, "stopped")


def test_scaled_service_is_listed_once() -> None:
    [stack] = stacks_from_containers([_container(f"p-web-{i}", "p", "web") for i in range(3)])
    assert (stack.services, stack.total) == (("web",), 3)


def test_container_without_service_label_is_listed_as_question_mark() -> None:
    [stack] = stacks_from_containers([_container("a", "p")])
    assert stack.services == ("?",)


def test_working_dir_and_config_files_come_from_labels() -> None:
    [stack] = stacks_from_containers(
        [
            _container(
                "a",
                "p",
                "web",
                **{
                    "com.docker.compose.project.working_dir": "/srv/p",
                    "com.docker.compose.project.config_files": "/srv/p/compose.yaml",
                },
            )
        ]
    )
    assert (stack.working_dir, stack.config_files, stack.key) == ("/srv/p", "/srv/p/compose.yaml", "p")


def test_missing_working_dir_and_config_files_are_empty() -> None:
    [stack] = stacks_from_containers([_container("a", "p", "web")])
    assert (stack.working_dir, stack.config_files) == ("", "")


def test_stacks_are_sorted_by_name() -> None:
    names = ["zeta", "alpha", "mid"]
    stacks = stacks_from_containers([_container(n, n, "s") for n in names])
    assert [s.name for s in stacks] == sorted(names)


def test_empty_input_gives_no_stacks() -> None:
    assert stacks_from_containers([]) == []


def test_stack_state_property_directly() -> None:
    assert ComposeStack("p", "", "", (), running=0, total=0).state == "stopped"
    assert ComposeStack("p", "", "", (), running=1, total=2).state == "partial"
    assert ComposeStack("p", "", "", (), running=2, total=2).state == "running"
