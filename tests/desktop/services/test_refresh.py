"""The refresh bookkeeping both the billing and the earnings state run on, without Qt or a bridge."""

from __future__ import annotations

from desktop_app.services.refresh import RefreshCycle


def test_one_refresh_at_a_time_and_one_more_when_asked_meanwhile() -> None:
    cycle = RefreshCycle()
    assert cycle.begin() and cycle.refreshing
    assert not cycle.begin() and not cycle.begin()      # asked twice while in flight: runs once more, not twice
    assert cycle.succeeded() is True and cycle.live and not cycle.refreshing
    assert cycle.begin() and cycle.succeeded() is False


def test_an_answer_for_an_earlier_owner_or_a_closed_window_is_dropped() -> None:
    cycle, shown = RefreshCycle(), []
    late = cycle.current(shown.append)
    cycle.forget()                                        # signed out, or another owner signed in
    late("the earlier owner's data")
    cycle.current(shown.append)("this owner's data")
    closing = cycle.current(shown.append)
    cycle.close()
    closing("after the window closed")
    assert shown == ["this owner's data"] and not cycle.begin()


def test_offline_until_the_bridge_answers_and_why_it_failed() -> None:
    cycle = RefreshCycle()
    cycle.begin()
    assert not cycle.begin()
    cycle.failed("Could not reach the billing server", unreachable=True)
    assert cycle.offline and cycle.last_error.startswith("Could not reach") and not cycle.refreshing
    assert cycle.begin() and cycle.succeeded() is False   # a failure drops the ask made meanwhile
    assert not cycle.offline and cycle.last_error == ""
    cycle.begin()
    cycle.failed("The billing server refused", unreachable=False)
    assert not cycle.offline and cycle.last_error == "The billing server refused"
