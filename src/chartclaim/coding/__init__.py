"""Automated coding: clinical note -> ranked ICD-10-CM codes with evidence, E/M level and CPT/HCPCS."""

from chartclaim.coding.pipeline import PROFILES, Coder
from chartclaim.coding.result import CodeSuggestion, CodingResult, Evidence, Rejected

__all__ = ["PROFILES", "CodeSuggestion", "Coder", "CodingResult", "Evidence", "Rejected"]
