from uuid import UUID

from pydantic import BaseModel, Field

from billing_service.companies.config import CompanyConfig
from billing_service.companies.vat import rate_text


class CompanyChange(BaseModel):
    company: str = Field(description="A configured company's code", examples=["eu"])


class CompanyResponse(BaseModel):
    code: str
    legal_name: str
    country: str
    currency: str
    vat_rate: str | None = Field(description="Percent; null: no VAT", examples=["21"])
    vat_id: str | None
    address: str
    bank_details: str

    @classmethod
    def of(cls, company: CompanyConfig) -> "CompanyResponse":
        return cls(
            code=company.code,
            legal_name=company.legal_name,
            country=company.country,
            currency=company.currency,
            vat_rate=rate_text(company.vat_rate),
            vat_id=company.vat_id,
            address=company.address,
            bank_details=company.bank_details,
        )


class AccountCompanyResponse(BaseModel):
    account_id: UUID
    company: CompanyResponse
