"""Column types. Money is exact everywhere: NUMERIC(12,2) on PostgreSQL, integer cents on SQLite.

SQLite has no decimal type: SQLAlchemy's Numeric there is a REAL, and a SUM over half a million REAL amounts can
drift by fractions of a cent. Storing cents as INTEGER keeps every SUM exact; this type converts both ways so
Python code only ever sees Decimal with two places. Raw SQL against a SQLite database sees cents.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import BigInteger, Numeric
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

CENT = Decimal("0.01")


def to_money(value: Decimal | int | str | float) -> Decimal:
    """Decimal with exactly two places; floats are refused because they are how cents get lost."""
    if isinstance(value, float):
        raise TypeError("money must not be a float; use Decimal or str")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


class Money(TypeDecorator[Decimal]):
    impl = Numeric(12, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(12, 2, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        money = to_money(value)
        if dialect.name == "sqlite":
            return int(money * 100)
        return money

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return (Decimal(int(value)) / 100).quantize(CENT)
        return Decimal(value).quantize(CENT)

    @property
    def python_type(self) -> type[Decimal]:
        return Decimal
