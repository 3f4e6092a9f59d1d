"""The signed token in a marketing mail's unsubscribe link (R20): it names the user and
needs no row, so every mail ever sent keeps a working link; it does nothing but turn that
user's marketing mail off, so it does not expire (a link must work for months)."""

from uuid import UUID

import jwt

from shared.errors import ProblemError

AUDIENCE = "smsgw-mail-unsubscribe"


class InvalidUnsubscribeToken(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            422,
            "invalid_unsubscribe_token",
            "Invalid unsubscribe token",
            "This unsubscribe link is not one the platform gave out",
        )


def token_for(user_id: UUID, secret: str) -> str:
    return jwt.encode({"sub": str(user_id), "aud": AUDIENCE}, secret, algorithm="HS256")


def user_of(token: str, secret: str) -> UUID:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            audience=AUDIENCE,
            options={"require": ["sub", "aud"]},
        )
        return UUID(claims["sub"])
    except (jwt.PyJWTError, ValueError) as exc:
        raise InvalidUnsubscribeToken() from exc
