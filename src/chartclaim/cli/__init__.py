"""Command-line shell. The commands live in the *_cmds modules, one per area, over the shared groups."""

from __future__ import annotations

from chartclaim.cli import (  # noqa: F401  (importing registers the commands)
    billing_cmds,
    codesets_cmds,
    coding_cmds,
    demo_cmds,
    documents_cmds,
    edits_cmds,
    web_cmds,
    x12_cmds,
)
from chartclaim.cli.apps import app


def main() -> None:
    app()


__all__ = ["app", "main"]
