"""UK postcodes in every valid format, any spacing and case; anything else is refused."""

from __future__ import annotations

import pytest

from rules import InvalidPostcode, normalise_postcode, parse_postcode
from rules.postcodes import is_valid_prefix, matches_prefix


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("s12ab", "S1 2AB"),          # A9 9AA
        ("S1 2AB", "S1 2AB"),
        ("  s1   2ab ", "S1 2AB"),
        ("m60 1nw", "M60 1NW"),       # A99 9AA
        ("CR2 6XH", "CR2 6XH"),       # AA9 9AA
        ("DN55 1PT", "DN55 1PT"),     # AA99 9AA
        ("W1A 1HQ", "W1A 1HQ"),       # A9A 9AA
        ("ec1a1bb", "EC1A 1BB"),      # AA9A 9AA
        ("SW1A 1AA", "SW1A 1AA"),
        ("GIR 0AA", "GIR 0AA"),
        ("gir0aa", "GIR 0AA"),
    ],
)
def test_every_valid_format_is_normalised(raw, canonical):
    assert normalise_postcode(raw) == canonical


@pytest.mark.parametrize("raw", ["", "S1", "SW1A", "12345", "S1 2A", "S1 2ABC", "QS1 2AB", "S1 2CI", "not a postcode",
                                 "S1-2AB", "SS1 2AB X"])
def test_anything_else_is_refused(raw):
    with pytest.raises(InvalidPostcode):
        parse_postcode(raw)


def test_area_and_district():
    postcode = parse_postcode("sw1a 1aa")
    assert (postcode.area, postcode.district) == ("SW", "SW1A")


def test_area_s_is_sheffield_and_does_not_match_sw():
    assert matches_prefix(parse_postcode("S1 2AB"), "S")
    assert not matches_prefix(parse_postcode("SW1A 1AA"), "S")
    assert matches_prefix(parse_postcode("SW1A 1AA"), "SW1A")
    assert not matches_prefix(parse_postcode("S10 1AA"), "S1")


def test_prefixes_are_areas_or_districts():
    assert is_valid_prefix("S") and is_valid_prefix("sw1a") and is_valid_prefix("NW1")
    assert not is_valid_prefix("Sheffield") and not is_valid_prefix("S1 2AB")
