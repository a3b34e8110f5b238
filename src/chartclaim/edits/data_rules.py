"""Data edits: the claim's own fields — identifiers, required data, pointers, money, units, dates, POS,
timely filing, duplicates. These are what clearinghouse front-end edits reject before a payer sees the claim.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from functools import lru_cache

from chartclaim.claim import Claim, Person
from chartclaim.edits.facts import REPEAT, ClaimFacts
from chartclaim.edits.model import Edit, Family
from chartclaim.edits.pos import VALID_POS

F: Family = "data"
SRC = "claim data"

# Individual relationship codes allowed for a patient who is not the subscriber (837 2000C PAT01) plus 18.
RELATIONSHIPS = {"01": "spouse", "18": "self", "19": "child", "20": "employee", "21": "unknown",
                 "39": "organ donor", "40": "cadaver donor", "53": "life partner", "G8": "other relationship"}
FREQUENCIES = {"1": "original", "7": "replacement", "8": "void"}
# Timely filing when the payer record does not say: Medicare is one calendar year from the date of service.
MAX_DX = {"professional": 12, "institutional": 25}
# USPS state and territory codes accepted in N4 (plus military AA/AE/AP).
STATES = frozenset(["AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "AS", "GU", "MP", "PR", "VI", "FM", "MH", "PW", "AA", "AE", "AP"])
TAXONOMY = re.compile(r"^\d{3}[0-9A-Z]{6}X$")


@lru_cache(maxsize=65536)
def npi_valid(npi: str) -> bool:
    """The NPI check digit: Luhn over the 9 digits prefixed with the card issuer prefix 80840."""
    if not re.fullmatch(r"\d{10}", npi):
        return False
    total = 24  # the doubled-and-summed contribution of the 80840 prefix
    for i, ch in enumerate(reversed(npi[:9])):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10 == int(npi[9])


@lru_cache(maxsize=65536)
def tax_id_problem(tax_id: str, kind: str) -> str | None:
    digits = tax_id.replace("-", "")
    if not re.fullmatch(r"\d{9}", digits):
        return f"tax ID '{tax_id}' is not 9 digits"
    if kind == "EI" and "-" in tax_id and not re.fullmatch(r"\d{2}-\d{7}", tax_id):
        return f"EIN '{tax_id}' is not in the form NN-NNNNNNN"
    if len(set(digits)) == 1 or digits.startswith("000"):
        return f"tax ID '{tax_id}' is a placeholder, not a real {('EIN' if kind == 'EI' else 'SSN')}"
    if kind == "SY" and (digits[:3] in ("000", "666") or digits[0] == "9" or digits[3:5] == "00"
                         or digits[5:] == "0000"):
        return f"SSN '{tax_id}' is not a number the SSA issues"
    return None


def _e(claim: Claim, rule: str, line: int | None, message: str, fix: str, severity: str = "error") -> Edit:
    return Edit(rule, F, "error" if severity == "error" else "warning", claim.claim_id, line, message, fix, SRC)


def identifiers(claim: Claim, facts: ClaimFacts, ctx: object) -> Iterator[Edit]:
    bp = claim.billing_provider
    if not npi_valid(bp.npi):
        yield _e(claim, "DATA-NPI", None, f"Billing provider NPI {bp.npi or '(blank)'} is not a valid NPI "
                 "(10 digits with a correct check digit).",
                 "Copy the billing NPI from NPPES (npiregistry.cms.hhs.gov) or the practice's enrollment record.")
    people: list[tuple[str, Person | None, int | None]] = [
        ("Rendering provider", claim.rendering_provider, None),
        ("Referring provider", claim.referring_provider, None),
        ("Attending provider", claim.attending_provider, None)]
    people += [("Line rendering provider", ln.rendering_provider, i) for i, ln in enumerate(claim.lines, 1)]
    for label, p, line in people:
        if p is not None and not npi_valid(p.npi):
            yield _e(claim, "DATA-NPI", line, f"{label} NPI {p.npi or '(blank)'} for {p.first_name} "
                     f"{p.last_name} is not a valid NPI (10 digits with a correct check digit).",
                     f"Look up {p.first_name} {p.last_name}'s NPI in NPPES and correct it.")
    for label, tax in [("Billing provider", bp.taxonomy)] + [(lbl, p.taxonomy) for lbl, p, _ in people if p]:
        if tax and not TAXONOMY.match(tax.upper()):
            yield _e(claim, "DATA-TAXONOMY", None, f"{label} taxonomy code '{tax}' is not a NUCC taxonomy code "
                     "(10 characters ending in X, e.g. 207Q00000X).",
                     "Use the taxonomy the provider registered in NPPES, or leave it out.")
    if problem := tax_id_problem(bp.tax_id, bp.tax_id_type):
        yield _e(claim, "DATA-TAX-ID", None, f"Billing provider {problem}.",
                 "Enter the practice's 9-digit EIN (or the provider's SSN with tax ID type SY) as on the W-9.")


def required(claim: Claim, facts: ClaimFacts, ctx: object) -> Iterator[Edit]:
    def need(value: object, what: str, fix: str, line: int | None = None) -> Iterator[Edit]:
        if value is None or (isinstance(value, str) and not value.strip()):
            yield _e(claim, "DATA-REQUIRED", line, f"{what} is missing.", fix)

    yield from need(claim.payer.id, "Payer ID", "Enter the payer ID from the clearinghouse payer list.")
    yield from need(claim.payer.name, "Payer name", "Enter the payer's name.")
    bp = claim.billing_provider
    yield from need(bp.name, "Billing provider name", "Enter the practice name as enrolled with the payer.")
    addr = bp.address
    for value, what in ((addr.line1, "street"), (addr.city, "city"), (addr.state, "state"), (addr.zip, "ZIP")):
        yield from need(value, f"Billing provider address {what}", "Complete the practice's service address.")
    addresses = [("Billing provider", addr), ("Pay-to", claim.pay_to_address),
                 ("Subscriber", claim.subscriber.address), ("Patient", claim.patient.address if claim.patient else None)]
    for who, a in addresses:
        if a is None:
            continue
        if a.zip and not re.fullmatch(r"\d{5}(-?\d{4})?", a.zip):
            yield _e(claim, "DATA-ADDRESS", None, f"{who} ZIP '{a.zip}' is not a 5- or 9-digit ZIP.",
                     "Enter the ZIP code as 5 digits or ZIP+4.")
        if a.state and a.state.upper() not in STATES:
            yield _e(claim, "DATA-ADDRESS", None, f"{who} state '{a.state}' is not a USPS state code.",
                     "Enter the 2-letter USPS state abbreviation (e.g. IL).")
    sub = claim.subscriber
    yield from need(sub.member_id, "Subscriber member ID", "Copy the member ID from the insurance card.")
    yield from need(sub.last_name, "Subscriber last name", "Enter the subscriber's name as on the card.")
    yield from need(sub.first_name, "Subscriber first name", "Enter the subscriber's name as on the card.")
    if sub.member_id and not re.fullmatch(r"[A-Za-z0-9\-]{2,80}", sub.member_id):
        yield _e(claim, "DATA-REQUIRED", None, f"Member ID '{sub.member_id}' has characters payers reject "
                 "(only letters, digits and hyphens).", "Copy the member ID exactly from the card, without spaces.")
    # The 837P carries the patient's address (2010BA N3/N4 when the subscriber is the patient): the 837
    # writer refuses a claim without it. A warning here, since practice systems often keep it on the
    # registration rather than on the claim document. (A dependent's own address, 2010CA, is not checked:
    # the documented claim form leaves it optional and the subscriber's address usually serves.)
    if (claim.claim_type == "professional" and claim.is_subscriber_patient and sub.address is None
            and not (claim.patient and claim.patient.address)):
        yield _e(claim, "DATA-REQUIRED", None, "Subscriber (patient) address is missing; the 837 needs it "
                 "(loop 2010BA N3/N4).", "Enter the subscriber's street, city, state and ZIP from the "
                 "registration.", "warning")
    # An independent laboratory bills tests other providers ordered: payers (Medicare's ordering/referring
    # edits among them) reject lab claims that do not name the ordering provider (837P 2310A / 2420E).
    if (claim.claim_type == "professional" and (bp.taxonomy or "").upper().startswith(("291U", "293D"))
            and claim.referring_provider is None):
        yield _e(claim, "DATA-REQUIRED", None, "The ordering (referring) provider is missing: a laboratory claim "
                 "must name who ordered the tests.", "Enter the ordering provider's name and NPI from the "
                 "requisition in the referring provider field.", "warning")
    if claim.is_subscriber_patient:
        # A patient block with relationship 18 describes the same person: its DOB/sex count too.
        same = claim.patient
        yield from need(sub.dob or (same.dob if same else None), "Subscriber (patient) date of birth",
                        "Enter the patient's date of birth; it is required when the subscriber is the patient.")
        yield from need(sub.sex or (same.sex if same else None), "Subscriber (patient) sex",
                        "Enter the patient's sex (F, M or U).")
    else:
        p = claim.patient
        assert p is not None
        yield from need(p.last_name, "Patient last name", "Enter the patient's name.")
        yield from need(p.first_name, "Patient first name", "Enter the patient's name.")
        yield from need(p.dob, "Patient date of birth", "Enter the patient's date of birth.")
        yield from need(p.sex, "Patient sex", "Enter the patient's sex (F, M or U).")
    if not claim.diagnoses:
        yield _e(claim, "DATA-REQUIRED", None, "The claim has no diagnosis codes.",
                 "Add the ICD-10-CM diagnoses that support the services billed.")
    if claim.frequency not in FREQUENCIES:
        yield _e(claim, "DATA-FREQUENCY", None, f"Claim frequency code '{claim.frequency}' is not 1 (original), "
                 "7 (replacement) or 8 (void).", "Use 1 for a new claim, 7 to correct a paid/denied claim, 8 to void.")
    elif claim.frequency in ("7", "8") and not claim.original_claim_number:
        yield _e(claim, "DATA-FREQUENCY", None, f"A {FREQUENCIES[claim.frequency]} claim (frequency "
                 f"{claim.frequency}) needs the payer's original claim number.",
                 "Enter the payer claim control number from the 835/EOB of the claim being replaced or voided.")
    if claim.payer_responsibility in ("S", "T") and not claim.other_payers:
        yield _e(claim, "DATA-REQUIRED", None, "The claim is billed as secondary/tertiary but has no other-payer "
                 "(primary) information.", "Add the primary payer, its subscriber and what it paid (from its 835/EOB).")
    if claim.claim_type == "institutional":
        yield from need(claim.type_of_bill, "Type of bill", "Enter the 4-digit type of bill (e.g. 0111, 0131).")
        if claim.type_of_bill and not re.fullmatch(r"0?\d{3}", claim.type_of_bill):
            yield _e(claim, "DATA-REQUIRED", None, f"Type of bill '{claim.type_of_bill}' is not 3-4 digits.",
                     "Enter facility type, care classification and frequency, e.g. 0111.")
        elif (claim.type_of_bill and claim.type_of_bill[-1] in ("7", "8") and claim.frequency == "1"
              and not claim.original_claim_number):
            # On an 837I the bill type's last digit is the frequency: xx7 replaces, xx8 voids a paid claim.
            what = FREQUENCIES[claim.type_of_bill[-1]]
            yield _e(claim, "DATA-FREQUENCY", None, f"Type of bill {claim.type_of_bill} marks a {what} claim, "
                     "which needs the payer's original claim number.", "Enter the payer claim control number "
                     "from the 835/EOB of the claim being replaced or voided, or use frequency 1 (e.g. 0111) for "
                     "a new claim.")
        for i, ln in enumerate(claim.lines, 1):
            yield from need(ln.revenue_code, "Revenue code", "Enter the 4-digit revenue code for this line.", i)


def relationship(claim: Claim, facts: ClaimFacts, ctx: object) -> Iterator[Edit]:
    p = claim.patient
    if p is None:
        return
    if p.relationship not in RELATIONSHIPS:
        yield _e(claim, "DATA-RELATIONSHIP", None, f"Patient relationship code '{p.relationship}' is not a valid "
                 "X12 individual relationship code.", "Use 18 self, 01 spouse, 19 child, 20 employee, 53 life "
                 "partner, G8 other or 21 unknown.")
        return
    sub = claim.subscriber
    same_person = (p.first_name.lower() == sub.first_name.lower() and p.last_name.lower() == sub.last_name.lower()
                   and (p.dob is None or sub.dob is None or p.dob == sub.dob))
    if p.relationship == "18" and not same_person:
        yield _e(claim, "DATA-RELATIONSHIP", None, f"Relationship is 18 (self) but the patient {p.first_name} "
                 f"{p.last_name} is not the subscriber {sub.first_name} {sub.last_name}.",
                 "Set the patient's relationship to the subscriber (01 spouse, 19 child, ...) or remove the separate patient.")
    elif p.relationship != "18" and same_person and p.dob is not None:
        yield _e(claim, "DATA-RELATIONSHIP", None, f"Patient and subscriber are the same person but the "
                 f"relationship is {p.relationship} ({RELATIONSHIPS[p.relationship]}).",
                 "Use relationship 18 (self), or leave out the patient block when the subscriber is the patient.")
    elif p.relationship == "19" and p.dob and sub.dob and p.dob <= sub.dob:
        yield _e(claim, "DATA-RELATIONSHIP", None, f"Relationship is 19 (child) but the patient was born on or "
                 f"before the subscriber ({p.dob} vs {sub.dob}).",
                 "Check the relationship and both dates of birth against the insurance card.")


def pointers(claim: Claim, facts: ClaimFacts, ctx: object) -> Iterator[Edit]:
    ndx = len(claim.diagnoses)
    limit = MAX_DX.get(claim.claim_type, 12)
    if ndx > limit:
        yield _e(claim, "DATA-DX-COUNT", None, f"The claim lists {ndx} diagnoses; a {claim.claim_type} claim "
                 f"carries at most {limit}.", f"Keep the {limit} diagnoses that support the services; split the claim if needed.")
    seen: dict[str, int] = {}
    for i, dx in enumerate(claim.diagnoses, 1):
        if dx in seen:
            yield _e(claim, "DATA-DX-DUPLICATE", None, f"Diagnosis {dx} is listed twice (positions {seen[dx]} and {i}).",
                     f"Remove the second {dx} and renumber the line pointers.")
        else:
            seen[dx] = i
    if claim.claim_type == "institutional":
        return
    for i, ln in enumerate(claim.lines, 1):
        ptrs = ln.dx_pointers
        if not ptrs:
            yield _e(claim, "DATA-DX-POINTER", i, f"Line {i} ({ln.procedure}) points to no diagnosis.",
                     f"Point line {i} at the diagnosis (1-{max(ndx, 1)}) that supports {ln.procedure}.")
            continue
        if len(ptrs) > 4:
            yield _e(claim, "DATA-DX-POINTER", i, f"Line {i} ({ln.procedure}) has {len(ptrs)} diagnosis pointers; "
                     "a service line carries at most 4.", "Keep the 4 diagnoses that best support the service.")
        if len(set(ptrs)) != len(ptrs):
            yield _e(claim, "DATA-DX-POINTER", i, f"Line {i} ({ln.procedure}) repeats a diagnosis pointer "
                     f"({', '.join(map(str, ptrs))}).", "List each diagnosis pointer once.")
        for p in ptrs:
            if not 1 <= p <= 12:
                yield _e(claim, "DATA-DX-POINTER", i, f"Line {i} ({ln.procedure}) has diagnosis pointer {p}; "
                         "pointers run from 1 to 12.", f"Point line {i} at diagnoses 1-{min(max(ndx, 1), 12)}.")
            elif p > ndx:
                yield _e(claim, "DATA-DX-POINTER", i, f"Line {i} ({ln.procedure}) points to diagnosis {p} but the "
                         f"claim lists only {ndx}.", f"Add the missing diagnosis or point line {i} at 1-{ndx}.")


# Codes reported for information at a $0.00 charge: CPT Category II and the G8xxx/G9xxx quality-data codes
# (CMS asks for $0.00, or $0.01 where software refuses zero) and the postoperative visit inside a global
# period (99024), sent only to record the visit.
ZERO_CHARGE_OK = re.compile(r"^(\d{4}F|G[89]\d{3}|99024)$")


def money_units(claim: Claim, facts: ClaimFacts, ctx: object) -> Iterator[Edit]:
    for i, ln in enumerate(claim.lines, 1):
        if ln.charge < 0 or (ln.charge == 0 and not ZERO_CHARGE_OK.match(ln.procedure or "")):
            yield _e(claim, "DATA-CHARGE", i, f"Line {i} ({ln.procedure}) has a charge of {ln.charge}; every "
                     "billed line needs a charge above zero.", "Enter the practice's fee-schedule charge for the service.")
        elif ln.charge.as_tuple().exponent < -2:  # type: ignore[operator]
            yield _e(claim, "DATA-CHARGE", i, f"Line {i} charge {ln.charge} has more than 2 decimal places.",
                     "Round the charge to cents.")
        if ln.ndc and not re.fullmatch(r"\d{11}|\d{4,5}-\d{3,4}-\d{1,2}", ln.ndc):
            yield _e(claim, "DATA-NDC", i, f"Line {i} NDC '{ln.ndc}' is not an 11-digit NDC (5-4-2).",
                     "Enter the NDC from the vial in 11-digit 5-4-2 form, padding with leading zeros.")
        if ln.units <= 0:
            yield _e(claim, "DATA-UNITS", i, f"Line {i} ({ln.procedure}) bills {ln.units} units; units must be "
                     "above zero.", "Enter the number of units actually provided (usually 1).")
        elif ln.units != ln.units.to_integral_value():
            yield _e(claim, "DATA-UNITS", i, f"Line {i} ({ln.procedure}) bills {ln.units} units; "
                     f"{'anesthesia minutes' if ln.unit_type == 'MJ' else 'service units'} must be whole numbers.",
                     "Round to whole units as the code's definition counts them (e.g. per 15 minutes, per dose).")
    if claim.total_charge > Decimal("9999999.99"):
        yield _e(claim, "DATA-CHARGE", None, f"Total charge {claim.total_charge} is above the X12 limit.",
                 "Split the claim.")


def dates(claim: Claim, facts: ClaimFacts, ctx: object) -> Iterator[Edit]:
    # A service dated after the day of the scrub has not happened yet, whatever submission date the claim
    # carries (a claim built ahead of time with a future submission date is still billing in advance).
    today: dt.date = getattr(ctx, "today", None) or dt.date.today()
    sent = claim.submitted_on
    dob = facts.dob
    for i, ln in enumerate(claim.lines, 1):
        dos, end = ln.date_of_service, ln.date_of_service_end
        if dos > today:
            yield _e(claim, "DATA-DOS-FUTURE", i, f"Line {i} ({ln.procedure}) has a date of service in the future "
                     f"({dos}).", "Bill the service after it is provided; correct the date if it was mistyped.")
        elif sent is not None and dos > sent:
            yield _e(claim, "DATA-DOS-AFTER-SUBMISSION", i, f"Line {i} ({ln.procedure}) date of service {dos} is "
                     f"after the claim's submission date {sent}.", "Correct the date of service or the submission date.")
        if end is not None and end < dos:
            yield _e(claim, "DATA-DOS-RANGE", i, f"Line {i} service end date {end} is before its start {dos}.",
                     "Swap or correct the from/to dates.")
        if dob is not None and dos < dob:
            yield _e(claim, "DATA-DOB", i, f"Line {i} date of service {dos} is before the patient's birth ({dob}).",
                     "Correct the patient's date of birth or the date of service.")
    if dob is not None and dob > today:
        yield _e(claim, "DATA-DOB", None, f"Patient date of birth {dob} is in the future.",
                 "Correct the date of birth.")
    if claim.onset_date and claim.onset_date > claim.last_date_of_service:
        yield _e(claim, "DATA-DATES", None, f"Onset date {claim.onset_date} is after the last date of service.",
                 "Correct the onset date.", "warning")
    if (claim.statement_from and claim.statement_to and claim.statement_to < claim.statement_from):
        yield _e(claim, "DATA-DATES", None, f"Statement period ends ({claim.statement_to}) before it starts "
                 f"({claim.statement_from}).", "Correct the statement covers period.")


def place_of_service(claim: Claim, facts: ClaimFacts, ctx: object) -> Iterator[Edit]:
    if claim.claim_type != "professional":
        return
    cs = getattr(ctx, "codesets", None)
    valid = _pos_lookup(cs)
    if not claim.place_of_service and any(not ln.place_of_service for ln in claim.lines):
        yield _e(claim, "DATA-POS", None, "The claim has no place of service.",
                 "Enter the 2-digit place of service (11 office, 02/10 telehealth, 22 outpatient hospital...).")
    checked: set[str] = set()
    for i, ln in enumerate(claim.lines, 1):
        pos = claim.line_pos(ln)
        if not pos or pos in checked:
            continue
        if not valid(pos):
            yield _e(claim, "DATA-POS", i if ln.place_of_service else None,
                     f"Place of service '{pos}' is not a valid CMS place-of-service code.",
                     "Use the 2-digit CMS code for where the service was given (11 office, 02/10 telehealth, "
                     "19/22 outpatient hospital, 21 inpatient, 23 emergency room, 31/32 nursing facility).")
        checked.add(pos)


def _pos_lookup(cs: object | None) -> Callable[[str], bool]:
    pos_set = getattr(cs, "pos", None) if cs is not None else None

    def valid(code: str) -> bool:
        if code in VALID_POS:
            return True
        if pos_set is not None:
            try:
                return pos_set.get(code) is not None
            except Exception:
                return False
        return False

    return valid


def timely_filing(claim: Claim, facts: ClaimFacts, ctx: object) -> Iterator[Edit]:
    limit = claim.payer.timely_filing_days
    known = limit is not None or facts.medicare
    if limit is None:
        # Medicare: one calendar year. Any other payer whose limit is not on file: a year is the longest
        # limit payers commonly allow, so a claim older than that is almost surely late (a warning).
        limit = 365
    if not limit:
        return
    sent: dt.date = claim.submitted_on or getattr(ctx, "today", None) or dt.date.today()
    # Without a submission date the claim is judged as if sent today: a warning, since it may go out later
    # or may already have been sent.
    severity = "error" if claim.submitted_on and known else "warning"
    oldest = min(claim.lines, key=lambda ln: ln.date_of_service)
    age = (sent - oldest.date_of_service).days
    if age > limit:
        late = [i for i, ln in enumerate(claim.lines, 1) if (sent - ln.date_of_service).days > limit]
        yield _e(claim, "DATA-TIMELY-FILING", late[0] if len(late) == 1 else None,
                 f"Timely filing exceeded: {claim.payer.name} allows "
                 f"{f'{limit} days' if known else 'at most a year (its own limit is not on file)'} from the date "
                 "of service and "
                 f"{oldest.date_of_service} is {age} days before submission ({sent}).",
                 "Submit only with proof of timely filing (an earlier clearinghouse acceptance report or payer "
                 "correspondence); otherwise the balance is a write-off, not billable to the patient.", severity)


def duplicate_lines(claim: Claim, facts: ClaimFacts, ctx: object) -> Iterator[Edit]:
    seen: dict[tuple[object, ...], int] = {}
    for i, ln in enumerate(claim.lines, 1):
        key = (ln.procedure, ln.revenue_code, tuple(sorted(ln.modifiers)), ln.date_of_service,
               ln.date_of_service_end, claim.line_pos(ln), facts.rendering_npi(ln), ln.ndc)
        what = ln.procedure or f"revenue code {ln.revenue_code}"
        if key in seen and not REPEAT & set(ln.modifiers):
            yield _e(claim, "DATA-DUPLICATE-LINE", i, f"Line {i} repeats line {seen[key]}: {what} on "
                     f"{ln.date_of_service}{' with ' + ' '.join(ln.modifiers) if ln.modifiers else ''}.",
                     f"If the service was given more than once, bill it on one line with the {what} units "
                     "combined (or add 76/77/91 for a true repeat); otherwise delete the duplicate line.")
        else:
            seen.setdefault(key, i)


def claim_fingerprint(claim: Claim) -> str:
    """What makes two claims the same bill: patient, payer, provider, and the same services on the same
    dates. Claim ids and submission dates are left out on purpose (a resubmitted copy gets a new id)."""
    data = claim.model_dump(mode="json", exclude={"claim_id", "submitted_on", "frequency", "original_claim_number",
                                                  "note"})
    for ln in data["lines"]:
        ln.pop("line_control_number", None)
    data["lines"] = sorted(data["lines"], key=lambda ln: json.dumps(ln, sort_keys=True))
    return hashlib.sha1(json.dumps(data, sort_keys=True).encode()).hexdigest()


def duplicate_claim_edit(claim: Claim, first_id: str | None) -> Edit:
    where = f"claim {first_id}" if first_id else "a claim already submitted"
    return _e(claim, "DATA-DUPLICATE-CLAIM", None, f"This claim duplicates {where}: same patient, payer, provider, "
              "services and dates of service.", "Don't send it again. To change the earlier claim send a "
              "replacement (frequency 7 with the payer's claim number); check claim status before re-billing.")


RULES = (identifiers, required, relationship, pointers, money_units, dates, place_of_service, timely_filing,
         duplicate_lines)
