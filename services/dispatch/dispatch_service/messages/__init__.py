"""Outbound messages: intake over HTTP, their parts, and their delivery status."""
