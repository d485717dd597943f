"""Malformed compose files and Kubernetes manifests (RELIABILITY.md rule 11): each is refused with a located,
readable problem (file, line, what is wrong; no terminal control, no traceback), never with a crash; and the
Compose area shows the problems of a bad file it is asked to open."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.conftest import screen_has_no_escape, screen_text
from tests.ui.test_app_live import until
from tui.adapters.compose_errors import ComposeError
from tui.adapters.compose_model import load_project
from tui.adapters.docker_engine import DockerEngine
from tui.adapters.kube_cluster import KubeCluster
from tui.adapters.kube_manifest import ManifestError, read_manifest
from tui.app import make_app
from tui.audit import AuditLog
from widgets.detail_screen import DetailScreen
from widgets.prompt import PromptDialog

pytestmark = pytest.mark.hostile

ESC = "\x1b]52;c;SE9TVElMRQ==\x07\x1b[31m"
BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
    for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)
DEEP = "services:\n  web:\n    image: busybox\n    labels: " + "[" * 2000 + "]" * 2000 + "\n"

# name -> (file content, the line the first problem is on; 0: any line, the file as a whole)
COMPOSE_FILES: dict[str, tuple[str | bytes, int]] = {
    "yaml syntax": ("services:\n  web:\n    image: [busybox\n    ports: []\n", 4),
    "tab indentation": ("services:\n\tweb:\n\t\timage: busybox\n", 2),
    "services is a list": ("services:\n  - web\n  - db\n", 1),
    "image is a mapping": ("services:\n  web:\n    image: {name: busybox}\n", 3),
    "ports are words": ("services:\n  web:\n    image: busybox\n    ports: ['abc:def']\n", 4),
    "unknown dependency": ("services:\n  web:\n    image: busybox\n    depends_on: [db]\n", 4),
    "duplicate key": ("services:\n  web:\n    image: busybox\n    image: alpine\n", 4),
    "required variable": ("services:\n  web:\n    image: ${PORTSIDE_UNSET_VAR?must be set}\n", 3),
    "extends itself": ("services:\n  web:\n    image: busybox\n    extends: {service: web}\n", 4),
    "escape in a service name": (f"services:\n  'web{ESC}':\n    image: busybox\n    nonsense: 1\n", 0),
    "alias bomb": (BOMB + "services:\n  web:\n    image: busybox\n", 0),
    "deep nesting": (DEEP, 0),
    "not utf-8": (b"services:\n  web:\n    image: busy\xff\xfebox\n", 0),
    "binary garbage": (bytes(range(256)) * 4, 0),
    "empty": ("", 0),
    "too large": ("services:\n  web:\n    image: busybox\n" + "# padding\n" * 1_200_000, 0),
}
MANIFESTS: dict[str, tuple[str | bytes, int]] = {
    "yaml syntax": ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [x\ndata: {}\n", 4),
    "a list, not an object": ("- apiVersion: v1\n- kind: Pod\n", 1),
    "no kind": ("apiVersion: v1\nmetadata:\n  name: x\n", 1),
    "no name": ("apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n", 3),
    "second document bad": ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n---\nkind: 5\n", 5),
    "escape in the kind": (f"apiVersion: v1\nkind: 'Pod{ESC}'\nmetadata: {{name: x}}\n", 2),
    "alias bomb": (BOMB, 0),
    "deep nesting": ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: " + "[" * 2000 + "]" * 2000, 0),
    "not utf-8": (b"apiVersion: v1\nkind: Config\xffMap\n", 2),
    "binary garbage": (bytes(range(256)) * 4, 0),
    "too large": ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n" + "# padding\n" * 200_000, 0),
}
LOCATED = re.compile(r":(\d+): ")


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


def check_problems(problems: list[str], path: Path, line: int) -> None:
    """Every problem names the file, is readable text, and the first is on ``line`` (when given)."""
    assert problems, "refused without saying why"
    for text in problems:
        assert path.name in text, f"the problem does not name the file: {text!r}"
        assert not screen_has_no_escape(text), f"a terminal control in {text!r}"
        assert "Traceback" not in text and len(text) < 2000, text[:300]
    if line:
        found = LOCATED.search(problems[0])
        assert found and int(found.group(1)) == line, f"expected line {line}: {problems[0]!r}"


@pytest.mark.parametrize("case", COMPOSE_FILES.keys())
def test_a_malformed_compose_file_is_refused_with_located_readable_problems(
    case: str, tmp_path: Path, record_property: Any
) -> None:
    content, line = COMPOSE_FILES[case]
    path = write(tmp_path, "compose.yaml", content)
    record_property("inputs", 1)
    with pytest.raises(ComposeError) as refused:
        load_project([path])
    check_problems([str(p) for p in refused.value.problems], path, line)


@pytest.mark.parametrize("case", MANIFESTS.keys())
def test_a_malformed_manifest_is_refused_with_located_readable_problems(
    case: str, tmp_path: Path, record_property: Any
) -> None:
    content, line = MANIFESTS[case]
    path = write(tmp_path, "manifest.yaml", content)
    record_property("inputs", 1)
    try:
        manifest = read_manifest(path)
    except ManifestError as error:
        problems = [str(p) for p in error.problems]
    else:
        problems = [str(p) for p in manifest.problems]
        assert problems, f"accepted: {[d.label for d in manifest.documents]}"
    check_problems(problems, path, line)


@pytest.mark.docker
async def test_opening_a_malformed_compose_file_shows_its_located_problems_and_keeps_the_app(
    tmp_path: Path, test_namespace: str, audit: AuditLog, record_property: Any
) -> None:
    path = write(tmp_path, "compose.yaml", "services:\n  web:\n    image: busybox\n    ports: ['abc:def']\n")
    record_property("inputs", 1)
    app = make_app(DockerEngine(), KubeCluster(context="sandbox-admin", namespace=test_namespace), audit)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.area_table("containers").row_count > 0, 60, "the first list")
        await pilot.press("3", "f")
        await until(pilot, lambda: isinstance(app.screen, PromptDialog), 10, "the file prompt")
        app.screen.query_one("Input").value = str(path)  # type: ignore[attr-defined]
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, DetailScreen), 30, "the problems screen")
        shown = screen_text(app.screen)
        assert f"{path}:4:" in shown and "nothing was created" in shown
        await pilot.press("escape")
        assert app.is_running and len(app.screen_stack) == 1
