"""Re-referral after leaving a service: a local setting, never a lasting bar.

Commissioners decide "how to treat clients who exit the IPS service and wish to be re-referred … In some
cases, commissioners have set a minimum time period before re-referral is allowed" (IPS Grow, Briefing
note for commissioners, §12e). IPS is time-unlimited and people may "re-access the service after job
loss" (NHS England 2023, Appendix 1). So the setting ``rereferral_wait_days`` (default 0: none) is a
pathway setting an area may override, and being referred before blocks a new referral, or an SMS
promotion, only while that referral is open or for that many days after it ended.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from .loader import Ruleset


@dataclass(frozen=True)
class RereferralAnswer:
    allowed: bool
    reason: str  # "open_referral" | "within_wait" | "wait_over" | "no_wait"
    allowed_from: date | None  # the first day a new referral is allowed (None while still open)


def rereferral_wait_days(ruleset: Ruleset, service_id: str) -> int:
    """The minimum number of days after leaving ``service_id`` before a re-referral (0 = none)."""
    service = ruleset.directory.service(service_id)
    if service is None:
        raise KeyError(service_id)
    pathway = ruleset.pathway(service.pathway)
    area = next(a for a in ruleset.directory.areas if a.id == service.area)
    settings = {**pathway.settings, **area.settings.get(pathway.id, {})}
    return int(settings.get("rereferral_wait_days", 0))


def may_refer_again(ruleset: Ruleset, service_id: str, finished_on: date | None, today: date) -> RereferralAnswer:
    """Whether someone referred to ``service_id`` before may be referred (or promoted to) again today.

    ``finished_on`` is the day the earlier referral ended (``None`` while it is still open).
    """
    if finished_on is None:
        return RereferralAnswer(False, "open_referral", None)
    wait = rereferral_wait_days(ruleset, service_id)
    allowed_from = finished_on + timedelta(days=wait)
    if wait == 0:
        return RereferralAnswer(True, "no_wait", finished_on)
    if today >= allowed_from:
        return RereferralAnswer(True, "wait_over", allowed_from)
    return RereferralAnswer(False, "within_wait", allowed_from)
