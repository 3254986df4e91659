"""``referral-service contacts import``: summary, rejects by row number, idempotent re-import, speed."""

from __future__ import annotations

import time

from click.testing import CliRunner

from referral_service.cli import main
from referral_service.sms.mobiles import InvalidMobile, normalise_uk_mobile

from .conftest import row, write_csv


def run_import(app, path, service="sheffield-ips-smi"):
    runner = CliRunner()
    return runner.invoke(main, ["contacts", "import", "--service", service, str(path)],
                         env={"DATABASE_PATH": app.config["DATABASE_PATH"]})


def test_import_reports_invalid_rows_by_number_and_reason_and_reimport_changes_nothing(app, db, tmp_path):
    path = write_csv(tmp_path / "contacts.csv", [
        row("A", "07700 900001"), row("B", "+44 (0)7700 900002", consent="refused"),
        row("C", "0114 496 0000"), row("D", "07700 900004", postcode="nowhere"),
        row("E", "07700 900005", conditions="psychosis;flu"), row("A", "07700 900006"),
    ])
    result = run_import(app, path)
    assert result.exit_code == 0, result.output
    assert "Imported 2 new" in result.output and "Rejected 4 rows" in result.output
    assert "invalid_mobile: 1 (rows 4)" in result.output and "invalid_postcode: 1 (rows 5)" in result.output
    assert "duplicate_person_ref: 1 (rows 7)" in result.output
    rejects = (tmp_path / "imports" / "contacts.rejects.csv").read_text().splitlines()
    assert rejects[0].startswith("row,reason") and len(rejects) == 5
    records = db.execute("select count(*) from consent_records").fetchone()[0]
    assert records == 2
    again = run_import(app, path)
    assert "Imported 0 new, updated 0, unchanged 2; 0 consent records added." in again.output
    assert db.execute("select count(*) from consent_records").fetchone()[0] == records
    assert db.execute("select method, recorded_at from consent_records limit 1").fetchone()[0] == "import"


def test_a_file_that_cannot_be_read_exits_non_zero(app, tmp_path):
    assert run_import(app, tmp_path / "missing.csv").exit_code != 0
    bad = tmp_path / "bad.csv"
    bad.write_text("name,phone\nA,07700900001\n")
    result = run_import(app, bad)
    assert result.exit_code != 0 and "header" in result.output


def test_uk_mobiles_are_normalised_and_others_refused():
    assert normalise_uk_mobile("07700 900123") == "+447700900123"
    assert normalise_uk_mobile("+44 (0) 7700-900123") == "+447700900123"
    assert normalise_uk_mobile("00447912123456") == "+447912123456"
    for bad in ("0114 496 0000", "+33612345678", "07700", "", "not a number", "07624 123456x"):
        try:
            normalise_uk_mobile(bad)
        except InvalidMobile:
            continue
        raise AssertionError(bad)


def test_ten_thousand_rows_import_quickly(app, db, tmp_path):
    rows = [row(f"P{i:06d}", f"+4477009{i % 1000:05d}" if i % 3 else f"07912{i:06d}",
                consent="granted" if i % 2 else "") for i in range(10_000)]
    path = write_csv(tmp_path / "big.csv", rows)
    started = time.perf_counter()
    result = run_import(app, path)
    elapsed = time.perf_counter() - started
    assert result.exit_code == 0
    assert "Read 10000 rows" in result.output
    assert elapsed < 30  # generous bound for slow CI; measured ~0.5 s here
