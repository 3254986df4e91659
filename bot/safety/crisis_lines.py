"""The crisis help, written once for every channel (DOMAIN.md "Crisis"; CONTRACT.md "Risk first").

999 or A&E when life is at risk; NHS 111, option 2, for urgent mental health help; Samaritans on
116 123 (free, any time); text SHOUT to 85258. Each line carries its ``tel:`` or ``sms:`` link so the
web chat's crisis card and the no-JS pages make them tappable, and the SMS reply says them in words.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CrisisLine:
    """One place to get help now."""

    name: str
    action: str  # what to do, in words
    number: str  # as shown
    href: str  # tel: or sms: link


CRISIS_LINES: tuple[CrisisLine, ...] = (
    CrisisLine("999", "If your life or someone else's is at risk now, call 999 or go to A&E", "999", "tel:999"),
    CrisisLine("NHS 111", "For urgent mental health help, call NHS 111 and choose option 2", "111", "tel:111"),
    CrisisLine("Samaritans", "To talk to someone any time, call Samaritans free on 116 123", "116 123", "tel:116123"),
    CrisisLine("Shout", "If you would rather text, text SHOUT to 85258", "85258", "sms:85258?body=SHOUT"),
)


def sms_crisis_reply(level: str, service_name: str | None = None) -> str:
    """The text sent back to an SMS reply at risk: the crisis lines first, then who will see the message.

    ``urgent`` says plainly to get help now; ``check`` asks directly, as the chat does, with the same lines.
    """
    if level == "urgent":
        opening = "We are worried about you. Please get help now."
    else:
        opening = ("Are you thinking about ending your life or harming yourself? If you are, or you feel unsafe, "
                   "please get help now.")
    lines = " ".join(f"{line.action}." for line in CRISIS_LINES)
    who = f"{service_name} will see your message" if service_name else "A member of staff will see your message"
    return (f"{opening} {lines} This number is not watched all the time. {who} and may contact you. "
            "Reply STOP to stop promotional texts.")
