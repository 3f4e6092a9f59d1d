from pydantic import BaseModel, Field


class Enrolment(BaseModel):
    secret: str = Field(description="Base32; shown this once")
    otpauth_uri: str = Field(description="For a QR code the authenticator app scans")


class ConfirmRequest(BaseModel):
    code: str = Field(min_length=1, max_length=16, examples=["123456"])


class DisableRequest(BaseModel):
    otp: str = Field(min_length=1, max_length=16, examples=["123456"])


class TwoFactorStatus(BaseModel):
    enabled: bool
