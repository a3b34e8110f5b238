"""CLI commands for demo."""

from __future__ import annotations

from chartclaim.cli import apps  # noqa: F401
