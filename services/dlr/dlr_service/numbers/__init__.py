"""Numbers (E.164 virtual numbers and short codes) assigned to accounts: whose MO is whose."""
