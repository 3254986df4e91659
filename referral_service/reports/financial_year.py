"""Financial years (1 April – 31 March, written ``2024/25``) and the UK date an event happened on.

Every count in the reports is grouped by the financial year of the event itself — an access on
2 April 2024 is 2024/25 whenever the referral was made (NHS England, *IPS for severe mental illness:
guidance for integrated care systems* (2023), 'Access': accesses are counted per financial year).
Dates are read in UK time, so a contact at 00:30 BST on 1 April is in the new year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")
_LABEL = re.compile(r"^(\d{4})/(\d{2})$")


class BadFinancialYear(ValueError):
    """Not a financial year written like 2024/25."""


@dataclass(frozen=True)
class FinancialYear:
    start_year: int

    @property
    def label(self) -> str:
        return f"{self.start_year}/{(self.start_year + 1) % 100:02d}"

    @property
    def first_day(self) -> date:
        return date(self.start_year, 4, 1)

    @property
    def last_day(self) -> date:
        return date(self.start_year + 1, 3, 31)

    def __contains__(self, day: date | None) -> bool:
        return day is not None and self.first_day <= day <= self.last_day

    def __str__(self) -> str:
        return self.label


def parse(label: str) -> FinancialYear:
    """``"2024/25"`` → FinancialYear(2024); BadFinancialYear for anything else (``2024/26``, ``24/25``)."""
    match = _LABEL.match((label or "").strip())
    if not match:
        raise BadFinancialYear("Write the financial year like 2024/25 (1 April 2024 to 31 March 2025).")
    start = int(match.group(1))
    if int(match.group(2)) != (start + 1) % 100 or not 1990 <= start <= 2100:
        raise BadFinancialYear(f"{label} is not a financial year: the second part is the next year, like 2024/25.")
    return FinancialYear(start)


def of(day: date) -> FinancialYear:
    """The financial year a UK calendar date falls in."""
    return FinancialYear(day.year if day.month >= 4 else day.year - 1)


def uk_date(value: str | date | datetime | None) -> date | None:
    """The UK calendar date of a stored ISO date or date-time (with offset); None stays None."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        return value
    else:
        text = str(value)
        if len(text) == 10:
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        return moment.date()
    return moment.astimezone(UK).date()


def today() -> date:
    """Today's date in the UK."""
    return datetime.now(UK).date()
