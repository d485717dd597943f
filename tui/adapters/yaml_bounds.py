"""A YAML loader that refuses hostile files before expanding them: compose files and Kubernetes manifests.

Each alias adds the expanded size of the node it names (memoised per node, so measuring is linear): an alias
bomb is refused at the alias that crosses the limit, and a recursive alias at once, before anything is expanded.
File size and nesting depth are bounded by the readers, with the same limits.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

MAX_FILE_BYTES = 1024 * 1024
MAX_ALIASES = 100
MAX_VALUES = 100_000  # scalars, mappings and sequences after alias expansion
MAX_DEPTH = 64


class Refused(Exception):
    """The file is refused at ``line``; ``message`` says why."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line, self.message = line, message


def read_bounded_text(path: str | Path) -> str:
    """A file's UTF-8 text; Refused (with the line where it matters) when unreadable, too large or not UTF-8."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise Refused(0, f"cannot read the file: {error.strerror or error}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise Refused(0, f"the file is larger than {MAX_FILE_BYTES // 1024} KiB: refusing to read it")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise Refused(raw[: error.start].count(b"\n") + 1, "the file is not UTF-8 text") from None


class BoundedLoader(yaml.SafeLoader):
    """The safe loader, bounding aliases as it composes."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.aliases = 0
        self.expanded = 0
        self.sizes: dict[int, int] = {}
        self.open_anchors: set[str] = set()

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            line = event.start_mark.line + 1
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise Refused(line, f"more than {MAX_ALIASES} aliases: refusing to expand the file")
            if event.anchor in self.open_anchors:
                raise Refused(
                    line, f"the alias *{event.anchor} refers to a node that contains it (a recursive alias)"
                )
            if event.anchor in self.anchors:
                self.expanded += self._size(self.anchors[event.anchor])
                if self.expanded > MAX_VALUES:
                    raise Refused(
                        line,
                        f"the alias *{event.anchor} expands the file past {MAX_VALUES} values (an alias bomb?)",
                    )
        return super().compose_node(parent, index)

    def compose_sequence_node(self, anchor: Any) -> Any:
        return self._composing(anchor, super().compose_sequence_node)

    def compose_mapping_node(self, anchor: Any) -> Any:
        return self._composing(anchor, super().compose_mapping_node)

    def _composing(self, anchor: str | None, compose: Any) -> Any:
        if anchor is None:
            return compose(anchor)
        self.open_anchors.add(anchor)
        try:
            return compose(anchor)
        finally:
            self.open_anchors.discard(anchor)

    def _size(self, node: yaml.Node) -> int:
        known = self.sizes.get(id(node))
        if known is not None:
            return known
        if isinstance(node, yaml.SequenceNode):
            size = 1 + sum(self._size(child) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            size = 1 + sum(self._size(k) + self._size(v) for k, v in node.value)
        else:
            size = 1
        self.sizes[id(node)] = size
        return size
