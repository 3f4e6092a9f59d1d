"""Quotes: what a send would cost and how it would be encoded, without sending anything."""
