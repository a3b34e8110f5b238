"""Every table of the practice database, in one module.

Facts are stored once. The ledger (`ledger_entry`) is the only place money moves; no table stores a balance.
Ledger rows are never updated or deleted: a mistake is undone by a reversing row that points at the original
(`reverses_id`), the way an accountant would do it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from chartclaim.store.types import Money

# Explicit constraint names so Alembic migrations work the same on SQLite (batch mode) and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BigInteger ids on PostgreSQL; SQLite only auto-increments an INTEGER PRIMARY KEY.
Id = BigInteger().with_variant(Integer(), "sqlite")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, Decimal: Money}


# Foreign keys PostgreSQL checks once per statement, by triggers (migration 0700), not per row: the 835 posting
# writes these tables in bulk and the per-row checks were half of the server's time. They are declared below as
# usual: SQLite keeps them as keys (a check is an index probe there), the ORM joins by them, and the schema
# comparison expects them as triggers on PostgreSQL (`store.db.in_schema_comparison`).
STATEMENT_CHECKED_KEYS = frozenset({
    "fk_ledger_entry_claim_line_id_claim_line", "fk_ledger_entry_claim_payment_id_claim_payment",
    "fk_ledger_entry_payer_id_payer", "fk_ledger_entry_reverses_id_ledger_entry",
    "fk_ledger_entry_patient_payment_id_patient_payment",
    "fk_claim_payment_claim_id_claim", "fk_claim_payment_payer_id_payer", "fk_claim_payment_remittance_id_remittance",
    "fk_claim_payment_reversed_by_id_claim_payment",
    "fk_claim_transition_claim_id_claim", "fk_claim_transition_remittance_id_remittance",
})


# ---------------------------------------------------------------- practice data


class Organization(Base):
    __tablename__ = "organization"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    npi: Mapped[str | None] = mapped_column(String(10))
    tax_id: Mapped[str | None] = mapped_column(String(11))
    tax_id_type: Mapped[str] = mapped_column(String(2), default="EI")
    taxonomy: Mapped[str | None] = mapped_column(String(10))
    address: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    phone: Mapped[str | None] = mapped_column(String(20))
    # Patient-balance policy: balances at or under this are written off instead of billed (None: never).
    small_balance_limit: Mapped[Decimal | None] = mapped_column(Money)


class Provider(Base):
    __tablename__ = "provider"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    npi: Mapped[str] = mapped_column(String(10), unique=True)
    first_name: Mapped[str | None] = mapped_column(String(60))
    last_name: Mapped[str] = mapped_column(String(100))  # or the organisation name for a group
    taxonomy: Mapped[str | None] = mapped_column(String(10))
    is_person: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Location(Base):
    __tablename__ = "location"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    name: Mapped[str] = mapped_column(String(200))
    place_of_service: Mapped[str] = mapped_column(String(2), default="11")
    npi: Mapped[str | None] = mapped_column(String(10))
    address: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class PayerRecord(Base):
    __tablename__ = "payer"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    payer_code: Mapped[str] = mapped_column(String(80), unique=True)  # NM109 of 2010BB / N1*PR id in the 835
    name: Mapped[str] = mapped_column(String(200))
    filing_indicator: Mapped[str] = mapped_column(String(2), default="CI")  # SBR09 / CLP06
    claim_type: Mapped[str] = mapped_column(String(15), default="professional")
    timely_filing_days: Mapped[int | None] = mapped_column(Integer)
    clearinghouse_route: Mapped[str | None] = mapped_column(String(80))
    # Medicare crosses claims over to Medigap/Medicaid itself; the secondary is then not billed by us.
    crossover: Mapped[bool] = mapped_column(Boolean, default=False)
    address: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class PatientRecord(Base):
    __tablename__ = "patient"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    account_number: Mapped[str] = mapped_column(String(38), unique=True)
    first_name: Mapped[str] = mapped_column(String(60))
    last_name: Mapped[str] = mapped_column(String(60))
    dob: Mapped[dt.date | None] = mapped_column(Date)
    sex: Mapped[str | None] = mapped_column(String(1))
    address: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)

    coverages: Mapped[list[Coverage]] = relationship(back_populates="patient", order_by="Coverage.priority")


class Coverage(Base):
    __tablename__ = "coverage"
    __table_args__ = (CheckConstraint("priority in (1, 2, 3)", name="priority"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    payer_id: Mapped[int] = mapped_column(ForeignKey("payer.id"))
    priority: Mapped[int] = mapped_column(Integer, default=1)  # 1 primary, 2 secondary, 3 tertiary
    member_id: Mapped[str] = mapped_column(String(80))
    group_number: Mapped[str | None] = mapped_column(String(50))
    relationship_code: Mapped[str] = mapped_column(String(2), default="18")  # patient to subscriber
    subscriber: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # name/dob/sex/address when not self
    effective_from: Mapped[dt.date | None] = mapped_column(Date)
    effective_to: Mapped[dt.date | None] = mapped_column(Date)
    copay: Mapped[Decimal | None] = mapped_column(Money)
    coinsurance_pct: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    deductible: Mapped[Decimal | None] = mapped_column(Money)

    patient: Mapped[PatientRecord] = relationship(back_populates="coverages")
    payer: Mapped[PayerRecord] = relationship()


class Encounter(Base):
    __tablename__ = "encounter"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("provider.id"))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"))
    date_of_service: Mapped[dt.date] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    # not_coded → coded (automated or by a coder) → reviewed
    coding_status: Mapped[str] = mapped_column(String(20), default="not_coded")
    diagnoses: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # {"codes": [...]} in pointer order


# ---------------------------------------------------------------- claims


class ClaimRecord(Base):
    __tablename__ = "claim"
    # The key a claim line's (claim_id, patient_id) refers to, in the order that also serves lookups by patient
    # (migration 0600: one index fewer to write on every status change).
    __table_args__ = (Index("ix_claim_patient_id_id", "patient_id", "id", unique=True),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    claim_number: Mapped[str] = mapped_column(String(38), unique=True)  # CLM01, echoed as CLP01
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))  # indexed by ix_claim_patient_id_id
    # No index of its own: ix_claim_payer_workbench leads with it (migration 0600).
    payer_id: Mapped[int] = mapped_column(ForeignKey("payer.id"))
    coverage_id: Mapped[int | None] = mapped_column(ForeignKey("coverage.id"))
    encounter_id: Mapped[int | None] = mapped_column(ForeignKey("encounter.id"))
    # The primary claim a secondary/tertiary claim follows.
    primary_claim_id: Mapped[int | None] = mapped_column(ForeignKey("claim.id"))
    responsibility: Mapped[str] = mapped_column(String(1), default="P")  # P/S/T
    frequency: Mapped[str] = mapped_column(String(1), default="1")  # CLM05-3: 1, 7 replacement, 8 void
    payer_claim_number: Mapped[str | None] = mapped_column(String(50))  # CLP07, sent back as REF*F8
    # No index of its own: ix_claim_workbench (status, created_at, id) serves every lookup by status, and each
    # extra index is one more write per status change (835 posting moves thousands of claims at once).
    status: Mapped[str] = mapped_column(String(20), default="draft")
    claim_type: Mapped[str] = mapped_column(String(15), default="professional")
    # The claim document (chartclaim.claim.Claim JSON) as last built; the 837 is written from it.
    document: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    first_submitted_on: Mapped[dt.date | None] = mapped_column(Date)
    # Set when the primary payer forwarded the claim itself (835 MIA/MOA crossover remark or NM1*TT).
    crossed_over_to: Mapped[str | None] = mapped_column(String(200))

    lines: Mapped[list[ClaimLine]] = relationship(back_populates="claim", order_by="ClaimLine.line_number")


class ClaimLine(Base):
    __tablename__ = "claim_line"
    __table_args__ = (
        UniqueConstraint("claim_id", "line_number"),
        # The line carries its claim's patient (migration 0600), so that a ledger row checks its line, claim and
        # patient with one key, (claim_line_id, claim_id, patient_id), instead of one for the line and one for the
        # claim. A claim whose patient is corrected takes its lines along (until ledger rows refer to them).
        ForeignKeyConstraint(["claim_id", "patient_id"], ["claim.id", "claim.patient_id"],
                             name="fk_claim_line_claim_id_claim", onupdate="CASCADE"),
        Index("ix_claim_line_id_claim_id_patient_id", "id", "claim_id", "patient_id", unique=True),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    claim_id: Mapped[int] = mapped_column(Id, index=True)
    # the claim's; filled in from `claim` when the line is added to it (the relationship follows both columns)
    patient_id: Mapped[int] = mapped_column(Id)
    line_number: Mapped[int] = mapped_column(Integer)
    procedure: Mapped[str] = mapped_column(String(48))
    modifiers: Mapped[str] = mapped_column(String(11), default="")  # "25:59", payer order
    units: Mapped[Decimal] = mapped_column(Numeric(9, 3), default=Decimal(1))
    charge: Mapped[Decimal] = mapped_column(Money)  # billed amount (a fact of the claim; the ledger posts it)
    dx_pointers: Mapped[str] = mapped_column(String(11), default="1")
    date_of_service: Mapped[dt.date] = mapped_column(Date)
    date_of_service_end: Mapped[dt.date | None] = mapped_column(Date)
    place_of_service: Mapped[str | None] = mapped_column(String(2))
    line_control_number: Mapped[str | None] = mapped_column(String(50))  # REF*6R
    revenue_code: Mapped[str | None] = mapped_column(String(4))

    claim: Mapped[ClaimRecord] = relationship(back_populates="lines")

    @property
    def modifier_tuple(self) -> tuple[str, ...]:
        return tuple(m for m in self.modifiers.split(":") if m)


class ClaimTransition(Base):
    __tablename__ = "claim_transition"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    actor: Mapped[str] = mapped_column(String(80))
    reason: Mapped[str | None] = mapped_column(Text)
    remittance_id: Mapped[int | None] = mapped_column(ForeignKey("remittance.id"))


class ClaimSubmission(Base):
    """One claim sent in one 837: the envelope's control numbers and where the claim sits in its transaction set.

    A 999 names the functional group (AK1 GS06) and transaction set (AK2 ST02) it answers, and IK3/IK4 point at a
    segment by its position in that set; `clm_segment`..`last_segment` (the claim's 2300/2400 loops, counted from
    ST = 1) tie such an error to the claim. `position` is the claim's ordinal among the set's claims (1-based)."""

    __tablename__ = "claim_submission"
    __table_args__ = (Index("ix_claim_submission_envelope", "gs06", "st02"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id"), index=True)
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    actor: Mapped[str] = mapped_column(String(80))
    file_name: Mapped[str | None] = mapped_column(String(200))
    sender_id: Mapped[str] = mapped_column(String(15))  # ISA06
    receiver_id: Mapped[str] = mapped_column(String(15))  # ISA08
    isa13: Mapped[str] = mapped_column(String(9))
    gs06: Mapped[str] = mapped_column(String(9))
    st02: Mapped[str] = mapped_column(String(9))
    position: Mapped[int] = mapped_column(Integer)
    clm_segment: Mapped[int] = mapped_column(Integer)
    last_segment: Mapped[int] = mapped_column(Integer)  # end of the claim's 2300/2400 loops


# ---------------------------------------------------------------- money


LEDGER_KINDS = ("charge", "payment", "adjustment", "transfer", "refund", "writeoff")


class LedgerEntry(Base):
    """One money movement on one service line, signed from the practice's receivable point of view.

    amount > 0 raises what is owed (charge, refund paid out, transfer in); amount < 0 lowers it (payment,
    adjustment, write-off, transfer out). `payer_id` is the party that owes the amount: a payer, or NULL for
    the patient. A balance is always a SUM over these rows.
    """

    __tablename__ = "ledger_entry"
    __table_args__ = (
        # Written with OR, not IN: SQLite rebuilds an IN list's lookup table for every inserted row (migration 0500).
        CheckConstraint(" OR ".join(f"kind = '{k}'" for k in LEDGER_KINDS), name="kind"),
        Index("ix_ledger_entry_line_party", "claim_line_id", "payer_id"),
        # A row is reversed at most once. Unique over the reversal rows only: the others (nearly all) have no
        # reverses_id and need no index entry (migration 0500).
        Index("ix_ledger_entry_reverses_id", "reverses_id", unique=True,
              sqlite_where=text("reverses_id IS NOT NULL"), postgresql_where=text("reverses_id IS NOT NULL")),
        # Only patient-payment rows have one: a partial index costs the 835 posting's rows nothing.
        Index("ix_ledger_entry_patient_payment_id", "patient_payment_id",
              sqlite_where=text("patient_payment_id IS NOT NULL"),
              postgresql_where=text("patient_payment_id IS NOT NULL")),
        # Composite foreign keys (migrations 0400, 0600): the line with its claim and the claim's patient, the claim
        # payment with its remittance. Each checks that the parent exists *and* that the row's copies of the
        # parent's parents agree with it; 2 checks per row instead of 5 single-column ones (every 835 claim
        # payment writes 4 ledger rows). On PostgreSQL they are checked per statement (STATEMENT_CHECKED_KEYS).
        ForeignKeyConstraint(["claim_line_id", "claim_id", "patient_id"],
                             ["claim_line.id", "claim_line.claim_id", "claim_line.patient_id"],
                             name="fk_ledger_entry_claim_line_id_claim_line"),
        ForeignKeyConstraint(["claim_payment_id", "remittance_id"], ["claim_payment.id", "claim_payment.remittance_id"],
                             name="fk_ledger_entry_claim_payment_id_claim_payment"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    amount: Mapped[Decimal] = mapped_column(Money)
    patient_id: Mapped[int] = mapped_column(Id, index=True)  # the line's claim's (foreign key with claim_line_id)
    claim_id: Mapped[int] = mapped_column(Id, index=True)  # the line's (foreign key with claim_line_id)
    claim_line_id: Mapped[int] = mapped_column(Id)
    payer_id: Mapped[int | None] = mapped_column(ForeignKey("payer.id"))
    posted_on: Mapped[dt.date] = mapped_column(Date)  # accounting date (check date, DOS for charges)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    actor: Mapped[str] = mapped_column(String(80), default="system")
    group_code: Mapped[str | None] = mapped_column(String(2))  # CAS01: CO, PR, OA, PI
    reason_code: Mapped[str | None] = mapped_column(String(12))  # CARC, or our own code (SMALLBAL, VOID...)
    memo: Mapped[str | None] = mapped_column(String(200))
    # Two rows of one transfer share a transfer_key so "moved from A to B" can be shown as one event.
    transfer_key: Mapped[str | None] = mapped_column(String(40))
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entry.id"))
    # Not indexed: no query looks ledger rows up by remittance (they are reached through claim_payment_id), and
    # posting writes four rows per claim payment.
    remittance_id: Mapped[int | None] = mapped_column(Id)  # the claim payment's (foreign key with it)
    claim_payment_id: Mapped[int | None] = mapped_column(Id, index=True)
    patient_payment_id: Mapped[int | None] = mapped_column(ForeignKey("patient_payment.id"))


class Remittance(Base):
    """One 835 transaction set (ST..SE), posted in one database transaction."""

    __tablename__ = "remittance"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    trace_number: Mapped[str | None] = mapped_column(String(50), index=True)  # TRN02 (check / EFT number)
    payer_id: Mapped[int | None] = mapped_column(ForeignKey("payer.id"))
    payer_code: Mapped[str | None] = mapped_column(String(80))
    payer_name: Mapped[str | None] = mapped_column(String(200))
    payee_npi: Mapped[str | None] = mapped_column(String(10))
    payment_amount: Mapped[Decimal] = mapped_column(Money)  # BPR02
    payment_method: Mapped[str | None] = mapped_column(String(3))  # BPR04: CHK, ACH, NON, FWT, BOP
    payment_date: Mapped[dt.date | None] = mapped_column(Date)  # BPR16
    source: Mapped[str | None] = mapped_column(String(300))
    posted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    actor: Mapped[str] = mapped_column(String(80), default="system")
    claim_count: Mapped[int] = mapped_column(Integer, default=0)


class ClaimPayment(Base):
    """One CLP loop as received (matched or not); the facts behind the ledger rows it produced."""

    __tablename__ = "claim_payment"
    __table_args__ = (Index("ix_claim_payment_id_remittance_id", "id", "remittance_id", unique=True),)  # LedgerEntry
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    remittance_id: Mapped[int] = mapped_column(ForeignKey("remittance.id"), index=True)
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claim.id"), index=True)
    payer_id: Mapped[int | None] = mapped_column(ForeignKey("payer.id"))
    patient_control_number: Mapped[str] = mapped_column(String(38))  # CLP01
    status_code: Mapped[str] = mapped_column(String(2))  # CLP02
    charge: Mapped[Decimal] = mapped_column(Money)  # CLP03
    paid: Mapped[Decimal] = mapped_column(Money)  # CLP04
    patient_responsibility: Mapped[Decimal | None] = mapped_column(Money)  # CLP05
    payer_claim_number: Mapped[str | None] = mapped_column(String(50))  # CLP07 (checked per claim, not looked up)
    received_on: Mapped[dt.date] = mapped_column(Date)
    # posted | exception | reversal ; a posted payment later undone points at the reversing payment.
    outcome: Mapped[str] = mapped_column(String(12))
    reversed_by_id: Mapped[int | None] = mapped_column(ForeignKey("claim_payment.id"))
    crossover_to: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the CLP loop, as read (for secondaries, audit)


class RemitAdjustment(Base):
    """Each CAS amount of a posted CLP loop, also those that move no money (denials stay open with the payer)."""

    __tablename__ = "remit_adjustment"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    claim_payment_id: Mapped[int] = mapped_column(ForeignKey("claim_payment.id"), index=True)
    claim_line_id: Mapped[int | None] = mapped_column(ForeignKey("claim_line.id"))
    group_code: Mapped[str] = mapped_column(String(2))
    reason_code: Mapped[str] = mapped_column(String(5))
    amount: Mapped[Decimal] = mapped_column(Money)
    quantity: Mapped[Decimal | None] = mapped_column(Numeric(9, 3))
    # contractual | patient | denial | prior_payer | other  (how posting treated it)
    treatment: Mapped[str] = mapped_column(String(12))
    denial_category: Mapped[str | None] = mapped_column(String(40))
    remark_codes: Mapped[str | None] = mapped_column(String(200))  # RARCs (LQ*HE / MOA / MIA), space-separated


class ProviderAdjustment(Base):
    """A PLB amount: against the provider, not a claim (interest, forward balance, levy, overpayment recovery)."""

    __tablename__ = "provider_adjustment"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    remittance_id: Mapped[int] = mapped_column(ForeignKey("remittance.id"), index=True)
    provider_identifier: Mapped[str] = mapped_column(String(50))
    fiscal_period_end: Mapped[dt.date | None] = mapped_column(Date)
    reason_code: Mapped[str] = mapped_column(String(3))  # PLB03-1: L6 interest, WO overpayment recovery, FB...
    reference: Mapped[str | None] = mapped_column(String(50))
    amount: Mapped[Decimal] = mapped_column(Money)  # as in PLB: positive reduces the payment


class PostingException(Base):
    """An item posting could not apply by itself: kept with its reason until a person resolves it."""

    __tablename__ = "posting_exception"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    remittance_id: Mapped[int | None] = mapped_column(ForeignKey("remittance.id"), index=True)
    claim_payment_id: Mapped[int | None] = mapped_column(ForeignKey("claim_payment.id"))
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claim.id"))
    reason: Mapped[str] = mapped_column(String(30), index=True)
    detail: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by: Mapped[str | None] = mapped_column(String(80))
    resolution: Mapped[str | None] = mapped_column(Text)


# ---------------------------------------------------------------- patient money


class PatientPayment(Base):
    __tablename__ = "patient_payment"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    received_on: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    method: Mapped[str] = mapped_column(String(10))  # cash, check, card, ach
    reference: Mapped[str | None] = mapped_column(String(80))
    payment_plan_id: Mapped[int | None] = mapped_column(ForeignKey("payment_plan.id"))
    actor: Mapped[str] = mapped_column(String(80), default="system")


class PaymentPlan(Base):
    """An agreement to pay a patient balance in installments; what is paid or missed is derived."""

    __tablename__ = "payment_plan"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    total: Mapped[Decimal] = mapped_column(Money)
    start_date: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="active")  # active, completed, defaulted, cancelled
    missed_limit: Mapped[int] = mapped_column(Integer, default=2)  # missed installments before default
    grace_days: Mapped[int] = mapped_column(Integer, default=10)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    actor: Mapped[str] = mapped_column(String(80), default="system")

    installments: Mapped[list[PlanInstallment]] = relationship(order_by="PlanInstallment.sequence")


class PlanInstallment(Base):
    __tablename__ = "plan_installment"
    __table_args__ = (UniqueConstraint("payment_plan_id", "sequence"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    payment_plan_id: Mapped[int] = mapped_column(ForeignKey("payment_plan.id"))
    sequence: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)


# ---------------------------------------------------------------- infrastructure


class ControlNumber(Base):
    """Last issued X12 control number per sequence (e.g. 'ISA13:SENDERID'); issued inside a transaction."""

    __tablename__ = "control_number"
    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    last_value: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now, onupdate=func.now())


# ---------------------------------------------------------------- web application (users, audit, coding review)


class WebUser(Base):
    """A person who signs into the web application. Passwords are argon2id hashes, never stored in clear."""

    __tablename__ = "web_user"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(128), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))  # coder | biller | manager | admin
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped to invalidate every outstanding session cookie of this user (role or password change, disable).
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEvent(Base):
    """Append-only record of every view of and change to patient data: who, what, when. The migration adds
    triggers that refuse UPDATE and DELETE; the ORM refuses them too. `detail` holds ids, codes, states and the
    reasons users typed; never names, birth dates or note text."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_patient_at", "patient_id", "at"),
        Index("ix_audit_event_user_at", "user_id", "at"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now, index=True)
    user_id: Mapped[int | None] = mapped_column(Id)  # no FK: the log outlives accounts
    username: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16), default="")
    action: Mapped[str] = mapped_column(String(16))  # view | create | update | login | login-failed | denied ...
    entity: Mapped[str] = mapped_column(String(32))  # patient, encounter, claim, remittance, user, ...
    entity_id: Mapped[str | None] = mapped_column(String(64))
    patient_id: Mapped[int | None] = mapped_column(Id)
    path: Mapped[str] = mapped_column(String(255), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    ip: Mapped[str] = mapped_column(String(64), default="")


class PhysicianQuery(Base):
    """A coder's documentation question to the rendering provider. An open query holds the encounter."""

    __tablename__ = "physician_query"
    __table_args__ = (Index("ix_physician_query_encounter_status", "encounter_id", "status"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    encounter_id: Mapped[int] = mapped_column(ForeignKey("encounter.id"))
    status: Mapped[str] = mapped_column(String(12), default="open", index=True)  # open | answered | withdrawn
    question: Mapped[str] = mapped_column(Text)
    asked_by: Mapped[int] = mapped_column(ForeignKey("web_user.id"))
    asked_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("web_user.id"))


class CodingReview(Base):
    """A coder's decision on one code of an encounter: accept / change / reject a suggestion, or add a code,
    with the reason. Kept forever: the audit sample compares what was suggested with what was finalised."""

    __tablename__ = "coding_review"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    encounter_id: Mapped[int] = mapped_column(ForeignKey("encounter.id"), index=True)
    system: Mapped[str] = mapped_column(String(10))  # ICD10CM | CPT | HCPCS
    suggested_code: Mapped[str | None] = mapped_column(String(16))
    decision: Mapped[str] = mapped_column(String(8))  # accept | change | reject | add
    final_code: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    score: Mapped[Decimal | None] = mapped_column(Numeric(5, 4))
    user_id: Mapped[int] = mapped_column(ForeignKey("web_user.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now, index=True)


# Work-queue indexes for the web screens (coding queue oldest first by status; claims workbench by status/age).
Index("ix_encounter_queue", Encounter.coding_status, Encounter.date_of_service, Encounter.id)
Index("ix_encounter_provider_queue", Encounter.provider_id, Encounter.coding_status, Encounter.date_of_service,
      Encounter.id)
# The default coding queue (not coded or suggested), oldest first: a partial index both databases scan in order.
_AWAITING = Encounter.coding_status.in_(("not_coded", "coded"))
Index("ix_encounter_awaiting", Encounter.date_of_service, Encounter.id, sqlite_where=_AWAITING,
      postgresql_where=_AWAITING)
Index("ix_claim_workbench", ClaimRecord.status, ClaimRecord.created_at, ClaimRecord.id)
Index("ix_claim_age", ClaimRecord.created_at, ClaimRecord.id)
Index("ix_claim_payer_workbench", ClaimRecord.payer_id, ClaimRecord.status, ClaimRecord.created_at, ClaimRecord.id)
