"""The operators' side: breach notices (R19) and announcements."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from auth_service.deps import SettingsDep
from auth_service.notifications import repository, service
from auth_service.notifications.schemas import (
    AnnouncementIn,
    AnnouncementOut,
    BreachNoticeIn,
    BreachNoticeOut,
    BreachNoticePage,
)
from auth_service.ops.deps import OperatorDep
from shared.app import SessionDep
from shared.errors import AUTHENTICATED, problem_responses
from shared.events import utcnow

router = APIRouter(
    prefix="/v1/ops",
    tags=["ops"],
    responses={
        **problem_responses(*AUTHENTICATED),
        403: {
            **problem_responses(403)[403],
            "description": "The caller is not a platform operator (`forbidden`)",
        },
    },
)

_NOTICE_REFUSED: dict[int | str, dict[str, Any]] = {
    422: {
        **problem_responses(422)[422],
        "description": "Invalid input (`validation_error`: e.g. both or neither of "
        "`affected_account_ids` and `all`), a detection time in the future "
        "(`invalid_detected_at`), or ids no account has (`unknown_account`, with "
        "`account_ids`); nothing is sent",
    }
}
_INVALID: dict[int | str, dict[str, Any]] = {
    422: {**problem_responses(422)[422], "description": "Invalid input (`validation_error`)"}
}


@router.post(
    "/breach-notices",
    status_code=status.HTTP_201_CREATED,
    summary="Notify the affected customers of a personal data breach",
    description="Mails the owners of every affected account (or of every account, with "
    "`all: true`) now, and tracks the 72-hour deadline from `detected_at`.",
    responses=_NOTICE_REFUSED,
)
async def send_breach_notice(
    body: BreachNoticeIn, operator: OperatorDep, session: SessionDep
) -> BreachNoticeOut:
    notice, told = await service.send_breach_notice(session, operator, body)
    return _out(repository.NoticeProgress(notice, told, 0))


@router.get(
    "/breach-notices",
    summary="Breach notices, newest first, with their deadline and mails sent",
    responses=_INVALID,
)
async def list_breach_notices(
    _: OperatorDep,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> BreachNoticePage:
    return BreachNoticePage(
        items=[_out(progress) for progress in await repository.breach_notices(session, limit)]
    )


@router.post(
    "/announcements",
    status_code=status.HTTP_201_CREATED,
    summary="Mail every customer user: product news or a service announcement",
    description="`marketing: true` (the default) goes only to users who did not unsubscribe, "
    "each mail with its unsubscribe link (R20); `false` is service mail and goes to all.",
    responses=_INVALID,
)
async def announce(
    body: AnnouncementIn, _: OperatorDep, session: SessionDep, settings: SettingsDep
) -> AnnouncementOut:
    key, told = await service.announce(
        session, body, settings.unsubscribe_url, settings.unsubscribe_signing_secret
    )
    return AnnouncementOut(id=key, recipients=told)


def _out(progress: repository.NoticeProgress) -> BreachNoticeOut:
    notice = progress.notice
    pending = progress.recipients - progress.sent
    return BreachNoticeOut(
        id=notice.id,
        description=notice.description,
        detected_at=notice.detected_at,
        deadline=notice.deadline,
        created_at=notice.created_at,
        all=notice.all_accounts,
        accounts=notice.accounts,
        recipients=progress.recipients,
        sent=progress.sent,
        pending=pending,
        overdue=pending > 0 and utcnow() > notice.deadline,
    )
