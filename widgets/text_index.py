"""TextIndex: each record's cells as one casefolded string, for a filter that tests every record per keystroke.

A text is made once per version of a record (the object: records are frozen) and kept by key. ``matching``
tests a whole dict of records with C-level passes and no Python call per record: when the dict holds the same
records as last time (one pass comparing pointers), a substring test per record over the texts listed in the
dict's order, or only over the last matches when the needle extends the last one (typing on); else first a
pass finding the new and changed records, whose texts are made again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import compress, repeat
from operator import is_, is_not
from typing import Any

from rich.text import Text

SEPARATOR = "\x00"  # between cells: a filter never matches across two cells (sanitised text holds no NUL)


class TextIndex:
    """Casefolded texts of records by key, made from ``cells`` (the renderers of the columns to search)."""

    def __init__(self, cells: Iterable[Callable[[Any], str | Text]]) -> None:
        self.cells = list(cells)
        self._versions: dict[str, Any] = {}  # key -> the record its text was made from
        self._texts: dict[str, str] = {}
        self._listed: list[Any] = []  # the records matching() was last given, in order...
        self._listed_texts: list[str] = []  # ...and their texts, in the same order
        self._found: tuple[str, list[Any], list[str]] | None = None  # the last needle, its records and texts

    def __len__(self) -> int:
        """Records with a text made (current or not yet pruned)."""
        return len(self._texts)

    def text(self, record: Any) -> str:
        key = record.key
        if self._versions.get(key) is not record:
            self._versions[key] = record
            cells = [str(render(record)) for render in self.cells]  # str() of a Text is its plain text
            self._texts[key] = SEPARATOR.join(cells).casefold()
        return self._texts[key]

    def matching(self, records: dict[str, Any], needle: str) -> list[Any]:
        """The records (a dict by key) whose text holds ``needle``, casefolded; in the dict's order."""
        listed = self._listed
        if len(listed) != len(records) or not all(map(is_, records.values(), listed)):
            versions, texts = self._versions, self._texts
            for key in list(compress(records, map(is_not, map(versions.get, records), records.values()))):
                self.text(records[key])  # new or changed since last time
            if len(texts) > 2 * len(records) + 1_000:  # records deleted meanwhile: keep the index their size
                self._versions = {k: versions[k] for k in records}
                self._texts = texts = {k: texts[k] for k in records}
            self._listed, self._listed_texts = list(records.values()), list(map(texts.__getitem__, records))
            self._found = None
        needle = needle.casefold()
        pool, pool_texts = self._listed, self._listed_texts
        if self._found is not None and self._found[0] in needle:  # typed on: only the last matches can match
            _, pool, pool_texts = self._found
        hits = list(map(str.__contains__, pool_texts, repeat(needle)))
        found = list(compress(pool, hits))
        self._found = (needle, found, list(compress(pool_texts, hits)))
        return list(found)

    def pop(self, key: str, default: Any = None) -> Any:
        """Forget a key (its record was deleted); ``default`` when it had no text."""
        self._versions.pop(key, None)
        self._listed, self._found = [], None
        return self._texts.pop(key, default)

    def clear(self) -> None:
        self._versions.clear()
        self._texts.clear()
        self._listed, self._found = [], None
