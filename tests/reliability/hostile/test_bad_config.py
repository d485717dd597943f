"""A config file with wrong types, bad values or hostile text (RELIABILITY.md rule 11): every problem is a
located, readable warning and the setting keeps its default; nothing raises."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.conftest import screen_has_no_escape
from tui.config import Config, load_config

pytestmark = pytest.mark.hostile

# name -> (file text, the setting that must keep its default, the line of the warning)
CASES: dict[str, tuple[str | bytes, str, int]] = {
    "theme is a number": ("readonly = false\ntheme = 42\n", "theme", 2),
    "readonly is a string": ('readonly = "yes"\n', "readonly", 1),
    "keys is a string": ('keys = "ctrl+s"\n', "keys", 1),
    "a key is a number": ('[keys]\n"container.stop" = 5\n', "keys", 2),
    "kubernetes is a list": ("kubernetes = [1, 2]\n", "kubernetes", 1),
    "namespace is a bool": ("[kubernetes]\nnamespace = true\n", "kubernetes", 2),
    "buffer lines is text": ('[logs]\nbuffer_lines = "many"\n', "logs", 2),
    "buffer lines negative": ("[logs]\nbuffer_lines = -5\n", "logs", 2),
    "buffer lines huge": ("[logs]\nbuffer_lines = 1000000000000\n", "logs", 2),
    "refresh is text": ('[stats]\nrefresh_seconds = "fast"\n', "stats", 2),
    "refresh is zero": ("[stats]\nrefresh_seconds = 0\n", "stats", 2),
    "policy is a string": ('policy = "strict"\n', "policies", 1),
    "policy match is a number": ("[[policy]]\nmatch = 5\nreadonly = true\n", "policies", 2),
    "policy match is a bad regex": ('[[policy]]\nmatch = "prod-("\nreadonly = true\n', "policies", 2),
    # The policy stays, for both backends: the safe reading of a restriction whose backend is misspelt.
    "policy backend unknown": ('[[policy]]\nmatch = "x"\nbackend = "podman"\n', "theme", 3),
    "unknown top-level key": ("colour_scheme = 1\n", "theme", 1),
    "toml syntax error": ("theme = \n", "theme", 1),
    "not utf-8": (b'theme = "dark\xff"\n', "theme", 1),
    "hostile theme name": ('theme = "\\u001b]52;c;SE9TVElMRQ==\\u0007\\u001b[31mred"\n', "theme", 1),
}
LOCATED = re.compile(r":(\d+): ")


def loaded(tmp_path: Path, text: str | bytes) -> tuple[Config, list[str]]:
    """The loader's result as (config, warnings); the app checks themes and keys against what it knows."""
    path = tmp_path / "config.toml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    config = load_config(path)
    config.check(
        themes={"portside-dark"}, binding_ids={"container.stop"}, is_colour=lambda c: c == "red", guarded=()
    )
    return config, list(config.warnings)


@pytest.mark.parametrize("case", CASES.keys())
def test_a_config_with_a_wrong_type_or_value_warns_with_its_line_and_keeps_the_default(
    case: str, tmp_path: Path, record_property: Any
) -> None:
    text, setting, line = CASES[case]
    record_property("inputs", 1)
    config, warnings = loaded(tmp_path, text)
    assert warnings, "no warning"
    first = warnings[0]
    assert "config.toml" in first and not screen_has_no_escape("\n".join(warnings)), warnings
    found = LOCATED.search(first)
    assert found and int(found.group(1)) == line, f"expected line {line}: {first!r}"
    assert getattr(config, setting) == getattr(Config(), setting), f"{setting} is {getattr(config, setting)!r}"
