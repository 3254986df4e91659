"""CONTRACT.md `POST /api/v1/tools/outcomes-target`: the inputs printed in seed 002 ('Example: outcomes
target calculator': not London, £300,000 a year for 5 years, steady state 60/100/100/100/80%) give the
seed's printed table ("-" is none). Other inputs follow DOMAIN.md's formulas, worked out here independently."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest

QUARTER_KEYS = ["referrals", "engaged", "job_starts",
                "sustained_13_weeks_over_16_hours", "sustained_13_weeks_under_16_hours",
                "sustained_26_weeks_over_16_hours", "sustained_26_weeks_under_16_hours",
                "sustained_52_weeks_over_16_hours", "sustained_52_weeks_under_16_hours"]
SEED_INPUTS = {"contract_value": [300000] * 5, "steady_state": [0.6, 1, 1, 1, 0.8], "london": False}
# The printed table: per row, year 1 Q1-Q4 + total, year 2 Q1-Q4 + total, year 3 Q1.
PRINTED = {
    "referrals": [45, 45, 45, 45, 180, 88, 88, 88, 88, 351, 86],
    "engaged": [36, 36, 36, 36, 144, 70, 70, 70, 70, 281, 69],
    "job_starts": [0, 9, 9, 9, 27, 18, 18, 18, 18, 70, 17],
    "sustained_13_weeks_over_16_hours": [0, 0, 3, 3, 6, 6, 6, 6, 6, 23, 6],
    "sustained_13_weeks_under_16_hours": [0, 0, 3, 3, 6, 6, 6, 6, 6, 23, 6],
    "sustained_26_weeks_over_16_hours": [0, 0, 0, 2, 2, 4, 4, 4, 4, 18, 4],
    "sustained_26_weeks_under_16_hours": [0, 0, 0, 2, 2, 4, 4, 4, 4, 18, 4],
    "sustained_52_weeks_over_16_hours": [0, 0, 0, 0, 0, 3, 3, 3, 3, 12, 3],
    "sustained_52_weeks_under_16_hours": [0, 0, 0, 0, 0, 3, 3, 3, 3, 12, 3],
}
PRINTED_SPECIALISTS = [5.0, 5.9, 5.7, 5.6, 5.4]
PRINTED_COST = [11111, 4271, 4378, 4487, 5749]


def shown(value, places=0) -> Decimal:
    """As the seed displays it: half up."""
    if value in (None, "-"):
        value = 0
    return Decimal(str(value)).quantize(Decimal(1) if places == 0 else Decimal("0.1"), rounding=ROUND_HALF_UP)


def calculate(client, body):
    response = client.post("/api/v1/tools/outcomes-target", json=body)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["years"]


def test_the_seed_inputs_give_the_seed_table(client):
    years = calculate(client, SEED_INPUTS)
    assert len(years) == 5 and [y["year"] for y in years] == [1, 2, 3, 4, 5]
    for key, printed in PRINTED.items():
        got = [y["quarters"][q][key] for y in years[:2] for q in range(4)]
        row = got[:4] + [years[0]["totals"][key]] + got[4:8] + [years[1]["totals"][key]] + [years[2]["quarters"][0][key]]
        assert [shown(v) for v in row] == [Decimal(p) for p in printed], key
    assert [shown(y["employment_specialists"], 1) for y in years] == [Decimal(str(v)) for v in PRINTED_SPECIALISTS]
    assert [shown(y["cost_per_job_start"]) for y in years] == [Decimal(v) for v in PRINTED_COST]
    for year in years:
        assert len(year["quarters"]) == 4
        for quarter in year["quarters"]:
            assert set(quarter) >= set(QUARTER_KEYS)
        assert set(year["totals"]) >= set(QUARTER_KEYS)


def expected(values, steady):
    """DOMAIN.md 'The commissioner outcomes target calculator' formulas, unrounded."""
    out = []
    for n, (value, share) in enumerate(zip(values, steady, strict=True), start=1):
        specialists = (value - (50000 if n == 1 else 0)) / (50000 * 1.025 ** (n - 1))
        referrals = specialists * share * 60 / 4
        engaged = referrals * 0.8
        quarters = []
        for q in range(1, 5):
            starts = 0 if (n, q) == (1, 1) else engaged * 0.25
            s13 = 0 if n == 1 and q < 3 else starts / 3
            s26 = 0 if n == 1 and q < 4 else starts / 4
            s52 = 0 if n == 1 else starts / 6
            quarters.append({"referrals": referrals, "engaged": engaged, "job_starts": starts,
                             "sustained_13_weeks_over_16_hours": s13, "sustained_13_weeks_under_16_hours": s13,
                             "sustained_26_weeks_over_16_hours": s26, "sustained_26_weeks_under_16_hours": s26,
                             "sustained_52_weeks_over_16_hours": s52, "sustained_52_weeks_under_16_hours": s52})
        totals = {k: sum(q[k] for q in quarters) for k in QUARTER_KEYS}
        out.append({"employment_specialists": specialists, "quarters": quarters, "totals": totals,
                    "cost_per_job_start": value / totals["job_starts"]})
    return out


@pytest.mark.parametrize("values, steady", [
    ([420000, 480000, 510000], [0.5, 0.9, 1.0]),
    ([250000, 260000], [0.75, 1]),
])
def test_other_inputs_follow_the_same_formulas(client, values, steady):
    years = calculate(client, {"contract_value": values, "steady_state": steady, "london": False})
    for got, want in zip(years, expected(values, steady), strict=True):
        assert shown(got["employment_specialists"], 1) == shown(want["employment_specialists"], 1)
        assert shown(got["cost_per_job_start"]) == shown(want["cost_per_job_start"])
        for q in range(4):
            for key in QUARTER_KEYS:
                assert shown(got["quarters"][q][key]) == shown(want["quarters"][q][key]), (q, key)
        for key in QUARTER_KEYS:
            assert shown(got["totals"][key]) == shown(want["totals"][key]), key


def test_london_is_an_input_and_is_public(client):
    years = calculate(client, {**SEED_INPUTS, "london": True})
    assert len(years) == 5


@pytest.mark.parametrize("body", [
    {"contract_value": [300000, 300000], "steady_state": [0.6]},
    {"contract_value": [-1], "steady_state": [0.6]},
    {"contract_value": ["lots"], "steady_state": [0.6]},
    {"contract_value": [300000], "steady_state": [7]},
    {"steady_state": [0.6]},
    [300000],
])
def test_bad_inputs_get_the_error_shape(client, body):
    response = client.post("/api/v1/tools/outcomes-target", json=body)
    assert response.status_code == 400, body
    assert set(response.get_json()["error"]) >= {"code", "message", "fields"}
