"""Prices per destination (R12): tariffs, their immutable versions, and the in-memory book
charging reads them from."""
