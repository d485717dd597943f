"""Parsers of compose value syntaxes: ports, volume mounts, durations, byte sizes, restart policies.

Each parser returns a typed value or raises ``ValueError`` with a sentence for the user; the validator turns it
into a located problem, the model calls the same parser on values that passed.
"""

from __future__ import annotations

import ipaddress
import posixpath
import re
from dataclasses import dataclass
from typing import Any

PROTOCOLS = ("tcp", "udp", "sctp")
MAX_PORT_RANGE = 1000  # "1-65535:1-65535" would ask the engine for 65,535 bindings
RESTART_POLICIES = ("no", "always", "on-failure", "unless-stopped")
BIND_OPTIONS = {"z", "Z", "shared", "rshared", "slave", "rslave", "private", "rprivate", "nocopy", "cached"}
_DURATION_UNITS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,
    "ms": 1_000_000,
    "s": 10**9,
    "m": 60 * 10**9,
    "h": 3600 * 10**9,
}
_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([kmgt]?)b?", re.IGNORECASE)


@dataclass(frozen=True)
class PortSpec:
    """One published or exposed container port; ``published`` None lets the engine pick a host port."""

    target: int
    protocol: str = "tcp"
    published: int | None = None
    host_ip: str = ""

    def __str__(self) -> str:
        tail = f"{self.target}/{self.protocol}"
        if self.published is None:
            return tail
        ip = f"[{self.host_ip}]:" if ":" in self.host_ip else f"{self.host_ip}:" if self.host_ip else ""
        return f"{ip}{self.published}:{tail}"


@dataclass(frozen=True)
class MountSpec:
    """A volume entry: ``type`` is volume (``source`` a key of the top-level volumes, "" = anonymous),
    bind (``source`` a host path, relative to the project directory until the model resolves it) or tmpfs."""

    type: str
    target: str
    source: str = ""
    read_only: bool = False
    options: tuple[str, ...] = ()  # z, Z, propagation, nocopy: appended to the bind string


def _port_number(text: str, spec: str) -> int:
    if not text.isascii() or not text.isdigit():
        raise ValueError(f"invalid port spec {spec!r}: {text!r} is not a port number")
    port = int(text)
    if not 0 < port <= 65535:
        raise ValueError(f"invalid port spec {spec!r}: port {port} is out of range (1-65535)")
    return port


def _port_range(text: str, spec: str) -> list[int]:
    first, dash, last = text.partition("-")
    low = _port_number(first, spec)
    high = _port_number(last, spec) if dash else low
    if high < low:
        raise ValueError(f"invalid port spec {spec!r}: the range {text!r} is backwards")
    if high - low >= MAX_PORT_RANGE:
        raise ValueError(f"invalid port spec {spec!r}: ranges of more than {MAX_PORT_RANGE} ports are refused")
    return list(range(low, high + 1))


def parse_ports(value: Any) -> list[PortSpec]:
    """A ``ports`` entry: ``[[IP:]HOST:]CONTAINER[/PROTO]`` (ranges allowed), a number, or the long mapping."""
    if isinstance(value, dict):
        return [_long_port(value)]
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"invalid port spec {value!r}: expected a string, a number or a mapping")
    spec = str(value).strip()
    body, slash, protocol = spec.partition("/")
    protocol = protocol.lower() if slash else "tcp"
    if protocol not in PROTOCOLS:
        raise ValueError(f"invalid port spec {spec!r}: unknown protocol {protocol!r} (tcp, udp or sctp)")
    host_ip = ""
    if body.startswith("["):
        ip, bracket, rest = body[1:].partition("]")
        if not bracket or not rest.startswith(":"):
            raise ValueError(f"invalid port spec {spec!r}: expected [IPv6]:HOST:CONTAINER")
        host_ip, body = ip, rest[1:]
        parts = body.split(":")
        if len(parts) != 2:
            raise ValueError(f"invalid port spec {spec!r}: expected [IPv6]:HOST:CONTAINER")
    else:
        parts = body.split(":")
        if len(parts) == 3:
            host_ip = parts.pop(0)
            if not host_ip:
                raise ValueError(f"invalid port spec {spec!r}: the host IP is empty")
        elif len(parts) > 3:
            raise ValueError(f"invalid port spec {spec!r}: expected [[IP:]HOST:]CONTAINER[/PROTOCOL]")
    if host_ip:
        try:
            host_ip = str(ipaddress.ip_address(host_ip))
        except ValueError:
            raise ValueError(f"invalid port spec {spec!r}: {host_ip!r} is not an IP address") from None
    targets = _port_range(parts[-1], spec)
    if len(parts) == 1 or not parts[0]:
        return [PortSpec(t, protocol, None, host_ip) for t in targets]
    published = _port_range(parts[0], spec)
    if len(published) != len(targets):
        raise ValueError(
            f"invalid port spec {spec!r}: the host and container ranges must have the same number of ports"
        )
    return [PortSpec(t, protocol, p, host_ip) for p, t in zip(published, targets, strict=True)]


def _long_port(value: dict[str, Any]) -> PortSpec:
    target = value.get("target")
    if isinstance(target, bool) or not isinstance(target, int | str):
        raise ValueError("a port mapping needs 'target', the container port")
    spec = f"target {target}"
    published = value.get("published")
    protocol = str(value.get("protocol") or "tcp").lower()
    if protocol not in PROTOCOLS:
        raise ValueError(f"invalid port: unknown protocol {protocol!r} (tcp, udp or sctp)")
    host_ip = str(value.get("host_ip") or "")
    if host_ip:
        try:
            host_ip = str(ipaddress.ip_address(host_ip))
        except ValueError:
            raise ValueError(f"invalid port: host_ip {host_ip!r} is not an IP address") from None
    return PortSpec(
        _port_number(str(target), spec),
        protocol,
        _port_number(str(published), spec) if published not in (None, "") else None,
        host_ip,
    )


def parse_expose(value: Any) -> list[PortSpec]:
    """An ``expose`` entry: ``PORT[/PROTO]`` or a range; never published on the host."""
    spec = str(value).strip()
    if "/" in spec:
        body, _, protocol = spec.partition("/")
    else:
        body, protocol = spec, "tcp"
    if protocol.lower() not in PROTOCOLS:
        raise ValueError(f"invalid expose {spec!r}: unknown protocol {protocol!r}")
    return [PortSpec(p, protocol.lower()) for p in _port_range(body, spec)]


def parse_mount(value: Any) -> MountSpec:
    """A service ``volumes`` entry: ``[SOURCE:]TARGET[:MODE]`` or the long mapping (type, source, target, ...)."""
    if isinstance(value, dict):
        return _long_mount(value)
    if not isinstance(value, str):
        raise ValueError(f"invalid volume {value!r}: expected a string or a mapping")
    parts = value.split(":")
    modes = BIND_OPTIONS | {"ro", "rw"}
    if len(parts) == 1:
        source, target, mode = "", parts[0], ""
    elif len(parts) == 2 and all(m in modes for m in parts[1].split(",")):
        source, target, mode = "", parts[0], parts[1]  # /data:ro
    elif len(parts) == 2:
        source, target, mode = parts[0], parts[1], ""
    elif len(parts) == 3:
        source, target, mode = parts
    else:
        raise ValueError(f"invalid volume {value!r}: expected [SOURCE:]TARGET[:MODE]")
    options = [m for m in mode.split(",") if m]
    unknown = [m for m in options if m not in modes]
    if unknown:
        raise ValueError(f"invalid volume {value!r}: unknown mode {unknown[0]!r}")
    if not target.startswith("/"):
        raise ValueError(f"invalid volume {value!r}: the container path {target!r} must be absolute")
    if posixpath.normpath(target) == "/":
        raise ValueError(f"invalid volume {value!r}: the container path cannot be '/'")
    kind = "bind" if source.startswith(("/", ".", "~")) else "volume"
    if kind == "volume" and source and not re.fullmatch(r"[a-zA-Z0-9][a-zA-Z0-9_.-]*", source):
        raise ValueError(f"invalid volume {value!r}: {source!r} is neither a path nor a volume name")
    rest = tuple(m for m in options if m not in ("ro", "rw"))
    return MountSpec(kind, target, source, "ro" in options, rest)


def _long_mount(value: dict[str, Any]) -> MountSpec:
    kind = str(value.get("type") or "")
    if kind not in ("volume", "bind", "tmpfs"):
        raise ValueError(f"invalid volume: type {kind!r} is not supported (volume, bind or tmpfs)")
    target = str(value.get("target") or "")
    if not target.startswith("/"):
        raise ValueError(f"invalid volume: target {target!r} must be an absolute container path")
    source = str(value.get("source") or "")
    if kind == "bind" and not source:
        raise ValueError("invalid volume: a bind mount needs a source path")
    options: list[str] = []
    if isinstance(value.get("bind"), dict) and value["bind"].get("propagation"):
        options.append(str(value["bind"]["propagation"]))
    if isinstance(value.get("volume"), dict) and value["volume"].get("nocopy"):
        options.append("nocopy")
    if kind == "bind" and not source.startswith(("/", ".", "~")):
        source = "./" + source
    return MountSpec(kind, target, source, bool(value.get("read_only")), tuple(options))


def parse_duration(value: Any) -> int:
    """A Go duration ("1m30s", "500ms", "10s"), or a number of seconds, in nanoseconds."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value * 10**9)
    text = str(value).strip()
    if not text or text == "0":
        return 0
    total, position = 0.0, 0
    for match in _DURATION.finditer(text):
        if match.start() != position:
            break
        total += float(match.group(1)) * _DURATION_UNITS[match.group(2)]
        position = match.end()
    if position != len(text):
        raise ValueError(f"invalid duration {text!r}: expected a number and a unit, e.g. 30s, 1m30s, 500ms")
    return int(total)


def parse_size(value: Any) -> int:
    """A byte size: a number, or "512m", "1g", "64k", "1.5gb"."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    match = _SIZE.fullmatch(str(value).strip())
    if match is None:
        raise ValueError(f"invalid size {value!r}: expected a number with an optional unit (b, k, m, g)")
    unit = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}[match.group(2).lower()]
    return int(float(match.group(1)) * unit)


def parse_restart(value: Any) -> tuple[str, int]:
    """``no``, ``always``, ``unless-stopped``, ``on-failure[:N]`` -> (policy, maximum retries)."""
    name, colon, count = str(value).strip().partition(":")
    if name not in RESTART_POLICIES:
        raise ValueError(
            f"invalid restart policy {value!r}: expected no, always, on-failure[:N] or unless-stopped"
        )
    if colon and (name != "on-failure" or not count.isdigit()):
        raise ValueError(f"invalid restart policy {value!r}: only on-failure takes a retry count (on-failure:3)")
    return name, int(count) if colon else 0


def normalize_project_name(name: str) -> str:
    """As `docker compose` does: lower case, only a-z 0-9 _ -, no leading _ or -."""
    return re.sub(r"[^a-z0-9_-]", "", name.lower()).lstrip("_-")
