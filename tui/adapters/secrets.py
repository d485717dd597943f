"""What counts as a secret when showing configuration (RELIABILITY.md rule 8): one rule for every view."""

from __future__ import annotations

import re

SECRET_NAME = re.compile(r"pass|pwd|secret|token|key|credential|auth", re.IGNORECASE)
MASK = "***"


def is_secret_name(name: str) -> bool:
    """True for names like DB_PASSWORD, API_TOKEN, aws_secret_access_key: their values are masked."""
    return bool(SECRET_NAME.search(name))
