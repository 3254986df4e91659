"""The team page (/team): a service's employment specialists and team leaders, the form to add one, and the
caseload view with its warnings — the same rules as /api/v1/services/<id>/{staff,caseload}.

Rules shown come from NHS England, *IPS for SMI: guidance for ICSs* (2023), 'Caseload' and 'Workforce' (a team
leader for every 6 specialists; review after 9 months looking for work) and the IPS-25 fidelity scale's item 1
(20 or fewer active clients scores 5), as services/caseload.py cites them.
"""

from __future__ import annotations

import re
from datetime import timedelta

from referral_service.reports.financial_year import today

from .conftest import BIRMINGHAM, SHEFFIELD, csrf_from, make_referral, make_user, sign_in


def _add(client, service_id: str, name: str, role: str, token: str):
    return client.post(f"/team/{service_id}/staff", data={"name": name, "role": role, "csrf_token": token})


def test_signed_out_the_team_page_asks_to_sign_in_and_a_clinician_cannot_open_it(app, client):
    assert "/sign-in" in client.get("/team").headers["Location"]
    make_user(app, "dr@gp.example", "clinician")
    sign_in(client, "dr@gp.example")
    assert client.get(f"/team/{SHEFFIELD}").status_code == 403
    assert "/team" not in re.findall(r'href="(/team[^"]*)"', client.get("/check").get_data(as_text=True))


def test_a_service_adds_a_specialist_who_is_then_offered_on_the_referral_page(client, sheffield_user):
    reference = make_referral(client)
    sign_in(client, sheffield_user)
    home = client.get("/team")
    assert home.status_code == 303 and home.headers["Location"].endswith(f"/team/{SHEFFIELD}")
    page = client.get(f"/team/{SHEFFIELD}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Team and caseloads" in html and 'href="/team"' in html  # in the navigation
    assert "No employment specialists or team leaders are recorded yet" in html
    # The referral page points to the team page while there is nobody to assign to.
    assert f'/team/{SHEFFIELD}#add' in client.get(f"/referrals/{reference}").get_data(as_text=True)

    token = csrf_from(page)
    added = _add(client, SHEFFIELD, "Priya Shah", "employment_specialist", token)
    assert added.status_code == 303
    html = client.get(added.headers["Location"]).get_data(as_text=True)
    assert "Priya Shah is added to the team as employment specialist." in html
    assert "Priya Shah" in html and "0 of" not in html and "5 of 5" in html  # no active clients: the score is 5

    referral_page = client.get(f"/referrals/{reference}").get_data(as_text=True)
    option = re.search(r'<option value="(stf_[0-9a-f]+)"[^>]*>\s*Priya Shah \(employment specialist\)', referral_page)
    assert option, "the assign form offers the service's real staff"
    assert client.post(f"/referrals/{reference}/assign",
                       data={"staff_id": option.group(1), "csrf_token": token}).status_code == 303
    assert "Assigned to <strong>Priya Shah</strong>" in client.get(f"/referrals/{reference}").get_data(as_text=True)


def test_the_add_form_is_checked_like_the_api_and_needs_its_csrf_token(client, sheffield_user):
    sign_in(client, sheffield_user)
    token = csrf_from(client.get(f"/team/{SHEFFIELD}"))
    assert client.post(f"/team/{SHEFFIELD}/staff", data={"name": "No Token", "role": "team_leader"}).status_code == 400
    empty = client.post(f"/team/{SHEFFIELD}/staff", data={"name": "  ", "csrf_token": token})
    page = empty.get_data(as_text=True)
    assert empty.status_code == 400 and "There is a problem" in page and "<title>Error: " in page
    assert 'href="#name"' in page and 'href="#role"' in page
    wrong_role = _add(client, SHEFFIELD, "Kim Lee", "manager", token)
    assert wrong_role.status_code == 400 and 'value="Kim Lee"' in wrong_role.get_data(as_text=True)  # kept
    too_long = _add(client, SHEFFIELD, "x" * 101, "team_leader", token)
    assert too_long.status_code == 400
    html = client.get(f"/team/{SHEFFIELD}").get_data(as_text=True)
    assert "Kim Lee" not in html and "No employment specialists or team leaders are recorded yet" in html


def test_another_services_team_is_not_found_and_cannot_be_added_to(app, client, sheffield_user, birmingham_user):
    sign_in(client, birmingham_user)
    birmingham_token = csrf_from(client.get(f"/team/{BIRMINGHAM}"))
    assert _add(client, BIRMINGHAM, "Ben Ode", "employment_specialist", birmingham_token).status_code == 303
    client.post("/sign-out", data={"csrf_token": birmingham_token})
    client.delete_cookie("staff_session")

    sign_in(client, sheffield_user)
    token = csrf_from(client.get(f"/team/{SHEFFIELD}"))
    assert client.get(f"/team/{BIRMINGHAM}").status_code == 404
    assert "Ben Ode" not in client.get(f"/team/{BIRMINGHAM}").get_data(as_text=True)
    assert _add(client, BIRMINGHAM, "Intruder", "team_leader", token).status_code == 404
    assert client.get("/team/no-such-service").status_code == 404
    assert client.get("/team?service=birmingham-ips-smi").headers["Location"].endswith(f"/team/{SHEFFIELD}")

    make_user(app, "admin@nhs.example", "admin")
    client.delete_cookie("staff_session")
    sign_in(client, "admin@nhs.example")
    chooser = client.get("/team").get_data(as_text=True)
    assert f'href="/team/{BIRMINGHAM}"' in chooser and f'href="/team/{SHEFFIELD}"' in chooser
    html = client.get(f"/team/{BIRMINGHAM}").get_data(as_text=True)
    assert "Ben Ode" in html and "Intruder" not in html


def test_the_caseload_shows_the_active_client_the_score_and_the_warnings_in_words(app, client, sheffield_user):
    """A client accessed 10 months ago, engaged since, with a contact this week and no employer contact: on the
    active caseload; 'review after 9 months looking for work' (2023, 'Caseload'); no face-to-face employer
    contact within 30 days of engagement (IPS-25 'rapid job search'); no team leader for the specialist."""
    reference = make_referral(client)
    sign_in(client, sheffield_user)
    token = csrf_from(client.get(f"/team/{SHEFFIELD}"))
    _add(client, SHEFFIELD, "Priya Shah", "employment_specialist", token)
    staff_id = re.search(r'<option value="(stf_[0-9a-f]+)"', client.get(f"/referrals/{reference}").get_data(as_text=True))
    client.post(f"/referrals/{reference}/assign", data={"staff_id": staff_id.group(1), "csrf_token": token})

    day = today()
    accessed, engaged, recent = day - timedelta(days=300), day - timedelta(days=290), day - timedelta(days=3)
    assert client.post(f"/referrals/{reference}/contacts", data={
        "channel": "phone", "occurred_on": accessed.isoformat(), "agreed_to_start": "yes",
        "csrf_token": token}).status_code == 303
    for kind in ("vocational_profile", "action_plan"):
        assert client.post(f"/referrals/{reference}/milestones",
                           data={"type": kind, "on": engaged.isoformat(), "csrf_token": token}).status_code == 303
    assert client.post(f"/referrals/{reference}/contacts", data={
        "channel": "phone", "occurred_on": recent.isoformat(), "csrf_token": token}).status_code == 303

    html = client.get(f"/team/{SHEFFIELD}").get_data(as_text=True)
    card = html[html.index('id="staff-'):]
    assert re.search(r"Active caseload\s*</dt>\s*<dd[^>]*>\s*1\s*</dd>", card)
    assert "5 of 5" in card
    on = f"{accessed.day} {accessed:%B %Y}"
    assert f'<a href="/referrals/{reference}">{reference}</a>: looking for work since {on}' in card
    assert "time to review (after 9 months, case by case)" in card
    assert "no face-to-face employer contact in the 290 days since engagement" in card
    assert "no team leader: the guidance expects a team leader for every 6 specialists" in html
    assert re.search(r"Accesses in \d{4}/\d{2}", html)


def test_the_retention_share_and_the_contract_target_are_shown_against_their_limits(app, client, sheffield_user):
    """The in-work share limit is the pathway's (rules files: SMI 25%); the target is the commissioner's setting."""
    from referral_service.db import connect_for
    from referral_service.reports import financial_year
    from referral_service.services import staffing

    make_referral(client, employment_status="in_work")
    year = financial_year.of(today()).label
    db = connect_for(app)
    staffing.set_target(db, SHEFFIELD, year, 40, actor=None, role="admin")
    sign_in(client, sheffield_user)
    html = client.get(f"/team/{SHEFFIELD}").get_data(as_text=True)
    assert "At most 25% for" in html
    assert "100% (1 job retention case of the open referrals)" in html
    assert "above the pathway&#39;s limit of 25%" in html or "above the pathway's limit of 25%" in html
    assert "0 of 40 accesses (0% of the contract target)" in html and f"Accesses in {year}" in html


def test_an_admin_sets_the_contract_target_and_a_service_cannot(app, client, sheffield_user):
    """The target is the commissioner's setting (issue 11 item 4; PUT /api/v1/services/<id>/targets is admin-only)."""
    from referral_service.reports import financial_year

    year = financial_year.of(today()).label
    sign_in(client, sheffield_user)
    token = csrf_from(client.get(f"/team/{SHEFFIELD}"))
    assert "Set the contract target" not in client.get(f"/team/{SHEFFIELD}").get_data(as_text=True)
    refused = client.post(f"/team/{SHEFFIELD}/target", data={"financial_year": year, "accesses": "50", "csrf_token": token})
    assert refused.status_code == 403

    make_user(app, "admin@nhs.example", "admin")
    client.delete_cookie("staff_session")
    sign_in(client, "admin@nhs.example")
    page = client.get(f"/team/{SHEFFIELD}")
    token = csrf_from(page)
    assert "Set the contract target" in page.get_data(as_text=True)
    bad = client.post(f"/team/{SHEFFIELD}/target", data={"financial_year": "2026", "accesses": "many", "csrf_token": token})
    assert bad.status_code == 400 and 'href="#financial_year"' in bad.get_data(as_text=True)
    assert 'href="#accesses"' in bad.get_data(as_text=True)
    saved = client.post(f"/team/{SHEFFIELD}/target", data={"financial_year": year, "accesses": "120", "csrf_token": token})
    assert saved.status_code == 303
    html = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "The contract target is saved." in html and "0 of 120 accesses (0% of the contract target)" in html
    assert client.post(f"/team/{SHEFFIELD}/target", data={"financial_year": year, "accesses": "9"}).status_code == 400
