"""Run by test_kill: post an 835 file and freeze inside the Nth remittance's transaction, right after its ledger
rows were written to the database, so the test can SIGKILL a process that is really in the middle of posting."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from chartclaim.billing import posting
from chartclaim.store.db import make_engine


def main(url: str, path: str, marker: str, freeze_in: int) -> None:
    engine = make_engine(url)
    real = posting.insert_tuples  # how posting writes its ledger rows
    seen = {"n": 0}

    def insert_tuples(session: Session, table: Any, names: Any, rows: Any) -> int:
        n = real(session, table, names, rows)
        if table.name != "ledger_entry":
            return n
        seen["n"] += 1
        if seen["n"] == freeze_in:
            session.flush()
            # written aside and renamed: the test polls for the marker and must never see it empty
            tmp = Path(marker + ".tmp")
            tmp.write_text(f"{n} ledger rows written, transaction open")
            os.replace(tmp, marker)
            time.sleep(120)
        return n

    posting.insert_tuples = insert_tuples  # type: ignore[assignment]
    with Session(engine) as s:
        posting.post_835_file(s, path, actor="kill-test")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
