"""Shared fixtures: an app on a fresh temporary database, its client and CLI runner.

The suite runs on SQLite by default. With ``TEST_DATABASE_URL=postgresql://…/test`` (``make test`` sets it
when PostgreSQL answers) it runs on PostgreSQL instead: one fresh database for the run (dropped after),
and one fresh schema per test, handed to everything the test starts — its apps and its subprocesses —
through ``DATABASE_URL``. Tests that read or break the SQLite file itself are marked ``sqlite_only``.
"""

from __future__ import annotations

import itertools
import os
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
from hypothesis import HealthCheck, settings

from referral_service import create_app
from referral_service.db import close_pools

POSTGRES_BASE_URL = os.environ.get("TEST_DATABASE_URL") or None
# Whole files that exercise SQLite itself (its file, its locks, its size cap), or read the SQLite file
# directly to check what a killed server left; skipped on PostgreSQL.
SQLITE_ONLY_FILES = ("tests/robustness/test_storage_faults.py", "tests/storage/test_read_only_recovery.py",
                     "tests/robustness/test_server_crash.py", "tests/service/test_referrals_server.py")

# Property tests must not race the clock either: no per-example deadline, and a slow machine is not
# a failed health check. The number of examples stays as each test sets it.
settings.register_profile("no_clock", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("no_clock")


@pytest.fixture
def app(tmp_path, database_engine):
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


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite_only: needs the SQLite engine (skipped when the suite runs on PostgreSQL)")


def pytest_collection_modifyitems(config, items):
    if POSTGRES_BASE_URL is None:
        return
    skip = pytest.mark.skip(reason="SQLite-specific (the suite is running on PostgreSQL)")
    for item in items:
        if item.get_closest_marker("sqlite_only") or item.nodeid.startswith(SQLITE_ONLY_FILES):
            item.add_marker(skip)


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))


@pytest.fixture(scope="session")
def postgres_run_url():
    """A fresh PostgreSQL database for this run (``rs_test_<pid>``), dropped at the end; None on SQLite."""
    if POSTGRES_BASE_URL is None:
        yield None
        return
    import psycopg

    name = f"rs_test_{os.getpid()}"
    with psycopg.connect(POSTGRES_BASE_URL, autocommit=True) as admin:
        admin.execute(f"drop database if exists {name}")
        admin.execute(f"create database {name}")
        # Tests need no durability across a power cut: commits need not wait for the disk (much faster).
        admin.execute(f"alter database {name} set synchronous_commit = off")
    yield _with_database(POSTGRES_BASE_URL, name)
    close_pools()
    with psycopg.connect(POSTGRES_BASE_URL, autocommit=True) as admin:
        admin.execute(f"drop database if exists {name} with (force)")


_schemas = itertools.count(1)


@pytest.fixture(autouse=True)
def database_engine(request, postgres_run_url, monkeypatch, tmp_path):
    """On PostgreSQL: a fresh schema for this test, in DATABASE_URL for every app and process it starts."""
    if postgres_run_url is None:
        monkeypatch.delenv("DATABASE_URL", raising=False)  # the SQLite run never reaches a server by accident
        yield None
        return
    import psycopg

    schema = f"t{next(_schemas)}"
    with psycopg.connect(postgres_run_url, autocommit=True) as conn:
        conn.execute(f"create schema {schema}")
    separator = "&" if urlsplit(postgres_run_url).query else "?"
    url = f"{postgres_run_url}{separator}options={quote(f'-csearch_path={schema}')}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("VAR_DIR", str(tmp_path))  # files the app writes beside its data (no database file here)
    yield url
    close_pools()
