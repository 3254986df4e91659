"""The staff pages in headless Chromium (Playwright) at phone (390 px) and desktop (1280 px) widths, with
axe-core at WCAG 2.2 AA: a service works a referral from the inbox to access; a clinician checks a patient
on /check and refers them. Screenshots go to $SCREENSHOTS_DIR when it is set.

Needs Debian's chromium (`make browser`) and the NHS.UK frontend (`make frontend`; built here if missing).
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from playwright.sync_api import expect
from werkzeug.serving import make_server

from referral_service import create_app
from referral_service.cli import main
from referral_service.staff import frontend_assets

from .browser import TIMEOUT_MS, assert_no_axe_violations

PASSWORD = "correct horse battery staple"
WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}
SHOTS = Path(os.environ["SCREENSHOTS_DIR"]) if os.environ.get("SCREENSHOTS_DIR") else None


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    frontend_assets.ensure_built()  # make does it; a bare pytest run builds it here (npm ci, then the copy)
    database = str(tmp_path_factory.mktemp("staff-e2e") / "e2e.db")
    app = create_app({"TESTING": True, "DATABASE_PATH": database, "BOT_AUTH_TOKEN": "test-bot-token",
                      "RATELIMIT_ENABLED": False})
    for email, role, service in (("sam@sheffield.example", "service", "sheffield-ips-smi"),
                                 ("dr.khan@gp.example", "clinician", None)):
        args = ["users", "create", "--email", email, "--role", role] + (["--service", service] if service else [])
        result = CliRunner().invoke(main, args, input=PASSWORD + "\n", env={"DATABASE_PATH": database})
        assert result.exit_code == 0, result.output
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{server.server_port}", "client": app.test_client(), "database": database}
    server.shutdown()


def shot(page, name: str, width: str) -> None:
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)


def check_page(page, name: str, width: str) -> None:
    """Every page: no horizontal scrolling at this width, and axe finds nothing."""
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {width}"
    assert page.locator("link[href*='nhsuk/nhsuk-frontend.min.css']").count() == 1
    assert_no_axe_violations(page)
    shot(page, name, width)


def sign_in(page, url: str, email: str) -> None:
    page.goto(url + "/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def make_referral(client) -> str:
    response = client.post("/api/v1/referrals", json={
        "pathway": "ips_smi", "facts": {"age": 29, "postcode": "S10 2TN", "conditions": ["bipolar"], "wants_paid_work": True},
        "person": {"first_name": "Robin", "phone": "07700 900321"}, "consents": {"share_with_service": True},
        "summary": "Wants to get back into warehouse work, mornings are best."})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["reference"]


@pytest.mark.parametrize("width", WIDTHS)
def test_a_service_works_a_referral_from_the_inbox_to_access(browser, live, width):
    reference = make_referral(live["client"])
    page = browser.new_page(viewport=WIDTHS[width])
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(live["url"] + "/inbox")
    assert "/sign-in" in page.url  # signed out: sent to sign in first
    check_page(page, "sign-in", width)

    page.get_by_label("Email address").fill("sam@sheffield.example")
    page.get_by_label("Password", exact=True).fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    assert page.locator(".nhsuk-error-summary").is_visible()
    check_page(page, "sign-in-error", width)

    sign_in(page, live["url"], "sam@sheffield.example")
    page.wait_for_url(re.compile(r"/inbox"))
    page.get_by_role("heading", name="Referrals", level=1).wait_for()
    check_page(page, "inbox", width)

    page.get_by_role("link", name=reference).click()
    page.get_by_role("heading", name=f"Referral {reference}").wait_for()
    assert page.get_by_text("Wants to get back into warehouse work").is_visible()
    check_page(page, "referral", width)

    page.get_by_role("button", name="Accept: the person agreed to start").click()
    page.get_by_text("The status is updated.").wait_for()
    page.get_by_role("button", name="Record the contact").click()  # no channel chosen
    page.locator(".nhsuk-error-summary").get_by_role("link", name="Choose how you contacted the person.").wait_for()
    check_page(page, "referral-form-error", width)
    page.get_by_label("Phone call").check()
    page.get_by_label("At this contact the person agreed to start").check()
    page.get_by_role("button", name="Record the contact").click()
    page.get_by_text("The contact is recorded.").wait_for()
    assert page.get_by_text("(counted as the access)").is_visible()
    check_page(page, "referral-accessed", width)

    page.get_by_role("button", name="Sign out").click()
    page.get_by_text("You have signed out.").wait_for()
    page.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_clinician_checks_a_patient_and_refers_them(browser, live, width):
    page = browser.new_page(viewport=WIDTHS[width])
    page.set_default_timeout(TIMEOUT_MS)
    sign_in(page, live["url"], "dr.khan@gp.example")
    page.wait_for_url(re.compile(r"/check"))
    check_page(page, "check", width)

    page.locator("#age").fill("34")
    page.locator("#postcode").fill("S1 2AB")
    page.locator("input[name=conditions][value=psychosis]").check()
    page.locator("input[name=wants_paid_work][value=yes]").check()
    page.get_by_role("button", name="Check eligibility").click()
    summary = page.locator("#results")
    summary.wait_for()
    assert page.locator("#results-title").inner_text().startswith("Eligible for 1 of 4")
    expect(page.locator("#results-title")).to_be_focused()
    assert summary.bounding_box()["y"] < WIDTHS[width]["height"]  # the answer is on the first screen
    check_page(page, "check-results", width)

    page.get_by_role("button", name="Refer this patient to IPS for severe mental illness").click()
    page.get_by_role("heading", name="Read this to the patient").wait_for()
    check_page(page, "check-refer", width)
    page.get_by_role("button", name="Send the referral").click()
    assert page.locator(".nhsuk-error-summary").is_visible()  # no agreement recorded, nothing sent
    check_page(page, "check-refer-error", width)
    page.get_by_label("I read this to the patient and they agreed").check()
    page.get_by_label("First name").fill("Jo")
    page.get_by_label("Mobile or phone number").fill("07700 900456")
    page.get_by_role("button", name="Send the referral").click()
    page.get_by_text("Referral sent").wait_for()
    reference = page.locator(".nhsuk-panel__body strong").inner_text()
    check_page(page, "referral-sent", width)

    page.get_by_role("link", name="see your referrals").click()
    page.get_by_role("link", name=reference).wait_for()
    check_page(page, "my-referrals", width)
    page.close()


# Each width imports its own people, so the second run is not held back by the first one's 30-day cap.
CONTACTS = (
    "person_ref,first_name,mobile,postcode,conditions,in_secondary_mental_health_care,sms_consent,"
    "sms_consent_recorded_at,sms_consent_method\n"
    "{w}1,Sam,07700 900{n}1,S1 2AB,psychosis,true,granted,2025-01-10,paper\n"
    "{w}2,Ali,07700 900{n}2,S2 4SU,bipolar,true,refused,2025-01-10,paper\n"
    "{w}3,Kim,0114 496 0000,S1 2AB,psychosis,true,granted,2025-01-10,paper\n"
)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_service_runs_a_text_campaign_and_reads_its_reports(browser, live, width, tmp_path):
    page = browser.new_page(viewport=WIDTHS[width])
    page.set_default_timeout(TIMEOUT_MS)
    sign_in(page, live["url"], "sam@sheffield.example")
    page.wait_for_url(re.compile(r"/inbox"))
    page.goto(live["url"] + "/campaigns")
    check_page(page, "campaigns", width)

    page.get_by_role("button", name="Import contacts").click()
    check_page(page, "contacts-upload", width)
    contacts = tmp_path / "contacts.csv"
    contacts.write_text(CONTACTS.format(w=width, n={"phone": "10", "desktop": "20"}[width]), encoding="utf-8")
    page.locator("input[name=contacts]").set_input_files(str(contacts))
    page.get_by_role("button", name="Upload and check").click()
    page.get_by_text("3 rows read").wait_for()
    assert page.get_by_text("Not a UK mobile number").first.is_visible()
    check_page(page, "contacts-imported", width)

    page.get_by_role("link", name="Create a campaign").click()
    page.get_by_label("Campaign name").fill(f"Spring IPS {width}")
    page.get_by_label("Individual Placement and Support for severe mental illness").check()
    page.get_by_label("Postcode areas or districts (optional)").fill("S")
    page.locator("#template").fill("Hi {first_name}, {service_name} can help you find work: {link}")
    page.locator("#template-count").filter(has_text="text message part").wait_for()
    check_page(page, "campaign-new", width)
    page.get_by_role("button", name="Preview who would get it").click()
    page.get_by_role("heading", name="Check before you send").wait_for()
    assert page.get_by_text("No consent to texts (none recorded, or refused)").first.is_visible()
    check_page(page, "campaign-preview", width)
    page.get_by_label(re.compile("The text and the audience are right")).check()
    page.get_by_role("button", name="Send the campaign").click()
    page.get_by_role("heading", name="What happened").wait_for()
    check_page(page, "campaign-report", width)

    page.goto(live["url"] + "/reports")
    page.get_by_role("heading", name=re.compile("Reports for")).wait_for()
    check_page(page, "reports", width)
    page.goto(live["url"] + "/safety")
    check_page(page, "safety", width)
    page.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_service_adds_a_specialist_and_reads_the_caseloads(browser, live, width):
    reference = make_referral(live["client"])
    name = {"phone": "Priya Shah", "desktop": "Tom Ward"}[width]
    page = browser.new_page(viewport=WIDTHS[width])
    page.set_default_timeout(TIMEOUT_MS)
    sign_in(page, live["url"], "sam@sheffield.example")
    page.wait_for_url(re.compile(r"/inbox"))
    if width == "desktop":
        page.locator(".nhsuk-header__navigation").get_by_role("link", name="Team", exact=True).click()
    else:  # the navigation may fold into a "More" menu on a phone
        page.goto(live["url"] + "/team")
    page.get_by_role("heading", name="Team and caseloads", level=1).wait_for()
    check_page(page, "team", width)

    page.get_by_role("button", name="Add a member of staff").click()  # nothing filled in
    page.locator(".nhsuk-error-summary").get_by_role("link", name=re.compile("Enter the person's name")).wait_for()
    check_page(page, "team-error", width)
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Employment specialist").check()
    page.get_by_role("button", name="Add a member of staff").click()
    page.get_by_text(f"{name} is added to the team as employment specialist.").wait_for()
    assert page.get_by_role("heading", name=name, level=3).is_visible()
    check_page(page, "team-added", width)

    page.goto(live["url"] + f"/referrals/{reference}")
    page.get_by_label("Assign to").select_option(label=f"{name} (employment specialist)")
    page.get_by_role("button", name="Assign").click()
    page.get_by_text("The referral is assigned.").wait_for()
    page.close()
