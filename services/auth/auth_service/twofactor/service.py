"""The optional second factor: enrol (a secret shown once), confirm with a code (on from
then), and the code a login then needs."""

from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.accounts.models import User
from auth_service.audit import service as audit
from auth_service.audit.service import Actor, Origin
from auth_service.config import AuthSettings
from auth_service.sessions.refusals import RecordedRefusal
from auth_service.twofactor import sealing, totp
from auth_service.twofactor.repository import claim_step
from auth_service.twofactor.schemas import Enrolment
from shared.errors import ProblemError
from shared.events import utcnow


class OtpRequired(RecordedRefusal):
    def __init__(self) -> None:
        super().__init__(
            401,
            "otp_required",
            "One-time code required",
            "Two-factor login is on for this user: send `otp` with the authenticator's code",
        )


class InvalidOtp(RecordedRefusal):
    def __init__(self) -> None:
        super().__init__(
            401, "invalid_otp", "Invalid one-time code", "The code is wrong, expired or used"
        )


class OtpAlreadyEnabled(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            409, "otp_already_enabled", "Two-factor login is already on", "It is on already"
        )


class OtpNotStarted(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            409,
            "otp_not_started",
            "No enrolment to confirm",
            "Start with POST /v1/account/2fa, then confirm with a code from the app",
        )


class OtpNotEnabled(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            409, "otp_not_enabled", "Two-factor login is off", "There is no factor to turn off"
        )


class WrongConfirmationCode(ProblemError):
    def __init__(self, field: str = "code") -> None:
        super().__init__(
            422,
            "invalid_otp",
            "Invalid one-time code",
            "The code does not match the enrolled secret, or was used; check the app's clock",
            errors=[{"location": ["body", field], "message": "wrong code", "type": "invalid_otp"}],
        )


async def enrol(session: AsyncSession, settings: AuthSettings, user: User) -> Enrolment:
    """A new secret, replacing any unconfirmed one; the factor stays off until confirmed."""
    if user.totp_enabled_at is not None:
        raise OtpAlreadyEnabled()
    secret = totp.new_secret()
    user.totp_secret = sealing.seal(settings, secret)
    user.totp_last_step = None
    await session.flush()
    return Enrolment(
        secret=secret,
        otpauth_uri=totp.provisioning_uri(secret, user.email, settings.totp_issuer),
    )


def _secret(settings: AuthSettings, user: User) -> str:
    """The user's TOTP secret in the clear; re-sealed under the first key when it was
    stored plain or under an older key (the caller's transaction keeps that)."""
    assert user.totp_secret is not None
    secret = sealing.unseal(settings, user.totp_secret)
    if sealing.needs_resealing(settings, user.totp_secret):
        user.totp_secret = sealing.seal(settings, secret)
    return secret


async def confirm(
    session: AsyncSession, settings: AuthSettings, user: User, code: str, origin: Origin
) -> None:
    if user.totp_enabled_at is not None:
        raise OtpAlreadyEnabled()
    if user.totp_secret is None:
        raise OtpNotStarted()
    step = totp.matching_step(_secret(settings, user), code)
    if step is None:
        raise WrongConfirmationCode()
    user.totp_enabled_at = utcnow()
    user.totp_last_step = step
    await session.flush()
    await audit.record(
        session,
        origin,
        account_id=user.account_id,
        actor=Actor.user(user.id),
        action="account.2fa_enabled",
        object_type="user",
        object_id=user.id,
    )


async def disable(
    session: AsyncSession, settings: AuthSettings, user: User, code: str, origin: Origin
) -> None:
    """Turns the factor off with a current code, one not used yet: whoever holds only an
    access token of the user cannot take the second factor away."""
    if user.totp_enabled_at is None or user.totp_secret is None:
        raise OtpNotEnabled()
    step = totp.matching_step(_secret(settings, user), code, after_step=user.totp_last_step)
    if step is None or not await claim_step(session, user.id, step):
        raise WrongConfirmationCode("otp")
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    await session.flush()
    await audit.record(
        session,
        origin,
        account_id=user.account_id,
        actor=Actor.user(user.id),
        action="account.2fa_disabled",
        object_type="user",
        object_id=user.id,
    )


async def check_login_code(
    session: AsyncSession, settings: AuthSettings, user: User, otp: str | None
) -> None:
    """Nothing for a user without the factor; else the code must match a step not used yet
    (recorded on the user, so the same code cannot log in twice, even at once)."""
    if user.totp_enabled_at is None or user.totp_secret is None:
        return
    if otp is None:
        raise OtpRequired()
    step = totp.matching_step(_secret(settings, user), otp, after_step=user.totp_last_step)
    if step is None or not await claim_step(session, user.id, step):
        raise InvalidOtp()
