"""CONTRACT.md "Staff web app": accounts made with `referral-service users create` (password on standard
input), sign-in with a csrf_token, the service's inbox and referral pages kept to the service, CSRF on every
state-changing form, and /check offering a signed-in clinician a referral form."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import BIRMINGHAM_SMI, SHEFFIELD_SMI, cli, csrf_from, referral, token

PASSWORD = "plum-orchard-kettle-42"
REPO = Path(__file__).resolve().parents[2]


def create_user(app, email, role, service=None, password=PASSWORD):
    args = ["users", "create", "--email", email, "--role", role] + (["--service", service] if service else [])
    return cli(app, args, stdin=password + "\n")


def sign_in(client, email, password=PASSWORD):
    form = client.get("/sign-in")
    return client.post("/sign-in", data={"email": email, "password": password, "csrf_token": csrf_from(form)})


@pytest.fixture
def sheffield_staff(app, client):
    result = create_user(app, "ash.worker@sheffield-ips.example", "service", SHEFFIELD_SMI)
    assert result.exit_code == 0, result.output
    return "ash.worker@sheffield-ips.example"


def test_the_sign_in_form_has_the_contract_fields(client):
    response = client.get("/sign-in")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert re.search(r'name="email"', html) and re.search(r'name="password"', html)
    assert re.search(r'type="hidden"[^>]*name="csrf_token"|name="csrf_token"[^>]*type="hidden"', html)


def test_users_create_with_the_console_script_reads_the_password_from_stdin(app, client):
    script = shutil.which("referral-service", path=str(REPO / ".venv" / "bin")) or shutil.which("referral-service")
    command = [script] if script else [sys.executable, "-m", "referral_service.cli"]
    env = {**os.environ, "DATABASE_PATH": app.config["DATABASE_PATH"]}
    done = subprocess.run([*command, "users", "create", "--email", "rae.lead@sheffield-ips.example", "--role", "service",
                           "--service", SHEFFIELD_SMI], input=PASSWORD + "\n", capture_output=True, text=True, env=env,
                          timeout=120, cwd=REPO)
    assert done.returncode == 0, done.stdout + done.stderr
    assert PASSWORD not in done.stdout + done.stderr
    response = sign_in(client, "rae.lead@sheffield-ips.example")
    assert response.status_code in (302, 303)


def test_right_details_redirect_wrong_ones_do_not(client, sheffield_staff):
    wrong = sign_in(client, sheffield_staff, "plum-orchard-kettle-43")
    assert wrong.status_code not in (302, 303)
    assert client.get("/inbox").status_code in (302, 303)
    right = sign_in(client, sheffield_staff.upper())  # emails are not case-sensitive
    assert right.status_code in (302, 303), "an email typed in capitals should still sign in"


def test_sign_in_without_csrf_is_refused(client, sheffield_staff):
    client.get("/sign-in")
    response = client.post("/sign-in", data={"email": sheffield_staff, "password": PASSWORD})
    assert response.status_code in (400, 403)
    bad = client.post("/sign-in", data={"email": sheffield_staff, "password": PASSWORD, "csrf_token": "forged"})
    assert bad.status_code in (400, 403)
    assert client.get("/inbox").status_code in (302, 303)


def test_signed_out_inbox_redirects_to_sign_in(client):
    response = client.get("/inbox")
    assert response.status_code in (302, 303)
    assert "/sign-in" in response.headers["Location"]


def test_the_inbox_shows_only_the_services_own_referrals_and_another_services_page_is_404(client, sheffield_staff):
    ours = referral(client, phone="+447700900611")["reference"]
    theirs = referral(client, facts={"age": 29, "postcode": "B12 9QA", "conditions": ["psychosis"], "wants_paid_work": True},
                      phone="+447700900612")["reference"]
    assert referral(client, phone="+447700900613")["service"]["id"] == SHEFFIELD_SMI
    assert sign_in(client, sheffield_staff).status_code in (302, 303)
    inbox = client.get("/inbox")
    assert inbox.status_code == 200
    html = inbox.get_data(as_text=True)
    assert ours in html and theirs not in html
    assert client.get(f"/referrals/{theirs}").status_code == 404
    assert client.get("/referrals/NO-SUCH-REF").status_code == 404
    page = client.get(f"/referrals/{ours}")
    assert page.status_code == 200
    assert f'action="/referrals/{ours}/status"' in page.get_data(as_text=True)


def status_of(app, client, reference):
    return client.get(f"/api/v1/referrals/{reference}", headers=token(app, "admin")).get_json()["status"]


def test_status_form_needs_csrf_then_works(app, client, sheffield_staff):
    ours = referral(client, phone="+447700900621")["reference"]
    sign_in(client, sheffield_staff)
    before = status_of(app, client, ours)
    refused = client.post(f"/referrals/{ours}/status", data={"status": "contacted"})
    assert refused.status_code in (400, 403)
    assert status_of(app, client, ours) == before
    page = client.get(f"/referrals/{ours}")
    done = client.post(f"/referrals/{ours}/status", data={"status": "contacted", "csrf_token": csrf_from(page)})
    assert done.status_code in (200, 302, 303)
    assert status_of(app, client, ours) == "contacted"


def test_another_service_cannot_act_on_a_referral_through_the_forms(app, client, sheffield_staff):
    theirs = referral(client, facts={"age": 29, "postcode": "B12 9QA", "conditions": ["psychosis"], "wants_paid_work": True},
                      phone="+447700900631")["reference"]
    sign_in(client, sheffield_staff)
    form = client.get("/inbox")
    response = client.post(f"/referrals/{theirs}/status", data={"status": "declined", "csrf_token": csrf_from(form)})
    assert response.status_code == 404
    assert status_of(app, client, theirs) == "received"


def test_sign_out_needs_csrf_and_ends_the_session(client, sheffield_staff):
    sign_in(client, sheffield_staff)
    page = client.get("/inbox")
    assert page.status_code == 200
    client.post("/sign-out", data={"csrf_token": csrf_from(page)})
    assert client.get("/inbox").status_code in (302, 303)


def test_check_offers_a_signed_in_clinician_a_refer_form_and_refers(app, client):
    assert create_user(app, "gp.patel@surgery.example", "clinician").exit_code == 0
    sign_in(client, "gp.patel@surgery.example")
    facts = {"age": "47", "postcode": "s7 1aa", "conditions": ["bipolar"], "wants_paid_work": "yes"}
    html = client.post("/check", data=facts).get_data(as_text=True)
    forms = re.findall(r"<form[^>]*>.*?</form>", html, re.S)
    refer = [f for f in forms if "csrf_token" in f and ("refer" in f.lower())]
    assert refer, "no refer form with a csrf_token on /check for a signed-in clinician"
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', refer[0]))
    fields["facts_json"] = fields.get("facts_json", "").replace("&#34;", '"').replace("&quot;", '"')
    action = re.search(r'action="([^"]+)"', refer[0]).group(1)
    page = client.post(action, data=fields).get_data(as_text=True)
    confirm = dict(re.findall(r'name="(\w+)" value="([^"]*)"', page))
    confirm["facts_json"] = confirm.get("facts_json", "").replace("&#34;", '"').replace("&quot;", '"')
    sent = client.post(action, data={**confirm, "consent_share": "yes", "first_name": "Jude", "phone": "07700 900641"})
    assert sent.status_code in (200, 302, 303)
    done = client.get(sent.headers["Location"]) if sent.status_code in (302, 303) else sent
    reference = re.search(r"\b([A-Z]{2,4}-[A-Z2-9]{4,12})\b", done.get_data(as_text=True))
    assert reference, "no reference shown after referring"
    stored = client.get(f"/api/v1/referrals/{reference.group(1)}", headers=token(app, "admin")).get_json()
    assert stored["service"]["id"] == SHEFFIELD_SMI and stored["pathway"] == "ips_smi"


def test_check_offers_no_referral_when_signed_out_or_as_a_service(app, client, sheffield_staff):
    facts = {"age": "47", "postcode": "s7 1aa", "conditions": ["bipolar"], "wants_paid_work": "yes"}
    assert "/check/refer" not in client.post("/check", data=facts).get_data(as_text=True)
    sign_in(client, sheffield_staff)
    assert "/check/refer" not in client.post("/check", data=facts).get_data(as_text=True)


def test_users_create_refuses_a_service_account_for_an_unknown_service(app):
    result = create_user(app, "x@nowhere.example", "service", "no-such-service")
    assert result.exit_code != 0


def test_api_isolation_for_the_same_referral(app, client):
    theirs = referral(client, facts={"age": 29, "postcode": "B12 9QA", "conditions": ["psychosis"], "wants_paid_work": True},
                      phone="+447700900651")["reference"]
    sheffield = token(app, "service", SHEFFIELD_SMI)
    assert client.get(f"/api/v1/referrals/{theirs}", headers=sheffield).status_code == 404
    assert client.get(f"/api/v1/referrals/{theirs}", headers=token(app, "service", BIRMINGHAM_SMI)).status_code == 200
