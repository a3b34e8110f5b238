"""Procedure and modifier facts the scrubber needs even without licensed CPT files (code numbers only).

Deleted CPT codes below are the ones practices still send from old superbills; the dates are the first day
each code was no longer valid (CPT annual releases take effect on January 1).
"""

from __future__ import annotations

import datetime as dt
import re

CPT_SHAPE = re.compile(r"^\d{4}[0-9AFTUM]$")   # Category I (5 digits; vaccine admin 0001A...), II (F), III (T), PLA (U), MAAA (M)
HCPCS_SHAPE = re.compile(r"^[A-V]\d{4}$")
MODIFIER_SHAPE = re.compile(r"^[0-9A-Z]{2}$")

# CPT Level I modifiers (numbers only). Alphanumeric HCPCS modifiers come from the imported HCPCS file.
CPT_MODIFIERS = frozenset(["22", "23", "24", "25", "26", "27", "32", "33", "47", "50", "51", "52", "53", "54", "55", "56", "57", "58", "59", "62", "63", "66", "73", "74", "76", "77", "78", "79", "80", "81", "82", "90", "91", "92", "93", "95", "96", "97", "99", "P1", "P2", "P3", "P4", "P5", "P6"])
# Alphanumeric modifiers billers use every day, accepted without an imported HCPCS file.
COMMON_HCPCS_MODIFIERS = frozenset(["AA", "AD", "AI", "AQ", "AR", "AS", "AT", "AX", "AY", "AZ", "BL", "CG", "CO", "CQ", "CR", "CS", "E1", "E2", "E3", "E4", "EA", "EB", "EC", "ED", "EE", "EJ", "EM", "EP", "ER", "ET", "EY", "FA", "F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9", "FB", "FC", "FP", "FQ", "FR", "FS", "FT", "FX", "FY", "G0", "GA", "GC", "GE", "GG", "GH", "GJ", "GK", "GL", "GN", "GO", "GP", "GQ", "GR", "GT", "GU", "GV", "GW", "GX", "GY", "GZ", "JA", "JB", "JW", "JZ", "KX", "LC", "LD", "LM", "LT", "NU", "PD", "PI", "PO", "PN", "PS", "Q0", "Q1", "Q5", "Q6", "QK", "QS", "QW", "QX", "QY", "QZ", "RC", "RI", "RR", "RT", "SA", "SB", "SG", "SL", "TA", "TC", "TH", "T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9", "UE", "XE", "XP", "XS", "XU", "1P", "2P", "3P", "8P"])

# E/M and other CPT codes deleted in recent years: code -> first date no longer valid.
DELETED_CPT: dict[str, dt.date] = {
    "99201": dt.date(2021, 1, 1),
    **{c: dt.date(2023, 1, 1) for c in (
        "99217", "99218", "99219", "99220", "99224", "99225", "99226", "99241", "99251", "99318",
        "99324", "99325", "99326", "99327", "99328", "99334", "99335", "99336", "99337", "99343")},
    **{c: dt.date(2024, 1, 1) for c in ("99354", "99355", "99356", "99357")},
    **{c: dt.date(2025, 1, 1) for c in ("99441", "99442", "99443")},
}
# HCPCS Level II codes deleted in recent years that practices still bill from old superbills or templates:
# code -> (first date no longer valid, successor). Dates and cross-references as the CMS HCPCS file gives
# them (TERM DT + 1 day, XREF). The imported HCPCS file, when present, answers for every other code.
DELETED_HCPCS: dict[str, tuple[dt.date, str]] = {
    "G2012": (dt.date(2025, 1, 1), "98016 (brief virtual check-in)"),
    "G2061": (dt.date(2021, 1, 1), "98970"), "G2062": (dt.date(2021, 1, 1), "98971"),
    "G2063": (dt.date(2021, 1, 1), "98972"),
    "G0297": (dt.date(2021, 1, 1), "71271 (low-dose CT lung cancer screening)"),
    "G0202": (dt.date(2018, 1, 1), "77067"), "G0204": (dt.date(2018, 1, 1), "77066"),
    "G0206": (dt.date(2018, 1, 1), "77065"), "G0505": (dt.date(2018, 1, 1), "99483"),
    "G0389": (dt.date(2017, 1, 1), "76706"), "G0464": (dt.date(2016, 1, 1), "81528"),
    "G2023": (dt.date(2023, 5, 12), ""), "G2024": (dt.date(2023, 5, 12), ""),
    "G0106": (dt.date(2025, 1, 1), ""), "G0120": (dt.date(2025, 1, 1), ""), "G0122": (dt.date(2025, 1, 1), ""),
    "G2066": (dt.date(2024, 1, 1), ""), "G0564": (dt.date(2025, 4, 1), ""), "G0565": (dt.date(2025, 4, 1), ""),
    "G2170": (dt.date(2023, 1, 1), "36836"), "G2171": (dt.date(2023, 1, 1), "36837"),
    # Drugs billed in offices and urgent care whose codes were replaced by per-mg codes or retired.
    **{c: (dt.date(2024, 4, 1), "J1010 (methylprednisolone acetate, per 1 mg)") for c in ("J1020", "J1030", "J1040")},
    **{c: (dt.date(2024, 4, 1), "J2919 (methylprednisolone sodium succinate, per 5 mg)") for c in ("J2920", "J2930")},
    "J2001": (dt.date(2024, 10, 1), ""), "J1170": (dt.date(2024, 10, 1), ""), "J0135": (dt.date(2025, 1, 1), ""),
    "J1940": (dt.date(2025, 4, 1), ""), "J0171": (dt.date(2025, 7, 1), ""), "J2310": (dt.date(2025, 7, 1), ""),
    "J3370": (dt.date(2025, 7, 1), ""), "J2780": (dt.date(2024, 7, 1), ""), "J2505": (dt.date(2022, 1, 1), ""),
}
# Where a deleted E/M has an obvious successor family, say so in the fix.
SUCCESSOR = {
    "99201": "99202-99205", "99241": "99242-99245 (or 99202-99205 for payers that don't pay consults)",
    "99251": "99252-99255 (or 99221-99223/99231-99233)", "99217": "99238-99239", "99218": "99221-99223",
    "99219": "99221-99223", "99220": "99221-99223", "99224": "99231-99233", "99225": "99231-99233",
    "99226": "99231-99233", "99318": "99307-99310", "99324": "99341-99345", "99325": "99341-99345",
    "99326": "99341-99345", "99327": "99341-99345", "99328": "99341-99345", "99334": "99347-99350",
    "99335": "99347-99350", "99336": "99347-99350", "99337": "99347-99350", "99343": "99341-99345",
    "99354": "99417 (or G2212 for Medicare)", "99355": "99417 (or G2212 for Medicare)",
    "99441": "98016 or 99211-99215 with modifier 93 per payer policy",
    "99442": "98016 or 99211-99215 with modifier 93 per payer policy",
    "99443": "98016 or 99211-99215 with modifier 93 per payer policy",
}
