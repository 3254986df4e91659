"""Staff, caseloads and their warnings, from the guidance's own definitions:
- active caseload = engaged and in contact in the last 4 weeks (IPS Grow, *Growing IPS in the UK* (2018),
  'Example: standard data set', outcome 2 note);
- caseload of 20 or fewer scores 5 on IPS fidelity item 1, 21–25 scores 4; team leaders carry up to 10 and
  there is one per 6 specialists; review unemployed clients at 9 months and in-work ones at 4 (NHS England,
  *IPS for severe mental illness: guidance for ICSs* (2023), 'Caseload' and 'Workforce');
- in-work share at most 25% for IPS for SMI (2023, Appendix 1 'Proportion in work / out of work');
- days from initial assessment to the first face-to-face employer contact (IPS Grow, *Briefing note for
  commissioners*, §20e)."""

from __future__ import annotations

import pytest

from referral_service.services.caseload import fidelity_caseload_score
from tests.service.referral_helpers import make_token

from .helpers import SERVICE, accessed_on, contact, job, milestone, new_referral, service_headers

AS_OF = "2024-07-01"


def _staff(client, headers, name="Sam Taylor", role="employment_specialist", service=SERVICE):
    response = client.post(f"/api/v1/services/{service}/staff", json={"name": name, "role": role}, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def _assign(client, headers, reference, staff_id):
    response = client.post(f"/api/v1/referrals/{reference}/assign", json={"staff_id": staff_id}, headers=headers)
    assert response.status_code == 200, response.get_json()


def _caseload(client, headers, service=SERVICE, as_of=AS_OF):
    response = client.get(f"/api/v1/services/{service}/caseload?as_of={as_of}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _engaged_client(client, headers, staff_id, last_contact, **facts):
    reference = new_referral(client, **facts)
    accessed_on(client, headers, reference, "2024-04-02")
    milestone(client, headers, reference, "vocational_profile", "2024-04-10")
    milestone(client, headers, reference, "action_plan", "2024-04-20")
    contact(client, headers, reference, "phone", occurred_at=last_contact)
    _assign(client, headers, reference, staff_id)
    return reference


@pytest.mark.parametrize(("caseload", "score"), [
    (0, 5), (20, 5), (21, 4), (25, 4),  # printed in the 2023 guidance, 'Caseload'
    (26, 3), (30, 3), (31, 2), (40, 2), (41, 1),  # the UK IPS fidelity scale, item 1 (Centre for Mental Health)
])
def test_the_fidelity_caseload_score_follows_the_ips_scale(caseload, score):
    assert fidelity_caseload_score(caseload) == score


def test_active_caseload_is_engaged_clients_in_contact_in_the_last_four_weeks(app, client):
    headers = service_headers(app)
    specialist = _staff(client, headers)
    _engaged_client(client, headers, specialist, "2024-06-20")   # 11 days before: active
    _engaged_client(client, headers, specialist, "2024-05-01")   # 2 months before: not active
    not_engaged = new_referral(client)
    accessed_on(client, headers, not_engaged, "2024-06-25")
    _assign(client, headers, not_engaged, specialist)
    body = _caseload(client, headers)
    entry = next(s for s in body["staff"] if s["id"] == specialist)
    assert entry["active_caseload"] == 1 and entry["fidelity_caseload_score"] == 5
    assert set(entry) >= {"id", "name", "role", "active_caseload", "fidelity_caseload_score", "warnings"}
    assert {"staff", "retention_share", "retention_share_limit", "warnings"} <= set(body)


def test_in_work_share_is_checked_against_the_pathways_limit_from_the_rules(app, client):
    headers = service_headers(app)
    specialist = _staff(client, headers)
    _engaged_client(client, headers, specialist, "2024-06-20", employment_status="in_work_off_sick")
    _engaged_client(client, headers, specialist, "2024-06-20", employment_status="out_of_work")
    body = _caseload(client, headers)
    assert body["retention_share_limit"] == 0.25
    assert body["retention_share"] == 0.5
    assert any("above the pathway's limit of 25%" in w for w in body["warnings"])


def test_review_prompts_at_nine_months_looking_for_work_and_four_months_in_work(app, client):
    headers = service_headers(app)
    specialist = _staff(client, headers)
    looking = new_referral(client)
    accessed_on(client, headers, looking, "2023-09-15")
    _assign(client, headers, looking, specialist)
    working = new_referral(client)
    accessed_on(client, headers, working, "2023-12-01")
    job(client, headers, working, "2024-02-01", 20)
    _assign(client, headers, working, specialist)
    recent = new_referral(client)
    accessed_on(client, headers, recent, "2024-05-01")
    _assign(client, headers, recent, specialist)
    warnings = next(s for s in _caseload(client, headers)["staff"] if s["id"] == specialist)["warnings"]
    assert any(w.startswith(looking) and "looking for work since 2023-09-15" in w for w in warnings)
    assert any(w.startswith(working) and "in work since 2024-02-01" in w for w in warnings)
    assert not any(w.startswith(recent) for w in warnings)


def test_days_from_engagement_to_the_first_face_to_face_employer_contact(app, client):
    headers = service_headers(app)
    specialist = _staff(client, headers)
    quick = _engaged_client(client, headers, specialist, "2024-06-20")
    contact(client, headers, quick, "face_to_face", occurred_at="2024-04-25", **{"with": "employer"})
    slow = _engaged_client(client, headers, specialist, "2024-06-20")
    contact(client, headers, slow, "phone", occurred_at="2024-04-22", **{"with": "employer"})  # not face to face
    entry = next(s for s in _caseload(client, headers)["staff"] if s["id"] == specialist)
    assert entry["average_days_to_employer_contact"] == 5.0
    assert any(w.startswith(slow) and "no face-to-face employer contact" in w for w in entry["warnings"])
    assert not any(w.startswith(quick) for w in entry["warnings"])


def test_team_leader_ratio_and_caseload_limits_are_warnings(app, client):
    headers = service_headers(app)
    _staff(client, headers)
    assert any("no team leader" in w for w in _caseload(client, headers)["warnings"])
    _staff(client, headers, "Jo Lee", "team_leader")
    for n in range(6):
        _staff(client, headers, f"Specialist {n}")
    body = _caseload(client, headers)
    assert body["employment_specialists"] == 7 and body["team_leaders"] == 1
    assert any("7 employment specialists to 1 team leader" in w for w in body["warnings"])


def test_assignment_is_to_the_referrals_own_services_staff_only(app, client):
    headers = service_headers(app)
    birmingham = service_headers(app, "birmingham-ips-smi")
    theirs = _staff(client, birmingham, service="birmingham-ips-smi")
    reference = new_referral(client)
    for staff_id in (theirs, "stf_nobody"):
        response = client.post(f"/api/v1/referrals/{reference}/assign", json={"staff_id": staff_id}, headers=headers)
        assert response.status_code == 400 and "staff_id" in response.get_json()["error"]["fields"]
    ours = _staff(client, headers)
    _assign(client, headers, reference, ours)
    assert client.get(f"/api/v1/referrals/{reference}", headers=headers).get_json()["assigned_staff_id"] == ours


def test_who_may_see_a_services_staff_and_caseload(app, client):
    birmingham = service_headers(app, "birmingham-ips-smi")
    assert client.get(f"/api/v1/services/{SERVICE}/caseload", headers=birmingham).status_code == 404
    assert client.post(f"/api/v1/services/{SERVICE}/staff", json={"name": "A", "role": "team_leader"},
                       headers=birmingham).status_code == 404
    assert client.get("/api/v1/services/no-such-service/caseload", headers=make_token(app, "admin")[1]).status_code == 404
    assert client.get(f"/api/v1/services/{SERVICE}/caseload", headers=make_token(app, "clinician")[1]).status_code == 403
    assert client.get(f"/api/v1/services/{SERVICE}/caseload").status_code == 401
    bad = client.post(f"/api/v1/services/{SERVICE}/staff", json={"name": "A", "role": "manager"},
                      headers=service_headers(app))
    assert bad.status_code == 400 and "role" in bad.get_json()["error"]["fields"]


def test_a_contract_target_is_shown_against_accesses_to_date(app, client):
    headers = service_headers(app)
    admin = make_token(app, "admin")[1]
    response = client.put(f"/api/v1/services/{SERVICE}/targets", json={"financial_year": "2024/25", "accesses": 4},
                          headers=admin)
    assert response.status_code == 200
    assert client.put(f"/api/v1/services/{SERVICE}/targets", json={"financial_year": "2024/25", "accesses": 9},
                      headers=headers).status_code == 403
    accessed_on(client, headers, new_referral(client), "2024-04-10")
    target = _caseload(client, headers)["access_target"]
    assert target == {"financial_year": "2024/25", "accesses": 4, "accessed_to_date": 1, "share_achieved": 0.25}
    report = client.get(f"/api/v1/reports/outcomes?financial_year=2024/25&service_id={SERVICE}", headers=admin).get_json()
    assert report["target"]["accesses"] == 4 and report["target"]["accessed_to_date"] == 1


def test_before_anyone_is_accessed_the_in_work_share_is_of_the_open_referrals(app, client):
    headers = service_headers(app)
    new_referral(client, employment_status="in_work")
    for _ in range(3):
        new_referral(client, employment_status="out_of_work")
    body = _caseload(client, headers)
    assert body["retention_share"] == 0.25 and body["retention_share_basis"] == "open_referrals"
    assert not any("limit" in w for w in body["warnings"])  # 25% is within IPS for SMI's 25%
