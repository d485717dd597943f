"""The user's config file (TOML): theme, key overrides, defaults and per-target policies.

Read once at start. Every problem is a warning with ``file:line`` and the default is kept: a broken file never
stops the app (RELIABILITY.md rule 11). No Textual here: what only the app can check (theme names, binding ids,
colour names) is checked by ``Config.check`` with validators the app passes in.

    theme = "portside-dark"
    readonly = false
    [keys]                      # binding id = "key[,key]"
    "container.stop" = "ctrl+s"
    [kubernetes]
    context = "sandbox-admin"
    namespace = "demo"          # or "all"
    [logs]
    buffer_lines = 10000
    [stats]
    refresh_seconds = 3
    [[policy]]                  # the first matching policy with a colour gives the colour; flags add up
    match = "prod-.*"           # regex searched in the target name: a Docker endpoint or a kube context
    backend = "kube"            # optional: "docker" or "kube" (default: both)
    readonly = true
    protected = true            # every confirmation asks for the typed name
    color = "red"               # a colour name or "#rrggbb": the frame of that target's areas
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import platformdirs

CONFIG_ENV = "PORTSIDE_CONFIG"
MAX_CONFIG_BYTES = 1 << 20  # a config file is a few hundred bytes; anything this big is a mistake
DEFAULT_LOG_LINES = 10_000
LOG_LINES_RANGE = (100, 1_000_000)  # the ring buffer stays bounded (RELIABILITY.md rule 7)
DEFAULT_STATS_SECONDS = 3.0
STATS_SECONDS_RANGE = (0.5, 3600.0)
BACKENDS = ("docker", "kube")


@dataclass(frozen=True)
class KubeSettings:
    context: str | None = None
    namespace: str | None = None  # "all" means every namespace


@dataclass(frozen=True)
class LogSettings:
    buffer_lines: int = DEFAULT_LOG_LINES


@dataclass(frozen=True)
class StatsSettings:
    refresh_seconds: float = DEFAULT_STATS_SECONDS


@dataclass(frozen=True)
class TargetPolicy:
    """What applies to one target: the union of the matching policies."""

    readonly: bool = False
    protected: bool = False
    color: str | None = None


NO_POLICY = TargetPolicy()


@dataclass(frozen=True)
class Policy:
    pattern: re.Pattern[str]
    backend: str | None = None
    readonly: bool = False
    protected: bool = False
    color: str | None = None
    index: int = 0  # its position among the [[policy]] tables, to find its lines again

    def applies_to(self, target: str) -> bool:
        backend, _, name = target.partition(" ")  # other targets ("local file") have no policies
        return backend in BACKENDS and self.backend in (None, backend) and self.pattern.search(name) is not None


@dataclass
class Config:
    path: Path | None = None
    theme: str | None = None  # None: the default theme
    readonly: bool = False
    keys: dict[str, str] = field(default_factory=dict)
    kubernetes: KubeSettings = KubeSettings()
    logs: LogSettings = LogSettings()
    stats: StatsSettings = StatsSettings()
    policies: tuple[Policy, ...] = ()
    warnings: list[str] = field(default_factory=list)
    # Where each setting came from ("file:line" or "--theme"), for warnings found after loading.
    sources: dict[str, str] = field(default_factory=dict)

    def policy_for(self, target: str) -> TargetPolicy:
        """The policy of a target as views name it: "docker <endpoint>" or "kube <context>"."""
        found = [p for p in self.policies if p.applies_to(target)]
        if not found:
            return NO_POLICY
        colors = [p.color for p in found if p.color]
        return TargetPolicy(
            readonly=any(p.readonly for p in found),
            protected=any(p.protected for p in found),
            color=colors[0] if colors else None,
        )

    def override(self, key: str, value: str, source: str) -> None:
        """A command-line flag wins over the file: ``theme``."""
        if key == "theme":
            self.theme = value
        self.sources[key] = source

    def check(
        self,
        *,
        themes: Collection[str],
        binding_ids: Collection[str],
        is_colour: Callable[[str], bool],
        guarded: Collection[str],
    ) -> None:
        """Drop what the app does not know (theme, binding ids, colours), each with a warning, and any key that
        would put a ``guarded`` (destructive) action on a bare key (RELIABILITY.md rule 5)."""
        if self.theme is not None and self.theme not in themes:
            self.warn(
                self.sources.get("theme", "theme"),
                f"unknown theme {self.theme!r}{_did_you_mean(self.theme, themes)}",
            )
            self.theme = None
        for binding_id in list(self.keys):
            if binding_id not in binding_ids:
                where = self.sources.get(f"keys.{binding_id}", "keys")
                self.warn(where, f"unknown binding id {binding_id!r}{_did_you_mean(binding_id, binding_ids)}")
                del self.keys[binding_id]
            elif binding_id in guarded and any(_bare(key) for key in self.keys[binding_id].split(",")):
                where = self.sources.get(f"keys.{binding_id}", "keys")
                self.warn(
                    where, f"{binding_id} is destructive: not on a bare key such as {self.keys[binding_id]!r}"
                )
                del self.keys[binding_id]
        checked = []
        for policy in self.policies:
            if policy.color is not None and not is_colour(policy.color):
                where = self.sources.get(f"policy.{policy.index}.color", "policy")
                self.warn(where, f"not a colour: {policy.color!r} (a name like 'red' or '#rrggbb')")
                policy = replace(policy, color=None)  # the flags still apply
            checked.append(policy)
        self.policies = tuple(checked)
        self.warnings.sort(key=_line_of)

    def warn(self, where: str, message: str) -> None:
        self.warnings.append(f"{where}: {message}")


def _bare(key: str) -> bool:
    """A key pressed by accident: a printable character, backspace, delete, enter or space."""
    key = key.strip()
    return len(key) == 1 or key in ("backspace", "delete", "enter", "space")


def app_config(app: object) -> Config:
    """The running app's config, typed, for views that cannot import tui.app: ``app_config(self.app)``."""
    found = getattr(app, "config", None)
    return found if isinstance(found, Config) else Config()


def config_path(flag: str | None = None, environ: Mapping[str, str] | None = None) -> tuple[Path, bool]:
    """The file to read and whether the user named it: ``--config``, else $PORTSIDE_CONFIG, else the default."""
    environ = os.environ if environ is None else environ
    if flag:
        return Path(flag).expanduser(), True
    if environ.get(CONFIG_ENV):
        return Path(environ[CONFIG_ENV]).expanduser(), True
    return Path(platformdirs.user_config_dir("portside")) / "config.toml", False


def load_config(path: Path, *, explicit: bool = True) -> Config:
    """Read ``path``; a missing default file is no problem, a missing named one is a warning."""
    config = Config(path=path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        if explicit:
            config.warn(str(path), "config file not found; using the defaults")
        return config
    except OSError as error:
        config.warn(str(path), f"cannot read the config file ({error.strerror or error}); using the defaults")
        return config
    if len(data) > MAX_CONFIG_BYTES:
        config.warn(str(path), f"config file larger than {MAX_CONFIG_BYTES} bytes; using the defaults")
        return config
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        config.warn(f"{path}:{line}", "not UTF-8 text; using the defaults")
        return config
    return parse_config(text, path)


def parse_config(text: str, path: Path) -> Config:
    import tomllib  # here: most starts have no config file, and every start counts (issue #7)

    config = Config(path=path)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message, line = _decode_error(str(error), text)
        config.warn(f"{path}:{line}", f"TOML syntax error: {message}; using the defaults")
        return config
    _Reader(config, raw, _KeyLines(text), path).read()
    config.warnings.sort(key=_line_of)  # in file order, as an editor shows them
    return config


# ---- reading the parsed document, one section at a time

_TOP_KEYS = ("theme", "readonly", "keys", "kubernetes", "logs", "stats", "policy")
_POLICY_KEYS = ("match", "backend", "readonly", "protected", "color")


class _Reader:
    def __init__(self, config: Config, raw: dict[str, Any], lines: _KeyLines, path: Path) -> None:
        self.config, self.raw, self.lines, self.path = config, raw, lines, path

    def where(self, *key: str | int) -> str:
        return f"{self.path}:{self.lines.find(key)}"

    def warn(self, key: tuple[str | int, ...], message: str) -> None:
        self.config.warn(self.where(*key), message)

    def typed(self, key: tuple[str | int, ...], value: Any, kind: type | tuple[type, ...], what: str) -> bool:
        # bool is an int in Python, not in TOML: never accept true for a number.
        if isinstance(value, kind) and not (isinstance(value, bool) and bool not in _as_tuple(kind)):
            return True
        self.warn(key, f"{_label(key)} must be {what}, not {_toml_type(value)}; using the default")
        return False

    def unknown(self, prefix: tuple[str | int, ...], table: Mapping[str, Any], known: Collection[str]) -> None:
        for name in table:
            if name not in known:
                where = (*prefix, name)
                self.warn(where, f"unknown key {_label(where)!r}{_did_you_mean(name, known)}; ignored")

    def section(self, name: str) -> dict[str, Any]:
        value = self.raw.get(name, {})
        if isinstance(value, dict):
            return value
        self.warn((name,), f"{name} must be a table ([{name}]), not {_toml_type(value)}; ignored")
        return {}

    def read(self) -> None:
        config, raw = self.config, self.raw
        self.unknown((), raw, _TOP_KEYS)
        if "theme" in raw and self.typed(("theme",), raw["theme"], str, "a theme name"):
            config.theme = raw["theme"]
            config.sources["theme"] = self.where("theme")
        if "readonly" in raw and self.typed(("readonly",), raw["readonly"], bool, "true or false"):
            config.readonly = raw["readonly"]
        self.read_keys()
        self.read_kubernetes()
        self.read_logs()
        self.read_stats()
        self.read_policies()

    def read_keys(self) -> None:
        for binding_id, keys in _flatten(self.section("keys")):
            key = ("keys", binding_id)
            if not self.typed(key, keys, str, 'a string of keys ("ctrl+s" or "colon,g")'):
                continue
            if not _KEYS.fullmatch(keys):
                self.warn(key, f"{binding_id}: {keys!r} is not a comma-separated list of keys; ignored")
                continue
            self.config.keys[binding_id] = keys.replace(" ", "")
            self.config.sources[f"keys.{binding_id}"] = self.where(*key)

    def read_kubernetes(self) -> None:
        table = self.section("kubernetes")
        self.unknown(("kubernetes",), table, ("context", "namespace"))
        found = {}
        for name in ("context", "namespace"):
            if name in table and self.typed(("kubernetes", name), table[name], str, "a name"):
                found[name] = table[name] or None
        self.config.kubernetes = KubeSettings(**found)

    def read_logs(self) -> None:
        table = self.section("logs")
        self.unknown(("logs",), table, ("buffer_lines",))
        value = table.get("buffer_lines")
        if value is not None and self.in_range(("logs", "buffer_lines"), value, int, LOG_LINES_RANGE):
            self.config.logs = LogSettings(buffer_lines=value)

    def read_stats(self) -> None:
        table = self.section("stats")
        self.unknown(("stats",), table, ("refresh_seconds",))
        value = table.get("refresh_seconds")
        if value is not None and self.in_range(
            ("stats", "refresh_seconds"), value, (int, float), STATS_SECONDS_RANGE
        ):
            self.config.stats = StatsSettings(refresh_seconds=float(value))

    def in_range(
        self, key: tuple[str, str], value: Any, kind: type | tuple[type, ...], bounds: tuple[float, float]
    ) -> bool:
        low, high = bounds
        if not self.typed(key, value, kind, f"a number from {_num(low)} to {_num(high)}"):
            return False
        if low <= value <= high:
            return True
        self.warn(key, f"{_label(key)} = {value} is outside {_num(low)}..{_num(high)}; using the default")
        return False

    def read_policies(self) -> None:
        tables = self.raw.get("policy", [])
        if not isinstance(tables, list):
            self.warn(("policy",), "policy must be an array of tables ([[policy]]); ignored")
            return
        policies = []
        for index, table in enumerate(tables):
            if not isinstance(table, dict):
                self.warn(("policy", index), "each policy must be a table ([[policy]]); ignored")
                continue
            policy = self.read_policy(index, table)
            if policy is not None:
                policies.append(policy)
        self.config.policies = tuple(policies)

    def read_policy(self, index: int, table: dict[str, Any]) -> Policy | None:
        prefix = ("policy", index)
        self.unknown(prefix, table, _POLICY_KEYS)
        match = table.get("match")
        if match is None:
            self.warn(prefix, 'a policy needs match = "regex" (a Docker endpoint or kube context); ignored')
            return None
        if not self.typed((*prefix, "match"), match, str, "a regular expression"):
            return None
        try:
            pattern = re.compile(match)
        except re.error as error:
            self.warn(
                (*prefix, "match"), f"match {match!r} is not a valid regular expression ({error}); policy ignored"
            )
            return None
        flags: dict[str, Any] = {}
        for name in ("readonly", "protected"):
            if name in table and self.typed((*prefix, name), table[name], bool, "true or false"):
                flags[name] = table[name]
        backend = table.get("backend")
        if backend is not None and backend not in BACKENDS:
            self.warn((*prefix, "backend"), f'backend must be "docker" or "kube", not {backend!r}; matching both')
            backend = None
        color = table.get("color")
        if color is not None and self.typed((*prefix, "color"), color, str, 'a colour name or "#rrggbb"'):
            flags["color"] = color.strip()
            self.config.sources[f"policy.{index}.color"] = self.where(*prefix, "color")
        return Policy(pattern, backend, index=index, **flags)


_KEYS = re.compile(r"\s*[^,\s]+(\s*,\s*[^,\s]+)*\s*")  # "ctrl+s", "colon,g", "?,f1": no spaces in a key


def _flatten(table: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """``container.stop = "x"`` (unquoted) is a nested table in TOML: read it as the id "container.stop"."""
    found: list[tuple[str, Any]] = []
    for name, value in table.items():
        if isinstance(value, dict):
            found += _flatten(value, f"{prefix}{name}.")
        else:
            found.append((f"{prefix}{name}", value))
    return found


def _label(key: tuple[str | int, ...]) -> str:
    """A key as the user wrote it: ("policy", 2, "color") is "policy.color" (the line says which one)."""
    return ".".join(str(part) for part in key if isinstance(part, str))


def _num(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:g}"


def _line_of(warning: str) -> int:
    found = re.match(r".*?:(\d+): ", warning)
    return int(found.group(1)) if found else 0


def _did_you_mean(name: str, known: Collection[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _toml_type(value: Any) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a float", str: "a string", list: "an array"}
    if isinstance(value, dict):
        return "a table"
    return names.get(type(value), type(value).__name__)


def _decode_error(message: str, text: str) -> tuple[str, int]:
    """tomllib says where in its message only: "... (at line 3, column 9)" or "(at end of document)"."""
    found = re.search(r"\s*\(at line (\d+), column \d+\)$", message)
    if found:
        return message[: found.start()], int(found.group(1))
    found = re.search(r"\s*\(at end of document\)$", message)
    if found:
        return message[: found.start()], max(text.count("\n") + (0 if text.endswith("\n") else 1), 1)
    return message, 1


# ---- where a key is written: tomllib gives no positions, so scan the text for headers and "key ="

_HEADER = re.compile(r"\s*(\[\[?)\s*(.+?)\s*\]\]?\s*(#.*)?")
_KEY_LINE = re.compile(r"\s*((?:\"[^\"]*\"|'[^']*'|[\w\-]+)(?:\s*\.\s*(?:\"[^\"]*\"|'[^']*'|[\w\-]+))*)\s*=")
_KEY_PART = re.compile(r"\"([^\"]*)\"|'([^']*)'|([\w\-]+)")


class _KeyLines:
    """Line numbers of tables and keys, by path: ("keys", "container.stop"), ("policy", 0, "color")."""

    def __init__(self, text: str) -> None:
        self.lines: dict[tuple[str | int, ...], int] = {}
        arrays: dict[tuple[str, ...], int] = {}
        table: tuple[str | int, ...] = ()
        in_string = False
        for number, line in enumerate(text.splitlines(), start=1):
            quotes = line.count('"""') + line.count("'''")
            if in_string:
                in_string = quotes % 2 == 0
                continue
            if quotes % 2:
                in_string = True  # a multi-line string starts here; its lines hold no keys
            header = _HEADER.fullmatch(line)
            if header:
                parts = tuple(_parts(header.group(2)))
                if header.group(1) == "[[":
                    arrays[parts] = arrays.get(parts, -1) + 1
                    table = (*parts, arrays[parts])
                else:
                    table = parts
                self.lines.setdefault(table, number)
                continue
            key = _KEY_LINE.match(line)
            if key:
                self.lines.setdefault((*table, *_parts(key.group(1))), number)

    def find(self, key: tuple[str | int, ...]) -> int:
        """The line of ``key``; a dotted id may be written quoted or as nested keys; else its table's line."""
        for size in range(len(key), 0, -1):
            head = key[:size]
            for candidate in (head, _split_last(head)):
                if candidate in self.lines:
                    return self.lines[candidate]
        return 1


def _parts(dotted: str) -> list[str]:
    return [next(g for g in match.groups() if g is not None) for match in _KEY_PART.finditer(dotted)]


def _split_last(key: tuple[str | int, ...]) -> tuple[str | int, ...]:
    last = key[-1]
    return (*key[:-1], *last.split(".")) if isinstance(last, str) else key
