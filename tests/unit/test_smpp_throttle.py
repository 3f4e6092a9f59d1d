"""A throttling SMSC slows the bind down step by step, and it speeds up again as submits are
accepted, instead of being retried every second forever."""

from dispatch_service.smpp.throttle import Throttle


def test_repeated_throttling_pauses_longer_each_time_up_to_a_limit() -> None:
    throttle = Throttle(base=1, limit=8)
    pauses, now = [], 0.0
    for _ in range(6):
        throttle.throttled(now)
        pauses.append(throttle.wait_needed(now))
        now += throttle.wait_needed(now)  # the next throttle comes right after the pause

    assert pauses == [1, 2, 4, 8, 8, 8]


def test_answers_from_the_same_burst_do_not_lengthen_the_pause() -> None:
    throttle = Throttle(base=1, limit=8)
    for _ in range(10):  # a whole window of throttled responses at once
        throttle.throttled(0.0)

    assert throttle.wait_needed(0.0) == 1


def test_accepted_submits_bring_the_pause_back_down_to_none() -> None:
    throttle = Throttle(base=1, limit=8)
    now = 0.0
    for _ in range(4):
        throttle.throttled(now)
        now += throttle.wait_needed(now)
    assert throttle.pause == 8

    steps = []
    for _ in range(4):
        throttle.accepted()
        steps.append(throttle.pause)

    assert steps == [4, 2, 1, 0]
    assert throttle.wait_needed(now) == 0
    throttle.throttled(now)
    assert throttle.wait_needed(now) == 1  # starts again from the bottom
