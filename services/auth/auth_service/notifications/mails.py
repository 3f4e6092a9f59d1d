"""What each notification says. Plain text, short, in the platform's voice; nothing in them
that the recipient's own account could not read in the API anyway."""

from auth_service.notifications.repository import Recipient
from shared.events import (
    AccountStateChanged,
    BalanceLow,
    InvoiceIssued,
    SenderNameDecided,
    WebhookEndpointDisabled,
)
from shared.mail import Mail

SIGNATURE = "\n\n-- \nThe SMS Gateway team\n"


def _hello(recipient: Recipient) -> str:
    return f"Hello {recipient.name or recipient.email},\n\n"


def _mail(recipient: Recipient, subject: str, body: str) -> Mail:
    return Mail(recipient.email, subject, _hello(recipient) + body + SIGNATURE)


def welcome(recipient: Recipient) -> Mail:
    return _mail(
        recipient,
        f"Welcome to SMS Gateway, {recipient.company}",
        "your account is ready. Send your first message with POST /v1/messages, and see "
        "the API documentation at /docs.",
    )


def state_changed(recipient: Recipient, event: AccountStateChanged) -> Mail:
    reason = event.reason or "no reason was given"
    if event.state == "suspended":
        return _mail(
            recipient,
            f"Your account {recipient.company} is suspended",
            f"sending from your account is suspended: {reason}.\n\nYou can still log in "
            "and read your data; sending resumes once the account is reinstated.",
        )
    return _mail(
        recipient,
        f"Your account {recipient.company} is blocked",
        f"your account is blocked: {reason}.\n\nYou can log in to read the reason; please "
        "contact support to resolve it.",
    )


def balance_low(recipient: Recipient, event: BalanceLow) -> Mail:
    return _mail(
        recipient,
        "Your SMS Gateway balance is low",
        f"the balance of {recipient.company} is {event.balance} {event.currency}, below "
        f"your threshold of {event.threshold} {event.currency}. Top up to keep sending.",
    )


def sender_name_decided(recipient: Recipient, event: SenderNameDecided) -> Mail:
    if event.decision == "approved":
        return _mail(
            recipient,
            f"Sender name {event.name} approved",
            f"the sender name {event.name} is approved: your messages can use it now.",
        )
    return _mail(
        recipient,
        f"Sender name {event.name} rejected",
        f"the sender name {event.name} was rejected: {event.reason or 'no reason was given'}.",
    )


def invoice_issued(recipient: Recipient, event: InvoiceIssued) -> Mail:
    due = f", due {event.due_date.isoformat()}" if event.due_date else ""
    return _mail(
        recipient,
        f"Your {event.document} {event.number}",
        f"{event.document} {event.number} of {event.total} {event.currency}{due} is ready "
        "in your account.",
    )


def endpoint_disabled(recipient: Recipient, event: WebhookEndpointDisabled) -> Mail:
    return _mail(
        recipient,
        "A webhook endpoint was disabled",
        f"we stopped delivering webhooks to {event.url}: it has failed every attempt since "
        f"{event.failing_since:%Y-%m-%d %H:%M} UTC ({event.reason}).\n\nFix the endpoint, "
        "then enable it again (PATCH /v1/webhooks/{id}) and replay what it missed "
        "(POST /v1/webhooks/{id}/replay).",
    )


def breach_notice(recipient: Recipient, description: str, detected: str) -> Mail:
    return _mail(
        recipient,
        "Important: a personal data breach affecting your account",
        f"we are notifying you of a personal data breach that affects {recipient.company}, "
        f"detected {detected} UTC.\n\n{description}\n\nWe will keep you informed.",
    )


def announcement(recipient: Recipient, subject: str, text: str, unsubscribe: str | None) -> Mail:
    if unsubscribe is None:
        return _mail(recipient, subject, text)
    footer = (
        "\n\nYou receive product news as a user of SMS Gateway. Unsubscribe: "
        f"{unsubscribe}\nService mail about your account keeps coming."
    )
    mail = _mail(recipient, subject, text + footer)
    # The mail client's own unsubscribe button, one click (RFC 8058): what the large
    # mailbox providers ask of bulk senders.
    headers = (
        ("List-Unsubscribe", f"<{unsubscribe}>"),
        ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
    )
    return Mail(mail.to, mail.subject, mail.text, headers)
