from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class _InboundFacts(BaseModel):
    """What an inbound SMS is, without what it says."""

    model_config = ConfigDict(from_attributes=True)

    id: UUID
    from_number: str = Field(serialization_alias="from", examples=["+447700900123"])
    to_number: str = Field(serialization_alias="to", examples=["+447700900000"])
    received_at: datetime
    smsc: str = Field(description="The SMSC link it arrived on")
    parts: int = Field(description="Parts of a long (concatenated) MO; 1 otherwise")
    incomplete: bool = Field(
        description="Some parts of a long MO never came (within "
        "`DLR_MO_REASSEMBLY_WINDOW_SECONDS`): the text is those that did, in order"
    )
    malformed: bool = Field(
        description="The PDU contradicted itself (UDH length beyond the payload, odd UCS-2, "
        "...): `text` is a best effort, `raw_hex` the payload as it came"
    )
    keyword: str | None = Field(
        description="The opt-out (`DLR_OPT_OUT_KEYWORDS`) or opt-in (`DLR_OPT_IN_KEYWORDS`) "
        "keyword the whole text was, if any: the sender's consent to the account's marketing "
        "messages changed with it",
        examples=["STOP"],
    )


class InboundResponse(_InboundFacts):
    text: str
    raw_hex: str | None = Field(description="The payload as it came, for malformed ones only")


class InboundPage(BaseModel):
    items: list[InboundResponse]
    next_cursor: str | None


class OpsInboundResponse(_InboundFacts):
    """Operators never see message texts (issue 12, R19): neither `text` nor `raw_hex`."""

    account_id: UUID | None = Field(description="The owner; null when nobody owns it")


class OpsInboundPage(BaseModel):
    items: list[OpsInboundResponse]
    next_cursor: str | None
