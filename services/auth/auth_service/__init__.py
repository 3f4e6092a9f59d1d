"""auth: accounts, credentials, and the only signer of access tokens."""
