from pydantic import BaseModel, ConfigDict, Field

from contacts_service.unsubscribe.models import TOKEN_MAX


class UnsubscribeTokenResponse(BaseModel):
    token: str = Field(
        description="Put it in the marketing messages' unsubscribe link; whoever follows it "
        "withdraws the number's marketing consent (POST /v1/public/unsubscribe). The same "
        "for the number every time",
        examples=["Xq3v9LmT2bKp8RwZ"],
    )


class UnsubscribeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=1, max_length=TOKEN_MAX)


class UnsubscribeResponse(BaseModel):
    unsubscribed: bool = Field(
        default=True, description="The number gets no more of the account's marketing"
    )
