"""GET /tools/outcomes-target — the calculator and workforce planner as an NHS.UK page, no JavaScript.

The form is sent by GET: it carries no personal data, and a commissioner can bookmark or share a result.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import marshmallow as ma
from flask import Blueprint, render_template, request

from . import calculator
from .schemas import OutcomesTargetSchema, WorkforceSchema

bp = Blueprint("tools_pages", __name__, template_folder="templates")
YEARS = 5
SERIES = (("referrals", "Referrals", "#005eb8"), ("engaged", "Clients engaged", "#41b6e6"),
          ("job_starts", "Clients placed into paid work", "#007f3b"))


def _percent(text: str) -> Decimal | str:
    """'60' or '60%' → 0.6; anything else is passed on for the schema to refuse."""
    try:
        return Decimal(text.strip().rstrip("%").strip()) / 100
    except InvalidOperation:
        return text


def _money(text: str) -> str:
    return text.replace("£", "").replace(",", "").strip()


def _calculator_payload(args) -> dict:
    defaults = calculator.Inputs()
    payload: dict = {
        "contract_value": [_money(args.get(f"value_{n}", str(defaults.contract_value[n - 1]))) for n in range(1, YEARS + 1)],
        "steady_state": [_percent(args.get(f"steady_{n}", str(defaults.steady_state[n - 1] * 100)))
                         for n in range(1, YEARS + 1)],
        "london": args.get("london", "no") == "yes",
        "london_uplift": _percent(args.get("london_uplift", str(defaults.london_uplift * 100))),
        "setup_cost_year_1": _money(args.get("setup_cost", str(defaults.setup_cost_year_1))),
    }
    return payload


def _form_values(args) -> dict:
    defaults = calculator.Inputs()
    form = {f"value_{n}": args.get(f"value_{n}", f"{defaults.contract_value[n - 1]:.0f}") for n in range(1, YEARS + 1)}
    form.update({f"steady_{n}": args.get(f"steady_{n}", f"{defaults.steady_state[n - 1] * 100:.0f}")
                 for n in range(1, YEARS + 1)})
    form["london"] = args.get("london", "no")
    form["london_uplift"] = args.get("london_uplift", f"{defaults.london_uplift * 100:.0f}")
    form["setup_cost"] = args.get("setup_cost", f"{defaults.setup_cost_year_1:.0f}")
    form["population"] = args.get("population", "")
    return form


# Field names in the schema → the form's inputs, so errors land beside the right box.
_FIELD_TO_INPUT = {"london_uplift": "london_uplift", "setup_cost_year_1": "setup_cost"}


def _errors(messages: dict) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name, why in messages.items():
        if name in ("contract_value", "steady_state") and isinstance(why, dict):
            prefix = "value" if name == "contract_value" else "steady"
            label = "Enter the contract value in pounds, like 300000." if prefix == "value" else \
                "Enter a percentage from 0 to 200, like 60."
            for index in why:
                errors[f"{prefix}_{int(index) + 1}"] = [label]
        else:
            text = why if isinstance(why, list) else [str(why)]
            errors[_FIELD_TO_INPUT.get(name, name)] = [str(t) for t in text]
    return errors


def chart(result: dict) -> dict:
    """Bar positions for an inline SVG of each quarter's referrals, engaged and job starts."""
    quarters = [(y["year"], n + 1, q) for y in result["years"] for n, q in enumerate(y["quarters"])]
    top = max([q[key] for _, _, q in quarters for key, _, _ in SERIES] + [1])
    width, height, left, bottom, slot = 720, 260, 40, 30, 0
    slot = (width - left) / max(len(quarters), 1)
    bar = slot / (len(SERIES) + 1)
    bars = []
    for index, (year, number, figures) in enumerate(quarters):
        for s, (key, label, colour) in enumerate(SERIES):
            value = figures[key]
            h = (height - bottom - 10) * value / top
            bars.append({"x": round(left + index * slot + s * bar, 1), "y": round(height - bottom - h, 1),
                         "width": round(bar, 1), "height": round(h, 1), "colour": colour,
                         "title": f"Year {year} Q{number}: {label} {value}"})
    labels = [{"x": round(left + i * slot + slot / 2, 1), "text": f"Y{year}" if number == 1 else ""}
              for i, (year, number, _) in enumerate(quarters)]
    ticks = [{"y": round(height - bottom - (height - bottom - 10) * f, 1), "value": round(top * f)}
             for f in (0, 0.5, 1)]
    return {"width": width, "height": height, "bottom": height - bottom, "left": left, "bars": bars,
            "labels": labels, "ticks": ticks, "series": SERIES}


@bp.route("/tools/outcomes-target", methods=["GET"])
def outcomes_target_page():
    """The calculator (and, with ``population``, the workforce planner) as a page."""
    form = _form_values(request.args)
    errors: dict[str, list[str]] = {}
    result = None
    try:
        inputs = OutcomesTargetSchema().load(_calculator_payload(request.args))
    except ma.ValidationError as error:
        errors.update(_errors(error.messages))
    else:
        result = calculator.calculate(inputs)
    planner = None
    if form["population"]:
        try:
            planner = calculator.workforce(
                WorkforceSchema().load({"population": form["population"].replace(",", "").strip()})["population"])
        except ma.ValidationError:
            errors["population"] = ["Enter the population as a whole number, like 550000."]
    status = 400 if errors else 200
    return render_template("tools/outcomes_target.html", form=form, errors=errors, result=result,
                           planner=planner, chart=chart(result) if result else None,
                           labels=calculator.MEASURE_LABELS, measures=calculator.MEASURES, years=range(1, YEARS + 1),
                           seed=calculator.SEED), status
