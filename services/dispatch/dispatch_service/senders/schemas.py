import json
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field, field_validator

from dispatch_service.senders.models import SenderNameRow
from dispatch_service.senders.names import SenderKind
from shared.text import check_single_line

SenderState = Literal["pending", "approved", "rejected", "revoked", "withdrawn"]


class SenderRequest(BaseModel):
    # Bounded only to cap parsing: the service checks the name and answers
    # `invalid_sender_name` with what is wrong.
    name: str = Field(max_length=64, examples=["ACME"])
    kind: SenderKind
    company: str = Field(min_length=1, max_length=200, examples=["Acme Ltd"])
    purpose: str = Field(
        min_length=1, max_length=1000, examples=["Order and delivery notifications"]
    )
    documents: list[str] = Field(
        default_factory=list,
        max_length=10,
        description="References or URLs of the documents that show the right to the name "
        "(trademark, company registration); no uploads",
        examples=[["https://example.com/trademark.pdf"]],
    )

    @field_validator("company", "purpose")
    @classmethod
    def _visible(cls, value: str) -> str:
        value = check_single_line(value).strip()
        if not value:
            raise ValueError("must not be blank")
        return value

    @field_validator("documents")
    @classmethod
    def _references(cls, value: list[str]) -> list[str]:
        references = [check_single_line(document).strip() for document in value]
        if any(not reference or len(reference) > 500 for reference in references):
            raise ValueError("each reference is 1 to 500 characters")
        return references


class DefaultSenderRequest(BaseModel):
    name: str = Field(max_length=64, examples=["ACME"])


class Reason(BaseModel):
    reason: str = Field(min_length=1, max_length=500, examples=["No trademark shown"])

    @field_validator("reason")
    @classmethod
    def _visible(cls, value: str) -> str:
        value = check_single_line(value).strip()
        if not value:
            raise ValueError("must not be blank")
        return value


class _Sender(BaseModel):
    id: UUID
    name: str
    kind: SenderKind
    company: str
    purpose: str
    documents: list[str]
    state: SenderState
    # Why it was rejected or revoked; null otherwise.
    reason: str | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def fields_of(row: SenderNameRow) -> dict[str, Any]:
        return {
            "id": row.id,
            "name": row.name,
            "kind": row.kind,
            "company": row.company,
            "purpose": row.purpose,
            "documents": json.loads(row.documents),
            "state": row.state,
            "reason": row.reason,
            "created_at": row.created_at,
            "updated_at": row.updated_at,
        }


class SenderResponse(_Sender):
    # Whether sends without a `sender` go out with this name.
    default: bool

    @classmethod
    def of(cls, row: SenderNameRow, default_id: UUID | None = None) -> "SenderResponse":
        return cls(**cls.fields_of(row), default=row.id == default_id)


class SenderList(BaseModel):
    items: list[SenderResponse]


class OpsSender(_Sender):
    account_id: UUID
    # The operator who decided last (their token's subject).
    decided_by: str | None

    @classmethod
    def of(cls, row: SenderNameRow) -> "OpsSender":
        return cls(**cls.fields_of(row), account_id=row.account_id, decided_by=row.decided_by)


class OpsSenderList(BaseModel):
    items: list[OpsSender]
