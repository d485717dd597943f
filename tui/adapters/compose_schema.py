"""The Compose Specification as data, and the check of one file against it.

Each key is known or not: an unknown key is an error (with a "did you mean" when one is close), a key of the
specification that portside does not implement is a warning (it is reported, never silently dropped), and
``x-*`` extension keys are accepted anywhere. Values are checked for their type and, for the syntaxes portside
parses (ports, volumes, durations, sizes, restart), with the parser the model uses later.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tui.adapters.compose_errors import ComposeProblem
from tui.adapters.compose_values import (
    parse_duration,
    parse_expose,
    parse_mount,
    parse_ports,
    parse_restart,
    parse_size,
)
from tui.adapters.compose_yaml import KeyPath, YamlDocument
from tui.adapters.docker_images import reference_error

NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]*")


def dotted(path: KeyPath) -> str:
    """``("services", "web", "ports", 0)`` -> ``services.web.ports[0]``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "the file"


@dataclass
class Report:
    """Problems found in one document: errors stop the load, warnings travel with the model."""

    document: YamlDocument
    errors: list[ComposeProblem] = field(default_factory=list)
    warnings: list[ComposeProblem] = field(default_factory=list)

    def error(self, path: KeyPath, message: str) -> None:
        self.errors.append(self.document.problem(path, message))

    def warn(self, path: KeyPath, message: str) -> None:
        self.warnings.append(self.document.problem(path, message))


class Spec:
    what = "a value"
    shape = "scalar"  # scalar | list | mapping: decides which branch of an AnyOf explains a mismatch

    def check(self, value: Any, path: KeyPath, report: Report) -> None:
        raise NotImplementedError


class Scalar(Spec):
    def __init__(self, what: str, *types: type, nullable: bool = False) -> None:
        self.what, self.types, self.nullable = what, types, nullable

    def check(self, value: Any, path: KeyPath, report: Report) -> None:
        if value is None and self.nullable:
            return
        if isinstance(value, bool) and bool not in self.types:
            report.error(path, f"{dotted(path)} must be {self.what}, not a boolean")
        elif not isinstance(value, self.types):
            report.error(path, f"{dotted(path)} must be {self.what}, not {_kind(value)}")


class ListOf(Spec):
    shape = "list"

    def __init__(self, item: Spec) -> None:
        self.item = item
        self.what = f"a list of {item.what.removeprefix('a ').removeprefix('an ')}s"

    def check(self, value: Any, path: KeyPath, report: Report) -> None:
        if not isinstance(value, list):
            report.error(path, f"{dotted(path)} must be a list, not {_kind(value)}")
            return
        for index, item in enumerate(value):
            self.item.check(item, (*path, index), report)


class DictOf(Spec):
    shape = "mapping"
    what = "a mapping"

    def __init__(self, value: Spec, key: re.Pattern[str] | None = None) -> None:
        self.value, self.key = value, key

    def check(self, value: Any, path: KeyPath, report: Report) -> None:
        if not isinstance(value, dict):
            report.error(path, f"{dotted(path)} must be a mapping, not {_kind(value)}")
            return
        for key, item in value.items():
            if self.key is not None and not self.key.fullmatch(key) and not key.startswith("x-"):
                report.error((*path, key), f"{dotted(path)}: {key!r} is not a valid name (a-z A-Z 0-9 _ . -)")
            elif not key.startswith("x-") or self.key is None:
                self.value.check(item, (*path, key), report)


class Obj(Spec):
    """A mapping with known keys: ``fields`` are implemented, ``ignored`` are in the spec but not implemented."""

    shape = "mapping"
    what = "a mapping"

    def __init__(
        self, fields: dict[str, Spec], ignored: tuple[str, ...] = (), required: tuple[str, ...] = ()
    ) -> None:
        self.fields, self.ignored, self.required = fields, ignored, required

    def check(self, value: Any, path: KeyPath, report: Report) -> None:
        if not isinstance(value, dict):
            report.error(path, f"{dotted(path)} must be a mapping, not {_kind(value)}")
            return
        for key in self.required:
            if key not in value:
                report.error(path, f"{dotted(path)}: {key!r} is required")
        for key, item in value.items():
            if key.startswith("x-"):
                continue
            if key in self.fields:
                self.fields[key].check(item, (*path, key), report)
            elif key in self.ignored:
                report.warn((*path, key), f"{dotted((*path, key))} is not supported by portside: it is ignored")
            else:
                close = difflib.get_close_matches(key, [*self.fields, *self.ignored], n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                report.error((*path, key), f"{dotted(path)}: unknown key {key!r}{hint}")


class AnyOf(Spec):
    def __init__(self, *options: Spec) -> None:
        self.options = options
        self.what = " or ".join(o.what for o in options)

    def check(self, value: Any, path: KeyPath, report: Report) -> None:
        shape = "list" if isinstance(value, list) else "mapping" if isinstance(value, dict) else "scalar"
        fitting = [o for o in self.options if o.shape == shape]
        for option in fitting:
            trial = Report(report.document)
            option.check(value, path, trial)
            if not trial.errors:
                report.warnings.extend(trial.warnings)
                return
        if len(fitting) == 1:
            fitting[0].check(value, path, report)
        else:
            report.error(path, f"{dotted(path)} must be {self.what}, not {_kind(value)}")


class Parsed(Spec):
    """A value of ``base``'s type that ``parse`` must also accept."""

    def __init__(self, base: Spec, parse: Callable[[Any], Any]) -> None:
        self.base, self.parse = base, parse
        self.what, self.shape = base.what, base.shape

    def check(self, value: Any, path: KeyPath, report: Report) -> None:
        before = len(report.errors)
        self.base.check(value, path, report)
        if len(report.errors) > before:
            return
        try:
            self.parse(value)
        except ValueError as error:
            report.error(path, f"{dotted(path)}: {error}")


class OneOf(Spec):
    def __init__(self, *choices: str) -> None:
        self.choices = choices
        self.what = "one of " + ", ".join(choices)

    def check(self, value: Any, path: KeyPath, report: Report) -> None:
        if value not in self.choices:
            report.error(path, f"{dotted(path)} must be {self.what}, not {value!r}")


def _kind(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"the string {value!r}" if isinstance(value, str) else f"the number {value}"


def _reference(value: Any) -> None:
    if problem := reference_error(str(value)):
        raise ValueError(problem)


def _name(value: Any, what: str) -> None:
    if not NAME.fullmatch(str(value)):
        raise ValueError(f"{value!r} is not a valid {what} (a-z A-Z 0-9 _ . -, starting with a letter or digit)")


STRING = Scalar("a string", str, int, float)
NULLABLE_STRING = Scalar("a string", str, int, float, nullable=True)
INTEGER = Scalar("an integer", int)
NUMBER = Scalar("a number", int, float)
BOOLEAN = Scalar("a boolean", bool)
ENV_VALUE = Scalar("a string, number, boolean or empty", str, int, float, bool, nullable=True)
LIST_OR_DICT = AnyOf(ListOf(STRING), DictOf(ENV_VALUE))
STRING_OR_LIST = AnyOf(STRING, ListOf(STRING))
DURATION = Parsed(STRING, parse_duration)
SIZE = Parsed(STRING, parse_size)

BUILD = AnyOf(
    STRING,
    Obj(
        {
            "context": STRING,
            "dockerfile": STRING,
            "args": LIST_OR_DICT,
            "target": STRING,
            "labels": LIST_OR_DICT,
            "network": STRING,
            "cache_from": ListOf(STRING),
            "pull": BOOLEAN,
            "no_cache": BOOLEAN,
            "shm_size": SIZE,
            "extra_hosts": AnyOf(ListOf(STRING), DictOf(STRING)),
        },
        ignored=(
            "additional_contexts",
            "cache_to",
            "dockerfile_inline",
            "entitlements",
            "isolation",
            "platforms",
            "privileged",
            "secrets",
            "ssh",
            "tags",
            "ulimits",
            "provenance",
            "sbom",
        ),
    ),
)
HEALTHCHECK = Obj(
    {
        "test": STRING_OR_LIST,
        "interval": DURATION,
        "timeout": DURATION,
        "start_period": DURATION,
        "retries": NUMBER,
        "disable": BOOLEAN,
    },
    ignored=("start_interval",),  # needs API 1.44; the sandbox engine speaks 1.41
)
SERVICE_NETWORK = AnyOf(
    Scalar("empty", type(None), nullable=True),
    Obj(
        {"aliases": ListOf(STRING), "ipv4_address": STRING, "ipv6_address": STRING, "priority": NUMBER},
        ignored=("link_local_ips", "mac_address", "driver_opts", "gw_priority", "interface_name"),
    ),
)
DEPENDENCY = Obj(
    {
        "condition": OneOf("service_started", "service_healthy", "service_completed_successfully"),
        "required": BOOLEAN,
    },
    ignored=("restart",),
)
ULIMIT = AnyOf(INTEGER, Obj({"soft": INTEGER, "hard": INTEGER}, required=("soft", "hard")))
PORT = Parsed(
    AnyOf(
        STRING,
        Obj(
            {"target": NUMBER, "published": STRING, "host_ip": STRING, "protocol": STRING},
            ignored=("name", "app_protocol", "mode"),
            required=("target",),
        ),
    ),
    parse_ports,
)
MOUNT = Parsed(
    AnyOf(
        STRING,
        Obj(
            {
                "type": STRING,
                "source": STRING,
                "target": STRING,
                "read_only": BOOLEAN,
                "bind": Obj({"propagation": STRING}, ignored=("create_host_path", "selinux", "recursive")),
                "volume": Obj({"nocopy": BOOLEAN}, ignored=("subpath", "labels")),
            },
            ignored=("tmpfs", "consistency", "image"),
            required=("type", "target"),
        ),
    ),
    parse_mount,
)
# Keys given to the engine's host config as they are (after conversion): cheap to support, so supported.
HOST_OPTIONS: dict[str, Spec] = {
    "privileged": BOOLEAN, "init": BOOLEAN, "read_only": BOOLEAN, "oom_kill_disable": BOOLEAN,
    "cap_add": ListOf(STRING), "cap_drop": ListOf(STRING), "security_opt": ListOf(STRING),
    "group_add": ListOf(STRING), "devices": ListOf(STRING), "dns": STRING_OR_LIST,
    "dns_search": STRING_OR_LIST, "dns_opt": ListOf(STRING), "extra_hosts": AnyOf(ListOf(STRING), DictOf(STRING)),
    "tmpfs": STRING_OR_LIST, "sysctls": LIST_OR_DICT, "storage_opt": DictOf(STRING),
    "shm_size": SIZE, "mem_limit": SIZE, "mem_reservation": SIZE, "memswap_limit": SIZE,
    "mem_swappiness": INTEGER, "oom_score_adj": INTEGER, "pids_limit": INTEGER, "cpu_shares": INTEGER,
    "cpu_quota": INTEGER, "cpu_period": INTEGER, "cpus": Parsed(STRING, float), "cpuset": STRING,
    "pid": STRING, "ipc": STRING, "userns_mode": STRING, "uts": STRING, "runtime": STRING,
    "cgroup_parent": STRING,
}  # fmt: skip
SERVICE = Obj(
    {
        "image": Parsed(STRING, _reference),
        "build": BUILD,
        "command": AnyOf(NULLABLE_STRING, ListOf(STRING)),
        "entrypoint": AnyOf(NULLABLE_STRING, ListOf(STRING)),
        "environment": LIST_OR_DICT,
        "env_file": AnyOf(
            STRING,
            ListOf(AnyOf(STRING, Obj({"path": STRING, "required": BOOLEAN}, ("format",), required=("path",)))),
        ),
        "labels": LIST_OR_DICT,
        "ports": ListOf(PORT),
        "expose": ListOf(Parsed(STRING, parse_expose)),
        "volumes": ListOf(MOUNT),
        "networks": AnyOf(ListOf(STRING), DictOf(SERVICE_NETWORK)),
        "network_mode": STRING,
        "depends_on": AnyOf(ListOf(STRING), DictOf(DEPENDENCY)),
        "container_name": Parsed(STRING, lambda v: _name(v, "container_name")),
        "hostname": STRING,
        "domainname": STRING,
        "working_dir": STRING,
        "user": STRING,
        "restart": Parsed(STRING, parse_restart),
        "healthcheck": HEALTHCHECK,
        "ulimits": DictOf(ULIMIT),
        "stdin_open": BOOLEAN,
        "tty": BOOLEAN,
        "stop_signal": STRING,
        "stop_grace_period": DURATION,
        "scale": INTEGER,
        "logging": Obj({"driver": STRING, "options": DictOf(NULLABLE_STRING)}),
        "profiles": ListOf(STRING),
        "extends": AnyOf(STRING, Obj({"service": STRING, "file": STRING}, required=("service",))),
        "pull_policy": OneOf("always", "never", "missing", "if_not_present", "build"),
        "platform": STRING,
        **HOST_OPTIONS,
    },
    ignored=(
        "annotations", "attach", "blkio_config", "cgroup", "configs", "cpu_count", "cpu_percent",
        "cpu_rt_period", "cpu_rt_runtime", "credential_spec", "deploy", "develop", "device_cgroup_rules",
        "external_links", "gpus", "isolation", "label_file", "links", "mac_address", "models", "post_start",
        "pre_stop", "provider", "secrets", "use_api_socket", "volumes_from",
    ),
)  # fmt: skip
EXTERNAL = AnyOf(BOOLEAN, Obj({"name": STRING}))
NETWORK = AnyOf(
    Scalar("empty", type(None), nullable=True),
    Obj(
        {
            "name": STRING,
            "driver": STRING,
            "driver_opts": DictOf(STRING),
            "external": EXTERNAL,
            "internal": BOOLEAN,
            "attachable": BOOLEAN,
            "enable_ipv6": BOOLEAN,
            "labels": LIST_OR_DICT,
            "ipam": Obj(
                {
                    "driver": STRING,
                    "config": ListOf(
                        Obj(
                            {"subnet": STRING, "ip_range": STRING, "gateway": STRING},
                            ignored=("aux_addresses",),
                        )
                    ),
                    "options": DictOf(STRING),
                }
            ),
        },
        ignored=("enable_ipv4",),
    ),
)
VOLUME = AnyOf(
    Scalar("empty", type(None), nullable=True),
    Obj(
        {
            "name": STRING,
            "driver": STRING,
            "driver_opts": DictOf(STRING),
            "external": EXTERNAL,
            "labels": LIST_OR_DICT,
        }
    ),
)
TOP = Obj(
    {
        "version": STRING,
        "name": STRING,
        "services": DictOf(SERVICE, NAME),
        "networks": DictOf(NETWORK, NAME),
        "volumes": DictOf(VOLUME, NAME),
    },
    ignored=("secrets", "configs", "include", "models"),
)


def check_document(document: YamlDocument) -> Report:
    """Check one (interpolated) compose file against the specification."""
    report = Report(document)
    if document.data is None:
        report.error((), "the file is empty")
    elif not isinstance(document.data, dict):
        report.error((), f"a compose file must be a mapping at the top level, not {_kind(document.data)}")
    else:
        TOP.check(document.data, (), report)
    return report
