"""Kubernetes manifest files: bounded multi-document YAML, one ManifestDocument per object, problems located.

A file is read within limits (size, aliases and their expansion, nesting), as ``compose_yaml`` reads compose
files. Each YAML document must be a mapping with ``apiVersion``, ``kind`` and ``metadata.name``; a ``List``
kind (``kind: List``, ``DeploymentList``, ...) is expanded into its items. A document that cannot be used is a
``ManifestProblem`` (``file:line: kind/name: message``) and the others stay usable; a file that cannot be read
or parsed at all is a ``ManifestError``. Scalars are typed as PyYAML's safe loader types them (YAML 1.1, as
kubectl), except that timestamps stay strings: the API server wants them as text.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
import yaml.nodes
import yaml.reader

from tui.adapters.errors import InvalidInput
from tui.adapters.sanitize import clean_line
from tui.adapters.yaml_bounds import MAX_DEPTH, MAX_FILE_BYTES, BoundedLoader, Refused, read_bounded_text

MAX_DOCUMENTS = 500

KeyPath = tuple[str | int, ...]


@dataclass(frozen=True)
class ManifestProblem:
    """One thing wrong in a manifest; ``line`` is 1-based, 0 when unknown. Sanitised here, once."""

    file: str
    line: int
    message: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "file", clean_line(self.file))
        object.__setattr__(self, "message", clean_line(self.message))

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}" if self.line else f"{self.file}: {self.message}"


class ManifestError(InvalidInput):
    """The file cannot be used at all (unreadable, too big, not YAML); ``problems`` say where."""

    def __init__(self, problems: list[ManifestProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def at(cls, file: str, line: int, message: str) -> ManifestError:
        return cls([ManifestProblem(file, line, message)])


@dataclass(frozen=True)
class ManifestDocument:
    """One object of a manifest: its body as written (sent to the server) and the line of every key in it."""

    file: str
    index: int  # 1-based position among the file's objects (List items counted one by one)
    line: int  # where the object starts
    api_version: str  # these four are sanitised, for display
    kind: str
    name: str
    namespace: str  # "" when the document does not set one
    body: dict[str, Any] = field(repr=False, compare=False)
    lines: Mapping[KeyPath, int] = field(default_factory=dict, repr=False, compare=False)

    @property
    def label(self) -> str:
        return f"{self.kind}/{self.name}"

    def line_of(self, path: KeyPath) -> int:
        """The line of ``path`` in the file, or of its nearest ancestor; the document's line at worst."""
        for end in range(len(path), 0, -1):
            found = self.lines.get(path[:end])
            if found:
                return found
        return self.line

    def problem(self, message: str, path: KeyPath = ()) -> ManifestProblem:
        return ManifestProblem(self.file, self.line_of(path), f"{self.label}: {message}")


@dataclass(frozen=True)
class Manifest:
    file: str
    documents: tuple[ManifestDocument, ...]
    problems: tuple[ManifestProblem, ...]  # documents that cannot be used; the others can


# ---- reading


def read_manifest(path: str | Path) -> Manifest:
    """Read and parse one manifest file; a file that cannot be read or parsed raises ManifestError."""
    name = str(path)
    try:
        text = read_bounded_text(path)
    except Refused as refused:
        raise ManifestError.at(name, refused.line, refused.message) from None
    return parse_manifest(text, name)


def parse_manifest(text: str, file: str) -> Manifest:
    """Every object of a multi-document YAML text; empty documents are skipped (as kubectl skips them)."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise ManifestError.at(file, 0, f"the text is larger than {MAX_FILE_BYTES // 1024} KiB: refusing it")
    documents: list[ManifestDocument] = []
    problems: list[ManifestProblem] = []
    for data, lines, line in _yaml_documents(text, file):
        for found in _objects(file, data, lines, line, len(documents) + 1):
            if isinstance(found, ManifestProblem):
                problems.append(found)
            else:
                documents.append(found)
        if len(documents) + len(problems) > MAX_DOCUMENTS:
            raise ManifestError.at(file, line, f"more than {MAX_DOCUMENTS} objects in one file: refused")
    return Manifest(clean_line(file), tuple(documents), tuple(problems))


def _yaml_documents(text: str, file: str) -> Iterator[tuple[Any, dict[KeyPath, int], int]]:
    """(data, line of every key path, first line) per YAML document; any syntax error refuses the file."""
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as error:  # a control character the YAML reader refuses outright
        line = text[: error.position].count("\n") + 1
        raise ManifestError.at(file, line, f"YAML error: {error.reason} (character {error.character!r})") from None
    try:
        parsed = []
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            lines: dict[KeyPath, int] = {}
            _record_lines(node, (), lines, 0)
            parsed.append((loader.construct_document(node), lines, node.start_mark.line + 1))
    except Refused as refused:
        raise ManifestError.at(file, refused.line, refused.message) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        message = " ".join(p for p in (error.problem, f"({error.context})" if error.context else "") if p)
        raise ManifestError.at(file, mark.line + 1 if mark else 0, f"YAML syntax error: {message}") from None
    except yaml.YAMLError as error:
        raise ManifestError.at(file, 0, f"YAML error: {error}") from None
    except RecursionError:
        raise ManifestError.at(file, 0, "the YAML is nested too deeply") from None
    finally:
        loader.dispose()
    yield from parsed


def _record_lines(node: yaml.Node, path: KeyPath, lines: dict[KeyPath, int], depth: int) -> None:
    if depth > MAX_DEPTH:
        raise Refused(node.start_mark.line + 1, f"nested more than {MAX_DEPTH} levels deep")
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                child = (*path, str(key.value))
                lines.setdefault(child, key.start_mark.line + 1)
                _record_lines(value, child, lines, depth + 1)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines.setdefault((*path, index), item.start_mark.line + 1)
            _record_lines(item, (*path, index), lines, depth + 1)


class _Loader(BoundedLoader):
    """The bounded loader; its limits count per document, as anchors do."""

    def compose_document(self) -> Any:
        self.aliases = self.expanded = 0  # limits count per document, as anchors are
        return super().compose_document()


def _timestamp_as_text(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    return loader.construct_scalar(node) if isinstance(node, yaml.ScalarNode) else None


# The API server takes timestamps as strings; YAML 1.1 would make them datetime objects JSON cannot carry.
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)


# ---- objects


def _objects(
    file: str, data: Any, lines: dict[KeyPath, int], line: int, index: int
) -> Iterator[ManifestDocument | ManifestProblem]:
    if data is None:
        return
    if not isinstance(data, dict):
        what = "a list" if isinstance(data, list) else f"the value {clean_line(repr(data))[:40]}"
        yield ManifestProblem(file, line, f"a document must be a mapping (apiVersion, kind, metadata), not {what}")
        return
    kind = data.get("kind")
    if isinstance(kind, str) and kind.endswith("List") and "items" in data:
        items = data.get("items")
        if not isinstance(items, list):
            yield ManifestProblem(file, lines.get(("items",), line), f"{clean_line(kind)}: items must be a list")
            return
        for n, item in enumerate(items):
            prefix = ("items", n)
            inner = {path[2:]: at for path, at in lines.items() if path[:2] == prefix and len(path) > 2}
            found = _object(file, item, inner, lines.get(prefix, line), index)
            index += isinstance(found, ManifestDocument)
            yield found
        return
    yield _object(file, data, lines, line, index)


def _object(
    file: str, data: Any, lines: dict[KeyPath, int], line: int, index: int
) -> ManifestDocument | ManifestProblem:
    if not isinstance(data, dict):
        return ManifestProblem(file, line, "an object must be a mapping (apiVersion, kind, metadata)")
    kind, api_version = data.get("kind"), data.get("apiVersion")
    metadata = data.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    namespace = metadata.get("namespace") if isinstance(metadata, dict) else None
    label = f"{clean_line(str(kind or '?'))}/{clean_line(str(name or '?'))}"
    missing = [
        field
        for field, value in (("apiVersion", api_version), ("kind", kind), ("metadata.name", name))
        if not isinstance(value, str) or not value.strip()
    ]
    if missing:
        where = lines.get(("metadata",), line) if missing == ["metadata.name"] else line
        return ManifestProblem(file, where, f"{label}: {' and '.join(missing)} missing (or not text)")
    if namespace is not None and not isinstance(namespace, str):
        return ManifestProblem(
            file, lines.get(("metadata", "namespace"), line), f"{label}: namespace must be text"
        )
    try:
        json.dumps(data, allow_nan=False)
    except (TypeError, ValueError) as error:
        return ManifestProblem(file, line, f"{label}: a value cannot be sent to the API server ({error})")
    return ManifestDocument(
        file=file,
        index=index,
        line=line,
        api_version=clean_line(str(api_version)),
        kind=clean_line(str(kind)),
        name=clean_line(str(name)),
        namespace=clean_line(namespace or ""),
        body=data,
        lines=lines,
    )


__all__ = [
    "Manifest",
    "ManifestDocument",
    "ManifestError",
    "ManifestProblem",
    "parse_manifest",
    "read_manifest",
]
