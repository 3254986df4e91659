"""UK postcode parsing and normalisation.

Accepts every valid UK format (A9 9AA, A99 9AA, AA9 9AA, AA99 9AA, A9A 9AA, AA9A 9AA and GIR 0AA)
in any case and spacing, and returns the canonical form ``"S1 2AB"``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache

# The letter rules of the Royal Mail format (as in the GOV.UK data standards regex): the first
# letter is never Q, V or X; the second never I, J or Z; the inward unit never uses C I K M O V.
_OUTWARD = (
    r"(?:[A-PR-UWYZ][0-9]{1,2}"
    r"|[A-PR-UWYZ][A-HK-Y][0-9]{1,2}"
    r"|[A-PR-UWYZ][0-9][A-HJKPSTUW]"
    r"|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])"
)
_INWARD = r"[0-9][ABD-HJLNP-UW-Z]{2}"
_FULL = re.compile(rf"^(?:(?P<out>{_OUTWARD})(?P<in>{_INWARD})|(?P<gir>GIR0AA))$")
_OUTWARD_ONLY = re.compile(rf"^{_OUTWARD}$")
_AREA = re.compile(r"^[A-Z]{1,2}")


class InvalidPostcode(ValueError):
    """The text is not a valid UK postcode."""


@dataclass(frozen=True)
class Postcode:
    outward: str
    inward: str

    @cached_property
    def area(self) -> str:
        """The postcode area: the leading letters (``S`` for ``S1 2AB``, ``SW`` for ``SW1A 1AA``)."""
        return _AREA.match(self.outward).group(0)

    @property
    def district(self) -> str:
        """The postcode district: the outward code (``S1``, ``SW1A``)."""
        return self.outward

    def __str__(self) -> str:
        return f"{self.outward} {self.inward}"


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text).upper()


def parse_postcode(text: str) -> Postcode:
    """Parse a full UK postcode in any common spacing or case; raise InvalidPostcode if it is not one."""
    if not isinstance(text, str):
        raise InvalidPostcode("A postcode must be text.")
    return _parse(text)


@lru_cache(maxsize=8192)
def _parse(text: str) -> Postcode:
    # Postcodes repeat (areas, clinics, the chat asking again): parsing is pure, so it is cached.
    squashed = _squash(text)
    match = _FULL.match(squashed)
    if not match:
        raise InvalidPostcode("Enter a full UK postcode, like S1 2AB.")
    if match.group("gir"):
        return Postcode("GIR", "0AA")
    return Postcode(match.group("out"), match.group("in"))


def normalise_postcode(text: str) -> str:
    """Return the canonical form of a UK postcode (``s12ab`` → ``S1 2AB``)."""
    return str(parse_postcode(text))


def is_valid_prefix(prefix: str) -> bool:
    """True for a postcode area (``S``, ``SW``) or district (``S1``, ``SW1A``)."""
    squashed = _squash(prefix)
    return bool(re.fullmatch(r"[A-Z]{1,2}", squashed) or _OUTWARD_ONLY.match(squashed))


def matches_prefix(postcode: Postcode, prefix: str) -> bool:
    """Whether the postcode lies in a postcode area or district.

    ``S`` is Sheffield's area and matches ``S1 2AB`` but not ``SW1A 1AA``; ``S1`` matches ``S1 2AB``
    but not ``S10 1AA``.
    """
    squashed = _squash(prefix)
    if squashed.isalpha():
        return postcode.area == squashed
    return postcode.district == squashed


# The postcode areas in use in the UK, the Channel Islands and the Isle of Man (Royal Mail). A postcode in
# the right format but in none of these (the NHS pseudo-postcode ZZ99 3VZ, say) is not a real address.
UK_POSTCODE_AREAS = frozenset("""
    AB AL B BA BB BD BH BL BN BR BS BT CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN DT DY E EC EH EN EX
    FK FY G GL GU GY HA HD HG HP HR HS HU HX IG IM IP IV JE KA KT KW KY L LA LD LE LL LN LS LU M ME MK ML N NE
    NG NN NP NR NW OL OX PA PE PH PL PO PR RG RH RM S SA SE SG SK SL SM SN SO SP SR SS ST SW SY TA TD TF TN TQ
    TR TS TW UB W WA WC WD WF WN WR WS WV YO ZE
""".split())


def is_real_area(postcode: Postcode) -> bool:
    """Whether the postcode is in a postcode area that exists (GIR 0AA, Girobank, counts as real)."""
    return postcode.area in UK_POSTCODE_AREAS or str(postcode) == "GIR 0AA"


_SHAPE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$")


def looks_like_postcode(text: str) -> bool:
    """Whether the text has a postcode's shape (letters, digits, digit, two letters), real or not: ``ZZ99 9ZZ``."""
    return bool(_SHAPE.match(_squash(text)))
