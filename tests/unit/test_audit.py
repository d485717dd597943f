"""tui.audit: an append-only JSON-lines log, private to the user, holding only the documented fields."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from tui.audit import AuditLog, default_state_dir

FIELDS = {"time", "user", "target", "action", "objects", "confirmation", "result"}


def _append(log: AuditLog, **overrides: object) -> None:
    fields: dict[str, object] = {
        "target": "docker:unix:///var/run/docker.sock",
        "action": "container.stop",
        "objects": ["web-1"],
        "confirmation": "yes_no",
        "result": "ok",
    }
    fields.update(overrides)
    log.append(**fields)  # type: ignore[arg-type]


def test_append_creates_file_and_missing_parent_dirs_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "state" / "nested" / "audit.jsonl"
    _append(AuditLog(path))
    assert path.exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_append_tightens_an_existing_world_readable_file_to_0600(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    path.write_text("")
    path.chmod(0o644)
    _append(AuditLog(path))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_append_writes_one_json_object_per_line_with_exactly_the_documented_fields(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)
    _append(log, objects=["web-1", "db-1"], confirmation="typed", result="ok")
    _append(log, action="pod.delete", objects=["api-0"], confirmation="declined", result="declined")
    lines = path.read_text().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert set(first) == FIELDS
    assert first["action"] == "container.stop"
    assert first["objects"] == ["web-1", "db-1"]
    assert first["confirmation"] == "typed"
    assert first["result"] == "ok"
    assert first["target"] == "docker:unix:///var/run/docker.sock"
    assert first["user"]
    assert first["time"].endswith("+00:00")
    assert (second["action"], second["confirmation"], second["result"]) == ("pod.delete", "declined", "declined")


def test_append_returns_the_record_it_wrote(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    record = log.append(target="t", action="container.remove", objects=["x"], confirmation="typed", result="ok")
    assert log.read() == [
        {
            "time": record.time,
            "user": record.user,
            "target": "t",
            "action": "container.remove",
            "objects": ["x"],
            "confirmation": "typed",
            "result": "ok",
        }
    ]


def test_append_keeps_earlier_records(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    for i in range(3):
        _append(log, objects=[f"c{i}"])
    assert [r["objects"] for r in log.read()] == [["c0"], ["c1"], ["c2"]]


def test_append_truncates_long_results_to_300_chars(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    _append(log, result="error: " + "x" * 1000)
    assert len(log.read()[0]["result"]) == 300


def test_append_keeps_non_ascii_names_readable(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    _append(AuditLog(path), objects=["café"])
    assert "café" in path.read_text(encoding="utf-8")


def test_read_skips_corrupt_lines_and_keeps_good_ones(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)
    _append(log, objects=["a"])
    with path.open("ab") as fh:
        fh.write(b'{"time": "2025-01-01", "truncat\n')
        fh.write(b"\xff\xfe not json at all\n")
    _append(log, objects=["b"])
    assert [r["objects"] for r in log.read()] == [["a"], ["b"]]


def test_read_of_missing_file_is_empty(tmp_path: Path) -> None:
    assert AuditLog(tmp_path / "nope" / "audit.jsonl").read() == []


def test_read_returns_newest_records_oldest_first_up_to_limit(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    for i in range(5):
        _append(log, objects=[str(i)])
    assert [r["objects"] for r in log.read(limit=2)] == [["3"], ["4"]]


def test_default_path_honours_portside_state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTSIDE_STATE_DIR", str(tmp_path / "st"))
    assert default_state_dir() == tmp_path / "st"
    assert AuditLog().path == tmp_path / "st" / "audit.jsonl"


def test_read_skips_valid_json_lines_that_are_not_records(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)
    _append(log, objects=["a"])
    with path.open("a") as fh:
        fh.write('null\n42\n"text"\n[1, 2]\n')
    records = log.read()
    assert all(isinstance(r, dict) for r in records), records
    assert [r["objects"] for r in records] == [["a"]]
