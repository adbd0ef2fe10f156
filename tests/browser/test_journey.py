"""Log in, open the demo article, log out: in headless Chromium against a live server."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def test_annotator_logs_in_and_sees_the_reference_article_split_into_claims(page) -> None:
    from playwright.sync_api import expect

    log_in(page, "annotator@example.org")
    expect(page).to_have_url(re.compile(r"/articles$"))
    expect(page.get_by_role("heading", name="Articles")).to_be_visible()
    page.get_by_role("link", name=re.compile("remains open")).click()
    expect(page).to_have_url(re.compile(r"/articles/\d+$"))
    claims = page.locator(".article-body .claim")
    expect(claims).to_have_count(30)
    expect(page.locator(".article-body .claim.kind-caption")).to_have_count(2)
    expect(claims.nth(4)).to_have_text(
        "EU officials told The Telegraph that the European Commission was “not envisaging” "
        "an asylum returns agreement with the UK “right now”."
    )


def test_keyboard_moves_between_claims_and_opens_one(page) -> None:
    from playwright.sync_api import expect

    log_in(page, "annotator@example.org")
    page.get_by_role("link", name=re.compile("remains open")).click()
    expect(page.locator(".article-body .claim")).to_have_count(30)
    page.wait_for_load_state("load")
    page.keyboard.press("j")
    page.keyboard.press("j")
    focused = page.locator(".article-body .claim:focus")
    expect(focused).to_have_text(re.compile("^Rishi Sunak is determined"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("Claim 2 of 30")).to_be_visible()


def test_wrong_password_shows_a_message(page) -> None:
    from playwright.sync_api import expect

    log_in(page, "annotator@example.org", "not the password")
    expect(page.get_by_role("alert")).to_have_text("The email or password is not right.")
    expect(page).to_have_url(re.compile(r"/login"))


def test_logout_ends_the_session(page) -> None:
    from playwright.sync_api import expect

    log_in(page, "reviewer@example.org")
    expect(page.get_by_role("heading", name="Articles")).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You are logged out.")).to_be_visible()
    page.goto("/articles")
    expect(page).to_have_url(re.compile(r"/login\?next="))


def test_admin_creates_a_user_in_the_browser(page) -> None:
    from playwright.sync_api import expect

    log_in(page, "admin@example.org")
    page.get_by_role("link", name="Users").click()
    page.get_by_label("Email").fill("checker@example.org")
    page.get_by_label("Name").fill("New Checker")
    page.get_by_label("Role").select_option("reviewer")
    page.get_by_label("Initial password").fill("checker password 1")
    page.get_by_role("button", name="Create user").click()
    expect(page.get_by_text("Created checker@example.org (reviewer).")).to_be_visible()


def test_claim_hints_are_drawn_as_letters_and_read_out_as_words(page) -> None:
    """The hints live in the claim's classes (a 1,000-claim page stays small); the
    stylesheet shows their letters and gives screen readers their names."""
    from playwright.sync_api import expect

    log_in(page, "annotator@example.org")
    page.get_by_role("link", name=re.compile("remains open")).click()
    hinted = page.locator(".article-body .claim.hn.hd").first
    expect(hinted).to_be_visible()
    # The text shows while the page is parsed; the stylesheet draws once it has loaded.
    page.wait_for_load_state()
    letters = hinted.evaluate("e => getComputedStyle(e, '::after').content")
    assert letters.startswith('"ND"') or letters.startswith('"N" "D"'), letters
    expect(page.get_by_role("link", name=re.compile(r"\(hints: number date\)"))).not_to_have_count(
        0
    )
