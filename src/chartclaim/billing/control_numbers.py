"""DB-backed X12 control numbers (ISA13, GS06, ST02) and claim numbers: never reused, safe across processes.

The X12 writer (chartclaim.x12.envelope.ControlNumberSource protocol) asks `numbers.next("ISA"|"GS"|"ST")`;
`DbControlNumbers(session)` answers from the `control_number` table (a callable form is kept for other users). The increment is one UPDATE ... RETURNING inside the caller's transaction, so two
writers serialise on the row and a rolled-back batch gives its numbers back.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chartclaim.store.models import ControlNumber

# ISA13 is 9 digits, GS06 up to 9, ST02 4-9: wrap inside the field so a long-lived practice never overflows.
LIMITS = {"ISA13": 999_999_999, "GS06": 999_999_999, "ST02": 999_999_999, "ISA": 999_999_999,
          "GS": 999_999_999, "ST": 999_999_999}


def next_control_number(session: Session, name: str, count: int = 1) -> int:
    """Reserve `count` consecutive numbers in sequence `name`; returns the first."""
    if count < 1:
        raise ValueError("count must be at least 1")
    for _attempt in range(3):
        new = session.execute(
            update(ControlNumber).where(ControlNumber.name == name)
            .values(last_value=ControlNumber.last_value + count).returning(ControlNumber.last_value)
        ).scalar()
        if new is None:
            try:
                with session.begin_nested():
                    session.add(ControlNumber(name=name, last_value=count))
                new = count
            except IntegrityError:
                continue  # another writer created the row first; take the UPDATE path
        limit = LIMITS.get(name.split(":", 1)[0])
        first = int(new) - count + 1
        if limit is not None and int(new) > limit:
            session.execute(update(ControlNumber).where(ControlNumber.name == name).values(last_value=count))
            first = 1
        return first
    raise RuntimeError(f"could not reserve control number {name!r}")


def peek_control_number(session: Session, name: str) -> int:
    return session.scalar(select(ControlNumber.last_value).where(ControlNumber.name == name)) or 0


class DbControlNumbers:
    """Control numbers for the X12 writer, from the database: `write_837(..., numbers=DbControlNumbers(s))`.
    `prefix` keeps separate sequences per trading partner (e.g. the submitter id)."""

    def __init__(self, session: Session, prefix: str = ""):
        self.session = session
        self.prefix = f"{prefix}:" if prefix else ""

    def next(self, kind: str) -> int:
        return next_control_number(self.session, kind if not self.prefix else f"{kind}:{self.prefix[:-1]}")

    def next_block(self, kind: str, count: int) -> int:
        return next_control_number(self.session, kind if not self.prefix else f"{kind}:{self.prefix[:-1]}", count)

    def __call__(self, name: str) -> int:
        return next_control_number(self.session, name)


ControlNumberSource = DbControlNumbers  # the name used before the X12 writer's protocol existed
