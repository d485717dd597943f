"""tui.actions: the registry's invariants and the one mutation gateway (read-only, confirmation, audit)."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from tui.actions import (
    ACTIONS,
    BULK_TYPED_THRESHOLD,
    ActionObject,
    ActionSpec,
    Confirm,
    ConfirmRequest,
    Gateway,
    Outcome,
    Risk,
    actions_for,
)
from tui.adapters.errors import NotFound, Unavailable
from tui.audit import AuditLog
from tui.config import Config, parse_config

TARGET = "docker:unix:///var/run/docker.sock"

# ---- registry invariants


def test_action_ids_equal_their_registry_key() -> None:
    assert ACTIONS
    for key, spec in ACTIONS.items():
        assert spec.id == key


def test_action_ids_are_unique_and_prefixed_by_their_kind() -> None:
    ids = [spec.id for spec in ACTIONS.values()]
    assert len(ids) == len(set(ids))
    for spec in ACTIONS.values():
        assert spec.id.startswith(spec.kind + ".")


@pytest.mark.parametrize("spec", list(ACTIONS.values()), ids=list(ACTIONS))
def test_every_action_mutates_and_is_confirmed_when_it_can_lose_or_change_state(spec: ActionSpec) -> None:
    if spec.risk is Risk.READ:  # secret.reveal: audited, never confirmed, allowed in read-only mode
        assert spec.confirmation(1) is Confirm.NONE
        return
    assert spec.mutates
    if spec.risk in (Risk.INTERACTIVE, Risk.CREATE):  # a shell or a new object: asked only on protected targets
        assert spec.confirmation(1) is Confirm.NONE
        assert spec.confirmation(1, protected=True) is Confirm.TYPED
    else:
        assert spec.confirmation(1) is not Confirm.NONE
    assert spec.confirmation(BULK_TYPED_THRESHOLD + 1) is Confirm.TYPED


@pytest.mark.parametrize(
    "spec",
    [s for s in ACTIONS.values() if s.risk in (Risk.DESTRUCTIVE, Risk.DATA_LOSS)],
    ids=lambda s: s.id,
)
def test_destructive_actions_are_bound_to_ctrl_combos_not_bare_keys(spec: ActionSpec) -> None:
    assert "ctrl+" in spec.key


def test_keys_are_unique_within_a_kind() -> None:
    kinds = {spec.kind for spec in ACTIONS.values()}
    for kind in kinds:
        keys = [spec.key for spec in actions_for(kind)]
        assert len(keys) == len(set(keys)), kind


@pytest.mark.parametrize("spec", list(ACTIONS.values()), ids=list(ACTIONS))
def test_cli_template_formats_with_names_and_namespace(spec: ActionSpec) -> None:
    cli = spec.cli.format_map(
        {
            "names": "web-1 web-2",
            "namespace": "shop",
            "command": "ls",
            "container": "c1",
            "replicas": "3",
            "service": "web",
        }
    )
    assert "{" not in cli
    if "{names}" in spec.cli:
        assert "web-1 web-2" in cli
    if "{namespace}" in spec.cli:
        assert "shop" in cli


def test_pod_delete_cli_names_namespace_and_pods() -> None:
    assert (
        ACTIONS["pod.delete"].cli.format(names="api-0", namespace="shop")
        == "kubectl delete pod --namespace shop api-0"
    )


def test_actions_for_returns_only_that_kind() -> None:
    assert {s.id for s in actions_for("pod")} == {"pod.delete", "pod.shell", "pod.exec", "pod.edit"}
    assert all(s.kind == "container" for s in actions_for("container"))
    assert actions_for("no-such-kind") == []


# ---- confirmation levels


def _spec(risk: Risk) -> ActionSpec:
    return ActionSpec(f"thing.{risk}", "thing", "Poke", "ctrl+p", risk, "poke {names}")


def test_read_action_needs_no_confirmation() -> None:
    spec = _spec(Risk.READ)
    assert not spec.mutates
    assert spec.confirmation(100, protected=True) is Confirm.NONE


@pytest.mark.parametrize("risk", [Risk.REVERSIBLE, Risk.DESTRUCTIVE])
def test_small_non_data_loss_action_needs_yes_no(risk: Risk) -> None:
    spec = _spec(risk)
    assert spec.confirmation(1) is Confirm.YES_NO
    assert spec.confirmation(BULK_TYPED_THRESHOLD) is Confirm.YES_NO


def test_data_loss_action_needs_typed_even_for_one_object() -> None:
    assert _spec(Risk.DATA_LOSS).confirmation(1) is Confirm.TYPED


def test_more_objects_than_bulk_threshold_need_typed() -> None:
    assert _spec(Risk.REVERSIBLE).confirmation(BULK_TYPED_THRESHOLD + 1) is Confirm.TYPED


def test_protected_target_needs_typed() -> None:
    assert _spec(Risk.REVERSIBLE).confirmation(1, protected=True) is Confirm.TYPED


def test_typed_word_is_the_name_of_a_single_object() -> None:
    request = ConfirmRequest(
        ACTIONS["container.remove"], TARGET, (ActionObject("c1", "web-1"),), "docker rm web-1", Confirm.TYPED
    )
    assert request.typed_word == "web-1"


def test_typed_word_is_verb_and_count_for_several_objects() -> None:
    objects = tuple(ActionObject(f"c{i}", f"web-{i}") for i in range(7))
    request = ConfirmRequest(ACTIONS["container.stop"], TARGET, objects, "docker stop ...", Confirm.TYPED)
    assert request.typed_word == "stop 7"


# ---- Gateway.execute


class Recorder:
    """A confirmer answering a fixed value and a perform function, both recording their calls."""

    def __init__(self, answer: bool = True, fail_on: dict[str, Exception] | None = None) -> None:
        self.answer = answer
        self.fail_on = fail_on or {}
        self.requests: list[ConfirmRequest] = []
        self.performed: list[ActionObject] = []
        self.lock = threading.Lock()

    async def confirm(self, request: ConfirmRequest) -> bool:
        self.requests.append(request)
        return self.answer

    def perform(self, obj: ActionObject) -> None:
        with self.lock:
            self.performed.append(obj)
        if obj.name in self.fail_on:
            raise self.fail_on[obj.name]


def _objects(*names: str, namespace: str = "") -> list[ActionObject]:
    return [ActionObject(f"id-{n}", n, namespace) for n in names]


@pytest.fixture
def log(tmp_path: Path) -> AuditLog:
    return AuditLog(tmp_path / "audit.jsonl")


async def test_readonly_refuses_without_confirming_or_performing(log: AuditLog) -> None:
    rec = Recorder()
    gateway = Gateway(log, rec.confirm, readonly=True)
    result = await gateway.execute("container.stop", TARGET, _objects("web-1"), rec.perform)
    assert result.outcome is Outcome.REFUSED
    assert "read-only" in result.message
    assert rec.requests == []
    assert rec.performed == []
    [record] = log.read()
    assert record["confirmation"] == "refused"
    assert record["result"].startswith("refused: ")
    assert (record["action"], record["objects"], record["target"]) == ("container.stop", ["web-1"], TARGET)


async def test_declined_confirmation_performs_nothing_and_is_audited(log: AuditLog) -> None:
    rec = Recorder(answer=False)
    gateway = Gateway(log, rec.confirm)
    result = await gateway.execute("container.remove", TARGET, _objects("web-1", "web-2"), rec.perform)
    assert result.outcome is Outcome.DECLINED
    assert len(rec.requests) == 1
    assert rec.performed == []
    [record] = log.read()
    assert (record["confirmation"], record["result"]) == ("declined", "declined")
    assert record["objects"] == ["web-1", "web-2"]


async def test_confirmed_action_performs_once_per_object_and_audits_ok(log: AuditLog) -> None:
    rec = Recorder()
    announced: list[str] = []
    gateway = Gateway(log, rec.confirm, announce=announced.append)
    objects = _objects("web-1", "web-2", "web-3")
    result = await gateway.execute("container.stop", TARGET, objects, rec.perform)
    assert result.outcome is Outcome.DONE
    assert result.message == "Stop: web-1, web-2, web-3"
    assert rec.performed == objects
    assert len(announced) == 1
    assert "web-1, web-2, web-3" in announced[0]
    [record] = log.read()
    assert (record["confirmation"], record["result"]) == ("yes_no", "ok")
    assert record["objects"] == ["web-1", "web-2", "web-3"]


async def test_confirm_request_carries_objects_target_cli_and_level(log: AuditLog) -> None:
    rec = Recorder()
    gateway = Gateway(log, rec.confirm)
    objects = _objects("api-0", "api-1", namespace="shop")
    await gateway.execute("pod.delete", "kube:sandbox/shop", objects, rec.perform)
    [request] = rec.requests
    assert request.spec is ACTIONS["pod.delete"]
    assert request.target == "kube:sandbox/shop"
    assert request.objects == tuple(objects)
    assert request.cli == "kubectl delete pod --namespace shop api-0 api-1"
    assert request.level is Confirm.YES_NO
    assert request.typed_word == "delete 2"


async def test_bulk_action_over_threshold_asks_typed_and_audits_typed(log: AuditLog) -> None:
    rec = Recorder()
    gateway = Gateway(log, rec.confirm)
    names = [f"c{i}" for i in range(BULK_TYPED_THRESHOLD + 1)]
    result = await gateway.execute("container.restart", TARGET, _objects(*names), rec.perform)
    assert result.outcome is Outcome.DONE
    assert rec.requests[0].level is Confirm.TYPED
    assert rec.requests[0].typed_word == f"restart {len(names)}"
    assert log.read()[0]["confirmation"] == "typed"


async def test_protected_target_asks_typed_confirmation(log: AuditLog) -> None:
    rec = Recorder()
    gateway = Gateway(log, rec.confirm)
    await gateway.execute("container.stop", TARGET, _objects("db"), rec.perform, protected=True)
    assert rec.requests[0].level is Confirm.TYPED
    assert rec.requests[0].typed_word == "db"


async def test_backend_error_gives_failed_with_message_and_audits_error(log: AuditLog) -> None:
    rec = Recorder(fail_on={"web-1": Unavailable("stop web-1: Docker engine unreachable")})
    gateway = Gateway(log, rec.confirm)
    result = await gateway.execute("container.stop", TARGET, _objects("web-1"), rec.perform)
    assert result.outcome is Outcome.FAILED
    assert result.message == "stop web-1: Docker engine unreachable"
    [record] = log.read()
    assert record["result"] == "error: stop web-1: Docker engine unreachable"
    assert record["confirmation"] == "yes_no"


async def test_one_failure_does_not_stop_the_other_objects(log: AuditLog) -> None:
    rec = Recorder(fail_on={"b": NotFound("b: gone"), "d": Unavailable("d: down")})
    gateway = Gateway(log, rec.confirm)
    result = await gateway.execute("container.remove", TARGET, _objects("a", "b", "c", "d"), rec.perform)
    assert [o.name for o in rec.performed] == ["a", "b", "c", "d"]
    assert result.outcome is Outcome.FAILED
    assert result.message == "b: gone; d: down"
    assert log.read()[0]["result"] == "error: b: gone; d: down"


async def test_non_backend_exception_propagates(log: AuditLog) -> None:
    rec = Recorder(fail_on={"x": RuntimeError("bug")})
    gateway = Gateway(log, rec.confirm)
    with pytest.raises(RuntimeError, match="bug"):
        await gateway.execute("container.stop", TARGET, _objects("x"), rec.perform)


async def test_unknown_action_id_is_a_key_error(log: AuditLog) -> None:
    rec = Recorder()
    with pytest.raises(KeyError):
        await Gateway(log, rec.confirm).execute("container.explode", TARGET, _objects("x"), rec.perform)
    assert log.read() == []


async def test_cancellation_mid_action_still_writes_an_audit_record(log: AuditLog) -> None:
    started, release = threading.Event(), threading.Event()

    def slow_perform(obj: ActionObject) -> None:
        started.set()
        release.wait(5)

    rec = Recorder()
    gateway = Gateway(log, rec.confirm)
    task = asyncio.create_task(gateway.execute("container.stop", TARGET, _objects("a", "b"), slow_perform))
    while not started.is_set():
        await asyncio.sleep(0.01)
    task.cancel()
    try:
        with pytest.raises(asyncio.CancelledError):
            await task
    finally:
        release.set()
    [record] = log.read()
    assert record["result"] == "interrupted after 0 of 2"
    assert record["confirmation"] == "yes_no"


# ---- per-target policies from the config file


def _policies(text: str) -> Config:
    return parse_config(text, Path("config.toml"))


async def test_readonly_policy_refuses_only_its_target(log: AuditLog) -> None:
    rec = Recorder()
    config = _policies('[[policy]]\nmatch = "^prod-"\nbackend = "kube"\nreadonly = true\n')
    gateway = Gateway(log, rec.confirm, policy_for=config.policy_for)
    refused = await gateway.execute("pod.delete", "kube prod-eu", _objects("api-0", namespace="shop"), rec.perform)
    assert refused.outcome is Outcome.REFUSED
    assert "kube prod-eu is read-only" in refused.message
    assert rec.requests == [] and rec.performed == []
    assert gateway.is_readonly("kube prod-eu") and not gateway.is_readonly("kube sandbox-admin")
    done = await gateway.execute(
        "pod.delete", "kube sandbox-admin", _objects("api-0", namespace="shop"), rec.perform
    )
    assert done.outcome is Outcome.DONE
    assert [(r["target"], r["confirmation"]) for r in log.read()] == [
        ("kube prod-eu", "refused"),
        ("kube sandbox-admin", "yes_no"),
    ]


@pytest.mark.parametrize("action_id", ["container.stop", "image.pull", "container.shell", "volume.remove"])
async def test_protected_policy_makes_every_confirmation_typed(log: AuditLog, action_id: str) -> None:
    rec = Recorder()
    config = _policies('[[policy]]\nmatch = "docker.sock$"\nprotected = true\n')
    gateway = Gateway(log, rec.confirm, policy_for=config.policy_for)
    await gateway.execute(action_id, "docker unix:///var/run/docker.sock", _objects("db"), rec.perform)
    assert [r.level for r in rec.requests] == [Confirm.TYPED]
    assert rec.requests[0].typed_word == "db"


async def test_unprotected_target_keeps_the_actions_own_confirmation(log: AuditLog) -> None:
    rec = Recorder()
    config = _policies('[[policy]]\nmatch = "^prod-"\nprotected = true\n')
    gateway = Gateway(log, rec.confirm, policy_for=config.policy_for)
    await gateway.execute("container.stop", "docker unix:///var/run/docker.sock", _objects("db"), rec.perform)
    await gateway.execute("image.pull", "docker unix:///var/run/docker.sock", _objects("busybox"), rec.perform)
    assert [r.level for r in rec.requests] == [Confirm.YES_NO]  # a pull is not asked at all


async def test_reading_a_secret_on_a_protected_target_is_still_not_confirmed(log: AuditLog) -> None:
    rec = Recorder()
    config = _policies('[[policy]]\nmatch = "prod"\nprotected = true\nreadonly = true\n')
    gateway = Gateway(log, rec.confirm, policy_for=config.policy_for)
    result = await gateway.execute("secret.reveal", "kube prod", _objects("token", namespace="a"), rec.perform)
    assert result.outcome is Outcome.DONE and rec.requests == []
