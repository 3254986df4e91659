"""How a person gets to a local service when they cannot refer themselves to it.

IPS-for-SMI services "should promote the option to self-refer" (NHS England 2023, 'Integrating IPS and
maximising referrals'), but some services (drug and alcohol IPS, Talking Therapies employment advisers,
and the odd IPS service) take referrals only through a team. A person who finds only such a service is
never just refused: they are told the access route and the service's phone number.
"""

from __future__ import annotations

from typing import Any

from .loader import Pathway


def referral_route(pathway: Pathway, services: list[dict[str, Any]]) -> dict[str, Any] | None:
    """``{"self_referral", "access_route", "how", "call"}`` for the local services found, or None when none was found.

    ``self_referral`` is true when at least one local service takes self-referrals; otherwise ``how``
    says, in words a person can act on, how to be referred and whom to call.
    """
    if not services:
        return None
    takes_self = [s for s in services if s.get("accepts_self_referral")]
    call = [{"name": s["name"], "phone": s["phone"]} for s in (takes_self or services)]
    if takes_self:
        return {"self_referral": True, "access_route": pathway.access_route, "call": call,
                "how": f"You can refer yourself to {takes_self[0]['name']}. Or call them on {takes_self[0]['phone']}."}
    first = services[0]
    return {
        "self_referral": False,
        "access_route": pathway.access_route,
        "call": call,
        "how": (f"{first['name']} does not take self-referrals. How to be referred: {pathway.access_route} "
                f"You can also call {first['name']} on {first['phone']} to ask how."),
    }
