"""Append-only audit log of every mutation attempt (RELIABILITY.md rule 13): JSON lines, mode 0600.

Records say who did what to which objects on which target, how it was confirmed and how it ended. They never
hold payloads or secret values: only action ids, object names and a short result.
"""

from __future__ import annotations

import getpass
import json
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import platformdirs


def default_state_dir() -> Path:
    override = os.environ.get("PORTSIDE_STATE_DIR")
    return Path(override) if override else Path(platformdirs.user_state_dir("portside"))


@dataclass(frozen=True)
class AuditRecord:
    time: str
    user: str
    target: str
    action: str
    objects: list[str]
    confirmation: str  # none | yes_no | typed | refused (read-only) | declined
    result: str  # ok | refused: ... | declined | error: ...


class AuditLog:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_state_dir() / "audit.jsonl"

    def append(
        self, *, target: str, action: str, objects: list[str], confirmation: str, result: str
    ) -> AuditRecord:
        record = AuditRecord(
            time=datetime.now(UTC).isoformat(timespec="milliseconds"),
            user=_user(),
            target=target,
            action=action,
            objects=objects,
            confirmation=confirmation,
            result=result[:300],
        )
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, (json.dumps(asdict(record), ensure_ascii=False) + "\n").encode())
        finally:
            os.close(fd)
        return record

    def read(self, limit: int = 1000) -> list[dict[str, Any]]:
        """The newest ``limit`` records, oldest first; unreadable lines are skipped, not fatal."""
        try:
            lines = self.path.read_text(errors="replace").splitlines()[-limit:]
        except OSError:
            return []
        records = []
        for line in lines:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                records.append(record)
        return records


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())
