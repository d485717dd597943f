"""Bounded YAML loading for compose files: plain data plus the line of every key and item.

PyYAML's node graph (``yaml.compose`` with the safe loader) keeps each node's line; we build the Python values
ourselves so that a hostile file cannot make us expand it without bound: the file size, the number of aliases,
the number of values after alias expansion and the nesting depth are all limited, and a recursive alias is
refused. Plain scalars are typed with YAML 1.2's core schema, as `docker compose` (Go's yaml.v3) types them:
``no``, ``on`` and ``22:22`` stay strings, where YAML 1.1 would make a boolean and a sexagesimal number.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
import yaml.nodes
import yaml.reader

from tui.adapters.compose_errors import ComposeError, ComposeProblem
from tui.adapters.yaml_bounds import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_VALUES,
    BoundedLoader,
    Refused,
    read_bounded_text,
)

KeyPath = tuple[str | int, ...]

_PLAIN = "tag:portside,2024:plain"  # what our resolver gives an untagged plain scalar
_STR = "tag:yaml.org,2002:str"
_INT = re.compile(r"[-+]?[0-9]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_CORE_CONSTANTS: dict[str, Any] = {
    **dict.fromkeys(("", "~", "null", "Null", "NULL")),
    **dict.fromkeys(("true", "True", "TRUE"), True),
    **dict.fromkeys(("false", "False", "FALSE"), False),
    **{v: math.inf for v in (".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF")},
    **{v: -math.inf for v in ("-.inf", "-.Inf", "-.INF")},
    **{v: math.nan for v in (".nan", ".NaN", ".NAN")},
}


@dataclass
class YamlDocument:
    """One compose file as plain data, with ``lines[path]`` = the 1-based line of that key or item.

    A sequence item that is a string is also found under ``path + (value,)`` so that a later check can point
    at ``depends_on: [db]``'s ``db`` without knowing its index.
    """

    file: str
    data: Any
    lines: dict[KeyPath, int] = field(default_factory=dict)

    def line(self, path: KeyPath) -> int:
        """The line of ``path``, or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            found = self.lines.get(path[:end])
            if found:
                return found
        return 0

    def problem(self, path: KeyPath, message: str) -> ComposeProblem:
        return ComposeProblem(self.file, self.line(path), message)


class _Loader(BoundedLoader):
    """The bounded loader, leaving plain scalars for us to type."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is yaml.ScalarNode and implicit[0]:
            return _PLAIN
        return super().resolve(kind, value, implicit)


def read_compose_file(path: str | Path) -> YamlDocument:
    """Read and parse one file; any problem (missing, too big, not UTF-8, bad YAML) is a ComposeError."""
    name = str(path)
    try:
        text = read_bounded_text(path)
    except Refused as refused:
        raise ComposeError.at(name, refused.line, refused.message) from None
    return parse_yaml(text, name)


def parse_yaml(text: str, file: str) -> YamlDocument:
    """Parse one YAML document within the limits; the result's data is None for an empty document."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise ComposeError.at(
            file, 0, f"the file is larger than {MAX_FILE_BYTES // 1024} KiB: refusing to read it"
        )
    loader: _Loader | None = None
    try:
        loader = _Loader(text)  # the reader refuses control characters already here
        node = loader.get_single_node()
    except Refused as refused:
        raise ComposeError.at(file, refused.line, refused.message) from None
    except yaml.MarkedYAMLError as error:
        raise ComposeError.at(file, _error_line(error), f"YAML syntax error: {_yaml_message(error)}") from None
    except yaml.reader.ReaderError as error:
        message = f"character #x{error.character:04x} is not allowed in YAML ({error.reason})"
        raise ComposeError.at(file, _reader_line(error, text), message) from None
    except yaml.YAMLError as error:
        raise ComposeError.at(file, 0, f"YAML error: {error}") from None
    except RecursionError:
        raise ComposeError.at(file, 0, "the YAML is nested too deeply") from None
    finally:
        if loader is not None:
            loader.dispose()
    document = YamlDocument(file, None, {(): 1})
    if node is not None:
        document.data = _Converter(document).value(node, (), frozenset(), 0)
    return document


def _error_line(error: yaml.MarkedYAMLError) -> int:
    mark = error.problem_mark or error.context_mark
    return mark.line + 1 if mark is not None else 0


def _yaml_message(error: yaml.MarkedYAMLError) -> str:
    if error.problem == "but found another document":
        return "a compose file holds one YAML document: a second one starts here"
    parts = [p for p in (error.problem, error.context) if p]
    if len(parts) == 2:
        return f"{parts[0]} ({parts[1]})"
    return parts[0] if parts else "invalid YAML"


def _reader_line(error: yaml.YAMLError, text: str) -> int:
    position = getattr(error, "position", None)
    return text.count("\n", 0, position) + 1 if isinstance(position, int) else 0


class _Converter:
    """Builds plain values from the node graph, counting every value so an alias bomb stops early."""

    def __init__(self, document: YamlDocument) -> None:
        self.document = document
        self.count = 0

    def fail(self, node: yaml.Node, message: str) -> ComposeError:
        return ComposeError.at(self.document.file, node.start_mark.line + 1, message)

    def value(self, node: yaml.Node, path: KeyPath, active: frozenset[int], depth: int) -> Any:
        self.count += 1
        if self.count > MAX_VALUES:
            raise self.fail(node, f"the file expands to more than {MAX_VALUES} values (an alias bomb?): refused")
        if depth > MAX_DEPTH:
            raise self.fail(node, f"nested more than {MAX_DEPTH} levels deep")
        if id(node) in active:
            raise self.fail(node, "an alias refers to a node that contains it (a recursive alias)")
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        inner = active | {id(node)}
        if isinstance(node, yaml.SequenceNode):
            items = []
            for index, child in enumerate(node.value):
                item_path = (*path, index)
                self.document.lines.setdefault(item_path, child.start_mark.line + 1)
                item = self.value(child, item_path, inner, depth + 1)
                if isinstance(item, str | int) and not isinstance(item, bool):
                    self.document.lines.setdefault((*path, str(item)), child.start_mark.line + 1)
                items.append(item)
            return items
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path, inner, depth)
        raise self.fail(node, "unexpected YAML node")

    def mapping(self, node: yaml.MappingNode, path: KeyPath, active: frozenset[int], depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        seen: dict[str, int] = {}
        merged: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.fail(key_node, "a mapping key must be a plain value, not a list or a mapping")
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key == "<<" and key_node.tag in (_PLAIN, "tag:yaml.org,2002:merge"):
                merged = {**self.merge_sources(value_node, path, active, depth), **merged}
                continue
            if key in seen:
                raise self.fail(key_node, f"key {key!r} is already defined at line {seen[key]}")
            seen[key] = line
            self.document.lines[(*path, key)] = line
            result[key] = self.value(value_node, (*path, key), active, depth + 1)
        # "<<" merges supply only the keys the mapping does not set itself (the YAML merge-key rule).
        return {**merged, **result}

    def merge_sources(self, node: yaml.Node, path: KeyPath, active: frozenset[int], depth: int) -> dict[str, Any]:
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        merged: dict[str, Any] = {}
        for source in reversed(sources):  # the first source wins
            value = self.value(source, path, active, depth + 1)
            if not isinstance(value, dict):
                raise self.fail(source, "'<<' merges only mappings")
            merged.update(value)
        return merged

    def scalar(self, node: yaml.ScalarNode) -> Any:
        text = str(node.value)
        if node.tag == _PLAIN:
            return _core_scalar(text)
        if node.tag == _STR:
            return text
        if node.tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool"):
            value = _core_scalar(text)
            kind = node.tag.rsplit(":", 1)[1]
            if kind == "float" and type(value) is int:
                return float(value)
            if type(value).__name__ == kind:
                return value
            raise self.fail(node, f"{text!r} is not a valid {kind}")
        if node.tag == "tag:yaml.org,2002:null":
            return None
        raise self.fail(node, f"the YAML tag {node.tag!r} is not supported in compose files")


def _core_scalar(text: str) -> Any:
    """YAML 1.2 core schema typing of a plain scalar."""
    if text in _CORE_CONSTANTS:
        return _CORE_CONSTANTS[text]
    if _INT.fullmatch(text):
        return int(text)
    if re.fullmatch(r"0o[0-7]+", text):
        return int(text[2:], 8)
    if re.fullmatch(r"0x[0-9a-fA-F]+", text):
        return int(text[2:], 16)
    if _FLOAT.fullmatch(text):
        return float(text)
    return text
