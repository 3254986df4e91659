"""The calculator's and planner's inputs (one schema per payload), turned into calculator.Inputs."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from .calculator import MAX_YEARS, Inputs

_MONEY = validate.Range(min=0, max=1_000_000_000)
_SHARE = validate.Range(min=0, max=1)


class OutcomesTargetSchema(ma.Schema):
    """Every input is optional: left out, it takes the seed's example value."""

    contract_value = fields.List(fields.Float(validate=_MONEY, allow_nan=False), load_default=None,
                                 validate=validate.Length(min=1, max=MAX_YEARS),
                                 metadata={"description": "£ per year, one per contract year",
                                           "example": [300000, 300000, 300000, 300000, 300000]})
    steady_state = fields.List(fields.Float(validate=validate.Range(min=0, max=2), allow_nan=False),
                               load_default=None, validate=validate.Length(min=1, max=MAX_YEARS),
                               metadata={"description": "Share of steady-state activity expected each year (0.6 = 60%)",
                                         "example": [0.6, 1, 1, 1, 0.8]})
    london = fields.Boolean(load_default=False, metadata={"description": "Services in London are expected to cost more"})
    london_uplift = fields.Float(load_default=0.20, validate=_SHARE, allow_nan=False, metadata={
        "description": "Extra cost per specialist in London (not printed in the seed; default 0.20)"})
    setup_cost_year_1 = fields.Float(load_default=50_000, validate=_MONEY, allow_nan=False, metadata={
        "description": "Taken from year 1's value before specialists are funded (default £50,000)"})
    cost_per_specialist = fields.Float(load_default=50_000, allow_nan=False,
                                         validate=validate.Range(min=1, max=10_000_000))
    annual_cost_increase = fields.Float(load_default=0.025, validate=validate.Range(min=0, max=0.5),
                                          allow_nan=False)
    referrals_per_specialist_per_year = fields.Float(load_default=60, allow_nan=False,
                                                       validate=validate.Range(min=0, max=1000))
    engagement_rate = fields.Float(load_default=0.8, validate=_SHARE, allow_nan=False)
    job_start_rate = fields.Float(load_default=0.25, validate=_SHARE, allow_nan=False)

    @ma.validates_schema
    def _same_length(self, data, **kwargs):
        values, steady = data.get("contract_value"), data.get("steady_state")
        if values is not None and steady is not None and len(values) != len(steady):
            raise ma.ValidationError(
                f"Give one steady-state share for each of the {len(values)} contract years.", field_name="steady_state")
        if values is not None and steady is None and len(values) != len(Inputs.steady_state):
            raise ma.ValidationError("Give steady_state too: one share for each contract year.",
                                     field_name="steady_state")
        if steady is not None and values is None and len(steady) != len(Inputs.contract_value):
            raise ma.ValidationError("Give contract_value too: one value for each year.", field_name="contract_value")

    @ma.post_load
    def _inputs(self, data, **kwargs) -> Inputs:
        defaults = Inputs()
        return Inputs(
            # Numbers arrive as floats; Inputs makes each an exact Decimal of its shortest decimal form (0.1 → 0.1).
            contract_value=tuple(data["contract_value"] or defaults.contract_value),
            steady_state=tuple(data["steady_state"] or defaults.steady_state),
            london=data["london"],
            london_uplift=data["london_uplift"],
            setup_cost_year_1=data["setup_cost_year_1"],
            cost_per_specialist=data["cost_per_specialist"],
            annual_cost_increase=data["annual_cost_increase"],
            referrals_per_specialist_per_year=data["referrals_per_specialist_per_year"],
            engagement_rate=data["engagement_rate"],
            job_start_rate=data["job_start_rate"],
        )


class WorkforceSchema(ma.Schema):
    population = fields.Integer(required=True, strict=False, validate=validate.Range(min=1, max=100_000_000),
                                metadata={"description": "General population of the area", "example": 550000})
