"""UK mobile numbers: normalise to E.164 (``+447700900123``) or refuse.

Uses the phonenumbers library's metadata for GB mobiles, applied as one compiled pattern so that a
100,000-row import stays fast, plus Ofcom's drama range 07700 900000–900999, which phonenumbers
treats as unallocated but which our sample and test data use.
"""

from __future__ import annotations

import re

import phonenumbers

_GB = phonenumbers.PhoneMetadata.metadata_for_region("GB")
_MOBILE = re.compile(rf"(?:{_GB.mobile.national_number_pattern})")
_DRAMA = re.compile(r"7700900\d{3}")
_NOISE = re.compile(r"[\s\-().]")


class InvalidMobile(ValueError):
    """Not a UK mobile number."""


def normalise_uk_mobile(text: str) -> str:
    """Return the E.164 form of a UK mobile number in any common format; raise InvalidMobile otherwise."""
    raw = _NOISE.sub("", text or "")
    if raw.startswith("+44"):
        national = raw[3:]
    elif raw.startswith("0044"):
        national = raw[4:]
    elif raw.startswith("44") and len(raw) == 12:
        national = raw[2:]
    elif raw.startswith("0"):
        national = raw[1:]
    else:
        raise InvalidMobile("not a UK mobile number")
    if national.startswith("0"):  # "+44 (0)7700 …"
        national = national[1:]
    if not national.isdigit() or len(national) != 10:
        raise InvalidMobile("not a UK mobile number")
    if _MOBILE.fullmatch(national) or _DRAMA.fullmatch(national):
        return "+44" + national
    raise InvalidMobile("not a UK mobile number")


def is_uk_mobile(e164: str | None) -> bool:
    """True for an E.164 UK mobile (as stored), False for anything else."""
    if not e164 or not e164.startswith("+44"):
        return False
    national = e164[3:]
    return bool(_MOBILE.fullmatch(national) or _DRAMA.fullmatch(national))
