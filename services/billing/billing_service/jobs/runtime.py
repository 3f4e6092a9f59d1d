"""The billing runtime: the kit's runtime plus the scheduled jobs.

Every replica runs them; each is safe to run twice at once: overdue invoices are claimed with
SKIP LOCKED and reported once each; an account's act for a month, and its postpaid debt
invoice for a month, are unique, so a second replica's attempt fails its transaction and the
next round finds it issued; the reconciliation only reads, and an advisory lock keeps two
replicas from scanning the books at the same time; the retention job's batches delete or
blank what is past its period, which a second replica finds done."""

from billing_service.acts.service import issue_acts
from billing_service.companies.config import Companies
from billing_service.config import BillingSettings
from billing_service.postpaid.invoicing import invoice_debts
from billing_service.postpaid.service import report_overdue
from billing_service.reconcile.scheduled import reconcile_round
from billing_service.retention.service import retention_job
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
        self.start_periodic(
            PeriodicJob(
                "postpaid-debt-invoices", settings.debt_invoices_check_seconds, self.invoice_debts
            )
        )
        self.start_periodic(PeriodicJob("reconcile", settings.reconcile_seconds, self.reconcile))
        retention = retention_job(
            self.sessionmaker,
            settings.retention_batch_size,
            accepted_messages_days=settings.accepted_messages_days,
            refund_details_days=settings.refund_details_days,
        )
        self.start_periodic(
            PeriodicJob("retention", settings.retention_interval_seconds, retention.run_once)
        )

    async def report_overdue(self) -> int:
        return await report_overdue(self.sessionmaker, utcnow)

    async def issue_acts(self) -> int:
        """The last closed month's acts that are still missing; once all are out a round
        only reads the month's charges again."""
        return len(await issue_acts(self.sessionmaker, self.companies, utcnow))

    async def invoice_debts(self) -> int:
        """Last month's postpaid debts not invoiced yet: the first round of a month issues
        them, later ones find them issued."""
        settings = self.settings
        assert isinstance(settings, BillingSettings)
        issued = await invoice_debts(
            self.sessionmaker, self.companies, utcnow, settings.invoice_due_days
        )
        return len(issued)

    async def reconcile(self) -> int:
        """The books checked; the number of differences (-1: another replica was at it)."""
        settings = self.settings
        assert isinstance(settings, BillingSettings)
        report = await reconcile_round(self.sessionmaker, utcnow, settings.reconcile_messages_days)
        return -1 if report is None else len(report.differences)
