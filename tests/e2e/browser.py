"""What every browser test shares: Debian's chromium, the flags this closed network needs, the WCAG 2.2 AA
axe check, and the one generous ceiling for anything a page must show (it only bounds how long a broken run
takes to fail; a busy 2-core machine is slow, never a failure)."""

from __future__ import annotations

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
TIMEOUT_MS = 60_000


def assert_no_axe_violations(page) -> None:
    """axe-core finds nothing against WCAG 2.2 AA on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_22_AA}})
    violations = results.response["violations"]
    assert violations == [], [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in violations]
