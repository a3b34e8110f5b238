"""CLI commands for billing documents, pricing and denials."""

from __future__ import annotations

from chartclaim.cli import apps  # noqa: F401
