"""What the person is told when asked for consent, versioned: a record keeps the exact text shown.

Change the text => add a new version; never edit a version that has been shown to someone.
"""

from __future__ import annotations

from dataclasses import dataclass

from .records import CONTACT_TREATMENT_TEAM, SHARE_WITH_SERVICE, SMS_PROMOTIONS

# Versions shown by our own channels; a channel sends its version with the referral so the record
# holds the exact text the person saw.
WEB_CHAT = "web-chat-2026-1"
WEB_FORM = "web-form-2026-1"
# The one-question-per-page form (/self-referral, issue 9): names the chosen service; the record fills it in.
WEB_FORM_PAGES = "web-form-2026-2"


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
        # Shown by the web chat (bot/domain.yml utter_ask_consent_share_with_service; a test keeps them equal).
        WEB_CHAT: (
            "Before I send your details, please read this.\n\nWe will share what you told us with "
            "{chosen_service_name}. This is: your first name, your phone number, your answers in this chat (like "
            "your age, postcode and health), and a short summary. They will only use it to contact you about help "
            "with work. They will ask you again before they talk to anyone who treats you. You can change your "
            "mind at any time by calling them.\n\nIs it OK to share this with {chosen_service_name}?"
        ),
        # Shown by the self-referral form without JavaScript (/self-referral).
        WEB_FORM: (
            "We will share what you told us with the service you choose. This is: your first name, your phone "
            "number, your answers on this page (like your age, postcode and health), and a short summary. They "
            "will only use it to contact you about help with work. They will ask you again before they talk to "
            "anyone who treats you. You can change your mind at any time by calling them."
        ),
        WEB_FORM_PAGES: (
            "We will share what you told us with {chosen_service_name}. This is: your first name, your phone "
            "number, your answers on these pages (like your age, postcode and health), anything you wrote in your "
            "own words, and a short summary. They will only use it to contact you about help with work. They will "
            "ask you again before they talk to anyone who treats you. You can change your mind at any time by "
            "calling them.\n\nIs it OK to share this with {chosen_service_name}?"
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
        WEB_CHAT: (
            "This is a separate choice. Can the NHS send you text messages about work support in the future? It "
            "is OK to say no. It will not change your referral. You can reply STOP at any time."
        ),
        WEB_FORM: (
            "Can the NHS send you text messages about work support in the future? It is OK to say no. It will not "
            "change your referral. You can reply STOP at any time."
        ),
        WEB_FORM_PAGES: (
            "Can the NHS send you text messages about work support in the future? It is OK to say no. It will not "
            "change your referral. You can reply STOP at any time."
        ),
    },
}


def current_wording(purpose: str) -> Wording:
    """The wording to show now for a purpose (its version is part of the purpose's data, consent.purposes)."""
    from .purposes import get

    version = get(purpose).wording_version
    return Wording(purpose, version, _WORDINGS[purpose][version])


def wording(purpose: str, version: str) -> Wording | None:
    """A known version of the wording, or None."""
    text = _WORDINGS.get(purpose, {}).get(version)
    return Wording(purpose, version, text) if text is not None else None
