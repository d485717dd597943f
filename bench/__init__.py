"""Benchmarks of portside against the sandbox engines (issue #7): run them with `scripts/bench`, not pytest."""
