"""Investors, wallets and KYC status: services over the shared InvestorRegistry contract."""

from rwakit.registry.models import Investor, InvestorClass, InvestorInput
from rwakit.registry.service import RegistryService

__all__ = ["Investor", "InvestorClass", "InvestorInput", "RegistryService"]
