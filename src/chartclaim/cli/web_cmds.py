"""CLI commands for web."""

from __future__ import annotations

from chartclaim.cli import apps  # noqa: F401
