"""Rate limits shared between instances (CONTRACT.md "Scale-out": RATELIMIT_STORAGE_URI=redis://…).

Two app instances behind one load balancer count one client's requests together in Redis, so a client
cannot double its limit by being sent to both (with the in-process default each process counts alone).
"""

from __future__ import annotations

import os
import uuid

import pytest

from referral_service import create_app

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _redis_answers() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping())
    except Exception:  # noqa: BLE001 - no Redis here: the test is skipped, not failed
        return False


def _instance(tmp_path, storage_uri: str, prefix: str):
    return create_app({"TESTING": True, "DATABASE_PATH": str(tmp_path / "shared.db"), "BOT_AUTH_TOKEN": "t",
                       "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": storage_uri, "RATELIMIT_KEY_PREFIX": prefix,
                       "RATELIMIT_ELIGIBILITY": "3 per minute"})


def _statuses(apps) -> list[int]:
    return [app.test_client().post("/api/v1/eligibility", json={"age": 30}).status_code for app in apps]


@pytest.mark.skipif(not _redis_answers(), reason=f"no Redis at {REDIS_URL}")
def test_two_instances_share_one_limit_in_redis(app, tmp_path):
    prefix = f"test-{uuid.uuid4().hex}"
    first, second = _instance(tmp_path, REDIS_URL, prefix), _instance(tmp_path, REDIS_URL, prefix)
    # A client sent to each instance in turn: the fourth request overall is over "3 per minute".
    assert _statuses([first, second, first, second]) == [200, 200, 200, 429]

