"""The money leg: the settlement currency, delivery-versus-payment trades and income distributions
(`rwakit.settlement.services.Settlement`)."""
