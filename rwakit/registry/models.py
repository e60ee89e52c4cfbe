"""Investor data as the Python side sees it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum


class InvestorClass(IntEnum):
    """Mirrors IInvestorRegistry.InvestorClass."""

    RETAIL = 0
    PROFESSIONAL = 1
    INSTITUTIONAL = 2

    @classmethod
    def parse(cls, value: str | int | InvestorClass) -> InvestorClass:
        from rwakit.errors import InvalidInput

        if isinstance(value, InvestorClass):
            return value
        try:
            return cls[value.upper()] if isinstance(value, str) else cls(value)
        except (KeyError, ValueError) as exc:
            names = ", ".join(c.name.lower() for c in cls)
            raise InvalidInput(
                f"Investor class {value!r} is not one of {names}", code="invalid_investor_class"
            ) from exc


@dataclass(frozen=True)
class InvestorInput:
    """What a registrar records for a new investor (KYC done off chain)."""

    investor_id: str
    wallets: list[str]
    country: str | int
    investor_class: InvestorClass | str | int
    kyc_expiry: datetime | int


@dataclass(frozen=True)
class Investor:
    """An investor as recorded on chain."""

    investor_id: str
    number: int
    wallets: list[str] = field(default_factory=list)
    country: int = 0
    investor_class: InvestorClass = InvestorClass.RETAIL
    kyc_expiry: datetime | None = None
    revoked: bool = False
    verified: bool = False
