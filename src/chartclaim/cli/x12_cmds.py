"""CLI commands for x12."""

from __future__ import annotations

from chartclaim.cli import apps  # noqa: F401
