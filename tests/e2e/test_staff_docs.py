"""/docs in Chromium with axe (FIELD-NOTES "API, docs": Swagger UI had contrast and nested-control issues):
zero violations on the page, an operation opened for "Try it out", and the Authorize dialog; and the
bearer token typed into Authorize is sent, so "Try it out" on a protected operation gets a 200."""

from __future__ import annotations

import re

import pytest

from .browser import TIMEOUT_MS, assert_no_axe_violations
from .test_staff_pages import WIDTHS, live, shot  # noqa: F401 - the live fixture


@pytest.mark.parametrize("width", WIDTHS)
def test_the_api_docs_are_accessible_and_authorize_then_try_it_out_works(browser, live, width):  # noqa: F811
    from click.testing import CliRunner

    from referral_service.cli import main

    database = live["database"]
    token = CliRunner().invoke(main, ["tokens", "create", "--role", "admin"],
                               env={"DATABASE_PATH": database}).output.strip().splitlines()[-1]
    page = browser.new_page(viewport=WIDTHS[width])
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(live["url"] + "/docs")
    page.locator(".opblock").first.wait_for()
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Authorize").first.click()
    page.locator(".modal-ux input[type=text], .modal-ux input[type=password]").first.fill(token)
    assert_no_axe_violations(page)
    page.locator(".modal-ux").get_by_role("button", name=re.compile("^Authorize")).click()
    page.locator(".modal-ux .btn-done").click()

    operation = page.locator(".opblock-get:has(.opblock-summary-path[data-path='/api/v1/referrals'])").first
    operation.locator(".opblock-summary-control").click()
    operation.get_by_role("button", name="Try it out").click()
    assert_no_axe_violations(page)
    operation.get_by_role("button", name="Execute").click()
    status = operation.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for()
    assert status.inner_text().strip().startswith("200")  # the token from Authorize was sent
    shot(page, "docs-try-it-out", width)
    page.close()
