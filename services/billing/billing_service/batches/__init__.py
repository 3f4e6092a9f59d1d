"""Batch charging: a batch of messages is paid for in one debit, or not at all."""
