"""Import a service's contacts CSV (CONTRACT.md, "SMS promotions").

Every row is checked; an invalid row is reported by row number and reason and not imported (a row
whose only fault is a mobile that is not a UK mobile is kept as an ``invalid_mobile`` exclusion so
that a preview accounts for every person, and is never texted). Consent in the file is recorded as
consent records (method ``import``, dated as in the file, scoped to the importing service). A
re-import of the same file changes nothing.
"""

from __future__ import annotations

import csv
import hashlib
import os
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import sqlite_utils

from consent import SMS_PROMOTIONS
from rules import InvalidPostcode, default_engine, parse_postcode

from ..db import write_transaction
from ..reports.csv_export import safe_cell
from ..storage import contacts as store
from ..storage.consents import phone_subject, record_consent
from .mobiles import InvalidMobile, normalise_uk_mobile

HEADER = ("person_ref", "first_name", "mobile", "postcode", "conditions", "in_secondary_mental_health_care",
          "sms_consent", "sms_consent_recorded_at", "sms_consent_method")
CONSENT_VALUES = ("granted", "refused", "withdrawn")
BOOLEANS = {"true": 1, "yes": 1, "y": 1, "1": 1, "false": 0, "no": 0, "n": 0, "0": 0, "": None}
BATCH = 5000


class UnreadableFile(Exception):
    """The file cannot be read as a contacts CSV at all (missing, not UTF-8, wrong header)."""


@dataclass
class ImportSummary:
    rows: int = 0
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    consents_recorded: int = 0
    rejected: dict[str, list[int]] = field(default_factory=dict)
    rejects_path: str | None = None

    @property
    def rejected_count(self) -> int:
        return sum(len(rows) for rows in self.rejected.values())

    def to_dict(self) -> dict:
        return {"rows": self.rows, "imported": self.imported, "updated": self.updated, "unchanged": self.unchanged,
                "consents_recorded": self.consents_recorded, "rejected": self.rejected_count,
                "rejected_by_reason": {k: v for k, v in sorted(self.rejected.items())},
                "rejects_file": self.rejects_path}


class RowError(ValueError):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _parse_date(text: str) -> str:
    """ISO date or datetime, or a UK date (dd/mm/yyyy) → fixed-width ISO UTC; never in the future."""
    text = text.strip()
    try:
        if "/" in text:
            moment = datetime.strptime(text, "%d/%m/%Y").replace(tzinfo=UTC)
        elif len(text) == 10:
            moment = datetime.combine(date.fromisoformat(text), datetime.min.time(), tzinfo=UTC)
        else:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except ValueError:
        raise RowError("invalid_sms_consent_recorded_at") from None
    if moment > datetime.now(UTC):
        raise RowError("invalid_sms_consent_recorded_at")
    return moment.isoformat(timespec="microseconds")


class RowChecker:
    """Turns one CSV row into a clean contact, or raises RowError(reason)."""

    def __init__(self, service_id: str, now: str):
        self.service_id = service_id
        self.now = now
        self.conditions = frozenset(default_engine().vocabulary.facts["conditions"].values)
        self._postcodes: dict[str, tuple[str, str, str]] = {}

    def postcode(self, text: str) -> tuple[str | None, str | None, str | None]:
        text = text.strip()
        if not text:
            return None, None, None
        if text not in self._postcodes:
            try:
                pc = parse_postcode(text)
            except InvalidPostcode:
                raise RowError("invalid_postcode") from None
            self._postcodes[text] = (str(pc), pc.area, pc.district)
        return self._postcodes[text]

    def check(self, row: dict[str, str]) -> tuple[dict, str | None]:
        """(contact, mobile problem or None)."""
        get = lambda name: (row.get(name) or "").strip()  # noqa: E731
        ref = get("person_ref")
        if not ref:
            raise RowError("missing_person_ref")
        postcode, area, district = self.postcode(get("postcode"))
        conditions = sorted({c.strip().lower() for c in get("conditions").split(";") if c.strip()})
        if any(c not in self.conditions for c in conditions):
            raise RowError("invalid_conditions")
        smhc = get("in_secondary_mental_health_care").lower()
        if smhc not in BOOLEANS:
            raise RowError("invalid_in_secondary_mental_health_care")
        consent = get("sms_consent").lower()
        if consent and consent not in CONSENT_VALUES:
            raise RowError("invalid_sms_consent")
        recorded_raw = get("sms_consent_recorded_at")
        recorded_at = _parse_date(recorded_raw) if recorded_raw else None
        problem = None
        try:
            phone = normalise_uk_mobile(get("mobile"))
        except InvalidMobile:
            phone, problem = None, "invalid_mobile"
        contact = {
            "service_id": self.service_id, "person_ref": ref, "first_name": get("first_name") or None,
            "phone_e164": phone, "postcode": postcode, "postcode_area": area, "postcode_district": district,
            "conditions": ";".join(conditions), "in_smhc": BOOLEANS[smhc], "sms_consent": consent or None,
            "sms_consent_recorded_at": recorded_at, "sms_consent_method": get("sms_consent_method") or None,
            "imported_at": self.now, "updated_at": self.now, "_recorded_raw": recorded_raw,
        }
        digest = "|".join(str(contact[c]) for c in store.COLUMNS if c not in {"row_hash", "imported_at", "updated_at"})
        contact["row_hash"] = hashlib.sha1(digest.encode()).hexdigest()
        return contact, problem


def _rows(path: Path) -> Iterable[tuple[int, dict[str, str]]]:
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as error:
        raise UnreadableFile(f"cannot open {path}: {error.strerror}") from None
    with handle:
        reader = csv.DictReader(handle)
        try:
            header = [h.strip() for h in (reader.fieldnames or [])]
        except UnicodeDecodeError:
            raise UnreadableFile(f"{path} is not UTF-8 text") from None
        missing = [h for h in HEADER if h not in header]
        if missing:
            raise UnreadableFile(f"{path}: the header row lacks {', '.join(missing)}")
        reader.fieldnames = header
        try:
            for row in reader:
                yield reader.line_num, row
        except (UnicodeDecodeError, csv.Error) as error:
            raise UnreadableFile(f"{path} cannot be read past line {reader.line_num}: {error}") from None


def count_rows(path: Path) -> int:
    try:
        with path.open("rb") as handle:
            return max(sum(1 for _ in handle) - 1, 0)
    except OSError:
        return 0


def import_contacts(db: sqlite_utils.Database, service_id: str, path: Path, *, rejects_path: Path | None = None,
                    progress: Callable[[int], None] | None = None) -> ImportSummary:
    """Import (or re-import) a contacts CSV for a service; see the module docstring."""
    now = datetime.now(UTC).isoformat(timespec="microseconds")
    checker = RowChecker(service_id, now)
    summary = ImportSummary()
    existing = store.existing_hashes(db, service_id)
    recorded_before = store.consent_already_imported(db, service_id)
    seen: set[str] = set()
    rejects: list[tuple[int, str, dict]] = []
    batch: list[dict] = []
    rows = _rows(Path(path))
    first = next(rows, None)  # opens the file and checks the header before anything is written

    def flush() -> None:
        if not batch:
            return
        with write_transaction(db):
            changed = [c for c in batch if existing.get(c["person_ref"]) != c["row_hash"]]
            store.upsert_contacts(db, changed)
            consent_keys = []
            for c in batch:
                if c["phone_e164"] is None or c["sms_consent"] is None:
                    continue
                subject = phone_subject(c["phone_e164"])
                key = (subject, c["sms_consent"], c["_recorded_raw"])
                if key in recorded_before:
                    continue
                record_consent(
                    db, subject=subject, purpose=SMS_PROMOTIONS, decision=c["sms_consent"], method="import",
                    recorded_by=f"import:{service_id}", wording_version="contacts-import",
                    wording_text=("Consent to promotional texts as recorded by the service"
                                  + (f" ({c['sms_consent_method']})" if c["sms_consent_method"] else "")
                                  + ", imported from its contacts list."),
                    service_id=service_id, recorded_at=c["sms_consent_recorded_at"] or now,
                )
                recorded_before.add(key)
                consent_keys.append(key)
            store.mark_consent_imported(db, service_id, consent_keys, now)
        for c in batch:
            previous = existing.get(c["person_ref"])
            if c["_rejected"]:
                pass  # counted among the rejected rows
            elif previous is None:
                summary.imported += 1
            elif previous != c["row_hash"]:
                summary.updated += 1
            else:
                summary.unchanged += 1
            existing[c["person_ref"]] = c["row_hash"]
        summary.consents_recorded += len(consent_keys)
        batch.clear()

    for line, row in _chain([first] if first else [], rows):
        summary.rows += 1
        try:
            contact, problem = checker.check(row)
            if contact["person_ref"] in seen:
                raise RowError("duplicate_person_ref")
        except RowError as error:
            summary.rejected.setdefault(error.reason, []).append(line)
            rejects.append((line, error.reason, row))
        else:
            seen.add(contact["person_ref"])
            contact["_rejected"] = bool(problem)
            if problem:
                summary.rejected.setdefault(problem, []).append(line)
                rejects.append((line, problem, row))
            batch.append(contact)
            if len(batch) >= BATCH:
                flush()
        if progress:
            progress(1)
    flush()
    if rejects:
        target = Path(rejects_path) if rejects_path else data_dir(db) / "imports" / f"{Path(path).stem}.rejects.csv"
        _write_rejects(target, rejects)
        summary.rejects_path = str(target)
    return summary


def data_dir(db: sqlite_utils.Database) -> Path:
    """Where the service keeps its data: the SQLite file's directory (var/ by default, /data in Docker), else
    VAR_DIR. Personal data from an import is written there, never beside the input file (often a source tree)."""
    if isinstance(db.conn, sqlite3.Connection):  # PostgreSQL has no database file
        for _seq, name, file in db.conn.execute("PRAGMA database_list").fetchall():
            if name == "main" and file:
                return Path(file).parent
    return Path(os.environ.get("VAR_DIR", "var"))


def _write_rejects(target: Path, rejects: list[tuple[int, str, dict]]) -> None:
    # Owner-only (names and numbers), and formula-safe like every other CSV we write (reports/csv_export.py):
    # a cell like =HYPERLINK(…) in a rejected row must not run when someone opens the file in a spreadsheet.
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # an older file keeps its mode on O_TRUNC
    with open(descriptor, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", "reason", *HEADER])
        for line, reason, row in rejects:
            writer.writerow([safe_cell(cell) for cell in (line, reason, *[row.get(h, "") for h in HEADER])])


def _chain(*iterables):
    for iterable in iterables:
        yield from iterable


def reason_counts(summary: ImportSummary) -> Counter:
    return Counter({reason: len(rows) for reason, rows in summary.rejected.items()})
