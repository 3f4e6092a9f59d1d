"""Webhooks: integrators' endpoints, a durable queue of deliveries written in the same
transaction as the status or inbound SMS they announce, and the worker that sends them
(`python -m dlr_service.webhooks`), signed per Standard Webhooks."""
