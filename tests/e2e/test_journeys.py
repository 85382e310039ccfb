"""Each role's main journey in real headless Chromium, with a screenshot of every page (into docs/screenshots/
with COUNTERMARK_SCREENSHOTS=1).

The role journeys build on each other like the real workflow: the brand registers and sends a bulk
notice, the reviewer removes the listings, the seller files a counter-notice, the dashboard shows the
outcome. They run as one test, so that test runners that spread tests over processes keep them in order.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from countermark.enforcement.models import CounterNotice
from countermark.storage.engine import transaction
from tests.e2e.conftest import PASSWORD, SCREENSHOTS, LiveServer

pytestmark = pytest.mark.browser


def login(browser: Browser, server: LiveServer, username: str) -> Page:
    page = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(20_000)
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Welcome")).to_be_visible()
    return page


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_login_page(browser: Browser, live_server: LiveServer) -> None:
    page = browser.new_context(base_url=live_server.url).new_page()
    page.goto("/review")
    expect(page).to_have_url(re.compile(r"/login\?next=/review$"))
    page.get_by_label("Username").fill("reviewer")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("Wrong username or password")
    shot(page, "01-login")


def brand_registers_and_sends_a_bulk_notice(browser: Browser, live_server: LiveServer, tmp_path: Path) -> None:
    page = login(browser, live_server, "rights-holder")
    page.goto("/brands")
    form = page.locator("#register-brand")
    form.get_by_label("Brand id").fill("acme")
    form.get_by_label("Name").fill("Acme")
    form.get_by_label("Owner (company)").fill("Acme Leather Goods GmbH")
    form.get_by_label("Trademark (mark)").fill("ACME")
    form.get_by_label("Office").fill("EUIPO")
    form.get_by_label("Registration number").fill("018000001")
    shot(page, "02-brand-register")
    form.get_by_role("button", name="Register").click()
    expect(page.locator(".flash")).to_contain_text("Brand registered")
    expect(page.locator("#trademarks")).to_contain_text("unverified")

    page.locator("#profile textarea[name=aliases]").fill("Acme Leather\nACME Bags")
    page.locator("#profile textarea[name=red_flag_terms]").fill("AAA\nmirror quality")
    page.locator("#profile").get_by_role("button", name="Save profile").click()
    expect(page.locator(".flash")).to_contain_text("profile saved")

    catalogue = tmp_path / "catalogue.csv"
    catalogue.write_text("sku,title,model_numbers,msrp,currency,category,images\n"
                         "ACME-TOTE,Acme Classic Tote,AT-100,420,EUR,bags,catalogue/acme-tote.png\n"
                         "ACME-WALLET,Acme Zip Wallet,AW-7,180,EUR,bags,\n"
                         ",No SKU here,,12,EUR,bags,\n", encoding="utf-8")
    page.locator("#catalogue input[type=file]").set_input_files(str(catalogue))
    page.locator("#catalogue").get_by_role("button", name="Upload catalogue").click()
    expect(page.locator("#catalogue-summary")).to_contain_text("2 rows accepted")
    expect(page.get_by_text("sku is empty")).to_be_visible()
    shot(page, "03-catalogue-report")

    admin = login(browser, live_server, "admin")
    admin.goto("/brands/acme")
    admin.get_by_role("button", name="Verify").click()
    expect(admin.locator("#trademarks")).to_contain_text("verified")
    shot(admin, "04-admin-verifies-trademark")

    page.goto("/brands/acme")
    shot(page, "05-brand-portal")
    notices = tmp_path / "notices.csv"
    notices.write_text(
        "idempotency_key,brand_id,trademark_registration,listings,explanation,good_faith\n"
        "acme-1,acme,018000001,L-1;L-2,Replica of the Acme Classic Tote sold as AAA copy,yes\n"
        "acme-2,acme,018000001,L-3,Counterfeit tote,yes\n"
        "acme-3,acme,018000001,L-404,Unknown listing,yes\n", encoding="utf-8")
    page.goto("/notices")
    page.locator("#bulk-notices input[type=file]").set_input_files(str(notices))
    page.locator("#bulk-notices").get_by_role("button", name="Upload notices").click()
    expect(page.locator("#bulk-summary")).to_contain_text("2 notices accepted")
    expect(page.locator("#bulk-rejects")).to_contain_text("L-404")
    shot(page, "06-bulk-notice-report")


def reviewer_removes_with_keyboard_and_bulk(browser: Browser, live_server: LiveServer) -> None:
    page = login(browser, live_server, "reviewer")
    page.goto("/review?brand_id=acme")
    expect(page.locator("[data-review-item]")).to_have_count(3)
    first = page.locator("[data-review-item]").first
    expect(first).to_contain_text("Acme Classic Tote")  # the genuine product beside the listing
    expect(first).to_contain_text("% of MSRP")
    shot(page, "07-review-queue")
    page.keyboard.press("r")  # remove the focused item
    expect(page.locator(".flash")).to_contain_text("Removed 1 item")
    boxes = page.locator("[data-review-item] input[type=checkbox]")
    for i in range(boxes.count()):
        boxes.nth(i).check()
    page.locator("#bulk-remove").click()
    expect(page.locator(".flash")).to_contain_text("Removed 2 item")
    expect(page.get_by_text("Nothing waiting for review")).to_be_visible()


def seller_sees_reasons_and_files_a_counter_notice(browser: Browser, live_server: LiveServer) -> None:
    page = login(browser, live_server, "seller")
    page.goto("/seller")
    expect(page).to_have_url(re.compile(r"/seller/S-1$"))
    expect(page.locator(".statement")).to_have_count(3)
    expect(page.locator("#strike-status")).to_contain_text("3 / 3")
    shot(page, "08-seller-centre")
    form = page.locator("form.counter-notice").first
    form.locator("textarea").fill("These are genuine totes bought from an authorised distributor; invoice 2026-114.")
    form.get_by_role("button", name="Submit counter-notice").click()
    expect(page.locator(".flash")).to_contain_text("Counter-notice for")
    with transaction(live_server.engine) as session:
        assert session.query(CounterNotice).count() == 1
    shot(page, "09-seller-counter-notice")


def brand_follows_the_notice_and_sees_the_dashboard(browser: Browser, live_server: LiveServer) -> None:
    page = login(browser, live_server, "rights-holder")
    page.goto("/notices")
    expect(page.locator("#notices tbody tr")).to_have_count(2)
    shot(page, "10-notices")
    page.locator("#notices tbody tr a").first.click()  # newest: the notice of L-3, which the seller contested
    expect(page.locator("#notice-items")).to_contain_text("removed")
    expect(page.locator("#notice-items")).to_contain_text("open")  # the counter-notice
    shot(page, "11-notice-outcome")
    page.goto("/dashboard")
    expect(page.locator("#removals")).to_have_text("3")
    expect(page.locator("#chart-over-time svg")).to_be_visible()
    shot(page, "12-dashboard-brand")
    admin = login(browser, live_server, "admin")
    admin.goto("/dashboard")
    expect(admin.locator("#chart-takedown svg")).to_be_visible()
    shot(admin, "13-dashboard-platform")


def test_investigator_sees_a_cluster_and_exports_the_case(browser: Browser, live_server: LiveServer) -> None:
    page = login(browser, live_server, "investigator")
    page.goto("/investigations")
    page.get_by_role("link", name="C-S-1").click()
    expect(page.locator("#links")).to_contain_text("phone:+8613800000000")
    shot(page, "14-investigator-cluster")
    with page.expect_download() as download:
        page.get_by_role("button", name="Export case").click()
    assert download.value.suggested_filename == "case-C-S-1.zip"


def webhooks_page(browser: Browser, live_server: LiveServer) -> None:
    page = login(browser, live_server, "rights-holder")
    page.goto("/webhooks")
    page.get_by_label("HTTPS URL").fill("https://hooks.acme.example/countermark")
    page.get_by_role("button", name="Register").click()
    expect(page.locator("#webhook-created pre")).to_contain_text("whsec_")
    shot(page, "15-webhooks")


def test_workflow_across_roles(browser: Browser, live_server: LiveServer, tmp_path: Path) -> None:
    brand_registers_and_sends_a_bulk_notice(browser, live_server, tmp_path)
    reviewer_removes_with_keyboard_and_bulk(browser, live_server)
    seller_sees_reasons_and_files_a_counter_notice(browser, live_server)
    brand_follows_the_notice_and_sees_the_dashboard(browser, live_server)
    webhooks_page(browser, live_server)
