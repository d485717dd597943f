"""Variable interpolation and ``.env`` files, as `docker compose` does them.

``$$`` is a literal ``$``; ``$VAR`` and ``${VAR}`` are the variable (empty when unset, with a warning);
``${VAR:-default}`` / ``${VAR-default}`` use the default when VAR is unset or empty / unset;
``${VAR:?message}`` / ``${VAR?message}`` fail with the message when VAR is unset or empty / unset;
``${VAR:+other}`` / ``${VAR+other}`` give ``other`` when VAR is set and non-empty / set.
Defaults, messages and replacements may themselves hold ``${...}``. Anything else after ``$`` is an error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from tui.adapters.compose_errors import ComposeError, ComposeProblem

MAX_ENV_FILE_BYTES = 1024 * 1024
_NAME = re.compile(r"[_a-zA-Z][_a-zA-Z0-9]*")
_ENV_LINE = re.compile(r"\s*(?:export\s+)?([^\s=#]+)\s*(=?)(.*)", re.DOTALL)


class InterpolationError(ValueError):
    """The text is not a valid template, or a ``${VAR:?message}`` variable is missing."""


class Interpolator:
    """Interpolates strings against one environment; remembers the unset variables it met (for warnings)."""

    def __init__(self, environment: Mapping[str, str]) -> None:
        self.environment = environment
        self.unset: set[str] = set()

    def __call__(self, text: str) -> str:
        if "$" not in text:
            return text
        return self._expand(text, text)

    def _expand(self, text: str, whole: str) -> str:
        out: list[str] = []
        i = 0
        while True:
            dollar = text.find("$", i)
            if dollar < 0:
                out.append(text[i:])
                return "".join(out)
            out.append(text[i:dollar])
            nxt = text[dollar + 1 : dollar + 2]
            if nxt == "$":
                out.append("$")
                i = dollar + 2
            elif nxt == "{":
                close = _closing_brace(text, dollar + 2)
                if close < 0:
                    raise InterpolationError(f"invalid interpolation in {whole!r}: '${{' is not closed")
                out.append(self._braced(text[dollar + 2 : close], whole))
                i = close + 1
            elif name := _NAME.match(text, dollar + 1):
                out.append(self._value(name.group()) or "")
                i = name.end()
            else:
                raise InterpolationError(
                    f"invalid interpolation in {whole!r}: '$' must be followed by a name, '{{' or '$' (write $$ for a $)"
                )

    def _braced(self, inner: str, whole: str) -> str:
        name = _NAME.match(inner)
        if name is None:
            raise InterpolationError(
                f"invalid interpolation in {whole!r}: '${{{inner}}}' does not start with a name"
            )
        var, rest = name.group(), inner[name.end() :]
        if not rest:
            return self._value(var) or ""
        colon = rest.startswith(":")
        operator, argument = rest[int(colon) : int(colon) + 1], rest[int(colon) + 1 :]
        if operator not in ("-", "?", "+"):
            raise InterpolationError(f"invalid interpolation in {whole!r}: unexpected {rest!r} after {var!r}")
        value = self.environment.get(var)
        present = value is not None and (value != "" or not colon)
        if operator == "-":
            return value if present and value is not None else self._expand(argument, whole)
        if operator == "+":
            return self._expand(argument, whole) if present else ""
        if not present or value is None:
            state = "is empty" if value == "" else "is not set"
            message = self._expand(argument, whole)
            raise InterpolationError(f"required variable {var} {state}" + (f": {message}" if message else ""))
        return value

    def _value(self, name: str) -> str | None:
        value = self.environment.get(name)
        if value is None:
            self.unset.add(name)
        return value


def _closing_brace(text: str, start: int) -> int:
    """The index of the ``}`` closing a ``${`` whose body starts at ``start``, nested ``${...}`` included."""
    depth = 1
    i = start
    while i < len(text):
        if text.startswith("$$", i):
            i += 2
            continue
        if text.startswith("${", i):
            depth += 1
            i += 2
            continue
        if text[i] == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def read_env_file(path: str | Path, environment: Mapping[str, str]) -> dict[str, str | None]:
    """Parse a dotenv file (``.env`` or an ``env_file``); problems are located ComposeErrors.

    ``KEY=VALUE`` lines, ``export`` allowed, ``#`` comments; single quotes are literal, double quotes take
    ``\\n``-style escapes and interpolation, unquoted values are trimmed and interpolated. A bare ``KEY`` maps
    to None (the caller takes it from its environment). Values may refer to keys defined above them.
    """
    name = str(path)
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_ENV_FILE_BYTES + 1)
    except OSError as error:
        raise ComposeError.at(name, 0, f"cannot read the env file: {error.strerror or error}") from None
    if len(raw) > MAX_ENV_FILE_BYTES:
        raise ComposeError.at(name, 0, f"the env file is larger than {MAX_ENV_FILE_BYTES // 1024} KiB")
    return parse_env_text(raw.decode("utf-8-sig", errors="replace"), name, environment)


def parse_env_text(text: str, file: str, environment: Mapping[str, str]) -> dict[str, str | None]:
    result: dict[str, str | None] = {}
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        number, line = index + 1, lines[index]
        index += 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _ENV_LINE.fullmatch(line)
        if match is None or not _NAME.fullmatch(match.group(1)):
            raise ComposeError([ComposeProblem(file, number, f"expected KEY=VALUE, found {line.strip()!r}")])
        key, equals, value = match.groups()
        if not equals:
            if value.strip() and not value.lstrip().startswith("#"):
                raise ComposeError([ComposeProblem(file, number, f"expected KEY=VALUE, found {line.strip()!r}")])
            result[key] = None
            continue
        value = value.lstrip()
        quote = value[:1] if value[:1] in ("'", '"') else ""
        if quote:
            while _closing_quote(value, quote) < 0 and index < len(lines):
                value += "\n" + lines[index]
                index += 1
            end = _closing_quote(value, quote)
            if end < 0:
                raise ComposeError([ComposeProblem(file, number, f"the value of {key} has no closing {quote}")])
            body = value[1:end]
        else:
            body = re.split(r"\s#", value, maxsplit=1)[0].strip()
        scope = {**environment, **{k: v for k, v in result.items() if v is not None}}
        try:
            if quote == '"':
                body = Interpolator(scope)(_unescape(body))
            elif not quote:
                body = Interpolator(scope)(body)
        except InterpolationError as error:
            raise ComposeError([ComposeProblem(file, number, str(error))]) from None
        result[key] = body
    return result


def _closing_quote(value: str, quote: str) -> int:
    i = 1
    while i < len(value):
        if quote == '"' and value[i] == "\\":
            i += 2
            continue
        if value[i] == quote:
            return i
        i += 1
    return -1


def _unescape(body: str) -> str:
    escapes = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "$": "$$"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), "\\" + m.group(1)), body)
