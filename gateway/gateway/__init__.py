"""gateway: the platform's only public entry. It routes by path prefix, checks bearer tokens
before anything reaches a service, streams requests and responses through, and publishes one
merged OpenAPI document. It owns no data."""
