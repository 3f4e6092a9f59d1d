"""The contracting companies (R15): the legal entities that sign with customers, invoice them
and collect VAT. Configured, not stored: they change with contracts, rarely, and a document
keeps a copy of the details it was issued with."""

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, field_validator


class CompanyConfig(BaseModel):
    code: str = Field(pattern=r"^[a-z0-9_-]{1,32}$", description="Stable id, e.g. `eu`")
    legal_name: str = Field(min_length=1, max_length=200)
    country: str = Field(pattern=r"^[A-Z]{2}$")
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    # Percent, e.g. 21 or 7.7; None: the company charges no VAT (not registered, or exempt).
    vat_rate: Decimal | None = Field(default=None, ge=0, le=100, decimal_places=2)
    vat_id: str | None = None
    invoice_prefix: str = Field(pattern=r"^[A-Z0-9]{1,10}$")
    address: str = Field(min_length=1)
    bank_details: str = Field(min_length=1, description="Beneficiary, IBAN, BIC, bank")
    # Days from an invoice's issue to its due date; None: BILLING_INVOICE_DUE_DAYS (14).
    # A postpaid account's invoice unpaid after it suspends the account's sending.
    payment_terms_days: int | None = Field(default=None, ge=1, le=365)
    # Accounts registering from these countries (ISO 3166 alpha-2) sign with this company.
    serves_countries: list[str] = Field(default_factory=list)

    @field_validator("serves_countries")
    @classmethod
    def _upper(cls, value: list[str]) -> list[str]:
        return [country.upper() for country in value]

    @property
    def countries(self) -> list[str]:
        """Where its customers may send by default (dispatch's allow-list): its own country
        and the ones it serves."""
        return sorted({self.country, *self.serves_countries})


# `make dev` and tests run on this one; production configures its own.
DEFAULT_COMPANIES = (
    CompanyConfig(
        code="eu",
        legal_name="smsgw Europe B.V.",
        country="NL",
        currency="EUR",
        vat_rate=Decimal("21"),
        vat_id="NL000000000B01",
        invoice_prefix="EU",
        address="Keizersgracht 1, 1015 CJ Amsterdam, Netherlands",
        bank_details="smsgw Europe B.V., IBAN NL91 ABNA 0417 1643 00, BIC ABNANL2A",
        serves_countries=[],
    ),
)


@dataclass(frozen=True)
class Companies:
    by_code: dict[str, CompanyConfig]
    default: CompanyConfig

    @property
    def currencies(self) -> frozenset[str]:
        """What balances can be kept in: each company's currency."""
        return frozenset(company.currency for company in self.by_code.values())

    def get(self, code: str) -> CompanyConfig | None:
        return self.by_code.get(code)

    def for_country(self, country: str | None) -> CompanyConfig:
        """The company that signs with an account from `country`; the default otherwise."""
        if country:
            for company in self.by_code.values():
                if country.upper() in company.serves_countries:
                    return company
        return self.default

    @classmethod
    def load(
        cls,
        inline: list[CompanyConfig],
        file: Path | None,
        default_code: str | None,
        balance_currency: str,
    ) -> "Companies":
        """From the file (YAML or JSON: a list of companies), else the inline list, else the
        built-in one. Refuses at start what would bill wrongly later."""
        companies = list(inline)
        if file is not None:
            text = file.read_text()
            raw = json.loads(text) if file.suffix == ".json" else yaml.safe_load(text)
            companies = [CompanyConfig.model_validate(item) for item in raw]
        if not companies:
            # The built-in company stands in for a real one (make dev, tests): it bills in
            # whatever currency the balances are kept in.
            companies = [
                c.model_copy(update={"currency": balance_currency}) for c in DEFAULT_COMPANIES
            ]
        by_code: dict[str, CompanyConfig] = {}
        for company in companies:
            if company.code in by_code:
                raise ValueError(f"company {company.code!r} is configured twice")
            # Each company's customers keep their balances in its currency (issue 10 item 5).
            by_code[company.code] = company
        default = by_code.get(default_code) if default_code else companies[0]
        if default is None:
            raise ValueError(f"default company {default_code!r} is not configured")
        return cls(by_code, default)
