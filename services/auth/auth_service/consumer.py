"""What auth consumes: the audit records of the other services, the gateway's activity."""

from auth_service.activity.service import record_events as record_activity
from auth_service.audit.consumer import record_events as record_audit
from shared.events import ActivityRecorded, AuditRecorded
from shared.inbox import Batched
from shared.runtime import ConsumerSpec


def auth_consumer(group: str) -> ConsumerSpec:
    return ConsumerSpec(
        group,
        (AuditRecorded.topic, ActivityRecorded.topic),
        {"audit.recorded": Batched(record_audit), "activity.recorded": Batched(record_activity)},
    )
