"""Why the referral service refuses a request, in the domain's words (no HTTP here).

Each refusal names its ``code`` (what clients switch on, e.g. ``not_eligible``) and its ``kind``;
``referral_service/errors.py`` maps the kind to a status code in one place. ``details`` are extra
keys shown beside ``code`` and ``message`` in the error body (reasons, alternatives, signposts).
"""

from __future__ import annotations

from typing import Any

from ..errors import DomainError


class ReferralRefused(DomainError):
    """The request is valid but the referral cannot be made as asked (a 422)."""

    kind = "refused"
    code = "referral_refused"

    def __init__(self, message: str, *, fields: dict | None = None, **details: Any):
        # ``reason`` repeats the code: clients written against the first round read it there.
        super().__init__(message, fields=fields, reason=self.code, **details)


class NotEligible(ReferralRefused):
    """The facts given rule the person out of the pathway asked for."""

    code = "not_eligible"


class NoLocalService(ReferralRefused):
    """No service in the directory runs this pathway for the person's postcode."""

    code = "no_local_service"


class ChoiceNeeded(ReferralRefused):
    """More than one local service runs this pathway: the person (or clinician) chooses."""

    code = "choose_service"


class NoSelfReferral(ReferralRefused):
    """The chosen service does not take self-referrals; the access route says how to be referred."""

    code = "self_referral_not_accepted"


class PostcodeNeeded(ReferralRefused):
    """Neither a postcode nor a service was given, so the local service cannot be found."""

    code = "postcode_needed"


class WrongPathwayService(ReferralRefused):
    """The service asked for does not run the pathway asked for."""

    code = "service_does_not_provide_pathway"


class OutsideServiceArea(ReferralRefused):
    """The service asked for does not cover the person's postcode."""

    code = "service_does_not_cover_postcode"


class NotAllowedNow(DomainError):
    """The referral's current state does not allow this change (a 409)."""

    kind = "conflict"
    code = "conflict"


class UnknownStaff(DomainError):
    """The staff member is not one of this referral's service's staff."""

    kind = "invalid"
    code = "validation_error"


class InvalidDates(DomainError):
    """Dates that cannot both be true (a job ending before it started)."""

    kind = "invalid"
    code = "validation_error"


class UnknownJob(DomainError):
    """No such job on this referral."""

    kind = "not_found"
    code = "not_found"
