"""CONTRACT.md "After access (IPS outcomes)", driven as a service's case system would, with dates around
1 April and relative to today. Definitions: DOMAIN.md "After access" (seed 000 'Access' fn 13, seed 002
'Standard data set', seed 003 §20/§36): the access is the first direct contact (never SMS or email) at
which the person agreed to start; each event counts in the financial year (1 April – 31 March) it happened."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from .conftest import BIRMINGHAM_SMI, SHEFFIELD_SMI, referral, token

TODAY = date.today()
_phones = iter(range(500, 999))


def fy(day: date) -> str:
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}/{(start + 1) % 100:02d}"


@pytest.fixture
def sheffield(app):
    return token(app, "service", SHEFFIELD_SMI)


def new(client, **facts) -> str:
    base = {"age": 36, "postcode": "S2 4SU", "conditions": ["psychosis"], "wants_paid_work": True}
    return referral(client, facts={**base, **facts}, phone=f"+447700900{next(_phones)}")["reference"]


def post(client, headers, path, body, expect=(200, 201)):
    response = client.post(path, json=body, headers=headers)
    assert response.status_code in expect, (path, body, response.status_code, response.get_json())
    return response.get_json()


def contact(client, headers, ref, channel, when, **extra):
    return post(client, headers, f"/api/v1/referrals/{ref}/contacts", {"channel": channel, "occurred_at": when, **extra})


def accessed_at(client, headers, ref):
    response = client.get(f"/api/v1/referrals/{ref}", headers=headers)
    assert response.status_code == 200
    return response.get_json()["accessed_at"]


def same_instant(a: str, b: str) -> bool:
    return datetime.fromisoformat(a) == datetime.fromisoformat(b)


def report(client, headers, year, **params):
    query = "&".join(f"{k}={v}" for k, v in {"financial_year": year, **params}.items())
    response = client.get(f"/api/v1/reports/outcomes?{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_texts_and_emails_are_never_the_access_even_with_agreement(app, client, sheffield):
    ref = new(client)
    assert accessed_at(client, sheffield, ref) is None
    contact(client, sheffield, ref, "sms", "2025-03-28", agreed_to_start=True)
    contact(client, sheffield, ref, "email", "2025-03-29T09:00:00+00:00", agreed_to_start=True)
    assert accessed_at(client, sheffield, ref) is None
    contact(client, sheffield, ref, "video", "2025-04-01T00:15:00+01:00", agreed_to_start=True)
    assert same_instant(accessed_at(client, sheffield, ref), "2025-04-01T00:15:00+01:00")


def test_the_access_is_the_earliest_agreed_direct_contact_whatever_order_it_was_recorded_in(app, client, sheffield):
    ref = new(client)
    contact(client, sheffield, ref, "face_to_face", "2025-05-20T13:30:00+01:00", agreed_to_start=True)
    contact(client, sheffield, ref, "phone", "2025-05-06T10:00:00+01:00", agreed_to_start=True)
    contact(client, sheffield, ref, "phone", "2025-05-01T10:00:00+01:00")  # no agreement, not accepted: not access
    assert same_instant(accessed_at(client, sheffield, ref), "2025-05-06T10:00:00+01:00")


def test_agreement_during_the_first_call_counts_before_any_status_change(app, client, sheffield):
    ref = new(client)
    contact(client, sheffield, ref, "talk_type", "2024-11-12T15:00:00+00:00", agreed_to_start=True)
    assert same_instant(accessed_at(client, sheffield, ref), "2024-11-12T15:00:00+00:00")
    post(client, sheffield, f"/api/v1/referrals/{ref}/status", {"status": "accepted"})
    assert same_instant(accessed_at(client, sheffield, ref), "2024-11-12T15:00:00+00:00")


def test_after_acceptance_the_next_direct_contact_is_the_access(app, client, sheffield):
    ref = new(client)
    post(client, sheffield, f"/api/v1/referrals/{ref}/status", {"status": "accepted", "occurred_at": "2025-02-14"})
    contact(client, sheffield, ref, "phone", "2025-02-20T11:00:00+00:00")
    assert same_instant(accessed_at(client, sheffield, ref), "2025-02-20T11:00:00+00:00")


def test_first_appointment_attended_never_leaves_the_access_empty(app, client, sheffield):
    ref = new(client)
    response = client.post(f"/api/v1/referrals/{ref}/status", headers=sheffield,
                           json={"status": "first_appointment_attended", "occurred_at": "2025-06-03"})
    if response.status_code == 200:
        assert accessed_at(client, sheffield, ref) is not None
    else:
        assert response.status_code in (400, 409, 422) and set(response.get_json()["error"]) >= {"code", "message"}


def test_accesses_count_in_the_financial_year_they_happened_around_1_april(app, client, sheffield):
    days = {"2025-03-31T23:59:00+01:00": "2024/25", "2025-04-01T00:00:00+01:00": "2025/26",
            "2025-03-31T23:30:00+00:00": "2025/26",  # 00:30 on 1 April in UK summer time
            "2026-03-31": "2025/26", "2026-04-01": "2026/27", "2024-04-01": "2024/25"}
    for when in days:
        contact(client, sheffield, new(client), "phone", when, agreed_to_start=True)
    expected = {year: list(days.values()).count(year) for year in set(days.values())}
    for year, count in expected.items():
        assert report(client, sheffield, year)["accessed"] == count, year
    assert report(client, sheffield, "2023/24")["accessed"] == 0
    # referrals count when made (all today), not when accessed
    assert report(client, sheffield, fy(TODAY))["referrals"] == len(days)


REPORT_KEYS = {"financial_year", "referrals", "accessed", "engaged", "job_starts", "people_into_work",
               "sustained_13_weeks", "sustained_26_weeks", "sustained_52_weeks", "by_ethnicity"}


def test_the_outcomes_report_has_every_contract_key(app, client, sheffield):
    body = report(client, sheffield, "2022/23")
    assert set(body) >= REPORT_KEYS
    assert body["financial_year"] == "2022/23"
    for weeks in (13, 26, 52):
        assert set(body[f"sustained_{weeks}_weeks"]) == {"over_16_hours", "under_16_hours"}


def test_engaged_once_both_milestones_exist_on_the_later_date(app, client, sheffield):
    both = new(client)
    post(client, sheffield, f"/api/v1/referrals/{both}/milestones", {"type": "action_plan", "on": "2025-04-02"})
    post(client, sheffield, f"/api/v1/referrals/{both}/milestones", {"type": "vocational_profile", "on": "2025-03-27"})
    one = new(client)
    post(client, sheffield, f"/api/v1/referrals/{one}/milestones", {"type": "vocational_profile", "on": "2025-03-27"})
    assert report(client, sheffield, "2025/26")["engaged"] == 1
    assert report(client, sheffield, "2024/25")["engaged"] == 0


def test_a_bad_milestone_is_a_clear_400(app, client, sheffield):
    ref = new(client)
    for body in ({"type": "cv", "on": "2025-04-02"}, {"type": "action_plan", "on": "02/04/2025"}, {"type": "action_plan"}):
        response = client.post(f"/api/v1/referrals/{ref}/milestones", json=body, headers=sheffield)
        assert response.status_code in (400, 422), body
        assert set(response.get_json()["error"]) >= {"code", "message", "fields"}


def test_every_job_start_counts_and_people_into_work_counts_people(app, client, sheffield):
    ref = new(client)
    first = post(client, sheffield, f"/api/v1/referrals/{ref}/jobs",
                 {"started_on": "2024-06-03", "hours_per_week": 12, "employer": "Corner Bakery"})
    assert "id" in first
    post(client, sheffield, f"/api/v1/referrals/{ref}/jobs/{first['id']}/end", {"ended_on": "2024-07-01"})
    post(client, sheffield, f"/api/v1/referrals/{ref}/jobs", {"started_on": "2024-09-16", "hours_per_week": 37.5})
    other = new(client)
    post(client, sheffield, f"/api/v1/referrals/{other}/jobs", {"started_on": "2025-03-31", "hours_per_week": 20})
    body = report(client, sheffield, "2024/25")
    assert body["job_starts"] == 3 and body["people_into_work"] == 2


def test_sustainments_by_hours_band_counted_when_reached_as_of_today_or_the_end_date(app, client, sheffield):
    ref = new(client)
    jobs = f"/api/v1/referrals/{ref}/jobs"
    # over 16 h, started 100 days ago, still in work: 13 weeks reached, 26 not yet
    post(client, sheffield, jobs, {"started_on": (TODAY - timedelta(days=100)).isoformat(), "hours_per_week": 30})
    # under 16 h, started 200 days ago: 13 and 26 weeks reached
    post(client, sheffield, jobs, {"started_on": (TODAY - timedelta(days=200)).isoformat(), "hours_per_week": 8})
    # over 16 h, started 80 days ago: nothing yet
    post(client, sheffield, jobs, {"started_on": (TODAY - timedelta(days=80)).isoformat(), "hours_per_week": 25})
    # ended after 60 weeks, long ago: 13, 26 and 52 in their own years
    old = post(client, sheffield, jobs, {"started_on": "2023-01-09", "hours_per_week": 24})
    post(client, sheffield, f"{jobs}/{old['id']}/end", {"ended_on": "2024-03-04"})
    # ended after 20 weeks: only 13
    short = post(client, sheffield, jobs, {"started_on": "2023-06-05", "hours_per_week": 10})
    post(client, sheffield, f"{jobs}/{short['id']}/end", {"ended_on": "2023-10-23"})

    reached: dict[str, dict[int, dict[str, int]]] = {}

    def note(start: date, weeks: int, band: str):
        year = fy(start + timedelta(weeks=weeks))
        reached.setdefault(year, {13: {}, 26: {}, 52: {}})[weeks][band] = reached.get(year, {}).get(weeks, {}).get(band, 0) + 1

    note(TODAY - timedelta(days=100), 13, "over_16_hours")
    note(TODAY - timedelta(days=200), 13, "under_16_hours")
    note(TODAY - timedelta(days=200), 26, "under_16_hours")
    for weeks in (13, 26, 52):
        note(date(2023, 1, 9), weeks, "over_16_hours")
    note(date(2023, 6, 5), 13, "under_16_hours")
    for year in {"2022/23", "2023/24", "2024/25", fy(TODAY), fy(TODAY - timedelta(days=365))}:
        body = report(client, sheffield, year)
        for weeks in (13, 26, 52):
            want = reached.get(year, {}).get(weeks, {})
            got = body[f"sustained_{weeks}_weeks"]
            assert got == {"over_16_hours": want.get("over_16_hours", 0), "under_16_hours": want.get("under_16_hours", 0)}, \
                (year, weeks, got)


def test_a_job_cannot_end_before_it_started_or_take_bad_hours(app, client, sheffield):
    ref = new(client)
    job = post(client, sheffield, f"/api/v1/referrals/{ref}/jobs", {"started_on": "2025-01-06", "hours_per_week": 16.5})
    ended = client.post(f"/api/v1/referrals/{ref}/jobs/{job['id']}/end", json={"ended_on": "2024-12-31"}, headers=sheffield)
    assert ended.status_code in (400, 409, 422)
    for hours in (-3, "lots", None):
        response = client.post(f"/api/v1/referrals/{ref}/jobs", json={"started_on": "2025-01-06", "hours_per_week": hours},
                               headers=sheffield)
        assert response.status_code == 400 and "error" in response.get_json(), hours
    unknown = client.post(f"/api/v1/referrals/{ref}/jobs/job_doesnotexist/end", json={"ended_on": "2025-02-01"},
                          headers=sheffield)
    assert unknown.status_code == 404


def test_small_numbers_are_suppressed_in_breakdowns_but_not_in_totals(app, client, sheffield):
    for n in range(7):
        ethnicity = "A" if n < 5 else "M"
        contact(client, sheffield, new(client, ethnicity=ethnicity), "face_to_face", f"2024-10-0{n + 1}", agreed_to_start=True)
    body = report(client, sheffield, "2024/25")
    assert body["accessed"] == 7
    breakdown = body["by_ethnicity"]
    assert breakdown["A"]["accessed"] == 5
    assert breakdown["M"]["accessed"] == "*"
    text = str(breakdown)
    for small in (1, 2, 3, 4):
        assert f"': {small}," not in text and f"': {small}}}" not in text, breakdown


def test_who_may_read_the_outcomes(app, client, sheffield):
    contact(client, sheffield, new(client), "phone", "2024-05-05", agreed_to_start=True)
    birmingham = token(app, "service", BIRMINGHAM_SMI)
    assert report(client, birmingham, "2024/25")["accessed"] == 0
    own = client.get(f"/api/v1/reports/outcomes?financial_year=2024/25&service_id={SHEFFIELD_SMI}", headers=birmingham)
    assert own.status_code in (403, 404) or own.get_json()["accessed"] == 0
    admin = token(app, "admin")
    assert report(client, admin, "2024/25")["accessed"] == 1
    assert report(client, admin, "2024/25", service_id=SHEFFIELD_SMI)["accessed"] == 1
    assert report(client, admin, "2024/25", service_id=BIRMINGHAM_SMI)["accessed"] == 0
    assert client.get("/api/v1/reports/outcomes?financial_year=2024/25").status_code == 401
    for bad in ("2024-25", "2024/26", "24/25", "soon"):
        response = client.get(f"/api/v1/reports/outcomes?financial_year={bad}", headers=sheffield)
        assert response.status_code == 400 and "error" in response.get_json(), bad


def test_another_service_cannot_record_outcomes_on_a_referral(app, client, sheffield):
    ref = new(client)
    birmingham = token(app, "service", BIRMINGHAM_SMI)
    for path, body in ((f"/api/v1/referrals/{ref}/jobs", {"started_on": "2025-01-06", "hours_per_week": 20}),
                       (f"/api/v1/referrals/{ref}/milestones", {"type": "action_plan", "on": "2025-01-06"}),
                       (f"/api/v1/referrals/{ref}/contacts", {"channel": "phone", "occurred_at": "2025-01-06"})):
        assert client.post(path, json=body, headers=birmingham).status_code == 404, path


# --- staff and caseloads -------------------------------------------------------------------------

def staff(client, headers, name, role="employment_specialist", service=SHEFFIELD_SMI):
    body = post(client, headers, f"/api/v1/services/{service}/staff", {"name": name, "role": role}, expect=(201,))
    assert "id" in body
    return body["id"]


def active_client(client, headers, staff_id):
    ref = new(client)
    recent = (TODAY - timedelta(days=6)).isoformat()
    contact(client, headers, ref, "face_to_face", recent, agreed_to_start=True)
    post(client, headers, f"/api/v1/referrals/{ref}/milestones", {"type": "vocational_profile", "on": recent})
    post(client, headers, f"/api/v1/referrals/{ref}/milestones", {"type": "action_plan", "on": recent})
    post(client, headers, f"/api/v1/referrals/{ref}/assign", {"staff_id": staff_id})
    return ref


def caseload(client, headers, service=SHEFFIELD_SMI):
    response = client.get(f"/api/v1/services/{service}/caseload", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_caseload_has_the_contract_keys(app, client, sheffield):
    es = staff(client, sheffield, "Priya Example")
    staff(client, sheffield, "Dee Lead", role="team_leader")
    active_client(client, sheffield, es)
    body = caseload(client, sheffield)
    assert set(body) >= {"staff", "retention_share", "retention_share_limit", "warnings"}
    person = next(s for s in body["staff"] if s["id"] == es)
    assert set(person) >= {"id", "name", "role", "active_caseload", "fidelity_caseload_score", "warnings"}
    assert person["name"] == "Priya Example" and person["role"] == "employment_specialist"
    assert person["active_caseload"] == 1 and person["fidelity_caseload_score"] == 5
    assert isinstance(body["warnings"], list) and isinstance(person["warnings"], list)


def test_the_fidelity_score_drops_to_4_above_20_active_clients(app, client, sheffield):
    es = staff(client, sheffield, "Kai Busy")
    for _ in range(20):
        active_client(client, sheffield, es)
    person = next(s for s in caseload(client, sheffield)["staff"] if s["id"] == es)
    assert (person["active_caseload"], person["fidelity_caseload_score"]) == (20, 5)
    active_client(client, sheffield, es)
    person = next(s for s in caseload(client, sheffield)["staff"] if s["id"] == es)
    assert (person["active_caseload"], person["fidelity_caseload_score"]) == (21, 4)


def test_a_client_without_a_recent_contact_or_not_engaged_is_not_active(app, client, sheffield):
    es = staff(client, sheffield, "Lou Quiet")
    stale, long_ago = new(client), (TODAY - timedelta(days=40)).isoformat()
    contact(client, sheffield, stale, "phone", long_ago, agreed_to_start=True)
    for kind in ("vocational_profile", "action_plan"):
        post(client, sheffield, f"/api/v1/referrals/{stale}/milestones", {"type": kind, "on": long_ago})
    post(client, sheffield, f"/api/v1/referrals/{stale}/assign", {"staff_id": es})
    half = new(client)
    contact(client, sheffield, half, "phone", (TODAY - timedelta(days=3)).isoformat(), agreed_to_start=True)
    post(client, sheffield, f"/api/v1/referrals/{half}/assign", {"staff_id": es})
    person = next(s for s in caseload(client, sheffield)["staff"] if s["id"] == es)
    assert person["active_caseload"] == 0


def test_staff_and_assignment_are_checked_and_kept_to_the_service(app, client, sheffield):
    birmingham = token(app, "service", BIRMINGHAM_SMI)
    theirs = staff(client, birmingham, "Bo Elsewhere", service=BIRMINGHAM_SMI)
    ref = new(client)
    wrong = client.post(f"/api/v1/referrals/{ref}/assign", json={"staff_id": theirs}, headers=sheffield)
    assert wrong.status_code in (400, 404, 422)
    assert client.post(f"/api/v1/services/{SHEFFIELD_SMI}/staff", json={"name": "X", "role": "manager"},
                       headers=sheffield).status_code == 400
    assert client.post(f"/api/v1/services/{SHEFFIELD_SMI}/staff", json={"name": "X", "role": "team_leader"},
                       headers=birmingham).status_code in (403, 404)
    assert client.get(f"/api/v1/services/{SHEFFIELD_SMI}/caseload", headers=birmingham).status_code in (403, 404)
    assert client.get(f"/api/v1/services/{SHEFFIELD_SMI}/caseload").status_code == 401


def test_bad_input_on_the_after_access_endpoints_gets_the_error_shape(app, client, sheffield):
    ref = new(client)
    cases = [
        (f"/api/v1/referrals/{ref}/contacts", {"channel": "phone", "occurred_at": "2025-04-02", "agreed_to_start": "maybe"}),
        (f"/api/v1/referrals/{ref}/contacts", {"channel": "carrier_pigeon", "occurred_at": "2025-04-02"}),
        (f"/api/v1/referrals/{ref}/contacts", {"channel": "phone", "occurred_at": "2025-02-30"}),
        (f"/api/v1/referrals/{ref}/jobs", {"started_on": "2025-04-31", "hours_per_week": 20}),
        (f"/api/v1/referrals/{ref}/jobs", {"hours_per_week": 20}),
        (f"/api/v1/referrals/{ref}/assign", {}),
        (f"/api/v1/services/{SHEFFIELD_SMI}/staff", {"role": "team_leader"}),
        (f"/api/v1/services/{SHEFFIELD_SMI}/staff", {"name": "", "role": "team_leader"}),
    ]
    for path, body in cases:
        response = client.post(path, json=body, headers=sheffield)
        assert response.status_code in (400, 422), (path, body, response.status_code)
        assert set(response.get_json()["error"]) >= {"code", "message", "fields"}, (path, body)
    unknown_staff = client.post(f"/api/v1/referrals/{ref}/assign", json={"staff_id": "stf_nobody"}, headers=sheffield)
    assert unknown_staff.status_code in (400, 404, 422) and "error" in unknown_staff.get_json()
    assert client.post("/api/v1/referrals/IS-ZZZZZZ/milestones", json={"type": "action_plan", "on": "2025-04-02"},
                       headers=sheffield).status_code == 404
    admin = token(app, "admin")
    assert client.get("/api/v1/services/no-such-service/caseload", headers=admin).status_code == 404
    clinician = token(app, "clinician")
    assert client.get("/api/v1/reports/outcomes?financial_year=2024/25", headers=clinician).status_code == 403


@pytest.mark.parametrize("when, year", [
    ("2025-03-31T23:30:00Z", "2025/26"),             # 00:30 on 1 April in UK summer time
    ("2025-03-31T23:30:00.250+00:00", "2025/26"),
    ("2025-04-01T00:30:00+01:00", "2025/26"),
    ("2025-03-31T23:30:00", "2024/25"),               # no offset: UK time
    ("2025-03-31", "2024/25"),
    ("2026-01-15T08:00:00-05:00", "2025/26"),
])
def test_iso_date_times_with_any_offset_fall_in_the_uk_financial_year(app, client, sheffield, when, year):
    ref = new(client)
    contact(client, sheffield, ref, "video", when, agreed_to_start=True)
    assert report(client, sheffield, year)["accessed"] == 1
