"""When something happened: the occurred date-times and dates that services record after the fact.

Services record past contacts, milestones and jobs (a phone call last Tuesday, a job that started in
May), so every such payload takes an ISO date (``2024-04-02``) or date-time with offset
(``2024-04-02T10:00:00+01:00``). A date-time without an offset is read as UK time, a date alone as
midnight UK time. Nothing may be in the future beyond a small clock skew between systems.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import marshmallow as ma
from marshmallow import fields

from ..reports.financial_year import UK, today

CLOCK_SKEW = timedelta(minutes=5)
EARLIEST = date(1990, 1, 1)


def parse_moment(value: str) -> datetime:
    """An aware datetime from an ISO date or date-time; ValueError with a plain reason otherwise."""
    text = value.strip()
    try:
        if len(text) == 10:
            moment = datetime.combine(date.fromisoformat(text), time(0), tzinfo=UK)
        else:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("Use an ISO date like 2024-04-02, or a date and time like 2024-04-02T10:00:00+01:00.") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UK)
    return moment


class OccurredAt(fields.String):
    """A past date or date-time, stored as ISO text keeping the offset it was given in."""

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            moment = parse_moment(text)
        except ValueError as error:
            raise ma.ValidationError(str(error)) from None
        now = datetime.now(UK)
        if moment > now + CLOCK_SKEW:
            raise ma.ValidationError("This is in the future. Record contacts once they have happened.")
        if moment.date() < EARLIEST:
            raise ma.ValidationError(f"Use a date on or after {EARLIEST.isoformat()}.")
        return moment.isoformat()


class PastDate(fields.String):
    """A calendar date (``YYYY-MM-DD``; a date-time is read as its UK date), today or earlier."""

    def _deserialize(self, value, attr, data, **kwargs) -> date:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            moment = parse_moment(text)
        except ValueError:
            raise ma.ValidationError("Use an ISO date like 2024-04-02.") from None
        day = moment.astimezone(UK).date()
        if day > today():
            raise ma.ValidationError("This date is in the future. Record it once it has happened.")
        if day < EARLIEST:
            raise ma.ValidationError(f"Use a date on or after {EARLIEST.isoformat()}.")
        return day
