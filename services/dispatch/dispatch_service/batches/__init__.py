"""Bulk sending: many messages in one request, accepted and billed together."""
