"""Backends: Docker and Kubernetes behind our own types. Never imports Textual or Rich (import-linter)."""
