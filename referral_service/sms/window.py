"""The send window: when promotions may be sent (UK time), with bank holidays in England excluded.

``SMS_SEND_WINDOW`` is ``always`` or one or more comma-separated rules such as
``Mon-Sat 09:00-19:00`` or ``Mon-Fri 09:00-19:00, Sat 10:00-16:00``. Outside the window sends are
delayed until it next opens, never dropped.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from functools import lru_cache
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_RULE = re.compile(r"^(?P<d1>[a-z]{3})(?:-(?P<d2>[a-z]{3}))?\s+(?P<t1>\d{1,2}:\d{2})-(?P<t2>\d{1,2}:\d{2})$")


class Clock:
    """Wall-clock time and sleeping, injectable so that tests never sleep."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)

    def monotonic(self) -> float:
        return time.monotonic()


@lru_cache(maxsize=16)
def _bank_holidays(year: int) -> frozenset[date]:
    # Imported here, not at the top: loading every country's calendars is a noticeable part of a start.
    import holidays

    return frozenset(holidays.UK(subdiv="ENG", years=year))


def is_bank_holiday(day: date) -> bool:
    return day in _bank_holidays(day.year)


@dataclass(frozen=True)
class SendWindow:
    """Allowed (weekday, start, end) spans in UK local time; ``None`` spans means always open."""

    spans: tuple[tuple[int, dtime, dtime], ...] | None
    skip_bank_holidays: bool = True

    @classmethod
    def parse(cls, text: str) -> SendWindow:
        text = (text or "").strip().lower()
        if text in {"", "always", "any", "off"}:
            return cls(None, skip_bank_holidays=False)
        spans = []
        for part in text.split(","):
            match = _RULE.match(part.strip())
            if not match:
                raise ValueError(f"SMS_SEND_WINDOW: cannot read {part.strip()!r} (write e.g. 'Mon-Sat 09:00-19:00' or 'always')")
            d1, d2 = match["d1"], match["d2"] or match["d1"]
            if d1 not in DAYS or d2 not in DAYS:
                raise ValueError(f"SMS_SEND_WINDOW: unknown day in {part.strip()!r}")
            start = dtime.fromisoformat(match["t1"].zfill(5))
            end = dtime.fromisoformat(match["t2"].zfill(5))
            if end <= start:
                raise ValueError(f"SMS_SEND_WINDOW: the end must be after the start in {part.strip()!r}")
            first, last = DAYS.index(d1), DAYS.index(d2)
            days = range(first, last + 1) if first <= last else [*range(first, 7), *range(0, last + 1)]
            spans.extend((day, start, end) for day in days)
        return cls(tuple(spans))

    @property
    def always(self) -> bool:
        return self.spans is None

    def _span_at(self, local: datetime) -> tuple[datetime, datetime] | None:
        if self.skip_bank_holidays and is_bank_holiday(local.date()):
            return None
        for day, start, end in self.spans or ():
            if day == local.weekday():
                opens = datetime.combine(local.date(), start, tzinfo=UK)
                closes = datetime.combine(local.date(), end, tzinfo=UK)
                if opens <= local < closes:
                    return opens, closes
        return None

    def is_open(self, now: datetime) -> bool:
        return self.always or self._span_at(now.astimezone(UK)) is not None

    def seconds_until_close(self, now: datetime) -> float | None:
        """Seconds left in the current span (None when always open; 0 when closed)."""
        if self.always:
            return None
        span = self._span_at(now.astimezone(UK))
        return 0.0 if span is None else (span[1] - now).total_seconds()

    def next_open(self, now: datetime) -> datetime:
        """``now`` if open, else the next moment the window opens (UTC)."""
        if self.is_open(now):
            return now
        local = now.astimezone(UK)
        for offset in range(0, 400):
            day = local.date() + timedelta(days=offset)
            if self.skip_bank_holidays and is_bank_holiday(day):
                continue
            starts = sorted(start for weekday, start, _ in self.spans or () if weekday == day.weekday())
            for start in starts:
                opens = datetime.combine(day, start, tzinfo=UK)
                if opens > local:
                    return opens.astimezone(UTC)
        raise ValueError("SMS_SEND_WINDOW never opens")
