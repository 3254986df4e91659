"""Staff pages: accounts made through the CLI, sign-in through the form, referrals through the API."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from referral_service.cli import main

PASSWORD = "correct horse battery staple"
SHEFFIELD = "sheffield-ips-smi"
BIRMINGHAM = "birmingham-ips-smi"


def make_user(app, email: str, role: str, service: str | None = None, password: str = PASSWORD):
    args = ["users", "create", "--email", email, "--role", role] + (["--service", service] if service else [])
    result = CliRunner().invoke(main, args, input=password + "\n", env={"DATABASE_PATH": app.config["DATABASE_PATH"]})
    assert result.exit_code == 0, result.output
    return result


def csrf_from(response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True))
    assert found, "the page has no csrf_token field"
    return found.group(1)


def sign_in(client, email: str, password: str = PASSWORD, **extra):
    token = csrf_from(client.get("/sign-in"))
    return client.post("/sign-in", data={"email": email, "password": password, "csrf_token": token, **extra})


def make_referral(client, postcode: str = "S1 2AB", **facts) -> str:
    body = {"pathway": "ips_smi",
            "facts": {"age": 30, "postcode": postcode, "conditions": ["psychosis"], "wants_paid_work": True, **facts},
            "person": {"first_name": "Alex", "phone": "+447700900123"}, "consents": {"share_with_service": True}}
    response = client.post("/api/v1/referrals", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["reference"]


@pytest.fixture
def sheffield_user(app):
    make_user(app, "sam@sheffield.example", "service", SHEFFIELD)
    return "sam@sheffield.example"


@pytest.fixture
def birmingham_user(app):
    make_user(app, "bo@birmingham.example", "service", BIRMINGHAM)
    return "bo@birmingham.example"
