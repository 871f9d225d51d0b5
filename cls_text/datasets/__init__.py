"""Synthetic sample waves for demos, tests and benchmarks (not part of the runtime pipeline)."""
