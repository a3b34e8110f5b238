"""The demo practice: synthetic family-medicine practice, its payers, patients and visit notes with truth."""

from chartclaim.demo.practice import build_practice, make_npi, npi_check_digit, npi_is_valid

__all__ = ["build_practice", "make_npi", "npi_check_digit", "npi_is_valid"]
