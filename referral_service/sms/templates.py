"""Campaign message templates: ``{first_name}``, ``{service_name}``, ``{link}`` (and ``{service_phone}``)."""

from __future__ import annotations

import re
import string
from urllib.parse import urlencode

from .segments import count_segments

PLACEHOLDERS = ("first_name", "service_name", "link", "service_phone")
OPT_OUT = "Reply STOP to stop these texts."
# A cap in segments, which is what a text costs and how phones split it, not characters: 918 emoji are 28
# UCS-2 segments, 918 plain letters 6. Ten segments (1,530 GSM-7 characters, 670 UCS-2 units) stays under
# Twilio's 1,600-character body limit and its advice to keep texts to ten segments or fewer.
MAX_TEMPLATE_SEGMENTS = 10
# What the placeholders may become, at their longest, when the cap is checked (the preview shows each real text).
_LONGEST = {"first_name": "x" * 30, "service_name": "x" * 60, "link": "x" * 120, "service_phone": "x" * 16}
# An opt-out instruction, not merely the word: "Reply STOP", "text stop to …", "Send STOP" (Twilio's keywords
# are case-insensitive, so are we). "Don't STOP looking", "non-stop" or "STOPPED" are not instructions.
_OPT_OUT_INSTRUCTION = re.compile(r"\b(?:reply|text|txt|send)\b[^.!?\n]{0,20}?\bstop\b", re.IGNORECASE)


class TemplateError(ValueError):
    """The template cannot be used (unknown placeholder, bad braces, too long)."""


def check_template(template: str) -> None:
    """Raise TemplateError with a plain reason if the template cannot be rendered."""
    if not template or not template.strip():
        raise TemplateError("The template is empty.")
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError:
        raise TemplateError("Unbalanced braces: write placeholders like {first_name}; a literal brace as {{ or }}.") from None
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        if field not in PLACEHOLDERS or spec or conversion:
            raise TemplateError(f"Unknown placeholder {{{field}}}: use {', '.join('{' + p + '}' for p in PLACEHOLDERS)}.")
    longest = count_segments(with_opt_out(template).format(**_LONGEST))
    if longest.segments > MAX_TEMPLATE_SEGMENTS:
        raise TemplateError(
            f"The text would take {longest.segments} SMS segments ({longest.encoding}); the limit is "
            f"{MAX_TEMPLATE_SEGMENTS} segments. Shorten it, or leave out emoji and other characters outside the "
            "GSM alphabet (one of them makes every segment hold 70 characters instead of 160).")


def has_opt_out(text: str) -> bool:
    """Whether the text tells the person how to stop (an instruction like "Reply STOP"), not merely the word."""
    return bool(_OPT_OUT_INSTRUCTION.search(text))


def with_opt_out(template: str) -> str:
    """Every promotion tells the person how to stop (PECR): add the STOP line unless the text has an instruction."""
    return template if has_opt_out(template) else f"{template.rstrip()} {OPT_OUT}"


def tracked_link(public_base_url: str, campaign_id: str, service_id: str) -> str:
    """The web chat link that attributes a self-referral to this campaign and local service."""
    return f"{public_base_url.rstrip('/')}/?{urlencode({'campaign': campaign_id, 'service': service_id})}"


def render(template: str, *, first_name: str | None, service_name: str, service_phone: str, link: str) -> str:
    """The text one person receives."""
    name = (first_name or "").strip() or "there"
    return with_opt_out(template).format(first_name=name, service_name=service_name, link=link,
                                         service_phone=service_phone)
