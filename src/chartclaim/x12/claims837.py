"""837P / 837I reader: import claims from another system into ``chartclaim.claim.Claim``.

Loop structure is checked where the implementation guide is firm (HL numbering and parents, one 2010AA
per 2000A with its address, 2010BA/2010BB present, SV1/SV2 inside an LX, required CLM/NM1/SV elements);
everything else is read tolerantly (trailing separators, ICD-9-era HI layouts, a component separator other
than ISA16 inside CLM05 or SV101, unknown segments are kept as issues). A claim that does not validate
against the claim model is a located error at its CLM segment.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from chartclaim.claim import Claim, normalize_icd10
from chartclaim.x12.core import (
    Delimiters,
    Issue,
    RawTransaction,
    X12Error,
    check_dates,
    claim_kind,
    date_lenient,
)
from chartclaim.x12.core import element as _e

_ALT_COMPONENTS = (":", ">", "^", "|", "\\")


@dataclass(frozen=True, slots=True)
class ClaimFile:
    """One 837 transaction set read back: its claims and where each sits (for 999/277CA matching)."""

    kind: str  # 837P or 837I
    control_number: str  # ST02
    implementation: str
    reference: str  # BHT03
    created: dt.date | None  # BHT04
    submitter_name: str
    submitter_id: str
    receiver_name: str
    receiver_id: str
    claims: tuple[Claim, ...]
    # (first, last) segment position of each claim's 2300 loop counted from ST = 1, as IK3/IK4 count them
    claim_spans: tuple[tuple[int, int], ...] = ()
    issues: tuple[Issue, ...] = ()
    position: int = field(default=0, compare=False)

    def claim_at(self, segment_position: int) -> Claim | None:
        """The claim whose 2300/2400 loops contain a segment position counted from ST (IK301)."""
        for claim, (a, b) in zip(self.claims, self.claim_spans, strict=True):
            if a <= segment_position <= b:
                return claim
        return None


class _Ctx:
    """Mutable scratch for one loop while it is read."""

    __slots__ = ("data", "pos")

    def __init__(self, pos: int) -> None:
        self.pos = pos
        self.data: dict[str, Any] = {}


def _comp(v: str, d: Delimiters) -> list[str]:
    """Split a composite; tolerate files that use another component separator than ISA16 (a common defect)."""
    if d.component in v:
        return [x.strip() for x in v.split(d.component)]
    for alt in _ALT_COMPONENTS:
        if alt != d.element and alt in v:
            return [x.strip() for x in v.split(alt)]
    return [v.strip()]


def _err(msg: str, pos: int, seg: list[str] | str, i: int | None = None) -> X12Error:
    sid = seg if isinstance(seg, str) else seg[0]
    return X12Error(msg, position=pos, segment_id=sid, element=f"{sid}{i:02d}" if i is not None else None)


def _req(seg: list[str], i: int, pos: int) -> str:
    v = _e(seg, i)
    if not v:
        raise _err("required element is missing", pos, seg, i)
    return v


def _addr(ctx: dict[str, Any]) -> dict[str, Any] | None:
    """The claim model's address; a foreign N4 (no state, N404 country) keeps empty state/ZIP rather than
    failing validation."""
    a = ctx.get("address")
    if not a:
        return None
    out = {"line1": a.get("line1", ""), "city": a.get("city", ""), "state": a.get("state", ""), "zip": a.get("zip", "")}
    if a.get("line2"):
        out["line2"] = a["line2"]
    return out


def _date_el(v: str) -> str | None:
    d = date_lenient(v[:8]) if v else None
    return d.isoformat() if d else None


_SEX = {"F": "F", "M": "M", "U": "U"}

# Every segment an 837 (professional, institutional, dental; 5010 and the 4010 guides before it) defines.
# One of these out of its place is read past; a segment that is none of them means a damaged file.
SEGMENTS_837 = frozenset({
    "ST", "SE", "BHT", "REF", "NM1", "N2", "N3", "N4", "PER", "PRV", "HL", "SBR", "PAT", "DMG", "CUR", "CLM",
    "DTP", "CL1", "PWK", "CN1", "DN1", "DN2", "AMT", "K3", "NTE", "CR1", "CR2", "CR3", "CR4", "CR5", "CR6",
    "CR7", "CR8", "CRC", "HI", "HCP", "QTY", "MEA", "LX", "SV1", "SV2", "SV3", "SV4", "SV5", "SV6", "SV7",
    "TOO", "PS1", "HSD", "LIN", "CTP", "SVD", "CAS", "OI", "MIA", "MOA", "LQ", "FRM", "UR", "DSB", "IMM", "INS",
})


def parse_837(raw: RawTransaction) -> ClaimFile:
    d = raw.interchange.delimiters
    segs = raw.segments
    base = raw.start + 1
    inst = claim_kind(raw) == "837I"
    issues: list[Issue] = list(raw.issues)
    reference = ""
    created: dt.date | None = None
    submitter: dict[str, str] = {}
    receiver: dict[str, str] = {}
    hl_levels: dict[str, str] = {}
    bp: _Ctx | None = None  # 2000A
    sb: _Ctx | None = None  # 2000B
    pt: _Ctx | None = None  # 2000C
    clm: _Ctx | None = None  # 2300
    line: _Ctx | None = None  # 2400
    oth: _Ctx | None = None  # 2320
    svd: _Ctx | None = None  # 2430
    target: dict[str, Any] | None = None  # the NM1 loop N3/N4/REF/DMG/PER/PRV attach to
    target_name = ""
    after_n3 = False
    claims: list[Claim] = []
    spans: list[tuple[int, int]] = []

    def check_hl_loops(pos: int) -> None:
        if bp is not None and "name" not in bp.data:
            raise _err("loop 2010AA billing provider name (NM1*85) is missing", bp.pos, "HL")
        if sb is not None:
            if "subscriber" not in sb.data:
                raise _err("loop 2010BA subscriber name (NM1*IL) is missing", sb.pos, "HL")
            if "payer" not in sb.data:
                raise _err("loop 2010BB payer name (NM1*PR) is missing", sb.pos, "HL")

    def close_claim(end_pos: int) -> None:
        nonlocal clm, line, oth, svd
        if clm is None:
            return
        close_line()
        claims.append(_build_claim(clm, bp, sb, pt, inst, created, issues, d))
        spans.append((clm.pos - raw.start + 1, end_pos - raw.start + 1))
        clm = None
        oth = None

    def close_line() -> None:
        nonlocal line, svd
        if line is not None:
            if "service" not in line.data:
                raise _err("loop 2400 without SV1/SV2", line.pos, "LX")
            assert clm is not None
            clm.data.setdefault("lines", []).append(line.data)
        line = None
        svd = None

    for idx, seg in enumerate(segs):
        pos = base + idx
        tag = seg[0]
        if tag not in SEGMENTS_837:
            raise _err(f"segment {tag} is not an 837 segment", pos, seg)
        if tag == "DTP" or tag == "DMG":
            check_dates(seg, pos)
        elif tag in ("AMT", "HCP") and _e(seg, 2):
            _num(seg, 2, pos)
        if after_n3 and tag != "N4":
            raise _err("N3 must be followed by N4 (address city/state/ZIP)", pos, seg)
        after_n3 = False
        if tag == "HL":
            close_claim(pos - 1)
            hl_id, parent, level = _req(seg, 1, pos), _e(seg, 2), _req(seg, 3, pos)
            if hl_id in hl_levels:
                # seen in generator output that is otherwise sound; structure follows the level codes
                issues.append(Issue(f"HL id {hl_id} is used twice", pos, "HL", "HL01"))
            if level == "20":
                check_hl_loops(pos)
                bp, sb, pt = _Ctx(pos), None, None
            elif level == "22":
                if parent and hl_levels.get(parent) != "20":
                    issues.append(Issue(f"HL parent {parent} is not a billing provider (level 20) HL", pos, "HL", "HL02"))
                if bp is None:
                    raise _err("subscriber HL before any billing provider HL", pos, seg)
                check_hl_loops(pos)
                sb, pt = _Ctx(pos), None
            elif level == "23":
                if parent and hl_levels.get(parent) != "22":
                    issues.append(Issue(f"HL parent {parent} is not a subscriber (level 22) HL", pos, "HL", "HL02"))
                if sb is None:
                    raise _err("patient HL before any subscriber HL", pos, seg)
                pt = _Ctx(pos)
            else:
                raise _err(f"HL level code {level!r} is not 20, 22 or 23", pos, seg, 3)
            hl_levels[hl_id] = level
            target = None
            continue
        if tag == "NM1":
            code = _req(seg, 1, pos)
            etype = _req(seg, 2, pos)
            nm = {"entity_type": etype, "last": _e(seg, 3), "first": _e(seg, 4), "idq": _e(seg, 8), "id": _e(seg, 9)}
            target_name = code
            if svd is not None or line is not None:
                if code == "82" and line is not None:
                    line.data["rendering"] = nm
                    target = nm
                else:
                    target = nm  # 2420B-H other line parties: read, not kept
                continue
            if oth is not None:
                if code == "IL":
                    oth.data["subscriber"] = nm
                elif code == "PR":
                    oth.data["payer"] = nm
                target = nm
                continue
            if clm is not None:
                if code in ("82", "DN", "71", "77", "DK", "DQ", "72", "ZZ", "FA", "PW", "45", "QB"):
                    clm.data.setdefault("parties", {})[code] = nm
                target = nm
                continue
            if pt is not None:
                if code == "QC":
                    pt.data["patient"] = nm
                target = nm
                continue
            if sb is not None:
                if code == "IL":
                    if "subscriber" in sb.data:
                        raise _err("loop 2010BA repeated (max 1)", pos, seg)
                    sb.data["subscriber"] = nm
                elif code == "PR":
                    if "payer" in sb.data:
                        raise _err("loop 2010BB repeated (max 1)", pos, seg)
                    sb.data["payer"] = nm
                target = nm
                continue
            if bp is not None:
                if code == "85":
                    if "name" in bp.data:
                        raise _err("loop 2010AA repeated (max 1 per billing provider HL)", pos, seg)
                    bp.data["name"] = nm
                elif code == "87":
                    bp.data["pay_to"] = nm
                elif code not in ("PE",):
                    raise _err(f"NM1 entity {code!r} is not valid in loop 2000A (expected 85, 87 or PE)", pos, seg, 1)
                target = nm
                continue
            if code == "41":
                submitter = nm
            elif code == "40":
                receiver = nm
            target = nm
            continue
        if tag == "N3":
            if target is None:
                issues.append(Issue("N3 outside a name loop; ignored", pos, tag))
                continue
            target["address"] = {"line1": _req(seg, 1, pos), "line2": _e(seg, 2)}
            after_n3 = True
            continue
        if tag == "N4":
            if target is None:
                issues.append(Issue("N4 outside a name loop; ignored", pos, tag))
                continue
            if "address" not in target and target_name != "85":
                # a payer or other party with city/state/ZIP but no street line (seen in real files): not an
                # address the claim can carry, but no reason to refuse the claims; the billing provider's
                # address (2010AA) is required whole
                issues.append(Issue("N4 without N3 (address line) before it; ignored", pos, tag))
                continue
            a = target.setdefault("address", {"line1": ""})
            a.update({"city": _e(seg, 1), "state": _e(seg, 2), "zip": _e(seg, 3)})
            if not a.get("line1"):
                raise _err("N4 without N3 (address line) before it", pos, seg)
            continue
        if tag in ("REF", "DMG", "PER", "PRV") and target is not None and clm is None and line is None:
            if tag == "REF":
                target.setdefault("refs", {})[_e(seg, 1)] = _e(seg, 2)
            elif tag == "DMG":
                target["dob"] = _date_el(_e(seg, 2))
                target["sex"] = _SEX.get(_e(seg, 3).upper(), "U")
            elif tag == "PER":
                for i in (3, 5, 7):
                    if _e(seg, i) == "TE":
                        target.setdefault("phone", _e(seg, i + 1))
            elif tag == "PRV":
                target["taxonomy"] = _e(seg, 3)
            continue
        if tag == "BHT":
            reference = _e(seg, 3)
            created = date_lenient(_e(seg, 4))
            continue
        if tag == "PRV" and bp is not None and sb is None:
            bp.data["taxonomy"] = _e(seg, 3)
            continue
        if tag == "SBR":
            if clm is not None:
                close_line()
                oth = _Ctx(pos)
                oth.data["sbr"] = seg
                clm.data.setdefault("other", []).append(oth.data)
                target = None
                continue
            if sb is None:
                raise _err("SBR outside a subscriber loop (2000B)", pos, seg)
            _req(seg, 1, pos)
            sb.data["sbr"] = seg
            continue
        if tag == "PAT":
            if pt is not None:
                pt.data["relationship"] = _e(seg, 1)
            elif sb is not None:
                sb.data["pat"] = seg
            continue
        if tag == "CLM":
            close_claim(pos - 1)
            if sb is None:
                raise _err("CLM outside a subscriber loop (no HL*22 before it)", pos, seg)
            check_hl_loops(pos)
            clm = _Ctx(pos)
            clm.data["clm"] = seg
            _req(seg, 1, pos)
            _req(seg, 2, pos)
            _num(seg, 2, pos)
            if not _e(seg, 5):
                raise _err("required element is missing", pos, seg, 5)
            target = None
            continue
        if clm is None:
            if tag in ("LX", "SV1", "SV2", "HI", "SVD"):
                raise _err(f"{tag} outside a claim (no CLM before it)", pos, seg)
            if tag not in ("REF", "PER", "DMG", "CUR"):
                issues.append(Issue(f"segment {tag} not expected here; ignored", pos, tag))
            continue
        # ---- inside a claim
        if tag == "LX":
            close_line()
            line = _Ctx(pos)
            oth = None
            target = None
            continue
        if tag in ("SV1", "SV2"):
            if line is None:
                raise _err(f"{tag} outside a service line loop (no LX before it)", pos, seg)
            if "service" in line.data:
                raise _err(f"second {tag} in one service line", pos, seg)
            if tag == "SV1":
                _req(seg, 1, pos)
                _req(seg, 2, pos)
            else:
                _req(seg, 1, pos)
                _req(seg, 3, pos)
            line.data["service"] = seg
            line.data["pos"] = pos
            continue
        if tag == "SVD":
            if line is None:
                raise _err("SVD outside a service line", pos, seg)
            svd = _Ctx(pos)
            svd.data["svd"] = seg
            line.data.setdefault("svd", []).append(svd.data)
            target = None
            continue
        if tag == "CAS":
            if svd is not None:
                svd.data.setdefault("cas", []).append((seg, pos))
            elif oth is not None:
                oth.data.setdefault("cas", []).append((seg, pos))
            else:
                issues.append(Issue("CAS outside 2320/2430; ignored", pos, tag))
            continue
        if tag == "DTP":
            q, fmt, v = _e(seg, 1), _e(seg, 2), _e(seg, 3)
            if svd is not None and q == "573":
                svd.data["date"] = _date_el(v)
            elif line is not None:
                if q == "472":
                    line.data["dtp"] = (fmt, v, pos)
            elif oth is not None:
                if q == "573":
                    oth.data["date"] = _date_el(v)
            else:
                clm.data.setdefault("dtp", {})[q] = (fmt, v, pos)
            continue
        if tag == "REF":
            if line is not None:
                line.data.setdefault("refs", {})[_e(seg, 1)] = _e(seg, 2)
            elif oth is not None:
                if target is not None and target_name == "PR" and _e(seg, 1) == "F8":
                    oth.data["ccn"] = _e(seg, 2)
            else:
                clm.data.setdefault("refs", {})[_e(seg, 1)] = _e(seg, 2)
            continue
        if tag == "AMT":
            if oth is not None and line is None and _e(seg, 1) == "D":
                oth.data["paid"] = _e(seg, 2)
            continue
        if tag == "HI":
            clm.data.setdefault("hi", []).append(seg)
            continue
        if tag == "CL1":
            clm.data["cl1"] = seg
            continue
        if tag == "NTE":
            if line is None:
                clm.data.setdefault("nte", _e(seg, 2))
            continue
        if tag == "LIN":
            if line is not None:
                for i in (2, 4, 6):
                    if _e(seg, i) == "N4":
                        line.data["ndc"] = _e(seg, i + 1)
            continue
        if tag in ("PRV",) and target is not None:
            target["taxonomy"] = _e(seg, 3)
            continue
        # everything else in 2300/2400 (PWK, CN1, CR1, CRC, K3, MEA, HCP, OI, MOA, CTP, QTY...) is read, not kept
    if after_n3:
        raise _err("N3 must be followed by N4", base + len(segs) - 1, "N3")
    close_claim(base + len(segs) - 1)
    check_hl_loops(base + len(segs))
    if not claims:
        raise X12Error("837 without any claim (CLM)", position=raw.start, segment_id="ST")
    return ClaimFile(
        "837I" if inst else "837P", raw.control_number, raw.implementation, reference, created,
        submitter.get("last", ""), submitter.get("id", ""), receiver.get("last", ""), receiver.get("id", ""),
        tuple(claims), tuple(spans), tuple(issues), raw.start,
    )


def _person(nm: dict[str, Any] | None) -> dict[str, Any] | None:
    if not nm:
        return None
    out = {"npi": nm.get("id", ""),
           "first_name": nm.get("first", ""), "last_name": nm.get("last", "")}
    if nm.get("taxonomy"):
        out["taxonomy"] = nm["taxonomy"]
    return out


def _dx_codes(hi_segs: list[list[str]], d: Delimiters) -> list[str]:
    """Principal and other diagnoses (ABK/BK, ABF/BF) in order; tolerates 'BK*8901' split composites."""
    out: list[str] = []
    for s in hi_segs:
        els = [x.strip() for x in s[1:]]
        i = 0
        while i < len(els):
            v = els[i]
            i += 1
            if not v:
                continue
            parts = _comp(v, d)
            if len(parts) == 1 and parts[0] in ("ABK", "BK", "ABF", "BF") and i < len(els) and els[i] and len(_comp(els[i], d)) == 1:
                parts = [parts[0], els[i]]
                i += 1
            if len(parts) >= 2 and parts[0] in ("ABK", "BK", "ABF", "BF") and parts[1]:
                out.append(parts[1])
    return out


def _build_claim(clm: _Ctx, bp: _Ctx | None, sb: _Ctx | None, pt: _Ctx | None, inst: bool,
                 created: dt.date | None, issues: list[Issue], delims: Delimiters) -> Claim:
    assert bp is not None and sb is not None
    c = clm.data["clm"]
    pos = clm.pos

    def comp_of(v: str) -> list[str]:
        return _comp(v, delims)

    clm05 = comp_of(_e(c, 5))
    facility = clm05[0] if clm05 else ""
    freq = clm05[2] if len(clm05) > 2 else "1"
    name = bp.data["name"]
    refs = name.get("refs", {})
    tax_type = "EI" if "EI" in refs else ("SY" if "SY" in refs else "EI")
    billing = {"npi": name.get("id", ""), "tax_id": refs.get("EI") or refs.get("SY") or "", "tax_id_type": tax_type,
               "name": name.get("last", ""), "address": _addr(name)}
    if bp.data.get("taxonomy") or name.get("taxonomy"):
        billing["taxonomy"] = bp.data.get("taxonomy") or name.get("taxonomy")
    if name.get("phone"):
        billing["phone"] = name["phone"]
    sbr = sb.data.get("sbr") or ["SBR", "P", "18"]
    sub = sb.data["subscriber"]
    subscriber = {"member_id": sub.get("id", ""), "first_name": sub.get("first", ""), "last_name": sub.get("last", ""),
                  "dob": sub.get("dob"), "sex": sub.get("sex"), "address": _addr(sub), "group_number": _e(sbr, 3) or None}
    payer_nm = sb.data["payer"]
    payer = {"id": payer_nm.get("id", ""), "name": payer_nm.get("last", ""), "address": _addr(payer_nm)}
    if _e(sbr, 9):
        payer["filing_indicator"] = _e(sbr, 9)
    resp = _e(sbr, 1)
    if resp not in ("P", "S", "T"):
        issues.append(Issue(f"payer responsibility {resp!r} read as T (beyond tertiary)", sb.pos, "SBR", "SBR01"))
        resp = "T"
    data: dict[str, Any] = {
        "claim_id": _e(c, 1), "claim_type": "institutional" if inst else "professional", "frequency": freq or "1",
        "submitted_on": created.isoformat() if created else None, "payer": payer, "payer_responsibility": resp,
        "billing_provider": billing, "subscriber": subscriber,
    }
    pay_to = bp.data.get("pay_to")
    if pay_to and _addr(pay_to):
        data["pay_to_address"] = _addr(pay_to)
    patient = pt.data.get("patient") if pt is not None else None
    if patient is not None and pt is not None:
        data["patient"] = {"first_name": patient.get("first", ""), "last_name": patient.get("last", ""),
                           "dob": patient.get("dob"), "sex": patient.get("sex"),
                           "relationship": pt.data.get("relationship") or "19", "address": _addr(patient)}
    if inst:
        data["place_of_service"] = facility
        data["type_of_bill"] = "0" + facility + freq if facility else None
        data["assignment"] = _e(c, 7) if _e(c, 7) in ("A", "B", "C") else "A"
        data["benefits_assigned"] = _e(c, 8) in ("Y", "W")
        data["release_of_information"] = _e(c, 9) if _e(c, 9) in ("Y", "I") else "Y"
        cl1 = clm.data.get("cl1")
        if cl1:
            data["admission_type"] = _e(cl1, 1) or None
            data["admission_source"] = _e(cl1, 2) or None
            data["patient_status"] = _e(cl1, 3) or None
    else:
        data["place_of_service"] = facility or None
        data["provider_signature"] = _e(c, 6) != "N"
        data["assignment"] = _e(c, 7) if _e(c, 7) in ("A", "B", "C") else "A"
        data["benefits_assigned"] = _e(c, 8) in ("Y", "W")
        data["release_of_information"] = _e(c, 9) if _e(c, 9) in ("Y", "I") else "Y"
        related = comp_of(_e(c, 11)) if _e(c, 11) else []
        if "AA" in related[:3] and len(related) > 3 and related[3]:
            data["accident_state"] = related[3]
    dtp = clm.data.get("dtp", {})
    if "431" in dtp:
        data["onset_date"] = _date_el(dtp["431"][1])
    if "435" in dtp:
        data["admission_date"] = _date_el(dtp["435"][1])
    if "434" in dtp:
        _fmt, v, _p = dtp["434"]
        a, _, b = v.partition("-")
        data["statement_from"] = _date_el(a)
        data["statement_to"] = _date_el(b or a)
    crefs = clm.data.get("refs", {})
    for key, q in (("prior_authorization", "G1"), ("original_claim_number", "F8"), ("referral_number", "9F")):
        if crefs.get(q):
            data[key] = crefs[q]
    if clm.data.get("nte"):
        data["note"] = clm.data["nte"]
    data["diagnoses"] = [normalize_icd10(x) for x in _dx_codes(clm.data.get("hi", []), delims)]
    parties = clm.data.get("parties", {})
    for key, code in (("rendering_provider", "82"), ("referring_provider", "DN"), ("attending_provider", "71")):
        if code in parties:
            data[key] = _person(parties[code])
    claim_date = dtp.get("472")
    lines = []
    for ln in clm.data.get("lines", []):
        lines.append(_line(ln, inst, claim_date, data, comp_of))
    data["lines"] = lines
    others = []
    payer_ids = []
    for o in clm.data.get("other", []):
        osbr = o["sbr"]
        onm = o.get("payer") or {}
        osub = o.get("subscriber") or {}
        if not onm:
            issues.append(Issue("loop 2330B other payer name (NM1*PR) is missing; payer left blank", pos, "SBR"))
        op: dict[str, Any] = {
            "payer": {"id": onm.get("id", ""), "name": onm.get("last", ""), "address": _addr(onm)},
            "subscriber": {"member_id": osub.get("id", ""), "first_name": osub.get("first", ""),
                           "last_name": osub.get("last", ""), "address": _addr(osub), "group_number": _e(osbr, 3) or None},
            "relationship": _e(osbr, 2) or "18",
            "responsibility": _e(osbr, 1) if _e(osbr, 1) in ("P", "S", "T") else "T",
            "paid": o.get("paid") or None, "adjudicated_on": o.get("date"), "claim_control_number": o.get("ccn"),
            "adjustments": _cas_list(o.get("cas", [])), "line_adjudications": [],
        }
        if _e(osbr, 9):
            op["payer"]["filing_indicator"] = _e(osbr, 9)
        others.append(op)
        payer_ids.append(onm.get("id", ""))
    for n, ln in enumerate(clm.data.get("lines", []), 1):
        for s in ln.get("svd", []):
            sv = s["svd"]
            payer_id = _e(sv, 1)
            parts = comp_of(_e(sv, 3))
            la = {"line": n, "payer_id": payer_id, "paid": _e(sv, 2) or "0",
                  "procedure": parts[1] if len(parts) > 1 else None, "modifiers": [m for m in parts[2:6] if m],
                  "units": _e(sv, 5) or "1", "adjustments": _cas_list(s.get("cas", [])), "adjudicated_on": s.get("date")}
            if not others:
                issues.append(Issue("SVD without a 2320 other payer; ignored", pos, "SVD"))
                continue
            k = payer_ids.index(payer_id) if payer_id in payer_ids else 0
            others[k]["line_adjudications"].append(la)
    data["other_payers"] = others
    try:
        return Claim.model_validate(_drop_none(data))
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(x) for x in first["loc"])
        raise X12Error(f"claim {data['claim_id']}: {loc}: {first['msg']}", position=pos, segment_id="CLM") from None


def _line(ln: dict[str, Any], inst: bool, claim_date: Any, claim: dict[str, Any], comp_of: Any) -> dict[str, Any]:
    s = ln["service"]
    pos = ln["pos"]
    refs = ln.get("refs", {})
    dtp = ln.get("dtp") or claim_date
    if dtp:
        _fmt, v, _p = dtp
        a, _, b = v.partition("-")
        start, end = _date_el(a), _date_el(b) if b else None
    else:
        start = claim.get("statement_from")
        end = claim.get("statement_to") if claim.get("statement_to") != start else None
    if not start:
        raise _err("service line without a date of service (DTP*472)", pos, s)
    out: dict[str, Any] = {"date_of_service": start}
    if end and end != start:
        out["date_of_service_end"] = end
    if inst:
        proc = comp_of(_e(s, 2)) if _e(s, 2) else []
        out.update({"revenue_code": _e(s, 1), "procedure": proc[1] if len(proc) > 1 else "",
                    "modifiers": [m for m in proc[2:6] if m], "charge": _num(s, 3, pos), "units": _e(s, 5) or "1"})
    else:
        proc = comp_of(_e(s, 1))
        if len(proc) < 2 or not proc[1]:
            raise _err("SV101 has no procedure code", pos, s, 1)
        out.update({"procedure": proc[1], "modifiers": [m for m in proc[2:6] if m], "charge": _num(s, 2, pos),
                    "unit_type": "MJ" if _e(s, 3) == "MJ" else "UN", "units": _e(s, 4) or "1"})
        if _e(s, 5) and _e(s, 5) != claim.get("place_of_service"):
            out["place_of_service"] = _e(s, 5)
        ptrs = [p for p in comp_of(_e(s, 7)) if p.isdigit()] if _e(s, 7) else []
        out["dx_pointers"] = [int(p) for p in ptrs] or [1]
    try:
        Decimal(out["units"])
    except Exception:
        raise _err(f"units not a number: {out['units']!r}", pos, s, 5 if inst else 4) from None
    if refs.get("6R"):
        out["line_control_number"] = refs["6R"]
    if ln.get("ndc"):
        out["ndc"] = ln["ndc"]
    if ln.get("rendering"):
        out["rendering_provider"] = _person(ln["rendering"])
    return out


def _num(s: list[str], i: int, pos: int) -> str:
    v = _e(s, i)
    try:
        d = Decimal(v)
    except Exception:
        raise _err(f"not a number: {v!r}", pos, s, i) from None
    if not d.is_finite():
        raise _err(f"not a number: {v!r}", pos, s, i)
    return v


def _cas_list(items: list[tuple[list[str], int]]) -> list[dict[str, Any]]:
    out = []
    for seg, pos in items:
        group = _e(seg, 1).upper()
        if group not in ("CO", "PR", "OA", "PI", "CR"):
            raise _err(f"claim adjustment group code {group!r} is not CO, PR, OA, PI or CR", pos, seg, 1)
        for i in (2, 5, 8, 11, 14, 17):
            if _e(seg, i):
                adj = {"group": group, "reason": _e(seg, i), "amount": _num(seg, i + 1, pos)}
                if _e(seg, i + 2):
                    adj["quantity"] = _num(seg, i + 2, pos)
                out.append(adj)
    return out


def _drop_none(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _drop_none(x) for k, x in v.items() if x is not None}
    if isinstance(v, list):
        return [_drop_none(x) for x in v]
    return v

