"""The billing runtime: the kit's runtime plus the scheduled jobs.

Every replica runs them; each is safe to run twice at once: overdue invoices are claimed with
SKIP LOCKED and reported once each, and an account's act for a month is unique, so a second
replica's attempt at the same act fails its transaction and the next round finds it issued."""

from billing_service.acts.service import issue_acts
from billing_service.companies.config import Companies
from billing_service.config import BillingSettings
from billing_service.postpaid.service import report_overdue
from shared.events import utcnow
from shared.periodic import PeriodicJob
from shared.runtime import ServiceRuntime


class BillingRuntime(ServiceRuntime):
    companies: Companies

    async def start(self) -> None:
        await super().start()
        settings = self.settings
        assert isinstance(settings, BillingSettings)
        self.start_periodic(
            PeriodicJob("postpaid-overdue", settings.overdue_check_seconds, self.report_overdue)
        )
        self.start_periodic(
            PeriodicJob("monthly-acts", settings.acts_check_seconds, self.issue_acts)
        )

    async def report_overdue(self) -> int:
        return await report_overdue(self.sessionmaker, utcnow)

    async def issue_acts(self) -> int:
        """The last closed month's acts that are still missing; once all are out a round
        only reads the month's charges again."""
        return len(await issue_acts(self.sessionmaker, self.companies, utcnow))
