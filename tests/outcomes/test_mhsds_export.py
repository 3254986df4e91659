"""`referral-service export mhsds`: CSVs whose columns are named after the MHSDS data items they feed.
NHS England, *IPS for severe mental illness: guidance for ICSs* (2023): 'Data' (all IPS services flow to
MHSDS), footnote 13 (consultation media that count), footnote 14 (a contact before the person agrees is
administrative and does not flow), footnote 16 (IPS in drug and alcohol treatment flows to NDTMS)."""

from __future__ import annotations

import csv

from referral_service.reports.financial_year import of, uk_date
from tests.service.referral_helpers import make_token, refer

from .helpers import accessed_on, contact, job, new_referral, service_headers

DNA_FACTS = {"drug_alcohol_treatment": True, "age": 30, "right_to_work_uk": True, "wants_paid_work": True,
             "postcode": "S1 2AB", "conditions": ["none"]}


def _read(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _year_made(client, headers, reference) -> str:
    """The financial year the referral was made in (referrals are made now, not on a date of our choosing)."""
    return of(uk_date(client.get(f"/api/v1/referrals/{reference}", headers=headers).get_json()["created_at"])).label


def _export(runner, year, out):
    result = runner.invoke(args=["export", "mhsds", "--financial-year", year, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return result.output


def test_care_contacts_carry_the_consultation_medium_and_only_clinical_ones_flow(app, client, runner, tmp_path):
    headers = service_headers(app)
    reference = new_referral(client, employment_status="out_of_work")
    contact(client, headers, reference, "phone", occurred_at="2024-04-01T09:00:00+01:00")      # before agreeing
    accessed_on(client, headers, reference, "2024-04-02T10:00:00+01:00")
    contact(client, headers, reference, "sms", occurred_at="2024-04-03T12:00:00+01:00")
    contact(client, headers, reference, "video", occurred_at="2024-04-04T12:00:00+01:00")
    contact(client, headers, reference, "talk_type", occurred_at="2024-04-05T12:00:00+01:00")
    contact(client, headers, reference, "face_to_face", occurred_at="2024-04-06T12:00:00+01:00", **{"with": "employer"})
    output = _export(runner, "2024/25", tmp_path)
    rows = _read(tmp_path / "MHS201CareContact.csv")
    assert [(r["CareContDate"], r["ConsMediumUsed"]) for r in rows] == [
        ("2024-04-02", "02"), ("2024-04-03", "06"), ("2024-04-04", "11"), ("2024-04-05", "04")]
    assert rows[0]["CareContTime"] == "10:00:00" and {r["AttendOrDNACode"] for r in rows} == {"5"}
    assert [r["LocalCountsAsAccess"] for r in rows] == ["Y", "N", "N", "N"]
    assert {r["ServiceRequestId"] for r in rows} == {reference}
    assert "1 contact(s) before the person agreed" in output


def test_employment_status_at_referral_at_each_job_start_and_end(app, client, runner, tmp_path):
    headers = service_headers(app)
    reference = new_referral(client, employment_status="out_of_work")
    job(client, headers, reference, "2024-05-01", 20, ended_on="2024-10-31")
    job(client, headers, reference, "2024-11-11", 35)
    _export(runner, "2024/25", tmp_path)
    rows = _read(tmp_path / "MHS004EmploymentStatus.csv")
    assert [(r["EmployStatusRecDate"], r["EmployStatus"], r["WeekHoursWorked"], r["LocalEvent"]) for r in rows] == [
        ("2024-05-01", "01", "02", "job_start"), ("2024-10-31", "02", "", "job_end"),
        ("2024-11-11", "01", "01", "job_start")]
    this_year = tmp_path / "now"
    _export(runner, _year_made(client, headers, reference), this_year)
    at_referral = _read(this_year / "MHS004EmploymentStatus.csv")
    assert [(r["EmployStatus"], r["LocalEvent"]) for r in at_referral] == [("02", "at_referral")]


def test_referrals_are_listed_by_received_date_and_drug_and_alcohol_ones_go_to_ndtms(app, client, runner, tmp_path):
    reference = refer(client)["reference"]
    clinician = make_token(app, "clinician")[1]
    refer(client, headers=clinician, pathway="ips_dna", facts=DNA_FACTS, source="gp")
    made = client.get(f"/api/v1/referrals/{reference}", headers=service_headers(app)).get_json()["created_at"]
    out = tmp_path / "extract"
    output = _export(runner, of(uk_date(made)).label, out)
    rows = _read(out / "MHS101Referral.csv")
    assert len(rows) == 1 and rows[0]["LocalPathway"] == "ips_smi"
    assert rows[0]["ReferralRequestReceivedDate"] == uk_date(made).isoformat()
    assert rows[0]["SourceOfReferralMH"] == "B1" and rows[0]["EthnicCategory"] == "A"
    assert set(rows[0]) >= {"ServiceRequestId", "ReferralRequestReceivedDate", "SourceOfReferralMH", "ServDischDate"}
    assert "1 referral(s) left out" in output and "NDTMS" in output
    text = "".join(p.read_text() for p in out.iterdir())
    assert "Alex" not in text and "7700900123" not in text


def test_a_bad_financial_year_is_refused(runner, tmp_path):
    result = runner.invoke(args=["export", "mhsds", "--financial-year", "2024-25", "--out", str(tmp_path)])
    assert result.exit_code != 0 and "2024/25" in result.output
