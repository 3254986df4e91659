"""Issue 10, finding 4: a database file that was read-only for a while must not leave writes failing
for good (SQLite re-creates its ``-shm`` read-only), and /healthz must say when writes fail."""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.sqlite_only
SCRIPT = Path(__file__).with_name("read_only_spell.py")
NOBODY = 65534


def _as_a_plain_user():
    # File permissions do not bind root: run the spell as nobody when the tests run as root.
    if os.geteuid() == 0:
        os.setgid(NOBODY)
        os.setuid(NOBODY)


def _interpreter(env: dict) -> str:
    """This interpreter, or (as root, when it lives where nobody may not go) the same Python version's system one."""
    if os.geteuid() != 0:
        return sys.executable
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for candidate in (sys.executable, os.path.realpath(sys.executable), f"/usr/bin/{version}", f"/usr/local/bin/{version}"):
        try:
            probe = subprocess.run([candidate, "-c", "import flask, sqlite_utils"], env=env, preexec_fn=_as_a_plain_user,
                                   capture_output=True, timeout=60)
        except OSError:
            continue
        if probe.returncode == 0:
            return candidate
    pytest.skip("no Python interpreter the unprivileged user may run (needed: root ignores file permissions)")


def test_writes_recover_by_themselves_once_the_file_is_writable_and_healthz_says_when_they_fail():
    directory = tempfile.mkdtemp(prefix="read-only-spell-")
    os.chmod(directory, 0o777)
    paths = [str(Path(__file__).parents[2]), *site.getsitepackages()]
    env = {**os.environ, "HOME": directory, "VAR_DIR": directory, "PYTHONPATH": os.pathsep.join(paths)}
    result = subprocess.run([_interpreter(env), str(SCRIPT), directory], capture_output=True, text=True, env=env,
                            preexec_fn=_as_a_plain_user, timeout=300, cwd=directory)
    assert result.returncode == 0, result.stderr[-3000:]
    steps = json.loads(result.stdout.strip().splitlines()[-1])

    assert steps["writable"] == {"status_code": 200, "status": "ok", "writes": True, "write": "ok"}
    # While the file is read-only: reads work, writes fail, and the health check says so (503).
    assert steps["read_only_file"] == {"status_code": 503, "status": "degraded", "writes": False, "write": "ReadOnly"}
    # Writable again: no restart, no manual clean-up.
    assert steps["writable_again"] == {"status_code": 200, "status": "ok", "writes": True, "write": "ok"}
    assert steps["after_restart"] == {"status_code": 200, "status": "ok", "writes": True, "write": "ok"}
