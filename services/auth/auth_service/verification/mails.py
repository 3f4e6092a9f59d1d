"""The texts of sign-up mail. Plain text: a link is all they carry."""

from auth_service.config import AuthSettings
from shared.mail import Mail


def verification(settings: AuthSettings, to: str, token: str) -> Mail:
    link = settings.email_verification_url.replace("{token}", token)
    hours = settings.email_verification_ttl_seconds // 3600
    return Mail(
        to=to,
        subject="Confirm your e-mail address",
        text=(
            "Welcome to SMS Gateway.\n\n"
            "Confirm this address to receive your starter credit:\n\n"
            f"{link}\n\n"
            f"The link works once, for {hours} hours. If the page asks for a code, paste:\n\n"
            f"{token}\n\n"
            "If you did not sign up, ignore this mail: nothing happens without the link.\n"
        ),
    )


def already_registered(to: str) -> Mail:
    """To the owner of an address someone tried to register again: the registration's
    answer is the same either way (no enumeration), so this mail is where they learn it."""
    return Mail(
        to=to,
        subject="Someone tried to sign up with your address",
        text=(
            "Someone tried to open an SMS Gateway account with this e-mail address, which "
            "already has one. Nothing about your account changed.\n\n"
            "If it was you, log in with your password instead, or reset it if you forgot it. "
            "If your address is not confirmed yet, ask for a new confirmation link.\n\n"
            "If it was not you, you can ignore this mail.\n"
        ),
    )
