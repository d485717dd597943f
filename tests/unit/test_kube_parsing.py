"""tui.adapters.kube_cluster: pods parsed from raw JSON, with the STATUS column kubectl would show."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from tui.adapters.kube_cluster import pod_from_api, pod_status

RUNNING_POD: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {
        "name": "web-5d9c7b8f6-x2k4p",
        "namespace": "shop",
        "uid": "7c1e9a52-3f0b-4a47-9d1e-2b6c8f0e1a11",
        "resourceVersion": "48213",
        "creationTimestamp": "2025-06-01T10:15:30Z",
        "labels": {"app": "web", "pod-template-hash": "5d9c7b8f6"},
        "ownerReferences": [
            {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "name": "web-5d9c7b8f6",
                "uid": "0d5f",
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ],
    },
    "spec": {
        "nodeName": "sandbox-control-plane",
        "containers": [{"name": "nginx", "image": "nginx:1.27"}, {"name": "sidecar", "image": "busybox"}],
    },
    "status": {
        "phase": "Running",
        "podIP": "10.244.0.12",
        "conditions": [{"type": "Ready", "status": "True"}],
        "containerStatuses": [
            {
                "name": "nginx",
                "ready": True,
                "restartCount": 0,
                "image": "nginx:1.27",
                "state": {"running": {"startedAt": "2025-06-01T10:15:35Z"}},
            },
            {
                "name": "sidecar",
                "ready": True,
                "restartCount": 2,
                "image": "busybox",
                "state": {"running": {"startedAt": "2025-06-01T10:20:00Z"}},
                "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled"}},
            },
        ],
    },
}


RUN: dict[str, Any] = {"running": {"startedAt": "2025-06-01T10:15:35Z"}}


def _pod(containers: list[dict[str, Any]] | None = None, phase: str = "Running", **status: Any) -> dict[str, Any]:
    """A single-container pod whose container statuses (and extra status fields) are given."""
    pod = copy.deepcopy(RUNNING_POD)
    pod["spec"]["containers"] = [{"name": "main", "image": "app"}]
    pod["status"]["phase"] = phase
    if containers is not None:
        pod["status"]["containerStatuses"] = containers
    pod["status"].update(status)
    return pod


def _cs(state: dict[str, Any], ready: bool = False, restarts: int = 0, name: str = "main") -> dict[str, Any]:
    return {"name": name, "ready": ready, "restartCount": restarts, "image": "app", "state": state}


def test_running_ready_pod_is_parsed() -> None:
    info = pod_from_api(RUNNING_POD)
    assert info.uid == "7c1e9a52-3f0b-4a47-9d1e-2b6c8f0e1a11"
    assert info.key == info.uid
    assert (info.namespace, info.name) == ("shop", "web-5d9c7b8f6-x2k4p")
    assert (info.phase, info.status) == ("Running", "Running")
    assert (info.ready, info.total, info.restarts) == (2, 2, 2)
    assert (info.node, info.ip) == ("sandbox-control-plane", "10.244.0.12")
    assert info.created == datetime(2025, 6, 1, 10, 15, 30, tzinfo=UTC)
    assert info.labels == (("app", "web"), ("pod-template-hash", "5d9c7b8f6"))
    assert info.owner == "ReplicaSet/web-5d9c7b8f6"
    assert [(c.name, c.ready, c.restarts, c.state) for c in info.containers] == [
        ("nginx", True, 0, "running"),
        ("sidecar", True, 2, "running"),
    ]


def test_running_pod_with_oom_in_last_state_still_shows_running() -> None:
    assert pod_status(RUNNING_POD) == "Running"


def test_crash_loop_back_off_comes_from_waiting_reason() -> None:
    pod = _pod(
        [
            _cs(
                {
                    "waiting": {
                        "reason": "CrashLoopBackOff",
                        "message": "back-off 5m0s restarting failed container",
                    }
                },
                restarts=7,
            )
        ]
    )
    info = pod_from_api(pod)
    assert info.status == "CrashLoopBackOff"
    assert info.phase == "Running"
    assert (info.ready, info.total, info.restarts) == (0, 1, 7)
    assert info.containers[0].state == "waiting"
    assert info.containers[0].reason == "CrashLoopBackOff"


def test_oom_killed_comes_from_terminated_reason() -> None:
    pod = _pod([_cs({"terminated": {"exitCode": 137, "reason": "OOMKilled"}}, restarts=1)])
    info = pod_from_api(pod)
    assert info.status == "OOMKilled"
    assert (info.containers[0].state, info.containers[0].reason) == ("terminated", "OOMKilled")


def test_terminated_without_reason_shows_exit_code() -> None:
    assert pod_status(_pod([_cs({"terminated": {"exitCode": 3}})])) == "ExitCode:3"


def test_image_pull_back_off_on_pending_pod() -> None:
    pod = _pod(
        [_cs({"waiting": {"reason": "ImagePullBackOff", "message": 'Back-off pulling image "nope:1"'}})],
        phase="Pending",
    )
    info = pod_from_api(pod)
    assert (info.phase, info.status) == ("Pending", "ImagePullBackOff")


def test_err_image_pull_is_shown() -> None:
    assert pod_status(_pod([_cs({"waiting": {"reason": "ErrImagePull"}})], phase="Pending")) == "ErrImagePull"


def test_pending_pod_without_container_statuses_shows_phase() -> None:
    pod = _pod(phase="Pending")
    del pod["status"]["containerStatuses"]
    del pod["status"]["podIP"]
    info = pod_from_api(pod)
    assert info.status == "Pending"
    assert (info.ready, info.total, info.restarts, info.ip) == (0, 1, 0, "")


def test_deletion_timestamp_makes_pod_terminating() -> None:
    pod = copy.deepcopy(RUNNING_POD)
    pod["metadata"]["deletionTimestamp"] = "2025-06-01T11:00:00Z"
    pod["metadata"]["deletionGracePeriodSeconds"] = 30
    assert pod_from_api(pod).status == "Terminating"


def test_terminating_wins_over_crash_loop() -> None:
    pod = _pod([_cs({"waiting": {"reason": "CrashLoopBackOff"}})])
    pod["metadata"]["deletionTimestamp"] = "2025-06-01T11:00:00Z"
    assert pod_status(pod) == "Terminating"


def _init_pod(init_states: list[dict[str, Any]]) -> dict[str, Any]:
    pod = _pod([_cs({"waiting": {"reason": "PodInitializing"}})], phase="Pending")
    pod["spec"]["initContainers"] = [{"name": f"init-{i}", "image": "busybox"} for i in range(len(init_states))]
    pod["status"]["initContainerStatuses"] = [
        {"name": f"init-{i}", "ready": False, "restartCount": 0, "image": "busybox", "state": state}
        for i, state in enumerate(init_states)
    ]
    return pod


def test_running_init_container_shows_init_progress() -> None:
    assert pod_status(_init_pod([{"running": {"startedAt": "2025-06-01T10:15:31Z"}}])) == "Init:0/1"


def test_second_init_container_running_shows_one_of_two() -> None:
    pod = _init_pod([{"terminated": {"exitCode": 0, "reason": "Completed"}}, RUN])
    assert pod_status(pod) == "Init:1/2"


def test_init_container_waiting_pod_initializing_shows_progress() -> None:
    assert pod_status(_init_pod([{"waiting": {"reason": "PodInitializing"}}])) == "Init:0/1"


def test_init_container_crash_loop_is_shown_with_init_prefix() -> None:
    pod = _init_pod([{"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 10s"}}])
    assert pod_from_api(pod).status == "Init:CrashLoopBackOff"


def test_failed_init_container_shows_its_terminated_reason() -> None:
    assert pod_status(_init_pod([{"terminated": {"exitCode": 1, "reason": "Error"}}])) == "Init:Error"


def test_failed_init_container_without_reason_shows_exit_code() -> None:
    assert pod_status(_init_pod([{"terminated": {"exitCode": 2}}])) == "Init:ExitCode:2"


def test_completed_init_containers_give_way_to_main_container_status() -> None:
    pod = _init_pod([{"terminated": {"exitCode": 0, "reason": "Completed"}}])
    pod["status"]["phase"] = "Running"
    pod["status"]["containerStatuses"] = [_cs(RUN, ready=True)]
    assert pod_status(pod) == "Running"


def test_succeeded_pod_shows_completed() -> None:
    pod = _pod([_cs({"terminated": {"exitCode": 0, "reason": "Completed"}})], phase="Succeeded")
    pod["metadata"]["ownerReferences"] = [{"kind": "Job", "name": "migrate"}]
    info = pod_from_api(pod)
    assert (info.phase, info.status, info.ready) == ("Succeeded", "Completed", 0)
    assert info.owner == "Job/migrate"


def test_completed_sidecar_next_to_a_ready_running_container_shows_running() -> None:
    pod = _pod(
        [
            _cs(RUN, ready=True, name="app"),
            _cs({"terminated": {"exitCode": 0, "reason": "Completed"}}, name="setup"),
        ]
    )
    assert pod_status(pod) == "Running"


def test_evicted_pod_shows_status_reason() -> None:
    pod = _pod([], phase="Failed", reason="Evicted", message="The node was low on resource: memory.")
    assert pod_status(pod) == "Evicted"


def test_restarts_are_summed_over_containers() -> None:
    pod = _pod([_cs(RUN, True, 3, "a"), _cs(RUN, False, 4, "b")])
    info = pod_from_api(pod)
    assert (info.ready, info.restarts) == (1, 7)


def test_total_comes_from_spec_even_before_statuses_exist() -> None:
    pod = copy.deepcopy(RUNNING_POD)
    pod["status"] = {"phase": "Pending"}
    info = pod_from_api(pod)
    assert (info.ready, info.total, info.restarts) == (0, 2, 0)


def test_pod_without_owner_has_empty_owner() -> None:
    pod = copy.deepcopy(RUNNING_POD)
    del pod["metadata"]["ownerReferences"]
    assert pod_from_api(pod).owner == ""


def test_empty_pod_dict_parses_to_unknown() -> None:
    info = pod_from_api({})
    assert (info.name, info.phase, info.status) == ("", "Unknown", "Unknown")
    assert (info.ready, info.total, info.restarts, info.created) == (0, 0, 0, None)


@pytest.mark.parametrize("value", [None, "", "not-a-date"])
def test_missing_or_bad_creation_timestamp_is_none(value: str | None) -> None:
    pod = copy.deepcopy(RUNNING_POD)
    pod["metadata"]["creationTimestamp"] = value
    assert pod_from_api(pod).created is None


def test_escape_sequences_in_names_labels_and_reasons_are_sanitised() -> None:
    pod = _pod([_cs({"waiting": {"reason": "Crash\x1b[31mLoop\x1b]52;c;eA==\x07"}}, name="m\x1b[2J")])
    pod["metadata"]["name"] = "evil\u202egnp.exe"
    pod["metadata"]["labels"] = {"a\x1b[1m": "b\x9bc"}
    pod["metadata"]["ownerReferences"] = [{"kind": "ReplicaSet", "name": "rs\x1b]0;title\x07"}]
    info = pod_from_api(pod)
    assert info.name == "evilgnp.exe"
    assert info.status == "CrashLoop"
    assert info.containers[0].name == "m"
    assert info.containers[0].reason == "CrashLoop"
    assert info.labels == (("a", "bc"),)
    assert info.owner == "ReplicaSet/rs"
