"""Tokenized funds: a fund's dealing vault, its NAV, and subscriptions and redemptions at the dealing NAV in
the settlement currency (docs/funds.md)."""
