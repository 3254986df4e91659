"""IPS outcomes by financial year, from the seeds' own definitions:
IPS Grow, *Growing IPS in the UK* (2018), 'Example: standard data set' — engaged = a vocational profile and
an action plan; every job start counts; sustainments at 13/26/52 weeks split by more / less than 16 hours;
Centre for Mental Health, *Briefing 59* (2022), 'Equality' — access *and* employment by ethnic group;
NHS England (2023), 'Outcomes' — 30–40% into work for a new service, 40–55% mature."""

from __future__ import annotations

import csv
import io

from tests.service.referral_helpers import make_token

from .helpers import accessed_on, job, milestone, new_referral, outcomes, service_headers

CONTRACT_KEYS = {"financial_year", "referrals", "accessed", "engaged", "job_starts", "people_into_work",
                 "sustained_13_weeks", "sustained_26_weeks", "sustained_52_weeks", "by_ethnicity"}


def test_engaged_once_both_the_vocational_profile_and_the_action_plan_exist_on_the_later_date(app, client):
    headers = service_headers(app)
    reference = new_referral(client)
    first = milestone(client, headers, reference, "vocational_profile", "2024-03-20")
    assert first["engaged"] is False
    body = milestone(client, headers, reference, "action_plan", "2024-04-03")
    assert body["engaged"] is True and body["engaged_on"] == "2024-04-03"
    assert outcomes(client, headers, "2024/25")["engaged"] == 1
    assert outcomes(client, headers, "2023/24")["engaged"] == 0


def test_every_job_start_counts_and_people_into_work_counts_each_person_once(app, client):
    headers = service_headers(app)
    reference = new_referral(client)
    accessed_on(client, headers, reference, "2024-04-10")
    job(client, headers, reference, "2024-05-01", 20, ended_on="2024-05-20")
    job(client, headers, reference, "2024-07-01", 10)
    body = outcomes(client, headers, "2024/25")
    assert body["job_starts"] == 2 and body["people_into_work"] == 1
    assert body["into_work_rate"] == 1.0


def test_sustainments_count_in_the_year_each_point_was_reached_by_hours_band(app, client):
    headers = service_headers(app)
    reference = new_referral(client)
    # 30 hours from Monday 8 January 2024, still held: 13 weeks on 8 April 2024 (2024/25), 26 weeks on
    # 8 July 2024, 52 weeks on 6 January 2025 — all 2024/25; the job start itself is 2023/24.
    job(client, headers, reference, "2024-01-08", 30)
    # 12 hours from 1 February 2024, ended 1 September 2024: 13 weeks (2 May) and 26 weeks (1 August) reached;
    # 52 weeks never.
    job(client, headers, reference, "2024-02-01", 12, ended_on="2024-09-01")
    # 16 hours a week exactly is in the 16-hours-or-more band; it ended after 12 weeks: no sustainment.
    job(client, headers, reference, "2024-06-03", 16, ended_on="2024-08-25")
    this_year = outcomes(client, headers, "2024/25")
    assert this_year["sustained_13_weeks"] == {"over_16_hours": 1, "under_16_hours": 1}
    assert this_year["sustained_26_weeks"] == {"over_16_hours": 1, "under_16_hours": 1}
    assert this_year["sustained_52_weeks"] == {"over_16_hours": 1, "under_16_hours": 0}
    assert this_year["job_starts"] == 1
    last_year = outcomes(client, headers, "2023/24")
    assert last_year["job_starts"] == 2 and last_year["sustained_13_weeks"] == {"over_16_hours": 0, "under_16_hours": 0}


def test_a_job_shows_the_sustainment_points_it_has_reached(app, client):
    headers = service_headers(app)
    reference = new_referral(client)
    held = job(client, headers, reference, "2024-01-08", 30, ended_on="2024-05-01")
    assert held["sustained"] == {"13_weeks": "2024-04-08", "26_weeks": None, "52_weeks": None}
    assert held["hours_band"] == "over_16_hours"


def test_the_report_has_exactly_the_contract_keys_and_the_benchmarks_beside_them(app, client):
    headers = service_headers(app)
    body = outcomes(client, headers, "2024/25")
    assert CONTRACT_KEYS <= set(body)
    assert body["financial_year"] == "2024/25"
    assert body["benchmarks"]["new_service"] == {"low": 0.30, "high": 0.40}
    assert body["benchmarks"]["mature_service"] == {"low": 0.40, "high": 0.55}


def test_breakdowns_by_ethnicity_suppress_counts_of_one_to_four_but_totals_do_not(app, client):
    headers = service_headers(app)
    for _ in range(5):
        accessed_on(client, headers, new_referral(client, ethnicity="A"), "2024-04-10")
    for _ in range(2):
        reference = new_referral(client, ethnicity="M")
        accessed_on(client, headers, reference, "2024-04-10")
        job(client, headers, reference, "2024-05-01", 20)
    body = outcomes(client, headers, "2024/25")
    assert body["accessed"] == 7 and body["people_into_work"] == 2
    assert body["by_ethnicity"]["A"]["accessed"] == 5 and body["by_ethnicity"]["A"]["people_into_work"] == 0
    assert body["by_ethnicity"]["M"]["accessed"] == "*" and body["by_ethnicity"]["M"]["people_into_work"] == "*"
    # A rate would reveal what the "*" hides.
    assert body["by_ethnicity"]["M"]["into_work_rate"] is None


def test_csv_download_is_spreadsheet_safe_and_carries_the_same_figures(app, client):
    headers = service_headers(app)
    accessed_on(client, headers, new_referral(client), "2024-04-10")
    response = client.get("/api/v1/reports/outcomes?financial_year=2024/25&format=csv", headers=headers)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["financial_year", "breakdown", "group", "measure", "value"]
    assert ["2024/25", "all", "all", "accessed", "1"] in rows
    assert ["2024/25", "ethnicity", "A", "accessed", "*"] in rows
    by_accept = client.get("/api/v1/reports/outcomes?financial_year=2024/25", headers={**headers, "Accept": "text/csv"})
    assert by_accept.mimetype == "text/csv"


def test_who_may_see_which_service(app, client):
    headers = service_headers(app)
    accessed_on(client, headers, new_referral(client), "2024-04-10")
    birmingham = service_headers(app, "birmingham-ips-smi")
    assert outcomes(client, birmingham, "2024/25")["accessed"] == 0
    other = client.get("/api/v1/reports/outcomes?financial_year=2024/25&service_id=sheffield-ips-smi", headers=birmingham)
    assert other.status_code == 404
    admin = make_token(app, "admin")[1]
    assert outcomes(client, admin, "2024/25")["accessed"] == 1
    assert outcomes(client, admin, "2024/25", service_id="birmingham-ips-smi")["accessed"] == 0
    clinician = make_token(app, "clinician")[1]
    assert client.get("/api/v1/reports/outcomes?financial_year=2024/25", headers=clinician).status_code == 403


def test_a_bad_financial_year_is_a_clear_400(app, client):
    headers = service_headers(app)
    for bad in ("2024", "2024/26", "24/25", "2024-25"):
        response = client.get(f"/api/v1/reports/outcomes?financial_year={bad}", headers=headers)
        assert response.status_code == 400, bad
        assert "2024/25" in " ".join(response.get_json()["error"]["fields"]["query.financial_year"])


def test_job_and_milestone_input_is_checked(app, client):
    headers = service_headers(app)
    reference = new_referral(client)
    for body in ({"started_on": "2999-01-01", "hours_per_week": 10}, {"started_on": "2024-01-01", "hours_per_week": 0},
                 {"started_on": "2024-01-01"}, {"hours_per_week": 10}):
        assert client.post(f"/api/v1/referrals/{reference}/jobs", json=body, headers=headers).status_code == 400
    created = job(client, headers, reference, "2024-03-01", 20)
    early = client.post(f"/api/v1/referrals/{reference}/jobs/{created['id']}/end", json={"ended_on": "2024-02-01"},
                        headers=headers)
    assert early.status_code == 400 and "ended_on" in early.get_json()["error"]["fields"]
    missing = client.post(f"/api/v1/referrals/{reference}/jobs/job_nope/end", json={"ended_on": "2024-04-01"},
                          headers=headers)
    assert missing.status_code == 404
    bad = client.post(f"/api/v1/referrals/{reference}/milestones", json={"type": "cv", "on": "2024-01-01"},
                      headers=headers)
    assert bad.status_code == 400 and "type" in bad.get_json()["error"]["fields"]
    other = service_headers(app, "birmingham-ips-smi")
    assert client.post(f"/api/v1/referrals/{reference}/jobs", json={"started_on": "2024-01-01", "hours_per_week": 5},
                       headers=other).status_code == 404


def test_retention_removes_employers_names_but_keeps_the_job_counts(app, client):
    from datetime import UTC, datetime, timedelta

    from referral_service.db import connect_for
    from referral_service.retention import purge
    from tests.service.referral_helpers import db_rows

    headers = service_headers(app)
    reference = new_referral(client)
    accessed_on(client, headers, reference, "2024-04-10")
    job(client, headers, reference, "2024-05-01", 20, employer="Sheffield Bakery (sample)")
    assert client.post(f"/api/v1/referrals/{reference}/status", json={"status": "closed"},
                       headers=headers).status_code == 200
    db = connect_for(app)
    try:
        assert purge(db, referral_days=365, now=datetime.now(UTC) + timedelta(days=366))["referrals_anonymised"] == 1
    finally:
        db.conn.close()
    assert db_rows(app, "select employer, hours_per_week from referral_jobs") == [(None, 20.0)]
    assert outcomes(client, headers, "2024/25")["job_starts"] == 1


def test_the_referral_shows_its_milestones_and_jobs(app, client):
    headers = service_headers(app)
    reference = new_referral(client)
    milestone(client, headers, reference, "vocational_profile", "2024-04-10")
    milestone(client, headers, reference, "action_plan", "2024-04-12")
    job(client, headers, reference, "2024-05-01", 12)
    body = client.get(f"/api/v1/referrals/{reference}", headers=headers).get_json()["outcomes"]
    assert body["engaged_on"] == "2024-04-12" and body["milestones"]["vocational_profile"] == "2024-04-10"
    assert [(j["started_on"], j["hours_band"]) for j in body["jobs"]] == [("2024-05-01", "under_16_hours")]
