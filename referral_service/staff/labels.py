"""Plain-English words for the codes staff see: referral statuses, sources, contact channels, consent."""

from __future__ import annotations

from rules import default_engine

STATUS = {
    "received": ("New", "nhsuk-tag--blue"),
    "contacted": ("Contacted", "nhsuk-tag--aqua-green"),
    "accepted": ("Accepted", "nhsuk-tag--green"),
    "first_appointment_attended": ("First appointment attended", "nhsuk-tag--green"),
    "declined": ("Declined", "nhsuk-tag--grey"),
    "closed": ("Closed", "nhsuk-tag--grey"),
}
# What the button that makes each move says.
STATUS_ACTION = {
    "contacted": "Mark as contacted",
    "accepted": "Accept: the person agreed to start",
    "first_appointment_attended": "Record the first appointment attended",
    "declined": "Decline",
    "closed": "Close",
}
SOURCE = {
    "self": "Self-referral",
    "clinician": "Clinician",
    "gp": "GP",
    "voluntary_sector": "Voluntary sector",
    "sms_campaign": "Self-referral from a text message",
}
CHANNEL = {
    "face_to_face": "Face to face",
    "video": "Video call",
    "phone": "Phone call",
    "talk_type": "Talk type",
    "sms": "Text message",
    "email": "Email",
    "letter": "Letter",
}
CONSENT_DECISION = {"granted": "Agreed", "refused": "Refused", "withdrawn": "Withdrawn"}
CONSENT_PURPOSE = {
    "share_with_service": "Share what they told us with the service",
    "contact_treatment_team": "Contact their treatment team",
    "sms_promotions": "Texts about support",
}
ELIGIBILITY = {"eligible": "Eligible", "needs_information": "Needs more information", "not_eligible": "Not eligible"}


def status(value: str) -> str:
    return STATUS.get(value, (value.replace("_", " ").capitalize(), ""))[0]


def status_tag(value: str) -> str:
    return STATUS.get(value, ("", "nhsuk-tag--grey"))[1]


def pathway(value: str) -> str:
    found = default_engine().ruleset.pathway(value)
    return found.name if found else value


def pathway_short(value: str) -> str:
    found = default_engine().ruleset.pathway(value)
    return found.short_name if found else value


def service(value: str | None) -> str:
    found = default_engine().ruleset.directory.service(value) if value else None
    return found.name if found else (value or "")


def fact_label(name: str) -> str:
    fact = default_engine().vocabulary.facts.get(name)
    return fact.label if fact else name.replace("_", " ").capitalize()


def fact_value(name: str, value) -> str:
    """A fact's value as a person would say it: Yes/No, the enum's label, a list joined."""
    fact = default_engine().vocabulary.facts.get(name)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(fact.label_of(v) if fact else str(v) for v in value)
    if fact is not None and fact.type in ("enum", "enum_list") and isinstance(value, str):
        return fact.label_of(value)
    return str(value)


def date(value: str | None) -> str:
    """An ISO date-time as '1 December 2026 at 21:50' (UK time)."""
    if not value:
        return ""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    at = datetime.fromisoformat(value)
    if at.tzinfo is not None:
        at = at.astimezone(ZoneInfo("Europe/London"))
    return f"{at.day} {at:%B %Y} at {at:%H:%M}"


def day(value: str | None) -> str:
    if not value:
        return ""
    from datetime import date as date_type

    on = date_type.fromisoformat(value[:10])
    return f"{on.day} {on:%B %Y}"


FILTERS = {
    "status_label": status, "status_tag": status_tag, "pathway_name": pathway, "pathway_short": pathway_short,
    "service_name": service, "fact_label": fact_label, "uk_datetime": date, "uk_date": day,
}


def init_app(app) -> None:
    app.jinja_env.filters.update(FILTERS)
    app.jinja_env.globals.update(source_labels=SOURCE, channel_labels=CHANNEL, consent_decisions=CONSENT_DECISION,
                                 consent_purposes=CONSENT_PURPOSE, eligibility_labels=ELIGIBILITY,
                                 status_actions=STATUS_ACTION, fact_value=fact_value)
