"""Replies (issue 9 item 6): `reply_to: <inbound id>` sends to the handset that wrote from
the number it wrote to. Dispatch keeps the addresses of each account's inbound SMS from
dlr's `inbound.received` (never their text)."""
