"""API keys: long-lived machine credentials of an account (issue 7, item 2).

A key is `sk_live_` and 32 random bytes; auth keeps only its SHA-256 and a visible prefix.
Every change is an event on `auth.api-keys`, from which each gateway replica keeps its own
projection. The gateway exchanges a key for a short-lived access token at
`POST /internal/api-keys/token`, so the services go on accepting only auth's JWTs.
"""
