from pydantic import BaseModel, Field, field_validator

from shared.text import check_encodable


class PasswordChange(BaseModel):
    current_password: str = Field(min_length=1, max_length=128)
    # No minimum here: a short password is a `weak_password` problem (accounts/passwords.py).
    new_password: str = Field(max_length=128)

    @field_validator("current_password", "new_password")
    @classmethod
    def _encodable(cls, value: str) -> str:
        return check_encodable(value)
