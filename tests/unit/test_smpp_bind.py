"""A bind whose socket is closing must wait, not spin: nothing in its loop would yield, so
spinning would starve the reader that is about to mark the session closed (this hung CI)."""

import asyncio
from typing import Any, cast

from dispatch_service.smpp.bind import Bind


class _ClosingSession:
    """The moment after the writer was closed and before the reader set `closed`."""

    closing = True

    def __init__(self) -> None:
        self.closed = asyncio.Event()

    async def reserve(self) -> None:
        raise AssertionError("a closing session must not be asked for a slot")


async def test_a_bind_whose_session_is_closing_lets_the_event_loop_run() -> None:
    bind = Bind(1, None, on_change=lambda: None)
    bind.session = cast(Any, _ClosingSession())
    bind._bound.set()
    waiting = asyncio.create_task(bind.ready())

    others_ran = False

    async def reader() -> None:
        nonlocal others_ran
        others_ran = True

    await asyncio.wait_for(reader(), 1)
    await asyncio.sleep(0.05)
    assert others_ran
    assert not waiting.done()
    waiting.cancel()


async def test_an_idle_bind_reports_once_and_then_only_when_something_happens() -> None:
    bind = Bind(1, 50, on_change=lambda: None)

    first = bind.report(10)
    assert first is not None
    assert "bind 1: unbound" in first
    assert bind.report(10) is None  # nothing changed: no line

    bind.sending()  # a submit_sm went out
    busy = bind.report(10)
    assert busy is not None
    assert "in flight 1" in busy
    assert "rate 0.1 submit_sm/s" in busy
    bind.answered(0)  # ESME_ROK
    assert bind.report(10) is not None  # its answer changed the figures
    assert bind.report(10) is None
