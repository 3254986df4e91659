"""Structured JSON logs with no personal data.

Log lines carry event names, ids and counts only: never names, phone numbers, postcodes or free
text. ``PersonalDataFilter`` is a safety net that drops any record whose extra fields use a name
we reserve for personal data.
"""

from __future__ import annotations

import json
import logging
import sys
import time

PERSONAL_FIELDS = frozenset({
    "first_name", "name", "phone", "mobile", "postcode", "message", "text", "facts", "person", "body",
    "email", "summary",
})
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record.created)),
            "level": record.levelname,
            "logger": record.name,
            "event": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                data[key] = value
        return json.dumps(data, default=str)


class PersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        for key in list(vars(record)):
            if key in PERSONAL_FIELDS and key not in _STANDARD:
                setattr(record, key, "[removed]")
        return True


def configure(level: str = "INFO") -> None:
    root = logging.getLogger()
    if any(getattr(h, "_referral_service", False) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(PersonalDataFilter())
    handler._referral_service = True
    root.addHandler(handler)
    root.setLevel(level)
    # Werkzeug's access log prints full URLs, whose query strings can hold tokens: keep it quiet.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
