"""Fixtures' building blocks: real databases, a real broker, real services on real ports."""
