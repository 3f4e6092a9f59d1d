"""contacts: each account's recipients, with the consent they gave (R11, R16, R17)."""
