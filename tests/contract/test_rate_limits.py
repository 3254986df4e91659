"""CONTRACT.md "Scale-out": `RATELIMIT_STORAGE_URI=redis://…` shares rate limits between instances; and
(issue 10 finding 2) only a valid token may change a public limit — any other Authorization header is anonymous."""

from __future__ import annotations

import uuid

import pytest

from referral_service import create_app

from .conftest import SMI_FACTS, token

REDIS = "redis://127.0.0.1:6379/0"


def instance(tmp_path, prefix, storage=REDIS):
    return create_app({"TESTING": True, "DATABASE_PATH": str(tmp_path / "limits.db"), "BOT_AUTH_TOKEN": "t" * 24,
                       "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": storage, "RATELIMIT_KEY_PREFIX": prefix,
                       "RATELIMIT_SELF_REFERRAL": "2 per minute", "PUBLIC_BASE_URL": "http://127.0.0.1:5000"})


def self_referral(app, n, headers=None):
    return app.test_client().post("/api/v1/referrals", headers=headers or {}, json={
        "pathway": "ips_smi", "facts": SMI_FACTS, "person": {"first_name": "Lee", "phone": f"+44770090080{n}"},
        "consents": {"share_with_service": True}})


def test_two_instances_count_one_clients_referrals_together(app, tmp_path):
    prefix = f"acceptance-{uuid.uuid4().hex}"
    first, second = instance(tmp_path, prefix), instance(tmp_path, prefix)
    statuses = [self_referral(a, n).status_code for n, a in enumerate([first, second, first])]
    assert statuses == [201, 201, 429]


@pytest.mark.parametrize("header", ["Bearer ", "Bearer not-a-token", "Basic dXNlcjpwYXNz", "x"])
def test_a_header_that_is_not_a_valid_token_does_not_lift_the_limit(app, tmp_path, header):
    limited = instance(tmp_path, f"acceptance-{uuid.uuid4().hex}", storage="memory://")
    statuses = [self_referral(limited, n, {"Authorization": header}).status_code for n in range(3)]
    assert statuses[-1] in (401, 429) and 201 not in statuses[2:], statuses


def test_a_clinician_token_is_not_held_to_the_anonymous_limit(app, tmp_path):
    limited = instance(tmp_path, f"acceptance-{uuid.uuid4().hex}", storage="memory://")
    headers = token(limited, "clinician")
    statuses = [self_referral(limited, n, headers).status_code for n in range(3)]
    assert statuses == [201, 201, 201]
