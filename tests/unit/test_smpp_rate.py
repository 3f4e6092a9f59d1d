"""A bind's contracted TPS: submits are spaced so no second holds more than the rate."""

from dispatch_service.smpp.rate import TokenBucket


def send_greedily(bucket: TokenBucket, until: float) -> list[float]:
    """Submit times of a sender that sends whenever the bucket lets it."""
    now, times = 0.0, []
    while now < until:
        wait = bucket.wait_needed(now)
        if wait > 0:
            now += wait
            continue
        bucket.take(now)
        times.append(now)
    return times


def test_no_one_second_window_holds_more_than_the_rate_plus_one() -> None:
    times = send_greedily(TokenBucket(25), until=10)

    most = max(sum(1 for t in times if start <= t < start + 1) for start in times)
    assert most <= 26
    assert len(times) >= 25 * 10  # and the rate is used, not undercut


def test_an_idle_bucket_does_not_save_up_a_burst() -> None:
    bucket = TokenBucket(10)
    bucket.take(0.0)
    assert bucket.wait_needed(60.0) == 0  # an hour of silence later...
    bucket.take(60.0)
    assert bucket.wait_needed(60.0) > 0  # ...still only one at once


def test_without_a_contracted_rate_nothing_waits() -> None:
    bucket = TokenBucket(None)
    for _ in range(1000):
        assert bucket.wait_needed(0.0) == 0
        bucket.take(0.0)
