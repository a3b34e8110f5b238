"""The ledger: immutable money movements, and every balance derived from them.

Sign convention (receivable point of view): charge +, payment −, adjustment −, write-off −, refund +
(money paid back raises what the practice "owes" back toward zero), transfer −/+ in two rows that move an amount
from one responsible party to another (payer → next payer → patient). So a balance is a plain SUM, and

    Σ charges = Σ payments + Σ adjustments + Σ open balances

holds per line, claim, patient and overall when payments are counted net of refunds and adjustments include
write-offs (all as positive figures). Transfers cancel out on every level above the party.
A reversal is a row of the same kind with the opposite amount and `reverses_id` pointing at the original; the
original is never changed, and a row can be reversed only once (unique `reverses_id`).
"""

from __future__ import annotations

import datetime as dt
import operator
import os
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from chartclaim.store.bulk import insert_rows
from chartclaim.store.models import ClaimLine, ClaimRecord, LedgerEntry
from chartclaim.store.types import to_money

ZERO = Decimal("0.00")
PATIENT = None  # payer_id of the patient's share


class LedgerError(ValueError):
    """A money movement that would not make sense (named entry/line and why)."""


@dataclass(frozen=True)
class Totals:
    """Positive figures: charges = payments + adjustments + balance (to the cent)."""

    charges: Decimal
    payments: Decimal  # net of refunds
    adjustments: Decimal  # contractual, denial write-offs, small-balance write-offs
    balance: Decimal  # Σ of every signed row
    insurance_balance: Decimal
    patient_balance: Decimal

    def as_dict(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.__dict__.items()}


# Every column of a ledger row with its default: one executemany needs the same keys in every row.
ENTRY_DEFAULTS: dict[str, Any] = {
    "kind": None, "amount": None, "claim_line_id": None, "claim_id": None, "patient_id": None, "payer_id": None,
    "posted_on": None, "actor": "system", "group_code": None, "reason_code": None, "memo": None,
    "transfer_key": None, "reverses_id": None, "remittance_id": None, "claim_payment_id": None,
    "patient_payment_id": None,
}
# The same columns in that order: a ledger row as a tuple (what the 835 poster makes, `store.bulk.insert_tuples`)
COLUMNS: tuple[str, ...] = tuple(ENTRY_DEFAULTS)
row_values = operator.itemgetter(*COLUMNS)  # an `entry_row` dict as such a tuple


def entry_row(
    kind: str,
    amount: Decimal,
    line: ClaimLine | tuple[int, int, int],
    payer_id: int | None,
    posted_on: dt.date,
    **extra: Any,
) -> dict[str, Any]:
    """A ledger row as a plain dict (bulk posting inserts thousands at once). `line` may be a ClaimLine or
    (claim_line_id, claim_id, patient_id)."""
    if isinstance(line, ClaimLine):
        line_id, claim_id, patient_id = line.id, line.claim_id, line.claim.patient_id
    else:
        line_id, claim_id, patient_id = line
    row = {**ENTRY_DEFAULTS, "kind": kind, "amount": to_money(amount), "claim_line_id": line_id,
           "claim_id": claim_id, "patient_id": patient_id, "payer_id": payer_id, "posted_on": posted_on}
    if extra:
        unknown = extra.keys() - ENTRY_DEFAULTS.keys()
        if unknown:
            raise LedgerError(f"unknown ledger entry fields: {sorted(unknown)}")
        row.update(extra)
    return row


def add_entries(session: Session, rows: Iterable[dict[str, Any]]) -> int:
    """Insert ledger rows (made by entry_row) in one executemany; returns how many."""
    full = rows if isinstance(rows, list) else list(rows)
    if full:
        insert_rows(session, LedgerEntry.__table__, full)  # type: ignore[arg-type]
    return len(full)


def post_charges(session: Session, claim: ClaimRecord, posted_on: dt.date | None = None, actor: str = "system") -> int:
    """Post each line's charge to the claim's payer (or the patient for self-pay); once per line."""
    existing = set(
        session.scalars(
            select(LedgerEntry.claim_line_id).where(
                LedgerEntry.claim_id == claim.id, LedgerEntry.kind == "charge", LedgerEntry.reverses_id.is_(None)
            )
        )
    )
    rows = [
        entry_row("charge", ln.charge, (ln.id, claim.id, claim.patient_id), claim.payer_id,
                  posted_on or ln.date_of_service, actor=actor)
        for ln in claim.lines
        if ln.id not in existing
    ]
    return add_entries(session, rows)


def transfer_rows(
    amount: Decimal,
    line: tuple[int, int, int],
    from_payer: int | None,
    to_payer: int | None,
    posted_on: dt.date,
    **extra: Any,
) -> list[dict[str, Any]]:
    key = os.urandom(10).hex()  # pairs the two rows; uuid4 costs ten times more per transfer
    return [
        entry_row("transfer", -amount, line, from_payer, posted_on, transfer_key=key, **extra),
        entry_row("transfer", amount, line, to_payer, posted_on, transfer_key=key, **extra),
    ]


def transfer(
    session: Session,
    line: ClaimLine,
    amount: Decimal,
    from_payer: int | None,
    to_payer: int | None,
    posted_on: dt.date,
    actor: str = "system",
    memo: str | None = None,
) -> None:
    """Move `amount` of a line's balance from one party to another (e.g. payer → patient)."""
    amount = to_money(amount)
    if amount <= 0:
        raise LedgerError(f"claim line {line.id}: transfer amount must be positive, got {amount}")
    if from_payer == to_payer:
        raise LedgerError(f"claim line {line.id}: transfer to the same party")
    add_entries(session, transfer_rows(amount, (line.id, line.claim_id, line.claim.patient_id), from_payer,
                                       to_payer, posted_on, actor=actor, memo=memo))


def adjust(
    session: Session,
    line: ClaimLine,
    amount: Decimal,
    payer_id: int | None,
    posted_on: dt.date,
    reason_code: str,
    group_code: str | None = None,
    kind: str = "adjustment",
    actor: str = "system",
    memo: str | None = None,
) -> None:
    """Lower a party's balance on a line without money (contractual, write-off)."""
    amount = to_money(amount)
    if kind not in ("adjustment", "writeoff"):
        raise LedgerError(f"adjust: kind must be adjustment or writeoff, not {kind!r}")
    add_entries(session, [entry_row(kind, -amount, (line.id, line.claim_id, line.claim.patient_id), payer_id,
                                    posted_on, reason_code=reason_code, group_code=group_code, actor=actor,
                                    memo=memo)])


def reversal_rows(entries: Iterable[LedgerEntry], posted_on: dt.date, **extra: Any) -> list[dict[str, Any]]:
    out = []
    for e in entries:
        if e.reverses_id is not None:
            raise LedgerError(f"ledger entry {e.id} is itself a reversal; post the movement again instead")
        out.append(
            entry_row(e.kind, -e.amount, (e.claim_line_id, e.claim_id, e.patient_id), e.payer_id, posted_on,
                      reverses_id=e.id, group_code=e.group_code, reason_code=e.reason_code,
                      transfer_key=e.transfer_key and f"r{e.transfer_key}"[:40], **extra)
        )
    return out


def reverse_entries(session: Session, entry_ids: Iterable[int], posted_on: dt.date, actor: str = "system",
                    memo: str | None = None) -> int:
    ids = list(entry_ids)
    entries = list(session.scalars(select(LedgerEntry).where(LedgerEntry.id.in_(ids))))
    if len(entries) != len(set(ids)):
        raise LedgerError(f"unknown ledger entries: {sorted(set(ids) - {e.id for e in entries})}")
    already = {i for i in session.scalars(select(LedgerEntry.reverses_id).where(LedgerEntry.reverses_id.in_(ids)))
               if i is not None}
    if already:
        raise LedgerError(f"ledger entries already reversed: {sorted(already)}")
    return add_entries(session, reversal_rows(entries, posted_on, actor=actor, memo=memo))


# ---------------------------------------------------------------- balances (always derived)


def _totals_query(*where: Any) -> Any:
    amt = LedgerEntry.amount
    zero = ZERO
    return select(
        func.coalesce(func.sum(case((LedgerEntry.kind == "charge", amt), else_=zero)), zero),
        func.coalesce(func.sum(case((LedgerEntry.kind.in_(("payment", "refund")), amt), else_=zero)), zero),
        func.coalesce(func.sum(case((LedgerEntry.kind.in_(("adjustment", "writeoff")), amt), else_=zero)), zero),
        func.coalesce(func.sum(amt), zero),
        func.coalesce(func.sum(case((LedgerEntry.payer_id.is_not(None), amt), else_=zero)), zero),
        func.coalesce(func.sum(case((LedgerEntry.payer_id.is_(None), amt), else_=zero)), zero),
    ).where(*where)


def _totals(session: Session, *where: Any) -> Totals:
    charges, pays, adjs, bal, ins, pat = session.execute(_totals_query(*where)).one()
    return Totals(charges=to_money(charges), payments=to_money(-pays), adjustments=to_money(-adjs),
                  balance=to_money(bal), insurance_balance=to_money(ins), patient_balance=to_money(pat))


def line_totals(session: Session, claim_line_id: int) -> Totals:
    return _totals(session, LedgerEntry.claim_line_id == claim_line_id)


def claim_totals(session: Session, claim_id: int) -> Totals:
    return _totals(session, LedgerEntry.claim_id == claim_id)


def patient_totals(session: Session, patient_id: int) -> Totals:
    return _totals(session, LedgerEntry.patient_id == patient_id)


def overall_totals(session: Session) -> Totals:
    return _totals(session)


def payer_balance(session: Session, payer_id: int) -> Decimal:
    """What one payer owes across all claims."""
    total = session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount), ZERO))
                           .where(LedgerEntry.payer_id == payer_id))
    return to_money(total or 0)


def line_party_balances(session: Session, claim_line_ids: Iterable[int]) -> dict[int, dict[int | None, Decimal]]:
    """{claim_line_id: {payer_id or None (patient): balance}} for the given lines, non-zero parties only."""
    ids = list(claim_line_ids)
    out: dict[int, dict[int | None, Decimal]] = {i: {} for i in ids}
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        rows = session.execute(
            select(LedgerEntry.claim_line_id, LedgerEntry.payer_id, func.sum(LedgerEntry.amount))
            .where(LedgerEntry.claim_line_id.in_(chunk))
            .group_by(LedgerEntry.claim_line_id, LedgerEntry.payer_id)
        )
        for line_id, payer_id, bal in rows:
            if bal:
                out[line_id][payer_id] = to_money(bal)
    return out


def patient_line_balances(session: Session, patient_id: int) -> list[tuple[int, int, dt.date, Decimal]]:
    """The patient's own share per line, oldest service first: (claim_line_id, claim_id, DOS, balance)."""
    rows = session.execute(
        select(ClaimLine.id, ClaimLine.claim_id, ClaimLine.date_of_service, func.sum(LedgerEntry.amount))
        .join(LedgerEntry, LedgerEntry.claim_line_id == ClaimLine.id)
        .where(LedgerEntry.patient_id == patient_id, LedgerEntry.payer_id.is_(None))
        .group_by(ClaimLine.id, ClaimLine.claim_id, ClaimLine.date_of_service)
        .order_by(ClaimLine.date_of_service, ClaimLine.id)
    )
    return [(lid, cid, dos, to_money(b)) for lid, cid, dos, b in rows if b]


def entries_for_claim(session: Session, claim_id: int) -> list[LedgerEntry]:
    return list(session.scalars(select(LedgerEntry).where(LedgerEntry.claim_id == claim_id).order_by(LedgerEntry.id)))
