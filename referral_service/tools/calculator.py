"""The commissioner's outcomes target calculator and workforce planner — pure functions, no Flask.

The calculator reproduces IPS Grow, *Growing IPS in the UK* (2018), 'Example: outcomes target
calculator': from the contract value of each year and the share of steady state expected, it gives the
employment specialists (ES) funded and, per quarter, referrals, clients engaged, clients placed into
paid work and 13/26/52-week job sustainments over and under 16 hours a week.

    ES_n      = (V_n − set-up_n) / (cost per ES × (1 + annual increase)^(n−1) × London factor)
    referrals = ES_n × steady_n × referrals per ES a year / 4           (per quarter)
    engaged   = 80% of referrals; job starts = 25% of engaged (none in the first quarter)
    13 / 26 / 52-week sustainments per hours band = 1/3, 1/4, 1/6 of job starts, none before the
    3rd, 4th and 5th quarter (the seed: "Job sustainments will start from Q3 onwards")
    cost per person placed into paid work = V_n / that year's job starts

Figures are exact (Decimal) until shown: each is rounded half up for display, and a year's total is
the rounded sum of its unrounded quarters — which is how the seed's totals come out (e.g. 351 referrals
in year 2 from quarters of 87.8). The seed does not print the London uplift, nor say whether year 1's
£50,000 is a set-up cost or a shorter first year; both are inputs here with the defaults below.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

SEED = "IPS Grow, Growing IPS in the UK (BASE conference, 2018), 'Example: outcomes target calculator'"
MEASURES = (
    "referrals", "engaged", "job_starts",
    "sustained_13_weeks_over_16_hours", "sustained_13_weeks_under_16_hours",
    "sustained_26_weeks_over_16_hours", "sustained_26_weeks_under_16_hours",
    "sustained_52_weeks_over_16_hours", "sustained_52_weeks_under_16_hours",
)
MEASURE_LABELS = {
    "referrals": "Referrals",
    "engaged": "Clients engaged",
    "job_starts": "Clients placed into paid work",
    "sustained_13_weeks_over_16_hours": "13-week job sustainments (more than 16 hours a week)",
    "sustained_13_weeks_under_16_hours": "13-week job sustainments (less than 16 hours a week)",
    "sustained_26_weeks_over_16_hours": "26-week job sustainments (more than 16 hours a week)",
    "sustained_26_weeks_under_16_hours": "26-week job sustainments (less than 16 hours a week)",
    "sustained_52_weeks_over_16_hours": "52-week job sustainments (more than 16 hours a week)",
    "sustained_52_weeks_under_16_hours": "52-week job sustainments (less than 16 hours a week)",
}
# (share of job starts, first quarter counted from the contract's start, 1-based)
HALF_A_PERSON = Decimal("0.5")
SUSTAINMENTS = {13: (Decimal(1) / 3, 3), 26: (Decimal(1) / 4, 4), 52: (Decimal(1) / 6, 5)}
MAX_YEARS = 10


@dataclass(frozen=True)
class Inputs:
    """What a commissioner enters. Defaults are the seed's example (and DOMAIN.md for what it does not print)."""

    contract_value: Sequence[Decimal] = (Decimal(300_000),) * 5
    steady_state: Sequence[Decimal] = (Decimal("0.6"), Decimal(1), Decimal(1), Decimal(1), Decimal("0.8"))
    london: bool = False
    # Not printed in the seed: an assumption to set locally (NHS inner-London high cost area supplement is 20%).
    london_uplift: Decimal = Decimal("0.20")
    cost_per_specialist: Decimal = Decimal(50_000)
    annual_cost_increase: Decimal = Decimal("0.025")
    setup_cost_year_1: Decimal = Decimal(50_000)
    referrals_per_specialist_per_year: Decimal = Decimal(60)
    engagement_rate: Decimal = Decimal("0.8")
    job_start_rate: Decimal = Decimal("0.25")

    def __post_init__(self) -> None:
        # Plain numbers (from Python callers) become exact Decimals; str() keeps 0.1 as 0.1, not its binary double.
        for name in ("london_uplift", "cost_per_specialist", "annual_cost_increase", "setup_cost_year_1",
                     "referrals_per_specialist_per_year", "engagement_rate", "job_start_rate"):
            object.__setattr__(self, name, _exact(getattr(self, name)))
        object.__setattr__(self, "contract_value", tuple(_exact(v) for v in self.contract_value))
        object.__setattr__(self, "steady_state", tuple(_exact(v) for v in self.steady_state))
        if len(self.contract_value) != len(self.steady_state):
            raise ValueError("one steady-state share is needed for each contract year")


def _exact(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def display(value: Decimal, places: int = 0) -> float | int:
    """Round half up (never to even) for display: an int, or a float with ``places`` decimals."""
    quantum = Decimal(1).scaleb(-places)
    rounded = value.quantize(quantum, rounding=ROUND_HALF_UP)
    return int(rounded) if places == 0 else float(rounded)


def specialists(inputs: Inputs, year: int) -> Decimal:
    """Employment specialists funded in year ``year`` (1-based)."""
    value = Decimal(inputs.contract_value[year - 1])
    setup = inputs.setup_cost_year_1 if year == 1 else Decimal(0)
    cost = inputs.cost_per_specialist * (1 + inputs.annual_cost_increase) ** (year - 1)
    if inputs.london:
        cost *= 1 + inputs.london_uplift
    return max(value - setup, Decimal(0)) / cost


def quarter(inputs: Inputs, year: int, q: int) -> dict[str, Decimal]:
    """The unrounded figures of one quarter (``q`` 1–4 of year ``year``)."""
    overall = (year - 1) * 4 + q
    referrals = specialists(inputs, year) * Decimal(inputs.steady_state[year - 1]) \
        * inputs.referrals_per_specialist_per_year / 4
    engaged = referrals * inputs.engagement_rate
    job_starts = engaged * inputs.job_start_rate if overall >= 2 else Decimal(0)
    figures = {"referrals": referrals, "engaged": engaged, "job_starts": job_starts}
    for weeks, (share, first_quarter) in SUSTAINMENTS.items():
        amount = job_starts * share if overall >= first_quarter else Decimal(0)
        figures[f"sustained_{weeks}_weeks_over_16_hours"] = amount
        figures[f"sustained_{weeks}_weeks_under_16_hours"] = amount
    return figures


def calculate(inputs: Inputs) -> dict:
    """The whole table: per year the ES funded, cost per job start, four quarters and totals (display
    figures), plus the unrounded figures under ``exact``."""
    years = []
    for year in range(1, len(inputs.contract_value) + 1):
        quarters = [quarter(inputs, year, q) for q in range(1, 5)]
        totals = {m: sum((qr[m] for qr in quarters), Decimal(0)) for m in MEASURES}
        funded = specialists(inputs, year)
        value = Decimal(inputs.contract_value[year - 1])
        # No cost per person placed when, rounded, nobody is placed that year (a near-zero rate would
        # otherwise give a meaningless, unprintable figure).
        cost = value / totals["job_starts"] if totals["job_starts"] >= HALF_A_PERSON else None
        years.append({
            "year": year,
            "contract_value": display(value),
            "steady_state": float(inputs.steady_state[year - 1]),
            "employment_specialists": display(funded, 1),
            "cost_per_job_start": None if cost is None else display(cost),
            "quarters": [{m: display(qr[m]) for m in MEASURES} for qr in quarters],
            "totals": {m: display(totals[m]) for m in MEASURES},
            "exact": {
                "employment_specialists": str(funded),
                "quarters": [{m: str(qr[m]) for m in MEASURES} for qr in quarters],
                "totals": {m: str(totals[m]) for m in MEASURES},
            },
        })
    return {
        "years": years,
        "inputs": {
            "contract_value": [display(Decimal(v)) for v in inputs.contract_value],
            "steady_state": [float(v) for v in inputs.steady_state],
            "london": inputs.london,
            "london_uplift": float(inputs.london_uplift),
            "cost_per_specialist": display(inputs.cost_per_specialist),
            "annual_cost_increase": float(inputs.annual_cost_increase),
            "setup_cost_year_1": display(inputs.setup_cost_year_1),
            "referrals_per_specialist_per_year": display(inputs.referrals_per_specialist_per_year),
            "engagement_rate": float(inputs.engagement_rate),
            "job_start_rate": float(inputs.job_start_rate),
        },
        "source": SEED,
        "notes": [
            "The seed does not print the London uplift nor say whether year 1's £50,000 is a set-up cost or "
            "a shorter first year: both are inputs, with defaults of 20% and a £50,000 set-up cost.",
            "Job sustainments start from the third quarter, to reflect the time it takes to sustain a job.",
        ],
    }


# --- workforce planner ------------------------------------------------------------------------------

POPULATION_PER_SPECIALIST = 42_000
SPECIALISTS_PER_TEAM_LEADER = 6
CLIENTS_PER_SPECIALIST_PER_YEAR = (40, 50)
WORKFORCE_SOURCES = {
    "employment_specialists": "NHS England, IPS for severe mental illness: guidance for integrated care systems (2023), "
                              "'Workforce': approximately 1 ES per 42,000 general population",
    "team_leaders": "NHS England (2023), 'Workforce': a team leader for every 6 ESs",
    "clients_per_year": "NHS England (2023), 'Caseload': over a year an ES works with up to 50 clients; "
                        "DOMAIN.md: 40–50 a year each",
}


def workforce(population: int) -> dict:
    """Specialists, team leaders and clients a year for a general population."""
    exact = Decimal(population) / POPULATION_PER_SPECIALIST
    posts = int(exact.to_integral_value(rounding=ROUND_CEILING)) if population > 0 else 0
    leaders = -(-posts // SPECIALISTS_PER_TEAM_LEADER)
    low, high = CLIENTS_PER_SPECIALIST_PER_YEAR
    return {
        "population": population,
        "employment_specialists": display(exact, 1),
        "employment_specialist_posts": posts,
        "team_leaders": leaders,
        "clients_per_year": {"low": posts * low, "high": posts * high},
        "active_caseload_capacity": {"low": posts * 20, "high": posts * 25},
        "sources": WORKFORCE_SOURCES,
    }
