"""The credential of /internal/ routes: the gateway routes none of them, but those that hand
out personal data (privacy exports) must not answer whatever else reaches a pod's port."""

import hmac
from typing import Annotated

from fastapi import Depends, Request

from shared.errors import Unauthorized
from shared.runtime import ServiceRuntime

INTERNAL_TOKEN_HEADER = "X-Internal-Token"


async def _internal_caller(request: Request) -> None:
    runtime: ServiceRuntime = request.app.state.runtime
    secret = runtime.settings.internal_token
    given = request.headers.get(INTERNAL_TOKEN_HEADER, "")
    # Constant time: the header is compared against a secret. No secret: nobody gets in.
    if secret is None or not hmac.compare_digest(
        given.encode(), secret.get_secret_value().encode()
    ):
        raise Unauthorized(f"A valid {INTERNAL_TOKEN_HEADER} is required")


InternalCaller = Annotated[None, Depends(_internal_caller)]
