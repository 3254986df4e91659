"""The NHS.UK frontend (npm package ``nhsuk-frontend``) copied into referral_service/static/nhsuk/.

``make`` runs ``npm ci`` (package.json + package-lock.json pin the version that the
``nhsuk-frontend-jinja`` macros match) and then ``python -m referral_service.staff.frontend_assets``.
The stylesheet refers to its images at ``/assets/…``; they are rewritten to where we serve them.
The web fonts come from assets.nhs.uk, which the Content-Security-Policy does not allow: their
@font-face rules are dropped, so no page asks for them, and the frontend's own fallback (Arial) is used.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SOURCE = REPO / "node_modules" / "nhsuk-frontend" / "dist" / "nhsuk"
TARGET = Path(__file__).resolve().parents[1] / "static" / "nhsuk"
STYLESHEET = "nhsuk-frontend.min.css"
SCRIPT = "nhsuk-frontend.min.js"


def is_built() -> bool:
    return (TARGET / STYLESHEET).exists() and (TARGET / SCRIPT).exists()


def build(source: Path = SOURCE, target: Path = TARGET) -> Path:
    """Copy the compiled CSS, JS and images; return the target folder. Raises FileNotFoundError before npm ci."""
    if not (source / STYLESHEET).exists():
        raise FileNotFoundError(f"{source / STYLESHEET} is missing: run `npm ci` first (make does)")
    target.mkdir(parents=True, exist_ok=True)
    css = (source / STYLESHEET).read_text(encoding="utf-8")
    css = re.sub(r"@font-face\{[^}]*assets\.nhs\.uk[^}]*\}", "", css)
    (target / STYLESHEET).write_text(css.replace("url(/assets/", "url(/static/nhsuk/assets/"), encoding="utf-8")
    shutil.copyfile(source / SCRIPT, target / SCRIPT)
    shutil.copytree(source / "assets", target / "assets", dirs_exist_ok=True)
    return target


def ensure_built() -> Path:
    """Build if needed, running ``npm ci`` first when node_modules is missing (a test run without make)."""
    if is_built():
        return TARGET
    if not (SOURCE / STYLESHEET).exists():
        import subprocess

        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=REPO, check=True)
    return build()


if __name__ == "__main__":
    try:
        print(f"NHS.UK frontend copied to {build()}")
    except FileNotFoundError as error:
        sys.exit(str(error))
