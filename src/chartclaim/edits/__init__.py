"""The claim scrubber: edits that catch what payers reject, each one explained.

    from chartclaim.edits import ScrubContext, scrub
    ctx = ScrubContext.load()          # code sets, NCCI/MCE store, payer rules
    for edit in scrub(claim, ctx): ...

Rule families: code (ICD-10-CM/CPT/HCPCS validity and conventions), mce (Medicare Code Editor), ncci-ptp,
ncci-mue, ncci-addon, data (identifiers, required fields, dates, money, duplicates), payer (rules as data),
medical-necessity (LCD/NCD-style policies).
"""

from chartclaim.edits.documents import DocumentResult, read_documents, scrub_document_results, scrub_documents
from chartclaim.edits.engine import ScrubContext, scrub, scrub_many
from chartclaim.edits.model import FAMILIES, Edit, Family, Severity, has_errors

__all__ = ["FAMILIES", "DocumentResult", "Edit", "Family", "ScrubContext", "Severity", "has_errors", "read_documents",
           "scrub", "scrub_document_results", "scrub_documents", "scrub_many"]
