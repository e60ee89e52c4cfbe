"""Request and response bodies, per resource. Amounts are decimal strings in shares ('12.5'),
converted exactly with the asset's decimals; JSON numbers are refused for amounts."""
