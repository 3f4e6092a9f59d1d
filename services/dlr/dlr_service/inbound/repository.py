from sqlalchemy.ext.asyncio import AsyncSession

from dlr_service.inbound.models import InboundMessage


class InboundRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, message: InboundMessage) -> None:
        self._session.add(message)
