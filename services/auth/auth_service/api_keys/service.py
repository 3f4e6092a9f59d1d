from datetime import timedelta
from typing import Any, Literal
from uuid import UUID, uuid4

from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.accounts.models import Account
from auth_service.api_keys.key_format import hash_secret, looks_like_key, new_secret, visible_prefix
from auth_service.api_keys.models import ApiKey
from auth_service.api_keys.repository import ApiKeyRepository
from auth_service.api_keys.schemas import SCOPES, ApiKeyCreate, ApiKeyToken
from auth_service.audit import service as audit
from auth_service.audit.service import Actor, Origin
from auth_service.db import Outbox
from auth_service.keys.signing import TokenIssuer
from shared.errors import NotFound, ProblemError, Unauthorized
from shared.events import ApiKeyCreated, ApiKeyRevoked, utcnow
from shared.outbox import add_event
from shared.roles import API_KEY_ROLE
from shared.security import Principal

# The token the gateway gets for a key lives this long; the gateway re-fetches it sooner
# (every minute while the key is in use), which is also how uses are recorded.
TOKEN_TTL_SECONDS = 300
USE_RECORDED_EVERY = timedelta(minutes=1)


class InvalidScope(ProblemError):
    def __init__(self, unknown: list[str]) -> None:
        super().__init__(
            422,
            "invalid_scope",
            "Invalid scope",
            f"Unknown scope(s) {', '.join(unknown)}; valid: {', '.join(SCOPES)}",
        )


async def create_key(
    session: AsyncSession, principal: Principal, request: ApiKeyCreate, origin: Origin
) -> tuple[ApiKey, str]:
    """The new key and its secret, which is returned this once and never stored."""
    unknown = [scope for scope in request.scopes if scope not in SCOPES]
    if unknown:
        raise InvalidScope(unknown)
    secret = new_secret()
    key = ApiKey(
        id=uuid4(),
        account_id=principal.account_id,
        created_by=principal.subject,
        name=request.name,
        prefix=visible_prefix(secret),
        key_hash=hash_secret(secret),
        scopes=list(dict.fromkeys(request.scopes)),
        created_at=utcnow(),
    )
    await ApiKeyRepository(session).add(key)
    add_event(session, Outbox, _event(ApiKeyCreated, key))
    await _audit(session, origin, principal, key, "api_key.created")
    return key, secret


async def list_keys(session: AsyncSession, principal: Principal) -> list[ApiKey]:
    return await ApiKeyRepository(session).active_of(principal.account_id)


async def revoke_key(
    session: AsyncSession, principal: Principal, key_id: UUID, origin: Origin
) -> None:
    """Another account's key, a revoked one and one that never existed are all 404."""
    key = await ApiKeyRepository(session).active_for_update(principal.account_id, key_id)
    if key is None:
        raise NotFound("API key")
    key.revoked_at = utcnow()
    add_event(session, Outbox, _event(ApiKeyRevoked, key))
    await _audit(session, origin, principal, key, "api_key.revoked")


async def _audit(
    session: AsyncSession,
    origin: Origin,
    principal: Principal,
    key: ApiKey,
    action: Literal["api_key.created", "api_key.revoked"],
) -> None:
    """Records the key by id, with its scopes: never its secret, hash or prefix."""
    await audit.record(
        session,
        origin,
        account_id=key.account_id,
        actor=Actor.of(principal),
        action=action,
        object_type="api_key",
        object_id=key.id,
        details={"scopes": key.scopes},
    )


async def token_for_key(session: AsyncSession, issuer: TokenIssuer, secret: str) -> ApiKeyToken:
    """An access token for the key's account, carrying the key's scopes; records the use."""
    key = None
    if looks_like_key(secret):
        key = await ApiKeyRepository(session).active_by_hash(hash_secret(secret))
    if key is None:
        raise Unauthorized("Unknown or revoked API key")
    await ApiKeyRepository(session).touch(key.id, utcnow(), USE_RECORDED_EVERY)
    claims: dict[str, Any] = {
        "sub": f"api_key:{key.id}",
        "account_id": str(key.account_id),
        # Not a person's role: nothing a person may do by role is open to a key.
        "role": API_KEY_ROLE,
        "scope": " ".join(key.scopes),  # RFC 9068 §2.2.3
        "key_id": str(key.id),
    }
    account = await session.get(Account, key.account_id)
    if account is not None and account.trial:
        claims["trial"] = True  # a key sends under its account's trial caps too
    return ApiKeyToken(
        access_token=issuer.sign(claims, TOKEN_TTL_SECONDS),
        expires_in=TOKEN_TTL_SECONDS,
        account_id=key.account_id,
        key_id=key.id,
        scopes=key.scopes,
    )


def _event(
    event_type: type[ApiKeyCreated] | type[ApiKeyRevoked], key: ApiKey
) -> ApiKeyCreated | ApiKeyRevoked:
    return event_type(
        account_id=key.account_id,
        key_id=key.id,
        key_hash=key.key_hash,
        scopes=key.scopes,  # validated again against the scopes
    )
