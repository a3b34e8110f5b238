"""Who may do what. Every route names the permission it needs; roles map to permissions here and only here.

The rules of the trade it encodes: coders code and query physicians but never touch money; billers work claims
and money but cannot change codes (a code change goes back to a coder); managers read everything and see
reports and the audit log; admins manage users (and may read the audit log) but see no patient data.
"""

from __future__ import annotations

import enum

from chartclaim.web.security import Role


class Perm(enum.StrEnum):
    CLINICAL_READ = "clinical:read"  # encounters, notes, coding results, physician queries
    CODING_WRITE = "coding:write"  # accept / change / reject codes; ask and record physician queries
    CODING_AUDIT = "coding:audit"  # accuracy sample: accepted vs suggested
    CODES_SEARCH = "codes:search"  # the encoder (no patient data)
    PATIENTS_READ = "patients:read"
    BILLING_READ = "billing:read"  # claims, submissions, remittances, denials, ledgers
    CLAIMS_WRITE = "claims:write"  # scrub, submit, correct, void, appeal
    MONEY_WRITE = "money:write"  # import/post 835s, payments, refunds, plans, statements, write-offs
    REPORTS_READ = "reports:read"
    AUDIT_READ = "audit:read"
    USERS_WRITE = "users:write"


ROLE_PERMS: dict[Role, frozenset[Perm]] = {
    Role.CODER: frozenset({Perm.CLINICAL_READ, Perm.CODING_WRITE, Perm.CODING_AUDIT, Perm.CODES_SEARCH,
                           Perm.PATIENTS_READ}),
    Role.BILLER: frozenset({Perm.CLINICAL_READ, Perm.CODES_SEARCH, Perm.PATIENTS_READ, Perm.BILLING_READ,
                            Perm.CLAIMS_WRITE, Perm.MONEY_WRITE}),
    Role.MANAGER: frozenset({Perm.CLINICAL_READ, Perm.CODING_AUDIT, Perm.CODES_SEARCH, Perm.PATIENTS_READ,
                             Perm.BILLING_READ, Perm.REPORTS_READ, Perm.AUDIT_READ}),
    Role.ADMIN: frozenset({Perm.USERS_WRITE, Perm.AUDIT_READ}),
}


def roles_with(perm: Perm) -> frozenset[Role]:
    return frozenset(r for r, perms in ROLE_PERMS.items() if perm in perms)


def allowed(role: Role | str, perm: Perm) -> bool:
    return perm in ROLE_PERMS.get(Role(role), frozenset())
