"""POST /api/v1/eligibility reads well-formed facts on a short path (referral_service/eligibility/schemas.py);
it must give exactly what the whole marshmallow load gives, for good and bad bodies alike, and send every
bad body to the full load so its errors are the same."""

from __future__ import annotations

import random

import marshmallow as ma

from referral_service.eligibility.schemas import eligibility_request_schema_class
from rules import default_engine

ODD_VALUES = [None, True, False, 0, 1, 17, 34, 66, 130, -3, 2.5, "", "yes", "S1 2AB", "s12ab", "not a postcode",
              [], ["anxiety"], ["anxiety", "anxiety", "psychosis"], ("depression",), ["nope"], [3], {"a": 1},
              "anxiety", "out_of_work", "waiting"]


def full_load(schema, body):
    """marshmallow's own load, without the short path."""
    try:
        return "ok", ma.Schema.load(schema, body)
    except ma.ValidationError as error:
        return "error", error.messages


def our_load(schema, body):
    try:
        return "ok", schema.load(body)
    except ma.ValidationError as error:
        return "error", error.messages


def bodies(count: int, seed: int):
    rng = random.Random(seed)
    names = [*default_engine().vocabulary.facts, "not_a_fact"]
    for index in range(count):
        facts = {name: rng.choice(ODD_VALUES) for name in rng.sample(names, rng.randint(0, 8))}
        kind = index % 4
        if kind == 0:
            yield facts
        elif kind == 1:
            yield {"facts": facts}
        elif kind == 2:
            yield {"facts": facts, "age": 30}  # both shapes at once: refused
        else:
            yield rng.choice([{"facts": None}, {"facts": [1]}, [facts], "text", {}])


def test_the_short_path_gives_what_the_whole_load_gives():
    schema = eligibility_request_schema_class()()
    for body in bodies(4000, seed=11):
        assert our_load(schema, body) == full_load(schema, body), body


def test_facts_come_back_in_the_schemas_order_with_lists_as_lists():
    schema = eligibility_request_schema_class()()
    loaded = schema.load({"postcode": "s12ab", "conditions": ("anxiety", "anxiety"), "age": 34})
    assert loaded == full_load(schema, {"postcode": "s12ab", "conditions": ("anxiety", "anxiety"), "age": 34})[1]
    assert list(loaded) == list(full_load(schema, {"age": 34, "conditions": ["anxiety"], "postcode": "S1 2AB"})[1])
    assert loaded["conditions"] == ["anxiety"] and loaded["postcode"] == "S1 2AB"
