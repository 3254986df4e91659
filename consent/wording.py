"""What the person is told when asked for consent, versioned: a record keeps the exact text shown.

Change the text => add a new version; never edit a version that has been shown to someone.
"""

from __future__ import annotations

from dataclasses import dataclass

from .records import CONTACT_TREATMENT_TEAM, SHARE_WITH_SERVICE, SMS_PROMOTIONS


@dataclass(frozen=True)
class Wording:
    purpose: str
    version: str
    text: str


_WORDINGS: dict[str, dict[str, str]] = {
    SHARE_WITH_SERVICE: {
        "2024-1": (
            "Can we share what you have told us (your answers, your first name and your phone number) "
            "with the employment support service you chose, so that they can contact you? They will "
            "only use it to offer you support. You can change your mind at any time."
        ),
    },
    CONTACT_TREATMENT_TEAM: {
        "2024-1": (
            "Can the employment support service contact your treatment team (for example your care "
            "coordinator, key worker or therapist) to work together on your plans for work? This is "
            "separate from your referral. You can change your mind at any time."
        ),
    },
    SMS_PROMOTIONS: {
        "2024-1": (
            "Can we send you occasional text messages about employment support services? Reply STOP "
            "to any message to stop them. You can change your mind at any time."
        ),
    },
}
_CURRENT = {purpose: max(versions) for purpose, versions in _WORDINGS.items()}


def current_wording(purpose: str) -> Wording:
    """The wording to show now for a purpose."""
    version = _CURRENT[purpose]
    return Wording(purpose, version, _WORDINGS[purpose][version])


def wording(purpose: str, version: str) -> Wording | None:
    """A known version of the wording, or None."""
    text = _WORDINGS.get(purpose, {}).get(version)
    return Wording(purpose, version, text) if text is not None else None
