"""Web-specific services: queries that shape lists and pages, and adapters over the libraries. Business rules
(claim lifecycle, posting, ledger, denials, reports) stay in chartclaim.billing."""
