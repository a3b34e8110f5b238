"""Run by test_kill: post an 835 file and freeze inside the Nth remittance's transaction, after its ledger
rows were sent to the database, so the test can SIGKILL a process that is really in the middle of posting."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from chartclaim.billing.posting import post_835_file
from chartclaim.store.db import make_engine


def main(url: str, path: str, marker: str, freeze_in: int) -> None:
    engine = make_engine(url)
    seen = {"n": 0}

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn: Any, cursor: Any, statement: str, params: Any, context: Any, executemany: bool) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO LEDGER_ENTRY"):
            seen["n"] += 1
            if seen["n"] == freeze_in:
                Path(marker).write_text("in the middle of posting")
                time.sleep(120)

    with Session(engine) as s:
        post_835_file(s, path, actor="kill-test")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
