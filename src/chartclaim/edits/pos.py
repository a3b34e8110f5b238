"""CMS place-of-service codes in use (code numbers only), so the POS edit works without imported code sets.

Unassigned numbers (28-30, 35-40, 43-48, 59, 63-64, 67-70, 73-80, 82-98) are not valid on a claim.
"""

from __future__ import annotations

VALID_POS: frozenset[str] = frozenset(
    [f"{n:02d}" for n in range(1, 28)]
    + ["31", "32", "33", "34", "41", "42", "49", "50", "51", "52", "53", "54", "55", "56", "57", "58",
       "60", "61", "62", "65", "66", "71", "72", "81", "99"]
)
TELEHEALTH_POS: frozenset[str] = frozenset({"02", "10"})
