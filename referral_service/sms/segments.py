"""How many SMS segments a text costs: GSM-7 (160 / 153 per part) or UCS-2 (70 / 67 per part)."""

from __future__ import annotations

from dataclasses import dataclass

# GSM 03.38 basic character set, and the extension table (each extension character takes two septets).
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = frozenset("^{}\\[~]|€\f")


@dataclass(frozen=True)
class SegmentCount:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int


def is_gsm7(text: str) -> bool:
    """True when every character of ``text`` can be sent in the GSM-7 alphabet."""
    return all(ch in GSM_BASIC or ch in GSM_EXTENSION for ch in text)


def count_segments(text: str) -> SegmentCount:
    """The encoding and number of segments a message needs (concatenated SMS use a 6/7-byte header)."""
    if is_gsm7(text):
        units = sum(2 if ch in GSM_EXTENSION else 1 for ch in text)
        single, part, encoding = 160, 153, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, part, encoding = 70, 67, "UCS-2"
    if units == 0:
        return SegmentCount(encoding, 0, 1)
    segments = 1 if units <= single else -(-units // part)
    return SegmentCount(encoding, units, segments)
