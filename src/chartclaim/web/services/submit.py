"""Batch submission for the workbench: ready claims → one 837 per clearinghouse route → outbox → submitted.

This composes library pieces: the X12 writer, the clearinghouse adapters, and the billing core's
`record_submission` (claims → submitted with their control numbers, all or nothing).

Routes: `<data_dir>/clearinghouse/routes.yaml` when present (see chartclaim.payer.clearinghouse); otherwise every
payer goes to one directory-drop mailbox at `<data_dir>/clearinghouse/default` — the folder the simulated payer
reads, or an SFTP sync job picks up.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chartclaim.billing.control_numbers import next_control_number
from chartclaim.billing.submissions import record_submission
from chartclaim.claim import Claim, ClaimFormatError, parse_claim
from chartclaim.store.models import ClaimRecord, Organization, PayerRecord
from chartclaim.web.services.claims import SubmitResult


class _Numbers:
    """The X12 writer's control-number protocol over the database sequences (unique across processes)."""

    def __init__(self, db: Session):
        self.db = db

    def next(self, kind: str) -> int:
        return next_control_number(self.db, f"X12:{kind}")


def routes_for(data_dir: Path) -> Any:
    from chartclaim.payer.clearinghouse import load_routes, parse_routes

    cfg = data_dir / "clearinghouse" / "routes.yaml"
    if cfg.exists():
        return load_routes(cfg, data_dir)
    return parse_routes({"clearinghouses": {"default": {"kind": "directory", "root": "clearinghouse/default"}},
                         "routes": {"default": "default"}}, data_dir, "<built-in default route>")


def submit_via_clearinghouse(db: Session, claims: list[ClaimRecord], actor: str, data_dir: Path) -> SubmitResult:
    from chartclaim.x12.envelope import EnvelopeOptions, EnvelopeParty
    from chartclaim.x12.write837 import Receiver, Submitter, X12WriteError, write_837

    res = SubmitResult()
    org = db.scalar(select(Organization).order_by(Organization.id).limit(1))
    if org is None:
        res.refused = [(c.claim_number, "no practice (organization) on file to submit as") for c in claims]
        return res
    sender_id = (org.tax_id or org.npi or "CHARTCLAIM")[:15]
    docs: dict[str, list[tuple[ClaimRecord, Claim]]] = {}
    routes = routes_for(data_dir)
    for c in claims:
        if not c.document:
            res.refused.append((c.claim_number, "has no claim document"))
            continue
        try:
            doc = parse_claim(c.document, f"claim {c.claim_number}")
        except ClaimFormatError as e:
            res.refused.append((c.claim_number, str(e)))
            continue
        # The payer's own route (practice data) when the routes file defines it, else the routing table.
        payer = db.get(PayerRecord, c.payer_id)
        own = payer.clearinghouse_route if payer is not None else None
        try:
            route: str = own if own and own in routes.clearinghouses else routes.route_name(doc.payer.id)
        except Exception as e:
            res.refused.append((c.claim_number, str(e)))
            continue
        docs.setdefault(route, []).append((c, doc))
    now = dt.datetime.now(dt.UTC)
    for route, items in sorted(docs.items()):
        opts = EnvelopeOptions(sender=EnvelopeParty(sender_id), receiver=EnvelopeParty(route.upper()[:15]),
                               timestamp=now)
        try:
            text = write_837([d for _, d in items], opts,
                             Submitter(org.name, sender_id, "Billing office", (org.phone or "0000000000")),
                             Receiver(route, route.upper()[:15]), _Numbers(db))
        except X12WriteError as e:
            res.refused += [(c.claim_number, str(e)) for c, _ in items]
            continue
        name = f"837_{now:%Y%m%d%H%M%S%f}_{route}.x12"
        # Record first (claims → submitted, with their ISA/GS/ST control numbers so a 999 can be tied back);
        # if the mailbox then refuses the file, the request's transaction rolls the record back.
        record_submission(db, text, actor=actor, file_name=name, at=now)
        sub = routes.get(route).submit(name, text.encode("ascii", "replace"))
        res.files.append(sub.name)
        res.submitted += [c.claim_number for c, _ in items]
    db.flush()
    return res
