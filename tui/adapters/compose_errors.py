"""Located problems of compose files: every one names the file, the line and what is wrong."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tui.adapters.errors import InvalidInput
from tui.adapters.sanitize import clean_line


@dataclass(frozen=True)
class ComposeProblem:
    """One thing wrong (or ignored) in a compose file; ``line`` is 1-based, 0 when unknown."""

    file: str
    line: int
    message: str

    def __post_init__(self) -> None:
        # Messages quote keys and values from the file: sanitised here, once, for every problem.
        object.__setattr__(self, "file", clean_line(self.file))
        object.__setattr__(self, "message", clean_line(self.message))

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


class ComposeError(InvalidInput):
    """A compose file cannot be used. ``file``/``line``/``message`` are the first problem; ``problems`` all."""

    def __init__(self, problems: Iterable[ComposeProblem]) -> None:
        found = tuple(problems)
        if not found:
            raise ValueError("ComposeError needs at least one problem")
        self.problems = found
        self.file = found[0].file
        self.line = found[0].line
        self.message = found[0].message
        super().__init__("\n".join(str(p) for p in found))

    @classmethod
    def at(cls, file: str, line: int, message: str) -> ComposeError:
        return cls([ComposeProblem(file, line, message)])
