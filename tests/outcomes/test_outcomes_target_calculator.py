"""The commissioner outcomes target calculator reproduces, figure for figure, the table printed in IPS Grow,
*Growing IPS in the UK* (BASE conference, 2018), 'Example: outcomes target calculator': inputs not in
London, £300,000 a year for 5 years, steady state 60%, 100%, 100%, 100%, 80%.

The seed prints 109 figures: the specialists funded in each of 5 years, 9 rows × (4 quarters + total) for
years 1 and 2, the first quarter of year 3, and the cost per person placed into paid work for 5 years.
A "-" in the seed is a zero."""

from __future__ import annotations

import re

import pytest

from referral_service.tools.calculator import MEASURES, Inputs, calculate, workforce

SEED_SPECIALISTS = [5.0, 5.9, 5.7, 5.6, 5.4]
SEED_COST_PER_PERSON_PLACED = [11_111, 4_271, 4_378, 4_487, 5_749]
# Rows in the seed's order (MEASURES): referrals, engaged, placed into paid work, 13-week >16h, 13-week <16h,
# 26-week >16h, 26-week <16h, 52-week >16h, 52-week <16h. Each: Q1, Q2, Q3, Q4, Total.
SEED_YEAR_1 = [
    [45, 45, 45, 45, 180],
    [36, 36, 36, 36, 144],
    [0, 9, 9, 9, 27],
    [0, 0, 3, 3, 6],
    [0, 0, 3, 3, 6],
    [0, 0, 0, 2, 2],
    [0, 0, 0, 2, 2],
    [0, 0, 0, 0, 0],
    [0, 0, 0, 0, 0],
]
SEED_YEAR_2 = [
    [88, 88, 88, 88, 351],
    [70, 70, 70, 70, 281],
    [18, 18, 18, 18, 70],
    [6, 6, 6, 6, 23],
    [6, 6, 6, 6, 23],
    [4, 4, 4, 4, 18],
    [4, 4, 4, 4, 18],
    [3, 3, 3, 3, 12],
    [3, 3, 3, 3, 12],
]
SEED_YEAR_3_Q1 = [86, 69, 17, 6, 6, 4, 4, 3, 3]
SEED_INPUTS = {"contract_value": [300000] * 5, "steady_state": [0.6, 1, 1, 1, 0.8], "london": False}


def _rows(year: dict) -> list[list[int]]:
    return [[q[m] for q in year["quarters"]] + [year["totals"][m]] for m in MEASURES]


def test_the_seed_prints_109_figures_and_this_test_holds_them_all():
    count = (len(SEED_SPECIALISTS) + len(SEED_COST_PER_PERSON_PLACED) + sum(map(len, SEED_YEAR_1))
             + sum(map(len, SEED_YEAR_2)) + len(SEED_YEAR_3_Q1))
    assert count == 109


def _check_against_seed(result: dict) -> None:
    years = result["years"]
    assert [y["employment_specialists"] for y in years] == SEED_SPECIALISTS
    assert [y["cost_per_job_start"] for y in years] == SEED_COST_PER_PERSON_PLACED
    assert _rows(years[0]) == SEED_YEAR_1
    assert _rows(years[1]) == SEED_YEAR_2
    assert [years[2]["quarters"][0][m] for m in MEASURES] == SEED_YEAR_3_Q1


def test_the_calculator_reproduces_the_seed_table_exactly():
    _check_against_seed(calculate(Inputs()))


def test_the_api_reproduces_the_seed_table_from_the_seed_inputs(client):
    response = client.post("/api/v1/tools/outcomes-target", json=SEED_INPUTS)
    assert response.status_code == 200
    body = response.get_json()
    _check_against_seed(body)
    year = body["years"][0]
    assert set(year) >= {"year", "employment_specialists", "cost_per_job_start", "quarters", "totals"}
    assert len(year["quarters"]) == 4 and set(year["quarters"][0]) == set(MEASURES) == set(year["totals"])


def test_totals_are_rounded_sums_of_unrounded_quarters_not_sums_of_rounded_ones():
    year_2 = calculate(Inputs())["years"][1]
    # Quarters of 87.8 referrals show as 88 each, but the year is 351 (4 × 88 would be 352).
    assert [q["referrals"] for q in year_2["quarters"]] == [88] * 4 and year_2["totals"]["referrals"] == 351


def test_london_and_the_year_1_set_up_cost_are_inputs():
    london = calculate(Inputs(london=True))["years"]
    assert london[0]["employment_specialists"] == pytest.approx(4.2)  # £250,000 / (£50,000 × 1.2)
    no_setup = calculate(Inputs(setup_cost_year_1=0))["years"][0]
    assert no_setup["employment_specialists"] == 6.0


def test_bad_calculator_input_is_a_clear_400(client):
    for body in ({"contract_value": [300000, -1]*1, "steady_state": [1, 1]}, {"contract_value": ["lots"]},
                 {"contract_value": [1, 2], "steady_state": [1]}, {"steady_state": [5]}, {"london": "maybe"}):
        response = client.post("/api/v1/tools/outcomes-target", json=body)
        assert response.status_code == 400, body
        assert response.get_json()["error"]["fields"]


def test_the_workforce_planner_follows_the_guidance():
    # NHS England (2023) 'Workforce': ~1 ES per 42,000 population; a team leader for every 6 ESs;
    # 'Caseload': up to 50 clients a year each (40–50).
    plan = workforce(420_000)
    assert plan["employment_specialists"] == 10.0 and plan["employment_specialist_posts"] == 10
    assert plan["team_leaders"] == 2
    assert plan["clients_per_year"] == {"low": 400, "high": 500}


def test_the_page_shows_the_seed_table_without_javascript(client):
    response = client.get("/tools/outcomes-target")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # Without JavaScript: a plain GET form, and the figures and chart are in the HTML the server sends.
    assert '<form method="get" action="/tools/outcomes-target"' in html
    assert "<svg" in html and "Q1" in html
    assert "does not print the London uplift" in html
    # Year 2's referrals row as printed in the seed.
    cell = r'<td class="nhsuk-table__cell">'
    assert re.search(rf"Referrals</th>\s*({cell}88</td>){{4}}\s*{cell}<strong>351</strong>", html)
    assert "11,111" in html and "5,749" in html


def test_the_page_plans_the_workforce_and_explains_bad_input(client):
    html = client.get("/tools/outcomes-target?population=420000").get_data(as_text=True)
    assert "10.0 employment specialists" in html and "2 team leaders" in html
    bad = client.get("/tools/outcomes-target?value_2=lots&population=many")
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert "There is a problem" in text and 'href="#value_2"' in text and 'href="#population"' in text


def test_a_year_in_which_nobody_is_placed_has_no_cost_per_person_placed(client):
    """A near-zero job start rate places nobody (rounded): the cost per person placed is empty, never a 500."""
    response = client.post("/api/v1/tools/outcomes-target", json={"job_start_rate": 1.6e-278, "london": True})
    assert response.status_code == 200
    assert all(year["cost_per_job_start"] is None for year in response.get_json()["years"])
