"""Reusable Textual widgets. They know nothing of portside's backends (import-linter keeps tui out)."""
