"""billing: prepaid balances, the ledger behind them, and charges per message part."""
