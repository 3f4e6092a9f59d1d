from pydantic import BaseModel, Field

from dispatch_service.batches.schemas import RejectedEntry
from dispatch_service.sms.encoding import Encoding
from dispatch_service.sms.transliterate import Replacement


class QuotedMessage(BaseModel):
    index: int = Field(description="0-based position in the batch's `to` or `messages`; 0 alone")
    to: str
    text: str = Field(description="The text that would be sent: rendered, transliterated")
    encoding: Encoding
    segments: int
    characters: int
    ucs2_characters: list[str] = Field(
        description="The characters that force UCS-2, each once; empty for GSM-7"
    )
    replaced: list[Replacement] = Field(
        description="With `encoding_policy` `gsm7_transliterate`: what was replaced"
    )
    price_per_part: str | None = Field(examples=["0.05"])
    price: str | None = Field(description="segments × price_per_part; null: see `note`")
    currency: str | None = Field(examples=["EUR"])


class QuoteResponse(BaseModel):
    messages: list[QuotedMessage]
    rejected: list[RejectedEntry] = Field(
        description="Batch entries that could not be sent, as the batch would answer"
    )
    total_price: str | None
    currency: str | None
    note: str | None = Field(
        default=None,
        description="Why prices are null: billing did not answer in time, or "
        "`no_tariff: ...` naming destinations the account's tariff has no price for",
    )
