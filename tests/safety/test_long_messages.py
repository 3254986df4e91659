"""A crisis at the end of a long outpouring is found as surely as one in a short message."""

from __future__ import annotations

from bot.safety import assess_risk
from bot.safety.normalise import MAX_CHARS

STORY = "I have been looking for work for months and the jobcentre keeps sending me to interviews. " * 200


def test_a_crisis_after_a_long_story_is_urgent():
    assert len(STORY) > 3 * MAX_CHARS
    assert assess_risk(STORY + " and tonight i am going to kill myself").level == "urgent"


def test_a_crisis_at_the_start_of_a_long_story_is_urgent():
    assert assess_risk("i want to end my life. " + STORY).level == "urgent"


def test_a_crisis_across_a_window_edge_is_found():
    for cut in range(MAX_CHARS - 60, MAX_CHARS + 10, 7):
        text = ("x " * (cut // 2))[:cut] + " i have pills saved up to take them all " + "y " * 3000
        assert assess_risk(text).level == "urgent", cut


def test_a_long_message_without_risk_stays_unflagged():
    assert assess_risk(STORY).level is None
