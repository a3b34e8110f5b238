"""Synthetic 835s for tests, the demo and the posting benchmark (payers write real ones; we only read them).

`era_text(...)` writes a balanced 005010X221A1 remittance from plain specs, so a test can state exactly what the
payer did (paid, CO-45, PR-2, a denial, a reversal, a PLB) and check what posting made of it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class LinePay:
    procedure: str
    charge: Decimal
    paid: Decimal
    adjustments: Sequence[tuple[str, str, Decimal]] = ()  # (group, CARC, amount)
    modifiers: Sequence[str] = ()
    date_of_service: dt.date | None = None
    line_control_number: str | None = None
    remarks: Sequence[str] = ()
    units: Decimal = Decimal(1)


@dataclass(frozen=True)
class ClaimPay:
    claim_number: str
    lines: Sequence[LinePay]
    status: str = "1"
    payer_claim_number: str = ""
    member_id: str = "M0001"
    patient_last: str = "DOE"
    patient_first: str = "JANE"
    claim_adjustments: Sequence[tuple[str, str, Decimal]] = ()
    crossover_to: str | None = None  # NM1*TT name
    remarks: Sequence[str] = ()  # MOA remarks
    filing_indicator: str = "12"

    @property
    def charge(self) -> Decimal:
        return sum((ln.charge for ln in self.lines), ZERO)

    @property
    def paid(self) -> Decimal:
        return sum((ln.paid for ln in self.lines), ZERO)

    @property
    def patient_responsibility(self) -> Decimal:
        return sum((a[2] for ln in self.lines for a in ln.adjustments if a[0] == "PR"), ZERO) + sum(
            (a[2] for a in self.claim_adjustments if a[0] == "PR"), ZERO)


@dataclass
class Era:
    trace_number: str
    claims: Sequence[ClaimPay]
    payer_name: str = "ACME HEALTH"
    payer_id: str = "ACME1"
    payee_npi: str = "1234567893"
    payment_date: dt.date = dt.date(2025, 3, 15)
    plb: Sequence[tuple[str, str, Decimal]] = ()  # (reason, reference, amount); positive reduces payment
    control_number: str = "0001"
    extra_segments: list[str] = field(default_factory=list)

    @property
    def payment_amount(self) -> Decimal:
        return sum((c.paid for c in self.claims), ZERO) - sum((p[2] for p in self.plb), ZERO)


def _m(v: Decimal) -> str:
    s = f"{Decimal(v):.2f}"
    return s[:-3] if s.endswith(".00") else s.rstrip("0")


def _cas(adjs: Sequence[tuple[str, str, Decimal]]) -> list[str]:
    by_group: dict[str, list[str]] = {}
    for g, r, a in adjs:
        by_group.setdefault(g, []).extend([r, _m(a), ""])
    out = []
    for g, parts in by_group.items():
        for i in range(0, len(parts), 18):  # six triplets per CAS
            chunk = parts[i : i + 18]
            out.append("CAS*" + g + "*" + "*".join(chunk).rstrip("*"))
    return out


def era_segments(era: Era) -> list[str]:
    d8 = era.payment_date.strftime("%Y%m%d")
    segs = [
        f"ST*835*{era.control_number}*005010X221A1",
        f"BPR*I*{_m(era.payment_amount)}*C*ACH*CCP*01*999999999*DA*123456*1512345678**01*999988880*DA*98765*{d8}",
        f"TRN*1*{era.trace_number}*1512345678",
        f"DTM*405*{d8}",
        f"N1*PR*{era.payer_name}",
        "N3*1 PAYER WAY",
        "N4*ANYTOWN*MN*55555",
        f"REF*2U*{era.payer_id}",
        "PER*BL*PROVIDER SERVICES*TE*8005551212",
        f"N1*PE*CHARTCLAIM CLINIC*XX*{era.payee_npi}",
        "REF*TJ*123456789",
        "LX*1",
    ]
    for c in era.claims:
        segs.append(f"CLP*{c.claim_number}*{c.status}*{_m(c.charge)}*{_m(c.paid)}*{_m(c.patient_responsibility)}"
                    f"*{c.filing_indicator}*{c.payer_claim_number or 'PCN' + c.claim_number}*11*1")
        segs.extend(_cas(c.claim_adjustments))
        segs.append(f"NM1*QC*1*{c.patient_last}*{c.patient_first}****MI*{c.member_id}")
        if c.crossover_to:
            segs.append(f"NM1*TT*2*{c.crossover_to}*****PI*CROSS1")
        if c.remarks:
            segs.append("MOA***" + "*".join(c.remarks))
        for ln in c.lines:
            proc = ":".join(["HC", ln.procedure, *ln.modifiers])
            segs.append(f"SVC*{proc}*{_m(ln.charge)}*{_m(ln.paid)}**{_m(ln.units)}")
            if ln.date_of_service:
                segs.append(f"DTM*472*{ln.date_of_service.strftime('%Y%m%d')}")
            segs.extend(_cas(ln.adjustments))
            if ln.line_control_number:
                segs.append(f"REF*6R*{ln.line_control_number}")
            allowed = ln.charge - sum((a[2] for a in ln.adjustments if a[0] in ("CO", "PI", "OA")), ZERO)
            segs.append(f"AMT*B6*{_m(allowed)}")
            segs.extend(f"LQ*HE*{r}" for r in ln.remarks)
    for reason, ref, amount in era.plb:
        segs.append(f"PLB*1234567893*{era.payment_date.year}1231*{reason}:{ref}*{_m(amount)}")
    segs.extend(era.extra_segments)
    segs.append(f"SE*{len(segs) + 1}*{era.control_number}")
    return segs


def interchange(eras: Sequence[Era], control_number: int = 1) -> str:
    """A whole file: ISA/GS around one ST..SE per Era."""
    isa = (f"ISA*00*          *00*          *ZZ*{'ACMEHEALTH':<15}*ZZ*{'CHARTCLAIM':<15}*250315*1200*^*00501*"
           f"{control_number:09d}*0*P*:")
    body = [isa, f"GS*HP*ACMEHEALTH*CHARTCLAIM*20250315*1200*{control_number}*X*005010X221A1"]
    for era in eras:
        body.extend(era_segments(era))
    body.append(f"GE*{len(eras)}*{control_number}")
    body.append(f"IEA*1*{control_number:09d}")
    return "~\n".join(body) + "~\n"
