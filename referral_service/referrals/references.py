"""Short human references for referrals, e.g. ``IS-7K3D9Q``: easy to read out on the phone.

The prefix comes from the pathway id (the initials of its words); the random part uses an alphabet
without the look-alikes O 0 I 1 L, so a reference read aloud or handwritten is not misread.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
RANDOM_LENGTH = 6
REFERENCE_PATTERN = re.compile(r"^[A-Z0-9-]{6,16}$")


def prefix_for(pathway_id: str) -> str:
    """``ips_smi`` -> ``IS``, ``talking_therapies_ea`` -> ``TTE`` (at most 4 letters)."""
    initials = "".join(word[0] for word in pathway_id.split("_") if word).upper()
    return re.sub(r"[^A-Z]", "", initials)[:4] or "REF"


def new_reference(pathway_id: str) -> str:
    random_part = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return f"{prefix_for(pathway_id)}-{random_part}"


def looks_like_reference(text: str) -> bool:
    return bool(REFERENCE_PATTERN.match(text or ""))


def normalise_reference(text: str) -> str:
    """References are case-insensitive when typed by a person: ``is-7k3d9q`` -> ``IS-7K3D9Q``."""
    return (text or "").strip().upper()
