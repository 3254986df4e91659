"""Campaign message templates: ``{first_name}``, ``{service_name}``, ``{link}`` (and ``{service_phone}``)."""

from __future__ import annotations

import string
from urllib.parse import urlencode

PLACEHOLDERS = ("first_name", "service_name", "link", "service_phone")
OPT_OUT = "Reply STOP to stop these texts."
MAX_TEMPLATE_LENGTH = 918  # six GSM-7 segments


class TemplateError(ValueError):
    """The template cannot be used (unknown placeholder, bad braces, too long)."""


def check_template(template: str) -> None:
    """Raise TemplateError with a plain reason if the template cannot be rendered."""
    if not template or not template.strip():
        raise TemplateError("The template is empty.")
    if len(template) > MAX_TEMPLATE_LENGTH:
        raise TemplateError(f"The template is longer than {MAX_TEMPLATE_LENGTH} characters.")
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError:
        raise TemplateError("Unbalanced braces: write placeholders like {first_name}; a literal brace as {{ or }}.") from None
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        if field not in PLACEHOLDERS or spec or conversion:
            raise TemplateError(f"Unknown placeholder {{{field}}}: use {', '.join('{' + p + '}' for p in PLACEHOLDERS)}.")


def with_opt_out(template: str) -> str:
    """Every promotion tells the person how to stop (PECR): add the STOP line unless the text has one."""
    return template if "STOP" in template else f"{template.rstrip()} {OPT_OUT}"


def tracked_link(public_base_url: str, campaign_id: str, service_id: str) -> str:
    """The web chat link that attributes a self-referral to this campaign and local service."""
    return f"{public_base_url.rstrip('/')}/?{urlencode({'campaign': campaign_id, 'service': service_id})}"


def render(template: str, *, first_name: str | None, service_name: str, service_phone: str, link: str) -> str:
    """The text one person receives."""
    name = (first_name or "").strip() or "there"
    return with_opt_out(template).format(first_name=name, service_name=service_name, link=link,
                                         service_phone=service_phone)
