"""Reconciliation (issue 10 item 8): the ledger checked against itself and the balances."""
