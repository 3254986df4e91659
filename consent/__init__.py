"""Consent: purposes, the append-only record, and one policy question (pure Python, no Flask, no DB).

    from consent import SHARE_WITH_SERVICE, ConsentRecord
    from consent.policy import may
    answer = may(SHARE_WITH_SERVICE, records, "sheffield-ips-smi")
    answer.allowed, answer.reason, answer.record

Consent is specific to a purpose, records who / when / how / what the person was told, and is as
easy to withdraw as to give; a withdrawal is a new record and never deletes history
(NHS England, *IPS for severe mental illness: guidance for ICSs* (2023), 'Integrating IPS and
maximising referrals').
"""

from . import purposes, sms_keywords
from .policy import PolicyAnswer, may
from .records import (
    ALL_SERVICES,
    CONTACT_TREATMENT_TEAM,
    DECISIONS,
    GRANTED,
    METHODS,
    PURPOSES,
    REFUSED,
    SHARE_WITH_SERVICE,
    SMS_PROMOTIONS,
    WITHDRAWN,
    ConsentRecord,
    InvalidConsent,
)
from .wording import WEB_CHAT, WEB_FORM, Wording, current_wording, wording

__all__ = [
    "ALL_SERVICES", "CONTACT_TREATMENT_TEAM", "DECISIONS", "GRANTED", "METHODS", "PURPOSES", "REFUSED",
    "SHARE_WITH_SERVICE", "SMS_PROMOTIONS", "WITHDRAWN", "ConsentRecord", "InvalidConsent", "PolicyAnswer",
    "WEB_CHAT", "WEB_FORM", "Wording", "current_wording", "may", "purposes", "sms_keywords", "wording",
]
