"""The coalescer behind presence, the harvest cloud and the rotation panel's refreshes."""

from __future__ import annotations

from cafe.coalesce import Coalescer
from conftest import wait_for


def test_first_change_goes_at_once_and_a_burst_folds_into_one_send_with_the_latest(app):
    sent: list[tuple] = []
    soon = Coalescer("test", lambda *args: sent.append(args), interval=0.3)
    with app.app_context():
        soon(1, "first")
        assert sent == [("first",)]  # at once
        for n in range(20):
            soon(1, f"burst {n}")
        soon(2, "other event")  # another key is not held back by the first
        assert sent == [("first",), ("other event",)]
    wait_for(lambda: len(sent) == 3)
    assert sent[2] == ("burst 19",)  # the last change is always shown
    soon.forget()


def test_forget_drops_a_send_scheduled_before_it(app):
    sent: list[tuple] = []
    soon = Coalescer("test", lambda *args: sent.append(args), interval=0.2)
    with app.app_context():
        soon("k", 1)
        soon("k", 2)
        soon.forget()
        soon("k", 3)  # a fresh start: sent at once
    assert sent == [(1,), (3,)]
    with app.app_context():
        soon("k", 4)
    wait_for(lambda: len(sent) == 3)
    assert sent[-1] == (4,)
    soon.forget()
