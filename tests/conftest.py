"""Shared fixtures: an app on a fresh temporary database, its client and CLI runner."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

from referral_service import create_app

# Property tests must not race the clock either: no per-example deadline, and a slow machine is not
# a failed health check. The number of examples stays as each test sets it.
settings.register_profile("no_clock", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("no_clock")


@pytest.fixture
def app(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_PATH": str(tmp_path / "test.db"),
            "BOT_AUTH_TOKEN": "test-bot-token",
            "RATELIMIT_ENABLED": False,
            "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
        }
    )
    yield app


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
