"""Consent purposes as data: whom each is about, whether it is asked at referral, its words and wording version.

Routes, the referral record and the policy read these; none keeps its own mapping. (Consent is specific to a
purpose: NHS England, *IPS for severe mental illness: guidance for ICSs* (2023), 'Integrating IPS and maximising
referrals' — a self-referral needs consent to share; the service seeks separate consent to contact the treatment
team; texts need their own consent.)
"""

from __future__ import annotations

from dataclasses import dataclass

from .records import CONTACT_TREATMENT_TEAM, SHARE_WITH_SERVICE, SMS_PROMOTIONS

# Whom a purpose's records are about: the person behind one referral, or a mobile number (texts reach a number,
# whichever referral or contacts list it came from).
REFERRAL = "referral"
PHONE = "phone"


@dataclass(frozen=True)
class Purpose:
    name: str
    subject: str
    asked_at_referral: bool
    # How the policy's plain reasons describe it: "agreed to <words>".
    words: str
    # The wording shown now when a caller does not say which version it showed (see wording.py).
    wording_version: str

    def current_wording(self):
        """The wording to show now for this purpose (a consent.wording.Wording)."""
        from .wording import wording

        return wording(self.name, self.wording_version)


ALL = (
    Purpose(SHARE_WITH_SERVICE, REFERRAL, asked_at_referral=True,
            words="share what they told us with the service", wording_version="2024-1"),
    Purpose(CONTACT_TREATMENT_TEAM, REFERRAL, asked_at_referral=False,
            words="contact their treatment team", wording_version="2024-1"),
    Purpose(SMS_PROMOTIONS, PHONE, asked_at_referral=True,
            words="send them promotional text messages", wording_version="2024-1"),
)
_BY_NAME = {p.name: p for p in ALL}


def get(name: str) -> Purpose:
    """The purpose called ``name``; ValueError for an unknown one."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise ValueError(f"unknown consent purpose {name!r}") from None
