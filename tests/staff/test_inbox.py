"""The service's inbox and referral page (CONTRACT.md "Staff web app"): its own referrals only, new first,
filters with counts, search, and the workflow's actions as forms that call the same rules as the API."""

from __future__ import annotations

import re

from .conftest import csrf_from, make_referral, make_user, sign_in


def test_signed_out_the_inbox_and_a_referral_redirect_to_sign_in(client):
    reference = make_referral(client)
    for path in ("/inbox", f"/referrals/{reference}"):
        response = client.get(path)
        assert response.status_code in (302, 303) and response.headers["Location"].startswith("/sign-in")


def test_the_inbox_lists_the_services_own_referrals_newest_first_with_counts(client, sheffield_user):
    first = make_referral(client)
    second = make_referral(client)
    elsewhere = make_referral(client, postcode="B1 1AA")
    sign_in(client, sheffield_user)
    html = client.get("/inbox").get_data(as_text=True)
    assert first in html and second in html and elsewhere not in html
    assert html.index(second) < html.index(first)
    assert "New (2)" in html and "All (2)" in html and "Accepted (0)" in html


def test_search_by_reference_and_filter_by_status(client, sheffield_user):
    first = make_referral(client)
    second = make_referral(client)
    sign_in(client, sheffield_user)
    html = client.get(f"/inbox?q={first[-4:].lower()}").get_data(as_text=True)
    assert first in html and second not in html
    assert second not in client.get("/inbox?status=accepted").get_data(as_text=True)


def test_another_services_referral_is_not_found(client, sheffield_user, birmingham_user):
    reference = make_referral(client, postcode="B1 1AA")
    sign_in(client, sheffield_user)
    assert client.get(f"/referrals/{reference}").status_code == 404
    token = csrf_from(client.get("/inbox"))
    assert client.post(f"/referrals/{reference}/status", data={"status": "accepted", "csrf_token": token}).status_code == 404
    client.delete_cookie("staff_session")
    sign_in(client, birmingham_user)
    assert client.get(f"/referrals/{reference}").status_code == 200


def test_the_referral_page_shows_the_person_the_facts_and_consent_in_full(client, sheffield_user):
    reference = make_referral(client)
    sign_in(client, sheffield_user)
    html = client.get(f"/referrals/{reference}").get_data(as_text=True)
    assert "Alex" in html and "+447700900123" in html
    assert "Psychosis" in html  # the facts, in words
    assert "Share what they told us with the service: Agreed" in html
    assert "The words the person agreed to" in html


def test_working_a_referral_from_new_to_access_with_the_forms(client, sheffield_user):
    reference = make_referral(client)
    sign_in(client, sheffield_user)
    token = csrf_from(client.get(f"/referrals/{reference}"))
    moved = client.post(f"/referrals/{reference}/status", data={"status": "accepted", "csrf_token": token})
    assert moved.status_code == 303
    contact = client.post(f"/referrals/{reference}/contacts",
                          data={"channel": "phone", "agreed_to_start": "yes", "csrf_token": token})
    assert contact.status_code == 303
    html = client.get(contact.headers["Location"]).get_data(as_text=True)
    assert "The contact is recorded." in html and "(counted as the access)" in html
    api = client.get(f"/referrals/{reference}")
    assert api.status_code == 200
    # The audit trail shows who did what.
    assert "referral.status:accepted" in html and "referral.contact:phone" in html


def test_a_move_the_workflow_does_not_allow_is_explained(client, sheffield_user):
    reference = make_referral(client)
    sign_in(client, sheffield_user)
    token = csrf_from(client.get(f"/referrals/{reference}"))
    client.post(f"/referrals/{reference}/status", data={"status": "closed", "csrf_token": token})
    response = client.post(f"/referrals/{reference}/status", data={"status": "accepted", "csrf_token": token})
    assert response.status_code == 409
    assert "can move to: nothing" in response.get_data(as_text=True)


def test_status_and_contact_forms_need_the_csrf_token(client, sheffield_user):
    reference = make_referral(client)
    sign_in(client, sheffield_user)
    assert client.post(f"/referrals/{reference}/status", data={"status": "accepted"}).status_code == 400
    assert client.post(f"/referrals/{reference}/contacts", data={"channel": "phone"}).status_code == 400
    assert "New" in client.get(f"/referrals/{reference}").get_data(as_text=True)


def test_a_clinician_cannot_open_the_inbox(app, client):
    make_user(app, "dr@gp.example", "clinician")
    sign_in(client, "dr@gp.example")
    assert client.get("/inbox").status_code == 403


def _add_specialist(app, service_id: str, name: str) -> str:
    from referral_service.db import connect_for, write_transaction
    from referral_service.storage import staff

    db = connect_for(app)
    with write_transaction(db):
        member = staff.add_staff(db, service_id, name, "employment_specialist")
    return member["id"]


def test_after_access_assignment_milestones_and_jobs_are_recorded_with_the_forms(app, client, sheffield_user):
    """IPS Grow 'Example: standard data set': engaged once the vocational profile and action plan exist."""
    reference = make_referral(client)
    specialist = _add_specialist(app, "sheffield-ips-smi", "Priya Shah")
    elsewhere = _add_specialist(app, "birmingham-ips-smi", "Ben Ode")
    sign_in(client, sheffield_user)
    token = csrf_from(client.get(f"/referrals/{reference}"))
    assert client.post(f"/referrals/{reference}/assign", data={"staff_id": elsewhere, "csrf_token": token}).status_code == 400
    assert client.post(f"/referrals/{reference}/assign", data={"staff_id": specialist, "csrf_token": token}).status_code == 303
    for kind, on in (("vocational_profile", "2026-10-01"), ("action_plan", "2026-10-08")):
        response = client.post(f"/referrals/{reference}/milestones", data={"type": kind, "on": on, "csrf_token": token})
        assert response.status_code == 303
    started = client.post(f"/referrals/{reference}/jobs", data={"started_on": "2026-11-02", "hours_per_week": "20",
                                                               "employer": "Hallam Bakery", "csrf_token": token})
    assert started.status_code == 303
    html = client.get(f"/referrals/{reference}").get_data(as_text=True)
    assert "Assigned to <strong>Priya Shah</strong>" in html
    assert "Yes, on 8 October 2026" in html
    assert "Hallam Bakery from 2 November 2026" in html and "Still in work" in html
    job_id = re.search(rf"/referrals/{reference}/jobs/([^/]+)/end", html).group(1)
    too_early = client.post(f"/referrals/{reference}/jobs/{job_id}/end", data={"ended_on": "2026-10-01", "csrf_token": token})
    assert too_early.status_code == 400 and "cannot end before it started" in too_early.get_data(as_text=True)
    assert "There is a problem" in too_early.get_data(as_text=True)  # the referral page again, not a dead end
    assert client.post(f"/referrals/{reference}/jobs/{job_id}/end",
                       data={"ended_on": "2026-11-20", "csrf_token": token}).status_code == 303
    assert "20 November 2026" in client.get(f"/referrals/{reference}").get_data(as_text=True)


def test_a_contact_form_with_a_future_date_or_no_channel_is_explained(client, sheffield_user):
    reference = make_referral(client)
    sign_in(client, sheffield_user)
    token = csrf_from(client.get(f"/referrals/{reference}"))
    no_channel = client.post(f"/referrals/{reference}/contacts", data={"csrf_token": token})
    page = no_channel.get_data(as_text=True)
    assert no_channel.status_code == 400 and "There is a problem" in page and 'href="#channel"' in page
    assert f"Referral {reference}" in page and "<title>Error: " in page
    future = client.post(f"/referrals/{reference}/contacts",
                         data={"channel": "phone", "occurred_on": "2099-01-01", "csrf_token": token})
    assert future.status_code == 400 and 'href="#occurred_on"' in future.get_data(as_text=True)
    assert 'value="2099-01-01"' in future.get_data(as_text=True)  # what was typed is kept


def test_an_admin_sees_every_service_and_can_narrow_to_one(app, client):
    sheffield = make_referral(client)
    birmingham = make_referral(client, postcode="B1 1AA")
    make_user(app, "admin@nhs.example", "admin")
    sign_in(client, "admin@nhs.example")
    everyone = client.get("/inbox").get_data(as_text=True)
    assert sheffield in everyone and birmingham in everyone
    one = client.get("/inbox?service=birmingham-ips-smi").get_data(as_text=True)
    assert birmingham in one and sheffield not in one
    assert "/inbox?service=birmingham-ips-smi&amp;status=received" in one  # the tabs keep the service
