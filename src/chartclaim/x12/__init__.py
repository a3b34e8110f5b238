"""X12 5010: read and write the healthcare transactions a practice exchanges (pure library: data in, data out).

Reading (any ISA delimiters, any terminator incl. newline, several ISA/GS/ST per file, streamed):

* ``read(path_or_file) -> ReadResult`` — every transaction set with its typed model or its located error;
  raises ``X12Error`` only when the file is not readable X12 at all (no/damaged ISA).
* ``iter_read(...)`` — the same, streamed one ``TransactionResult`` at a time.
* ``read_835(...)`` — only the 835s; ``result.models("835")`` are ``Remittance``s.
* ``X12Error`` — ``position`` (1-based segment ordinal in the file), ``segment_id``, ``element`` (e.g. CLP03).

Typed models per kind (``TransactionResult.kind``):

* ``835`` → ``chartclaim.x12.remit.Remittance`` (payment, trace, payer/payee, ``claims`` of ``ClaimPayment``
  with ``services`` of ``ServicePayment``, CAS as ``CasAdjustment``, PLB as ``ProviderAdjustment``;
  balancing in ``Remittance.balancing``).
* ``837P`` / ``837I`` → ``chartclaim.x12.claims837.ClaimFile`` (``claims``: ``chartclaim.claim.Claim``).
* ``999`` → ``chartclaim.x12.acks.ImplementationAck``; ``TA1`` → ``acks.InterchangeAck``;
  ``277CA`` → ``status.ClaimStatusReport`` (alias ``acks.ClaimAck``).
* ``271`` → ``eligibility.EligibilityResponse``; ``270`` → ``eligibility.EligibilityInquiry``.
* ``277`` → ``status.ClaimStatusResponse``; ``276`` → ``status.ClaimStatusInquiry``.

Writing (fixed-width ISA, control numbers from a ``ControlNumberSource``; output passes pyx12):

* ``write837.write_837(claims, EnvelopeOptions, Submitter, Receiver, numbers, one_st_per_claim=True)``;
  ``write837.cob_problems(claim)``, ``write837.with_line_control_numbers(claim)``
* ``write835.write_835(remittances, EnvelopeOptions, numbers)``; to answer our claims
  ``write835.claim_payment_for(claim, [(paid, adjustments) per line], ...)`` and ``write835.remittance_for(...)``
* ``acks.write_999(acks, ...)`` / ``acks.acknowledge_file(read_result, ...)``, ``acks.match_999(ack, claim_files)``,
  ``acks.write_ta1(...)``, ``status.claim_ack_for(...)`` + ``status.write_277ca(...)``, ``eligibility.write_270(...)``,
  ``status.write_276(...)``
* ``envelope.FileControlNumbers`` (default, persisted in ``data_dir``) / ``envelope.MemoryControlNumbers``.

Validation: ``validate.pyx12_validate(path_or_text)`` drives pyx12's Python API.
"""

from chartclaim.x12.core import Delimiters, Issue, X12Error
from chartclaim.x12.envelope import (
    ControlNumberSource,
    EnvelopeOptions,
    EnvelopeParty,
    FileControlNumbers,
    MemoryControlNumbers,
)
from chartclaim.x12.reader import ReadResult, TransactionResult, iter_read, read, read_835

__all__ = [
    "ControlNumberSource",
    "Delimiters",
    "EnvelopeOptions",
    "EnvelopeParty",
    "FileControlNumbers",
    "Issue",
    "MemoryControlNumbers",
    "ReadResult",
    "TransactionResult",
    "X12Error",
    "iter_read",
    "read",
    "read_835",
]
