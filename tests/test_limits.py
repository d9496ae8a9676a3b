"""Rate limits and the login throttle."""

from __future__ import annotations

from cafe.limits import Buckets, LoginThrottle, TokenBucket
from conftest import login


def test_token_bucket_allows_bursts_then_the_rate():
    bucket = TokenBucket(rate=2, burst=3, stamp=0.0)
    assert [bucket.take(0.0) for _ in range(4)] == [True, True, True, False]
    assert bucket.take(0.5) is True  # one token back after half a second at 2/s
    assert bucket.take(0.5) is False


def test_buckets_are_per_key():
    buckets = Buckets(rate=0.001, burst=1)
    assert buckets.take("a") and not buckets.take("a")
    assert buckets.take("b")  # another phone is not affected


def test_login_throttle_per_user_and_address():
    throttle = LoginThrottle(per_user=3, per_address=5, window=60)
    for t in range(3):
        assert throttle.wait("fac", "10.0.0.1", now=t) == 0
        throttle.failed("fac", "10.0.0.1", now=t)
    assert throttle.wait("fac", "10.0.0.1", now=3) == 57
    assert throttle.wait("amina", "10.0.0.1", now=3) == 0  # another user from the same address
    assert throttle.wait("fac", "10.0.0.2", now=3) == 0  # a venue full of people is not locked out
    assert throttle.wait("fac", "10.0.0.1", now=61) == 0  # the window passes


def test_login_is_throttled_after_repeated_failures(client):
    from cafe.limits import LOGINS

    LOGINS._failures.clear()
    for _ in range(5):
        assert login(client, "fac", "wrong password!").status_code == 401
    blocked = login(client, "fac", "correct horse battery")
    assert blocked.status_code == 429 and "Too many failed attempts" in blocked.text
    LOGINS._failures.clear()


def test_a_flood_of_notes_is_slowed_not_stored(phone, db_path):
    from conftest import rows

    replies = [
        phone.emit(
            "submit_note",
            {"client_id": f"flood-{i:05d}", "text": "spam", "consent": "quote"},
            namespace="/participant",
            callback=True,
        )
        for i in range(45)
    ]
    slowed = [r for r in replies if r["ok"] is False]
    assert slowed and all(r["code"] == "slow_down" for r in slowed)
    assert rows(db_path, "SELECT COUNT(*) FROM notes") == [(len(replies) - len(slowed),)]
