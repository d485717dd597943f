"""Docker adapter, Run a container from a RunSpec (the options of docker run), and its equivalent command line.

The pure half (parsers, ``validate``, ``docker_run_command``) is what the run form checks as the user types; the
engine half (``RunMixin.run_container``) checks again, creates, starts, and removes what it made if the start
fails, so a failed run leaves nothing half-created.
"""

from __future__ import annotations

import contextlib
import ipaddress
import posixpath
import re
import shlex
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tui.adapters.docker_errors import translated_errors
from tui.adapters.errors import BackendError, Conflict, InvalidInput, NotFound
from tui.adapters.sanitize import clean_line
from tui.adapters.secrets import MASK, is_secret_name

if TYPE_CHECKING:
    import docker

RESTART_POLICIES = ("no", "always", "unless-stopped", "on-failure")
PROTOCOLS = ("tcp", "udp", "sctp")
# Docker's own rule for container and local volume names (at least two characters).
NAME_PATTERN = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]+")
HOSTNAME_LABEL = re.compile(r"[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?")


@dataclass(frozen=True)
class RunSpec:
    """What ``docker run --detach`` is given. Lists hold the texts the user typed, parsed by the functions below."""

    image: str
    name: str = ""
    hostname: str = ""
    command: str = ""  # split with shlex; empty runs the image's default command
    env: tuple[str, ...] = ()  # KEY=VALUE
    publish: tuple[str, ...] = ()  # [HOSTIP:][HOSTPORT:]CONTAINERPORT[/proto]
    volumes: tuple[str, ...] = ()  # NAME_OR_ABSOLUTE_PATH:/container/path[:ro|rw], or /container/path
    restart: str = "no"  # no | always | unless-stopped | on-failure[:N]
    labels: tuple[str, ...] = ()  # KEY=VALUE


@dataclass(frozen=True)
class PortMapping:
    container_port: int
    protocol: str = "tcp"
    host_ip: str = ""  # "" = every interface, as docker run does
    host_port: int | None = None  # None = a port the engine picks

    def __str__(self) -> str:
        suffix = "" if self.protocol == "tcp" else f"/{self.protocol}"
        host_port = "" if self.host_port is None else str(self.host_port)
        if self.host_ip:
            ip = f"[{self.host_ip}]" if ":" in self.host_ip else self.host_ip
            return f"{ip}:{host_port}:{self.container_port}{suffix}"
        if self.host_port is not None:
            return f"{host_port}:{self.container_port}{suffix}"
        return f"{self.container_port}{suffix}"


@dataclass(frozen=True)
class VolumeMount:
    target: str
    source: str = ""  # a volume name, an absolute host path, or "" for an anonymous volume
    read_only: bool = False

    @property
    def kind(self) -> str:
        if not self.source:
            return "anonymous"
        return "bind" if self.source.startswith("/") else "volume"

    def __str__(self) -> str:
        mode = ":ro" if self.read_only else ""
        return f"{self.source}:{self.target}{mode}" if self.source else f"{self.target}{mode}"


@dataclass(frozen=True)
class Problem:
    field: str  # the RunSpec field at fault
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


# ---- pure parsers: each returns the parsed value or raises ValueError with a sentence for the user


def _port(text: str, what: str, spec: str) -> int:
    if not text.isascii() or not text.isdigit():
        if re.fullmatch(r"\d+-\d+", text):
            raise ValueError(f"{spec!r}: port ranges are not supported")
        raise ValueError(f"{spec!r}: the {what} {text!r} is not a number")
    port = int(text)
    if not 1 <= port <= 65535:
        raise ValueError(f"{spec!r}: the {what} {port} is out of range (1-65535)")
    return port


def parse_publish(text: str) -> PortMapping:
    """``[HOSTIP:][HOSTPORT:]CONTAINERPORT[/proto]`` as docker run reads it; IPv6 host IPs go in brackets."""
    text = text.strip()
    body, slash, protocol = text.rpartition("/") if "/" in text else (text, "", "tcp")
    protocol = protocol.lower()
    if slash and protocol not in PROTOCOLS:
        raise ValueError(f"{text!r}: unknown protocol {protocol!r} (tcp, udp or sctp)")
    host_ip = ""
    if body.startswith("["):
        ip, bracket, rest = body[1:].partition("]")
        if not bracket or not rest.startswith(":"):
            raise ValueError(f"{text!r}: expected [IPv6]:HOSTPORT:CONTAINERPORT")
        host_ip, parts = ip, rest[1:].split(":")
        if len(parts) != 2:
            raise ValueError(f"{text!r}: expected [IPv6]:HOSTPORT:CONTAINERPORT")
        host_port, container = parts
    else:
        parts = body.split(":")
        if len(parts) == 1:
            host_port, container = "", parts[0]
        elif len(parts) == 2:
            host_port, container = parts
        elif len(parts) == 3:
            host_ip, host_port, container = parts
        else:
            raise ValueError(
                f"{text!r}: expected HOSTIP:HOSTPORT:CONTAINERPORT or HOSTPORT:CONTAINERPORT (IPv6 in brackets)"
            )
        if len(parts) == 3 and not host_ip:
            raise ValueError(f"{text!r}: the host IP is empty")
    if host_ip:
        try:
            host_ip = str(ipaddress.ip_address(host_ip))
        except ValueError:
            raise ValueError(f"{text!r}: {host_ip!r} is not an IP address") from None
    if not container:
        raise ValueError(f"{text!r}: the container port is missing")
    return PortMapping(
        container_port=_port(container, "container port", text),
        protocol=protocol,
        host_ip=host_ip,
        host_port=_port(host_port, "host port", text) if host_port else None,
    )


def parse_volume(text: str) -> VolumeMount:
    """``SOURCE:/target[:ro|rw]`` or ``/target[:ro|rw]``, split as the engine splits it (Linux rules)."""
    text = text.strip()
    parts = text.split(":")
    mode = ""
    if len(parts) == 1:
        source, target = "", parts[0]
    elif len(parts) == 2 and parts[1] in ("ro", "rw"):
        source, target, mode = "", parts[0], parts[1]
    elif len(parts) == 2:
        source, target = parts
    elif len(parts) == 3:
        source, target, mode = parts
    else:
        raise ValueError(f"{text!r}: expected NAME_OR_PATH:/container/path[:ro]")
    if mode not in ("", "ro", "rw"):
        raise ValueError(f"{text!r}: unsupported option {mode!r} (ro or rw)")
    if not target.startswith("/"):
        raise ValueError(f"{text!r}: the container path {target!r} must be absolute")
    if posixpath.normpath(target) == "/":
        raise ValueError(f"{text!r}: the container path cannot be '/'")
    if source.startswith(("./", "../", "~")) or source in (".", "..") or ("/" in source and source[0] != "/"):
        raise ValueError(f"{text!r}: relative host path {source!r}: use an absolute path")
    if source and not source.startswith("/") and not NAME_PATTERN.fullmatch(source):
        raise ValueError(f"{text!r}: {source!r} is not a valid volume name ([a-zA-Z0-9][a-zA-Z0-9_.-]+)")
    if not source and len(parts) == 3:
        raise ValueError(f"{text!r}: the source is empty")
    return VolumeMount(target=target, source=source, read_only=mode == "ro")


def parse_env(text: str) -> tuple[str, str]:
    """``KEY=VALUE`` (the value may be empty). A bare KEY is refused: it would copy portside's own environment."""
    key, equals, value = text.partition("=")
    if not equals:
        raise ValueError(f"{text!r}: expected KEY=VALUE")
    if not key or key != key.strip() or any(c.isspace() for c in key):
        raise ValueError(f"{text!r}: the name before '=' must be non-empty, without spaces")
    return key, value


def parse_restart(text: str) -> tuple[str, int]:
    """A restart policy and its retry limit (only on-failure has one; 0 = unlimited)."""
    name, colon, count = (text.strip() or "no").partition(":")
    if name not in RESTART_POLICIES:
        raise ValueError(f"{text!r}: expected one of no, always, unless-stopped, on-failure[:N]")
    if not colon:
        return name, 0
    if name != "on-failure":
        raise ValueError(f"{text!r}: only on-failure takes a retry count")
    if not count.isascii() or not count.isdigit():
        raise ValueError(f"{text!r}: the retry count must be a whole number")
    return name, int(count)


def split_command(command: str) -> list[str]:
    return shlex.split(command)


# ---- the whole spec


def problems(spec: RunSpec) -> list[Problem]:
    """Every problem of the spec, each with the field it belongs to (the form shows them under that field)."""
    found: list[Problem] = []

    def check(field: str, parse: Any, text: str) -> Any:
        try:
            return parse(text)
        except ValueError as error:
            found.append(Problem(field, str(error)))
            return None

    if not spec.image.strip():
        found.append(Problem("image", "an image is needed"))
    elif not spec.image.isprintable() or any(c.isspace() for c in spec.image):
        found.append(Problem("image", f"{spec.image!r} is not an image reference"))
    if spec.name and not NAME_PATTERN.fullmatch(spec.name):
        found.append(Problem("name", f"{spec.name!r}: letters, digits, '_', '.', '-'; two characters at least"))
    if spec.hostname and (
        len(spec.hostname) > 63 or not all(HOSTNAME_LABEL.fullmatch(p) for p in spec.hostname.split("."))
    ):
        found.append(
            Problem("hostname", f"{spec.hostname!r}: letters, digits, '-' and '.', at most 63 characters")
        )
    check("command", split_command, spec.command)
    host_ports: set[tuple[str, int, str]] = set()
    for text in spec.publish:
        mapping = check("publish", parse_publish, text)
        if mapping is not None and mapping.host_port is not None:
            key = (mapping.host_ip, mapping.host_port, mapping.protocol)
            if key in host_ports:
                found.append(Problem("publish", f"{text!r}: host port {mapping.host_port} is published twice"))
            host_ports.add(key)
    targets: set[str] = set()
    for text in spec.volumes:
        mount = check("volumes", parse_volume, text)
        if mount is not None:
            target = posixpath.normpath(mount.target)
            if target in targets:
                found.append(Problem("volumes", f"{text!r}: {target} is mounted twice"))
            targets.add(target)
    for text in spec.env:
        check("env", parse_env, text)
    for text in spec.labels:
        check("labels", parse_env, text)
    check("restart", parse_restart, spec.restart)
    return found


def validate(spec: RunSpec) -> list[str]:
    """Every problem as "field: what is wrong"; empty when the spec can be run."""
    return [str(p) for p in problems(spec)]


def _masked(item: str) -> str:
    key, equals, _ = item.partition("=")
    return f"{key}={MASK}" if equals and is_secret_name(key) else item


def docker_run_argv(spec: RunSpec, *, mask: bool = True) -> list[str]:
    """The equivalent ``docker run`` argv; secret-looking env values are masked unless ``mask=False``."""
    argv = ["docker", "run", "--detach"]
    if spec.name:
        argv += ["--name", spec.name]
    if spec.hostname:
        argv += ["--hostname", spec.hostname]
    for text in spec.publish:
        argv += ["--publish", text.strip()]
    for text in spec.volumes:
        argv += ["--volume", text.strip()]
    for text in spec.env:
        argv += ["--env", _masked(text) if mask else text]
    for text in spec.labels:
        argv += ["--label", text]
    if (spec.restart.strip() or "no") != "no":
        argv += ["--restart", spec.restart.strip()]
    argv.append(spec.image.strip())
    with contextlib.suppress(ValueError):  # an unbalanced quote: the form shows the problem elsewhere
        argv += split_command(spec.command)
    return argv


def docker_run_command(spec: RunSpec) -> str:
    """The command line a user could paste to do the same run, secrets masked (RELIABILITY.md rule 8)."""
    return shlex.join(docker_run_argv(spec))


def create_arguments(spec: RunSpec) -> dict[str, Any]:
    """The keyword arguments of APIClient.create_container (host_config as a plain dict of its options)."""
    mappings = [parse_publish(p) for p in spec.publish]
    mounts = [parse_volume(v) for v in spec.volumes]
    restart, retries = parse_restart(spec.restart)
    bindings: dict[str, list[tuple[str, int | None] | tuple[str]]] = {}
    for m in mappings:
        bindings.setdefault(f"{m.container_port}/{m.protocol}", []).append((m.host_ip, m.host_port))
    policy: dict[str, Any] | None = None
    if restart != "no":
        policy = {"Name": restart, **({"MaximumRetryCount": retries} if restart == "on-failure" else {})}
    return {
        "image": spec.image.strip(),
        "name": spec.name or None,
        "hostname": spec.hostname or None,
        "command": split_command(spec.command) or None,
        "environment": list(spec.env) or None,
        "labels": dict(parse_env(label) for label in spec.labels) or None,
        "ports": [(m.container_port, m.protocol) for m in mappings] or None,
        "volumes": [m.target for m in mounts if m.kind == "anonymous"] or None,
        "detach": True,
        "host_config": {
            "port_bindings": bindings or None,
            "binds": [str(m) for m in mounts if m.source] or None,
            "restart_policy": policy,
        },
    }


class RunMixin:
    """Mixed into DockerEngine; every method blocks: call it from a thread worker."""

    def api(self) -> docker.APIClient:
        raise NotImplementedError

    def image_exists(self, image: str) -> bool:
        try:
            with translated_errors(f"image {image}"):
                self.api().inspect_image(image)
        except NotFound:
            return False
        return True

    def container_using_name(self, name: str) -> str | None:
        """The id of the container called ``name`` exactly, or None (the engine's filter is a regex)."""
        with translated_errors(f"container {name}"):
            found = self.api().containers(all=True, filters={"name": f"^/{re.escape(name)}$"})
        return str(found[0]["Id"]) if found else None

    def check_run(self, spec: RunSpec) -> None:
        """Raise what would stop the run before anything is created: bad input, missing image, name in use."""
        invalid = validate(spec)
        if invalid:
            raise InvalidInput("; ".join(invalid))
        if not self.image_exists(spec.image.strip()):
            raise NotFound(f"image not found locally: pull it first ({clean_line(spec.image)})")
        if spec.name:
            holder = self.container_using_name(spec.name)
            if holder is not None:
                raise Conflict(f"the name {spec.name!r} is already used by container {holder[:12]}")

    def run_container(self, spec: RunSpec) -> str:
        """Create and start a container like ``docker run --detach``; return its id.

        If create or start fails, the container and the named volumes this run created are removed, and the
        translated error is raised: a failed run leaves nothing behind.
        """
        self.check_run(spec)
        arguments = create_arguments(spec)
        host_options = arguments.pop("host_config")
        new_volumes = [m.source for m in map(parse_volume, spec.volumes) if m.kind == "volume"]
        new_volumes = [v for v in new_volumes if not self._volume_exists(v)]
        api = self.api()
        container_id = ""
        try:
            with translated_errors(f"create from {spec.image}"):
                host_config = api.create_host_config(**host_options)
                container_id = str(api.create_container(host_config=host_config, **arguments)["Id"])
            with translated_errors(f"start {spec.name or container_id[:12]}"):
                api.start(container_id)
        except BaseException as error:
            self._undo_run(container_id, new_volumes)
            if isinstance(error, BackendError):
                raise type(error)(f"{error} (nothing was left behind)") from None
            raise
        return container_id

    def _volume_exists(self, name: str) -> bool:
        with translated_errors(f"volume {name}"):
            found = self.api().volumes(filters={"name": name}).get("Volumes") or []
        return any(v.get("Name") == name for v in found)  # the filter matches substrings

    def _undo_run(self, container_id: str, new_volumes: list[str]) -> None:
        """Best effort: the error being raised is what the user must see, not a cleanup failure."""
        api = self.api()
        if container_id:
            with contextlib.suppress(Exception):
                api.remove_container(container_id, force=True, v=True)
        for volume in new_volumes:
            with contextlib.suppress(Exception):
                api.remove_volume(volume)
