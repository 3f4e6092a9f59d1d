from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field

from dispatch_service.bulk.models import BulkPermissionRow


class BulkDecision(BaseModel):
    enabled: bool
    note: str | None = Field(default=None, max_length=500, examples=["contract 2026/114"])


class BulkPermission(BaseModel):
    account_id: UUID
    enabled: bool
    note: str | None
    changed_by: str | None
    changed_at: datetime | None

    @classmethod
    def of(cls, account_id: UUID, row: BulkPermissionRow | None) -> "BulkPermission":
        if row is None:
            return cls(
                account_id=account_id, enabled=False, note=None, changed_by=None, changed_at=None
            )
        return cls(
            account_id=account_id,
            enabled=row.enabled,
            note=row.note,
            changed_by=row.changed_by,
            changed_at=row.changed_at,
        )
