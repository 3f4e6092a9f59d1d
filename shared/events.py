"""The platform's event contract: every event that crosses a service boundary.

Events live here rather than in the producing service because they are the interface
between services, read by producer and consumers alike; services keep their own domain.
One discriminated union, read through one TypeAdapter.
"""

from datetime import UTC, date, datetime
from typing import Annotated, ClassVar, Literal, get_args
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter


def utcnow() -> datetime:
    return datetime.now(UTC)


class Event(BaseModel):
    """Envelope fields every event carries."""

    model_config = ConfigDict(frozen=True)

    topic: ClassVar[str]
    aggregate_type: ClassVar[str]

    event_id: UUID = Field(default_factory=uuid4)
    occurred_at: datetime = Field(default_factory=utcnow)
    account_id: UUID | None
    # The envelope's schema version: a consumer refuses (dead-letters) versions newer than it
    # understands instead of half-reading them. Bump it when a field changes meaning.
    version: int = Field(default=1, ge=1)
    # The W3C trace context of the span the event was staged in, when tracing is on
    # (shared.tracing): a consumer's span for the event continues that trace. Not written
    # at all when there is none, so payloads are as they were with tracing off.
    traceparent: str | None = Field(default=None, exclude_if=lambda value: value is None)

    @property
    def aggregate_id(self) -> str:
        """Kafka key: keeps every event of one aggregate on one partition, in order."""
        raise NotImplementedError


class AccountRegistered(Event):
    topic: ClassVar[str] = "auth.accounts"
    aggregate_type: ClassVar[str] = "account"
    type: Literal["account.registered"] = "account.registered"
    account_id: UUID
    email: str
    company_name: str
    # Sign-up policy `open` (make dev, benchmarks): verified from the start, so billing
    # grants the starter credit at once. Policy `verified`: false, and the credit waits for
    # `account.email_verified` (issue 7: toll fraud by sign-up). Defaults read events
    # published before the policy existed as they were meant.
    email_verified: bool = True
    # A trial account sends a few messages a day to test destinations only, until an
    # operator or a first payment lifts it (`account.trial_ended`). Tokens carry it too.
    trial: bool = False
    # ISO 3166 alpha-2 of the account's country when auth knows it: billing picks the
    # contracting company by it (R15); None signs with the default company.
    country: str | None = None

    @property
    def aggregate_id(self) -> str:
        return str(self.account_id)


class AccountEmailVerified(Event):
    """The registering e-mail was proven (its one-time link was followed): billing grants
    the starter credit now, once."""

    topic: ClassVar[str] = "auth.accounts"
    aggregate_type: ClassVar[str] = "account"
    type: Literal["account.email_verified"] = "account.email_verified"
    account_id: UUID

    @property
    def aggregate_id(self) -> str:
        # Not the account's own key: auth.accounts is compacted per key, and the account's
        # key must keep its latest *state* (AccountStateChanged) for good. Billing, the
        # reader, may so see this before the registration, and copes.
        return f"{self.account_id}:email"


class AccountTrialEnded(Event):
    """An operator or the account's first payment lifted the trial's caps."""

    topic: ClassVar[str] = "auth.accounts"
    aggregate_type: ClassVar[str] = "account"
    type: Literal["account.trial_ended"] = "account.trial_ended"
    account_id: UUID
    # "operator" or "payment"
    lifted_by: Literal["operator", "payment"]

    @property
    def aggregate_id(self) -> str:
        return f"{self.account_id}:trial"  # not the state's key: see AccountEmailVerified


AccountState = Literal["active", "suspended", "blocked", "closed"]


class AccountStateChanged(Event):
    """An account's state, as operators set it (suspended for non-payment: reads allowed,
    sending refused; blocked for abuse: everything but logging in to see the reason refused)
    or as its owner closes it. A complete state, not a delta: the gateway and dispatch keep
    the latest per account, and on the registration's topic and key it comes after it."""

    topic: ClassVar[str] = "auth.accounts"
    aggregate_type: ClassVar[str] = "account"
    type: Literal["account.state_changed"] = "account.state_changed"
    account_id: UUID
    state: AccountState
    # Shown to the account's own users (e.g. "unpaid invoice 2026-11"); never internal notes.
    reason: str | None = None

    @property
    def aggregate_id(self) -> str:
        return str(self.account_id)


class AuditRecorded(Event):
    """An action on personal data or on access done in a service other than auth (contact
    exported or deleted, webhook created, ...), for the account's audit log that auth
    keeps (issue 7, item 8). Published through the service's outbox in the transaction of
    the action, so the record exists exactly when the action happened."""

    topic: ClassVar[str] = "audit.records"
    aggregate_type: ClassVar[str] = "account"
    type: Literal["audit.recorded"] = "audit.recorded"
    account_id: UUID
    # Who: "user" (actor_id: the user's id), "api_key" (the key's id), "operator", "system".
    actor_type: Literal["user", "api_key", "system", "operator"]
    actor_id: str | None = None
    # A stable dotted name, e.g. "contact.deleted"; customers filter and alert on it.
    action: str = Field(max_length=64, pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")
    object_type: str | None = Field(default=None, max_length=32)
    object_id: str | None = Field(default=None, max_length=64)
    ip: str | None = Field(default=None, max_length=45)
    user_agent: str | None = Field(default=None, max_length=256)
    # Names only (which fields changed, how many rows), never values or personal data.
    details: dict[str, str | int | bool | list[str] | None] = Field(default_factory=dict)

    @property
    def aggregate_id(self) -> str:
        return str(self.account_id)


class ActivityRecorded(Event):
    """One request the gateway passed towards a service, for the activity log auth keeps a
    month at most (issue 7, item 8). Sent straight to the broker, not through an outbox:
    an access log may lose the last records of a gateway that crashes."""

    topic: ClassVar[str] = "gateway.activity"
    aggregate_type: ClassVar[str] = "account"
    type: Literal["activity.recorded"] = "activity.recorded"
    # None when no account was verified (login, register, a refused token).
    account_id: UUID | None = None
    actor_type: Literal["user", "api_key"] | None = None
    actor_id: str | None = Field(default=None, max_length=64)
    ip: str | None = Field(default=None, max_length=45)
    user_agent: str | None = Field(default=None, max_length=256)
    method: str = Field(max_length=16)
    # The path only, never the query string: it may carry phone numbers.
    path: str = Field(max_length=512)
    status: int
    duration_ms: float = Field(ge=0)

    @property
    def aggregate_id(self) -> str:
        # Anonymous requests spread by address, not all onto one partition.
        return str(self.account_id) if self.account_id else (self.ip or "-")


ApiKeyScope = Literal[
    "messages:send", "messages:read", "contacts:write", "contacts:read", "billing:read", "*"
]


class ApiKeyEvent(Event):
    """The life of an API key, as the gateway's projection needs it. Keyed by the key's id,
    so a compacted topic keeps each key's latest state; a revocation carries everything a
    creation does, so it is a complete state on its own."""

    topic: ClassVar[str] = "auth.api-keys"
    aggregate_type: ClassVar[str] = "api_key"
    account_id: UUID
    key_id: UUID
    # SHA-256 (hex) of the secret: what a presented key is looked up by. The secret itself
    # is never stored or published anywhere.
    key_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    scopes: list[ApiKeyScope]

    @property
    def aggregate_id(self) -> str:
        return str(self.key_id)


class ApiKeyCreated(ApiKeyEvent):
    type: Literal["api_key.created"] = "api_key.created"


class ApiKeyRevoked(ApiKeyEvent):
    type: Literal["api_key.revoked"] = "api_key.revoked"


class MessageEvent(Event):
    topic: ClassVar[str] = "dispatch.messages"
    aggregate_type: ClassVar[str] = "message"
    account_id: UUID
    message_id: UUID

    @property
    def aggregate_id(self) -> str:
        return str(self.message_id)


class MessageAccepted(MessageEvent):
    type: Literal["message.accepted"] = "message.accepted"
    to: str
    sender: str
    encoding: Literal["gsm7", "ucs2"]
    segments: int = Field(ge=1)
    country_code: str | None = None
    # The send's own callback_url: dlr posts this message's statuses there too.
    callback_url: str | None = Field(default=None, max_length=2048)


class MessagePartSubmitted(MessageEvent):
    """The SMSC accepted one part and gave it its id: what a receipt will refer to."""

    type: Literal["message.part_submitted"] = "message.part_submitted"
    part_index: int = Field(ge=1)
    smsc_message_id: str
    submitted_at: datetime
    # Which SMSC link the part went out on: SMSC ids are unique only within one SMSC, so
    # receipts are matched within the link that sent the part.
    smsc: str = "default"


class MessagePartFailed(MessageEvent):
    """The SMSC refused one part for good before taking it (a permanent submit_sm error):
    it never left the platform, so billing refunds its share of the charge (issue 10)."""

    type: Literal["message.part_failed"] = "message.part_failed"
    part_index: int = Field(ge=1)
    error_code: str = Field(max_length=32)


class ContentPolicyTripped(Event):
    """An account's texts hit dispatch's content policy (issue 8, item 2) as often in one UTC
    day as the platform allows: its sending is to be suspended pending an operator's
    review. Published once per account and day; dispatch refuses the account's sends from
    its own record at once, and auth turns this into the account's `suspended` state."""

    topic: ClassVar[str] = "dispatch.accounts"
    aggregate_type: ClassVar[str] = "account"
    type: Literal["content_policy.tripped"] = "content_policy.tripped"
    account_id: UUID
    hits: int  # the day's blocked texts when it tripped
    day: date  # UTC

    @property
    def aggregate_id(self) -> str:
        return str(self.account_id)


class ChargeEvent(Event):
    topic: ClassVar[str] = "billing.charges"
    aggregate_type: ClassVar[str] = "message"
    account_id: UUID
    message_id: UUID

    @property
    def aggregate_id(self) -> str:
        return str(self.message_id)


class ChargeAuthorized(ChargeEvent):
    type: Literal["charge.authorized"] = "charge.authorized"
    amount: str  # decimal string: money is never a float
    currency: str


class ChargeDeclined(ChargeEvent):
    type: Literal["charge.declined"] = "charge.declined"
    code: str
    reason: str


class BatchedMessage(BaseModel):
    model_config = ConfigDict(frozen=True)

    message_id: UUID
    segments: int = Field(ge=1)
    # Whom it goes to and from which sender, as MessageAccepted has them: dlr tells a reply's
    # account by them, billing prices by `to`. None in events from before they were sent.
    to: str | None = None
    sender: str | None = None


class BatchAccepted(Event):
    """Every message dispatch accepted from one `POST /v1/messages/batch`: billing reserves
    them together, all or none, so a customer never has half a campaign to reconcile."""

    topic: ClassVar[str] = "dispatch.messages"
    aggregate_type: ClassVar[str] = "batch"
    type: Literal["batch.accepted"] = "batch.accepted"
    account_id: UUID
    batch_id: UUID
    messages: list[BatchedMessage] = Field(min_length=1)
    # The request's callback_url: dlr posts every one of its messages' statuses there too.
    callback_url: str | None = Field(default=None, max_length=2048)

    @property
    def aggregate_id(self) -> str:
        return str(self.batch_id)


class BackfilledRecipient(BaseModel):
    model_config = ConfigDict(frozen=True)

    message_id: UUID
    to: str
    accepted_at: datetime


class MessageRecipientsBackfilled(Event):
    """Whom messages went to, for messages accepted before dlr recorded that from
    `message.accepted` (its `message_recipients`, by which an erasure finds the number's
    receipts): dispatch's `python -m dispatch_service.privacy --backfill-recipients` sends
    its messages a page per account; dlr records the ones it lacks. Carries numbers, like
    `message.accepted`."""

    topic: ClassVar[str] = "dispatch.messages"
    aggregate_type: ClassVar[str] = "account"
    type: Literal["message.recipients_backfilled"] = "message.recipients_backfilled"
    account_id: UUID
    messages: list[BackfilledRecipient] = Field(min_length=1)

    @property
    def aggregate_id(self) -> str:
        return str(self.account_id)


class BatchCharge(BaseModel):
    model_config = ConfigDict(frozen=True)

    message_id: UUID
    amount: str  # decimal string: money is never a float


class BatchChargeEvent(Event):
    topic: ClassVar[str] = "billing.charges"
    aggregate_type: ClassVar[str] = "batch"
    account_id: UUID
    batch_id: UUID

    @property
    def aggregate_id(self) -> str:
        return str(self.batch_id)


class BatchChargeAuthorized(BatchChargeEvent):
    """The whole batch is paid for in one debit; each message's share is listed."""

    type: Literal["batch.charge_authorized"] = "batch.charge_authorized"
    charges: list[BatchCharge]
    currency: str


class BatchChargeDeclined(BatchChargeEvent):
    """Nothing of the batch was charged: every one of its messages ends rejected."""

    type: Literal["batch.charge_declined"] = "batch.charge_declined"
    message_ids: list[UUID]
    code: str
    reason: str


class TariffPublished(Event):
    """A tariff version billing prices by from `effective_from`: its prefixes, not its
    prices, so dispatch can refuse at send time what billing would decline (`no_tariff`).
    account_id None: the public tariff. Versions are immutable, so this is said once."""

    # Compacted by version: dispatch can rebuild its copy from the topic at any time.
    topic: ClassVar[str] = "billing.tariffs"
    aggregate_type: ClassVar[str] = "tariff_version"
    type: Literal["tariff.published"] = "tariff.published"
    tariff_id: UUID
    version_id: UUID
    effective_from: datetime
    prefixes: list[str]
    # The tariff's currency: an account is priced only by tariffs in its own (issue 10
    # item 5). None: published before currencies were said, all in BILLING_CURRENCY.
    currency: str | None = None

    @property
    def aggregate_id(self) -> str:
        return str(self.version_id)


class DeliverSmReceived(Event):
    """A deliver_sm PDU as the SMSC sent it; dlr decides whether it's a receipt or an MO.

    The account is unknown until dlr matches the receipt, so account_id is None here.
    """

    topic: ClassVar[str] = "dispatch.smpp-inbound"
    aggregate_type: ClassVar[str] = "deliver_sm"
    type: Literal["smpp.deliver_sm_received"] = "smpp.deliver_sm_received"
    account_id: UUID | None = None
    source_addr: str
    destination_addr: str
    esm_class: int
    data_coding: int
    short_message_hex: str
    # Decoded by dispatch, which owns the SMPP codec, per data_coding (GSM 03.38, UCS-2, ...).
    text: str
    receipted_message_id: str | None = None
    message_state: int | None = None
    network_error_code_hex: str | None = None
    received_at: datetime = Field(default_factory=utcnow)
    # The SMSC link it arrived on (see MessagePartSubmitted.smsc).
    smsc: str = "default"
    # "deliver_sm" or "data_sm": both carry receipts and mobile-originated messages.
    command: str = "deliver_sm"
    # A part of a long MO whose SMSC numbers its parts with SAR TLVs rather than a UDH
    # (SMPP 3.4 5.3.2.22-24); None when the PDU has none, as in events of older connectors.
    sar_msg_ref_num: int | None = None
    sar_total_segments: int | None = None
    sar_segment_seqnum: int | None = None

    @property
    def aggregate_id(self) -> str:
        return self.receipted_message_id or self.source_addr


PartStatus = Literal["delivered", "undelivered", "expired", "rejected", "unknown"]


class MessagePartStatusReported(Event):
    """dlr matched a receipt to a part; dispatch applies it to the message."""

    topic: ClassVar[str] = "dlr.receipts"
    aggregate_type: ClassVar[str] = "message"
    type: Literal["message.part_status_reported"] = "message.part_status_reported"
    account_id: UUID
    message_id: UUID
    part_index: int
    smsc_message_id: str
    status: PartStatus
    error_code: str | None = None
    reported_at: datetime

    @property
    def aggregate_id(self) -> str:
        return str(self.message_id)


ConsentPurpose = Literal["marketing", "transactional"]


class RecipientConsentChanged(Event):
    """A recipient (a phone number, per account) opted out of or back in to one purpose of
    an account's messages (R11): by the STOP/START keywords dlr reads in inbound SMS, by the
    account through the contacts API, or by an unsubscribe link. Dispatch refuses marketing
    messages to an opted-out number; contacts records it on the contact as a consent
    withdrawal (or grant). Keyed by account and number, so one number's changes stay in
    order."""

    topic: ClassVar[str] = "recipients.consent"
    aggregate_type: ClassVar[str] = "recipient"
    type: Literal["recipient.consent_changed"] = "recipient.consent_changed"
    account_id: UUID
    phone: str = Field(pattern=r"^\+[1-9][0-9]{6,14}$")  # E.164
    purpose: ConsentPurpose = "marketing"
    opted_out: bool
    source: Literal["keyword", "api", "link", "import", "web_form"]
    # The inbound SMS (keyword) or contact (api) behind it, for the consent's evidence.
    evidence: str | None = Field(default=None, max_length=500)

    @property
    def aggregate_id(self) -> str:
        return f"{self.account_id}:{self.phone}"


class InboundMessageReceived(Event):
    """An SMS a handset sent to one of our numbers (mobile-originated)."""

    topic: ClassVar[str] = "dlr.receipts"
    aggregate_type: ClassVar[str] = "inbound_message"
    type: Literal["inbound.received"] = "inbound.received"
    account_id: UUID | None = None
    inbound_id: UUID
    from_number: str
    to_number: str
    text: str
    received_at: datetime
    # A long MO's parts; some never came (`incomplete`); the PDU contradicted itself
    # (`malformed`, the text a best effort); the opt-out or opt-in keyword the text was.
    parts: int = 1
    incomplete: bool = False
    malformed: bool = False
    keyword: str | None = None
    # The text was a help keyword (HELP): dispatch answers with the account's help text.
    help_requested: bool = False

    @property
    def aggregate_id(self) -> str:
        return str(self.inbound_id)


class WebhookEndpointDisabled(Event):
    """dlr stopped delivering to a webhook endpoint that failed every attempt for days; for
    whoever tells the account (the future notifications component)."""

    # On dlr's one topic: dlr publishes nothing else yet that would deserve a topic of its own.
    topic: ClassVar[str] = "dlr.receipts"
    aggregate_type: ClassVar[str] = "webhook_endpoint"
    type: Literal["webhook.endpoint_disabled"] = "webhook.endpoint_disabled"
    account_id: UUID
    endpoint_id: UUID
    url: str
    failing_since: datetime
    reason: str

    @property
    def aggregate_id(self) -> str:
        return str(self.endpoint_id)


class SenderNameDecided(Event):
    """An operator approved or rejected an account's sender name request: dispatch decides,
    notifications tells the account (with the reason of a rejection)."""

    # Account-level news from dispatch, beside content_policy.tripped.
    topic: ClassVar[str] = "dispatch.accounts"
    aggregate_type: ClassVar[str] = "sender_name"
    type: Literal["sender_name.decided"] = "sender_name.decided"
    account_id: UUID
    sender_id: UUID
    name: str
    decision: Literal["approved", "rejected"]
    reason: str | None = None

    @property
    def aggregate_id(self) -> str:
        return str(self.sender_id)


class BillingAccountEvent(Event):
    """Money news about one account, for whoever tells the customer (notifications) or acts
    on it (auth suspends): billing's own topic, keyed by account so each is in order."""

    topic: ClassVar[str] = "billing.accounts"
    aggregate_type: ClassVar[str] = "billing_account"
    account_id: UUID

    @property
    def aggregate_id(self) -> str:
        return str(self.account_id)


class BalanceLow(BillingAccountEvent):
    """The balance fell below the account's threshold (R5): emitted once per crossing, again
    only after a top-up lifts it above the threshold."""

    type: Literal["billing.balance_low"] = "billing.balance_low"
    balance: str  # decimal string: money is never a float
    threshold: str
    currency: str


class InvoiceIssued(BillingAccountEvent):
    """A numbered invoice (or monthly act) is ready for the customer to download."""

    type: Literal["billing.invoice_issued"] = "billing.invoice_issued"
    invoice_id: UUID
    number: str
    document: Literal["invoice", "act"] = "invoice"
    total: str  # decimal string, VAT included
    currency: str
    due_date: date | None = None


ErasingService = Literal["contacts", "dispatch", "dlr"]


class PrivacyEvent(Event):
    """Data-subject erasure (R17, issue 11 item 5), keyed by the erasure request."""

    topic: ClassVar[str] = "privacy.erasures"
    aggregate_type: ClassVar[str] = "privacy_erasure"
    account_id: UUID
    erasure_id: UUID

    @property
    def aggregate_id(self) -> str:
        return str(self.erasure_id)


class PrivacyErasureRequested(PrivacyEvent):
    """The account asked to erase everything about one number: each service holding
    recipients' data erases or redacts its rows and answers `privacy.erasure_completed`. It
    carries the number, so its topic keeps events one day only (docs/privacy-rights.md)."""

    type: Literal["privacy.erasure_requested"] = "privacy.erasure_requested"
    phone: str = Field(pattern=r"^\+[1-9][0-9]{6,14}$")  # E.164


class PrivacyErasureCompleted(PrivacyEvent):
    """One service erased the number and vacuumed what held it; no number in it."""

    type: Literal["privacy.erasure_completed"] = "privacy.erasure_completed"
    service: ErasingService
    rows: int = Field(ge=0)


class CampaignAudienceRequested(Event):
    """Dispatch asks contacts for a campaign's audience: the members of `group_ids` who
    have consent for `purpose` and have not withdrawn it. Contacts answers with
    `campaign.audience_chunk` events; dispatch owns the campaign, contacts the people."""

    topic: ClassVar[str] = "dispatch.campaigns"
    aggregate_type: ClassVar[str] = "campaign"
    type: Literal["campaign.audience_requested"] = "campaign.audience_requested"
    account_id: UUID
    campaign_id: UUID
    group_ids: list[UUID] = Field(min_length=1, max_length=100)
    purpose: ConsentPurpose
    # The contact fields the text names ({{name}}, custom keys): only these are sent back,
    # so chunks carry no more personal data than the text needs (and stay small).
    fields: list[str] = Field(default_factory=list, max_length=100)
    # Dispatch asks again when no answer came in time; each asking is a new generation, and
    # contacts pages the audience anew for it. Chunks carry the generation they answer, so
    # a late chunk of an earlier one never mixes into the newer split.
    generation: int = Field(default=0, ge=0)

    @property
    def aggregate_id(self) -> str:
        return str(self.campaign_id)


class AudienceRecipient(BaseModel):
    model_config = ConfigDict(frozen=True)

    phone: str = Field(pattern=r"^\+[1-9][0-9]{6,14}$")  # E.164
    # What a campaign's text may name (`{{name}}`, custom fields by key), as text.
    fields: dict[str, str] = Field(default_factory=dict)


class CampaignAudienceChunk(Event):
    """One page of a campaign's audience, in order (`chunk_no` from 0); `last` ends it. A
    chunk is at most a few thousand recipients, so no transaction on either side is the size
    of the campaign; dispatch stores each chunk once (by campaign and chunk_no)."""

    topic: ClassVar[str] = "contacts.campaign-audience"
    aggregate_type: ClassVar[str] = "campaign"
    type: Literal["campaign.audience_chunk"] = "campaign.audience_chunk"
    account_id: UUID
    campaign_id: UUID
    chunk_no: int = Field(ge=0)
    recipients: list[AudienceRecipient] = Field(max_length=5000)
    last: bool
    generation: int = Field(default=0, ge=0)  # of the request it answers

    @property
    def aggregate_id(self) -> str:
        # One campaign's chunks on one partition, in order.
        return str(self.campaign_id)


class PaymentReceived(BillingAccountEvent):
    """Money from the customer reached the balance (a provider's top-up or an invoice an
    operator marked paid). auth lifts a trial on it (`account.trial_ended`, lifted_by
    "payment"); notifications may thank the customer."""

    type: Literal["billing.payment_received"] = "billing.payment_received"
    payment_id: UUID  # the top-up's or the invoice's id
    method: Literal["card", "bank_transfer"]
    amount: str  # decimal string credited to the balance (VAT excluded)
    currency: str


class PaymentOverdue(BillingAccountEvent):
    """A postpaid account's invoice is unpaid past its due date (issue 10 item 6): auth
    suspends the account's sending (reason `invoice_overdue`) until billing says
    `billing.payment_overdue_cleared`. Once per invoice."""

    type: Literal["billing.payment_overdue"] = "billing.payment_overdue"
    reason: Literal["invoice_overdue"] = "invoice_overdue"
    invoice_id: UUID
    number: str
    due_date: date


class PaymentOverdueCleared(BillingAccountEvent):
    """The account has no overdue invoice left (the last one was marked paid): auth lifts a
    suspension it made for `billing.payment_overdue`, and no other."""

    type: Literal["billing.payment_overdue_cleared"] = "billing.payment_overdue_cleared"
    invoice_id: UUID  # the invoice whose payment cleared it


class CompanyAssigned(BillingAccountEvent):
    """The contracting company an account signs with (at registration, or an operator's
    change) and the countries it covers: its own `country` and `serves_countries`. Dispatch
    makes them the account's default country allow-list (issue 10 item 1: toll fraud)."""

    type: Literal["billing.company_assigned"] = "billing.company_assigned"
    company: str
    countries: list[str]  # ISO 3166 alpha-2, sorted
    # The currency the account's balance is kept and priced in (the company's, issue 10
    # item 5). None: said before currencies were.
    currency: str | None = None


AnyEvent = Annotated[
    AccountRegistered
    | AccountEmailVerified
    | AccountTrialEnded
    | AccountStateChanged
    | AuditRecorded
    | ActivityRecorded
    | ApiKeyCreated
    | ApiKeyRevoked
    | MessageAccepted
    | MessagePartSubmitted
    | MessagePartFailed
    | ChargeAuthorized
    | ChargeDeclined
    | BatchAccepted
    | MessageRecipientsBackfilled
    | BatchChargeAuthorized
    | BatchChargeDeclined
    | TariffPublished
    | ContentPolicyTripped
    | DeliverSmReceived
    | MessagePartStatusReported
    | InboundMessageReceived
    | RecipientConsentChanged
    | WebhookEndpointDisabled
    | SenderNameDecided
    | BalanceLow
    | InvoiceIssued
    | PrivacyErasureRequested
    | PrivacyErasureCompleted
    | CampaignAudienceRequested
    | CampaignAudienceChunk
    | PaymentReceived
    | PaymentOverdue
    | PaymentOverdueCleared
    | CompanyAssigned,
    Field(discriminator="type"),
]

EVENT_ADAPTER: TypeAdapter[AnyEvent] = TypeAdapter(AnyEvent)
EVENT_TYPES: frozenset[str] = frozenset(
    get_args(model.model_fields["type"].annotation)[0] for model in get_args(get_args(AnyEvent)[0])
)
# The newest envelope version this code understands.
SUPPORTED_VERSION = 1

ALL_TOPICS: tuple[str, ...] = (
    AccountRegistered.topic,
    AuditRecorded.topic,
    ActivityRecorded.topic,
    ApiKeyEvent.topic,
    MessageEvent.topic,
    ContentPolicyTripped.topic,
    ChargeEvent.topic,
    TariffPublished.topic,
    DeliverSmReceived.topic,
    MessagePartStatusReported.topic,
    RecipientConsentChanged.topic,
    BillingAccountEvent.topic,
    PrivacyEvent.topic,
    CampaignAudienceRequested.topic,
    CampaignAudienceChunk.topic,
)


def dead_letter_topic(topic: str) -> str:
    return f"{topic}.dlq"


def parse_event(raw: bytes | str) -> AnyEvent:
    return EVENT_ADAPTER.validate_json(raw)


def serialise_event(event: Event) -> bytes:
    return event.model_dump_json().encode()
