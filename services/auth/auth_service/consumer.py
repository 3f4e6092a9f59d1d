"""What auth consumes: the audit records of the other services, the gateway's activity,
dispatch's content-policy verdicts (which suspend an account) and billing's payments (a
first one lifts a trial) and overdue invoices (which suspend an account until paid)."""

from auth_service.activity.service import record_events as record_activity
from auth_service.audit.consumer import record_events as record_audit
from auth_service.states.content_policy import suspend_for_review
from auth_service.states.non_payment import lift_when_paid, suspend_for_overdue
from auth_service.verification.service import end_trial_on_payment
from shared.events import ActivityRecorded, AuditRecorded, ContentPolicyTripped, PaymentReceived
from shared.inbox import Batched
from shared.runtime import ConsumerSpec


def auth_consumer(group: str) -> ConsumerSpec:
    return ConsumerSpec(
        group,
        (
            AuditRecorded.topic,
            ActivityRecorded.topic,
            ContentPolicyTripped.topic,
            PaymentReceived.topic,
        ),
        {
            "audit.recorded": Batched(record_audit),
            "activity.recorded": Batched(record_activity),
            "content_policy.tripped": Batched(suspend_for_review),
            "billing.payment_received": Batched(end_trial_on_payment),
            # Same topic and key (the account) as the payment: in order with it.
            "billing.payment_overdue": Batched(suspend_for_overdue),
            "billing.payment_overdue_cleared": Batched(lift_when_paid),
        },
        # Records and account decisions, none on a message's way: half a second is soon
        # enough, and the gateway's activity records arrive in fewer, larger batches.
        background=True,
    )
