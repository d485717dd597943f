"""The action registry and the one mutation gateway (RELIABILITY.md rules 4, 5 and 13).

Every state change in portside is an ``ActionSpec`` in ``ACTIONS`` and runs through ``Gateway.execute``, which
refuses it in read-only mode, asks the confirmation its risk requires, and appends the audit record. Key
bindings, the help and the tests are derived from ``ACTIONS``. This module does not import Textual: the
confirmation dialog is passed in as a coroutine function.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

from tui.adapters.errors import BackendError
from tui.audit import AuditLog
from tui.config import NO_POLICY, TargetPolicy

BULK_TYPED_THRESHOLD = 5  # acting on more objects than this needs the typed confirmation


class Risk(StrEnum):
    READ = "read"
    INTERACTIVE = (
        "interactive"  # exec/attach: a mutation (read-only refuses it, audited), asked only when protected
    )
    CREATE = "create"  # makes something new, removes nothing: asked only when protected
    REVERSIBLE = "reversible"
    DESTRUCTIVE = "destructive"
    DATA_LOSS = "data-loss"


class Confirm(StrEnum):
    NONE = "none"
    YES_NO = "yes_no"
    TYPED = "typed"


@dataclass(frozen=True)
class ActionSpec:
    id: str  # "container.stop": also the binding id users remap
    kind: str  # the resource kind it applies to
    verb: str
    key: str
    risk: Risk
    cli: str  # the equivalent command, "{names}" and "{namespace}" filled in

    @property
    def mutates(self) -> bool:
        return self.risk is not Risk.READ

    def confirmation(self, count: int, *, protected: bool = False) -> Confirm:
        if not self.mutates:
            return Confirm.NONE
        if self.risk is Risk.DATA_LOSS or protected or count > BULK_TYPED_THRESHOLD:
            return Confirm.TYPED
        if self.risk in (Risk.INTERACTIVE, Risk.CREATE):
            return Confirm.NONE
        return Confirm.YES_NO


# fmt: off
_SPECS = (
    # containers
    ActionSpec("container.start", "container", "Start", "U", Risk.REVERSIBLE, "docker start {names}"),
    ActionSpec("container.stop", "container", "Stop", "S", Risk.REVERSIBLE, "docker stop {names}"),
    ActionSpec("container.restart", "container", "Restart", "R", Risk.REVERSIBLE, "docker restart {names}"),
    ActionSpec("container.pause", "container", "Pause", "z", Risk.REVERSIBLE, "docker pause {names}"),
    ActionSpec("container.unpause", "container", "Unpause", "Z", Risk.REVERSIBLE, "docker unpause {names}"),
    ActionSpec("container.kill", "container", "Kill", "ctrl+k", Risk.DESTRUCTIVE, "docker kill {names}"),
    ActionSpec("container.remove", "container", "Remove", "ctrl+d", Risk.DESTRUCTIVE, "docker rm {names}"),
    ActionSpec("container.remove_volumes", "container", "Remove with volumes", "ctrl+x", Risk.DATA_LOSS,
               "docker rm --volumes {names}"),
    ActionSpec("container.shell", "container", "Shell", "s", Risk.INTERACTIVE, "docker exec -it {names} sh"),
    ActionSpec("container.exec", "container", "Exec", "x", Risk.INTERACTIVE, "docker exec {names} {command}"),
    # images
    ActionSpec("image.run", "image", "Run", "n", Risk.CREATE, "{command}"),  # the form's masked docker run line
    ActionSpec("image.pull", "image", "Pull", "p", Risk.CREATE, "docker pull {names}"),
    ActionSpec("image.push", "image", "Push", "P", Risk.CREATE, "docker push {names}"),
    ActionSpec("image.build", "image", "Build", "b", Risk.CREATE, "docker build {names}"),
    ActionSpec("image.tag", "image", "Tag", "t", Risk.CREATE, "docker tag {names}"),
    ActionSpec("image.remove", "image", "Remove", "ctrl+d", Risk.DESTRUCTIVE, "docker rmi {names}"),
    ActionSpec("image.remove_force", "image", "Force remove", "ctrl+x", Risk.DESTRUCTIVE, "docker rmi --force {names}"),
    ActionSpec("image.prune", "image", "Prune dangling", "ctrl+o", Risk.DATA_LOSS, "docker image prune --force"),
    # volumes
    ActionSpec("volume.create", "volume", "Create", "c", Risk.CREATE, "docker volume create {names}"),
    ActionSpec("volume.remove", "volume", "Remove", "ctrl+d", Risk.DATA_LOSS, "docker volume rm {names}"),
    ActionSpec("volume.prune", "volume", "Prune unused", "ctrl+o", Risk.DATA_LOSS, "docker volume prune --force"),
    # networks
    ActionSpec("network.create", "network", "Create", "c", Risk.CREATE, "docker network create {names}"),
    ActionSpec("network.remove", "network", "Remove", "ctrl+d", Risk.DESTRUCTIVE, "docker network rm {names}"),
    ActionSpec("network.connect", "network", "Connect", "plus", Risk.REVERSIBLE,
               "docker network connect {names} {container}"),
    ActionSpec("network.disconnect", "network", "Disconnect", "minus", Risk.REVERSIBLE,
               "docker network disconnect {names} {container}"),
    # compose stacks (the objects are project names)
    ActionSpec("compose.up", "compose", "Up", "u", Risk.REVERSIBLE, "docker compose -p {names} up -d"),
    ActionSpec("compose.start", "compose", "Start", "U", Risk.REVERSIBLE, "docker compose -p {names} start"),
    ActionSpec("compose.stop", "compose", "Stop", "S", Risk.REVERSIBLE, "docker compose -p {names} stop"),
    ActionSpec("compose.restart", "compose", "Restart", "R", Risk.REVERSIBLE,
               "docker compose -p {names} restart"),
    ActionSpec("compose.scale", "compose", "Scale", "s", Risk.REVERSIBLE,
               "docker compose -p {names} up -d --scale {service}={replicas}"),
    ActionSpec("compose.down", "compose", "Down", "ctrl+d", Risk.DESTRUCTIVE, "docker compose -p {names} down"),
    ActionSpec("compose.down_volumes", "compose", "Down with volumes", "ctrl+x", Risk.DATA_LOSS,
               "docker compose -p {names} down --volumes"),
    # kubernetes
    ActionSpec("pod.delete", "pod", "Delete", "ctrl+d", Risk.DESTRUCTIVE,
               "kubectl delete pod --namespace {namespace} {names}"),
    ActionSpec("pod.shell", "pod", "Shell", "s", Risk.INTERACTIVE, "kubectl exec -it --namespace {namespace} {names} -- sh"),
    ActionSpec("pod.exec", "pod", "Exec", "x", Risk.INTERACTIVE,
               "kubectl exec --namespace {namespace} {names} -- {command}"),
    *(ActionSpec(f"{kind}.scale", kind, "Scale", "s", Risk.REVERSIBLE,
                 f"kubectl scale {kind} --namespace {{namespace}} {{names}} --replicas {{replicas}}")
      for kind in ("deployment", "statefulset", "replicaset")),
    *(ActionSpec(f"{kind}.restart", kind, "Restart", "R", Risk.REVERSIBLE,
                 f"kubectl rollout restart {kind} --namespace {{namespace}} {{names}}")
      for kind in ("deployment", "statefulset", "daemonset")),
    *(ActionSpec(f"{kind}.delete", kind, "Delete", "ctrl+d", Risk.DESTRUCTIVE,
                 f"kubectl delete {kind} --namespace {{namespace}} {{names}}")
      for kind in ("deployment", "statefulset", "daemonset", "replicaset", "job", "cronjob", "service")),
    *(ActionSpec(f"{kind}.delete", kind, "Delete", "ctrl+d", Risk.DATA_LOSS,
                 f"kubectl delete {kind} --namespace {{namespace}} {{names}}")
      for kind in ("configmap", "secret")),
    ActionSpec("namespace.delete", "namespace", "Delete", "ctrl+d", Risk.DATA_LOSS, "kubectl delete namespace {names}"),
    # Apply a manifest file (objects are the file's documents), edit an object's YAML and apply it back.
    ActionSpec("manifest.apply", "manifest", "Apply", "f", Risk.REVERSIBLE,
               "kubectl apply --server-side --field-manager=portside --filename {names}"),
    *(ActionSpec(f"{kind}.edit", kind, "Edit", "e", Risk.REVERSIBLE, f"kubectl edit {kind} --namespace {{namespace}} {{names}}")
      for kind in ("pod", "deployment", "statefulset", "daemonset", "replicaset", "job", "cronjob", "service",
                   "configmap")),
    # Revealing a secret's value is a read, but one worth a record: audited, never confirmed.
    ActionSpec("secret.reveal", "secret", "Reveal", "v", Risk.READ,
               "kubectl get secret --namespace {namespace} {names} --output yaml"),
    ActionSpec("log.save", "log", "Save", "ctrl+s", Risk.CREATE, "{command}"),
)
# fmt: on
ACTIONS: dict[str, ActionSpec] = {spec.id: spec for spec in _SPECS}


def destructive_ids() -> set[str]:
    """The actions no key map may put on a bare key (RELIABILITY.md rule 5)."""
    return {spec.id for spec in ACTIONS.values() if spec.risk in (Risk.DESTRUCTIVE, Risk.DATA_LOSS)}


def actions_for(kind: str) -> list[ActionSpec]:
    return [spec for spec in ACTIONS.values() if spec.kind == kind]


@dataclass(frozen=True)
class ActionObject:
    id: str
    name: str
    namespace: str = ""


@dataclass(frozen=True)
class ConfirmRequest:
    """What a confirmation dialog shows: the exact objects, the target and the equivalent CLI command."""

    spec: ActionSpec
    target: str
    objects: tuple[ActionObject, ...]
    cli: str
    level: Confirm
    protected: bool = False  # the target's policy raised the confirmation to the typed name

    @property
    def typed_word(self) -> str:
        """What the user must type for a TYPED confirmation: the name, or "<verb> <count>" in bulk."""
        if len(self.objects) == 1:
            return self.objects[0].name
        return f"{self.spec.verb.lower()} {len(self.objects)}"


class Outcome(StrEnum):
    DONE = "done"
    REFUSED = "refused"
    DECLINED = "declined"
    FAILED = "failed"


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    message: str


Confirmer = Callable[[ConfirmRequest], Awaitable[bool]]


class Gateway:
    """The one function every mutation passes: read-only check, confirmation, audit, then the call.

    ``policy_for`` gives the config's policy of a target ("docker <endpoint>", "kube <context>"): a read-only
    target refuses like --readonly, a protected one asks every confirmation as the typed name.
    """

    def __init__(
        self,
        audit: AuditLog,
        confirm: Confirmer,
        *,
        readonly: bool = False,
        announce: Callable[[str], None] = lambda _: None,
        policy_for: Callable[[str], TargetPolicy] = lambda _: NO_POLICY,
    ) -> None:
        self.audit = audit
        self.confirm = confirm
        self.readonly = readonly
        self.announce = announce  # told when a confirmed action starts (the UI shows it)
        self.policy_for = policy_for

    def is_readonly(self, target: str) -> bool:
        """Whether every mutation of ``target`` is refused: ask before showing a form that would be wasted."""
        return self.readonly or self.policy_for(target).readonly

    async def execute(
        self,
        action_id: str,
        target: str,
        objects: list[ActionObject],
        perform: Callable[[ActionObject], None],
        *,
        protected: bool = False,
        details: dict[str, str] | None = None,
        in_thread: bool = True,
    ) -> Result:
        """Run ``perform`` (blocking, in a thread) once per object, if allowed and confirmed.

        ``details`` fills the CLI template's other fields ({command}, {container}); never put secrets in them.
        ``in_thread=False`` runs ``perform`` on the caller's loop: for an interactive shell, which must suspend
        the terminal from the main thread.
        """
        spec = ACTIONS[action_id]
        names = [o.name for o in objects]
        fields = {
            "names": " ".join(names),
            "namespace": objects[0].namespace if objects else "",
            **(details or {}),
        }
        cli = spec.cli.format_map(defaultdict(str, fields))  # a field the caller did not give stays empty
        policy = self.policy_for(target)
        if spec.mutates and (self.readonly or policy.readonly):
            why = "read-only mode" if self.readonly else f"{target} is read-only (config policy)"
            message = f"{why}: {spec.verb.lower()} refused"
            self.audit.append(
                target=target,
                action=spec.id,
                objects=names,
                confirmation="refused",
                result=f"refused: {message}",
            )
            return Result(Outcome.REFUSED, message)
        level = spec.confirmation(len(objects), protected=protected or policy.protected)
        if level is not Confirm.NONE:
            request = ConfirmRequest(spec, target, tuple(objects), cli, level, protected=policy.protected)
            if not await self.confirm(request):
                self.audit.append(
                    target=target, action=spec.id, objects=names, confirmation="declined", result="declined"
                )
                return Result(Outcome.DECLINED, f"{spec.verb} cancelled")
        self.announce(f"{spec.verb}: {', '.join(names)}…")
        failures: list[str] = []
        for done, obj in enumerate(objects):
            try:
                if in_thread:
                    await asyncio.to_thread(perform, obj)
                else:
                    perform(obj)
            except BackendError as error:
                failures.append(str(error))
            except asyncio.CancelledError:
                # The app is closing mid-action: the engine may have acted, so the record must exist.
                self.audit.append(
                    target=target,
                    action=spec.id,
                    objects=names,
                    confirmation=str(level),
                    result=f"interrupted after {done} of {len(objects)}",
                )
                raise
        result = "ok" if not failures else "error: " + "; ".join(failures)
        self.audit.append(target=target, action=spec.id, objects=names, confirmation=str(level), result=result)
        if failures:
            return Result(Outcome.FAILED, "; ".join(failures))
        return Result(Outcome.DONE, f"{spec.verb}: {', '.join(names)}")
