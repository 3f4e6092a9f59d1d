from datetime import timedelta
from functools import partial

from fastapi import FastAPI

from auth_service.accounts.passwords import Passwords
from auth_service.accounts.router import router as accounts_router
from auth_service.activity.router import router as activity_router
from auth_service.api_keys.router import internal_router as api_keys_internal_router
from auth_service.api_keys.router import router as api_keys_router
from auth_service.audit.router import router as audit_router
from auth_service.config import AuthSettings
from auth_service.consumer import auth_consumer
from auth_service.db import Inbox, Outbox
from auth_service.keys.keyring import load_keyring
from auth_service.keys.router import router as keys_router
from auth_service.keys.signing import TokenIssuer
from auth_service.login_sessions.router import router as login_sessions_router
from auth_service.mail import metrics as mail_metrics
from auth_service.mail.service import MAX_ATTEMPTS, MailSender
from auth_service.notifications.consumer import notifications_consumer
from auth_service.notifications.ops_router import router as notifications_ops_router
from auth_service.notifications.router import public_router as unsubscribe_router
from auth_service.notifications.router import router as notification_preferences_router
from auth_service.ops.router import router as ops_router
from auth_service.password.router import router as password_router
from auth_service.profile.router import router as profile_router
from auth_service.retention.service import retention_job
from auth_service.sessions.local_verifier import local_verifier
from auth_service.sessions.pruning import SessionPruner
from auth_service.sessions.router import router as sessions_router
from auth_service.states.router import router as states_router
from auth_service.team.router import public_router as team_public_router
from auth_service.team.router import router as team_router
from auth_service.twofactor.router import router as twofactor_router
from auth_service.verification.router import router as verification_router
from shared.app import create_service_app
from shared.mail import Mailer, create_mailer
from shared.periodic import PeriodicJob
from shared.ratelimit import create_rate_limiter
from shared.runtime import ServiceRuntime


class AuthRuntime(ServiceRuntime):
    """The kit's runtime plus the pruning of failed logins and expired refresh tokens, the
    sending of queued mail and the retention job (audit and activity logs, unused
    accounts)."""

    mailer: Mailer
    mail: MailSender

    async def start(self) -> None:
        await super().start()
        settings = self.settings
        assert isinstance(settings, AuthSettings)
        pruner = SessionPruner(self.sessionmaker, settings)
        self.start_periodic(
            PeriodicJob("session-pruner", settings.session_prune_interval_seconds, pruner.run_once)
        )
        self.mail = MailSender(self.sessionmaker, self.mailer)
        self.start_periodic(
            PeriodicJob("mail-sender", settings.mail_send_interval_seconds, self.mail.run_once)
        )
        measure_mail = partial(mail_metrics.measure, self.sessionmaker, MAX_ATTEMPTS)
        self.start_periodic(
            PeriodicJob("mail-metrics", settings.metrics_interval_seconds, measure_mail)
        )
        # The audit and activity logs past their periods, and unused accounts (R5).
        retention = retention_job(
            self.sessionmaker,
            settings.retention_batch_size,
            audit_retention_days=settings.audit_retention_days,
            activity_retention_days=settings.activity_retention_days,
        )
        self.start_periodic(
            PeriodicJob("retention", settings.retention_interval_seconds, retention.run_once)
        )


def create_app(settings: AuthSettings | None = None, mailer: Mailer | None = None) -> FastAPI:
    settings = settings or AuthSettings()
    runtime = AuthRuntime(
        settings=settings,
        outbox_model=Outbox,
        inbox_model=Inbox,
        consumer_specs=(
            auth_consumer(settings.consumer_group),
            notifications_consumer(
                f"{settings.consumer_group}-notifications",
                timedelta(hours=settings.notifications_max_age_hours),
            ),
        ),
    )
    routers = [
        accounts_router,
        verification_router,
        sessions_router,
        login_sessions_router,
        profile_router,
        states_router,
        ops_router,
        twofactor_router,
        audit_router,
        activity_router,
        keys_router,
        api_keys_router,
        api_keys_internal_router,
        team_router,
        team_public_router,
        password_router,
        notification_preferences_router,
        unsubscribe_router,
        notifications_ops_router,
    ]
    app = create_service_app("auth", runtime, routers)
    app.state.settings = settings
    # MAIL_* settings unless given (tests give a Maildir of their own).
    runtime.mailer = mailer or create_mailer()
    app.state.token_issuer = TokenIssuer(load_keyring(settings), settings)
    # auth's own bearer-token routes (/v1/account) verify like every other service.
    runtime.verifier = local_verifier(app.state.token_issuer, settings)
    app.state.passwords = Passwords(settings.max_concurrent_hashes)
    app.state.rate_limiter = create_rate_limiter(settings.redis_url, prefix="smsgw:")
    return app
