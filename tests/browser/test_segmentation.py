"""Fixing a bad split in the browser: add an article, split a claim, join it back."""

from __future__ import annotations

import pytest

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

BODY = (
    "Police said 40 people were arrested; officials disputed the figure.\n\n"
    "The mayor spoke on Friday."
)


def test_annotator_splits_and_joins_a_claim_and_sees_it_in_the_history(page) -> None:
    from playwright.sync_api import expect

    log_in(page, "annotator@example.org")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Add article").click()
    page.get_by_label("Title").fill("Arrest figures disputed")
    page.get_by_label("Body").fill(BODY)
    page.get_by_role("button", name="Import article").click()
    expect(page.get_by_text("Imported “Arrest figures disputed”: 2 claims.")).to_be_visible()

    page.get_by_role("link", name="Correct segmentation").click()
    page.get_by_role("link", name="Split claim 1…").click()
    page.get_by_role("button", name="Split before “officials”").click()
    expect(page.get_by_text("Split claim 1 in two; the new claim is 2.")).to_be_visible()
    segments = page.locator(".segment .segment-text")
    expect(segments).to_have_count(3)
    expect(segments.nth(0)).to_have_text("Police said 40 people were arrested;")
    expect(segments.nth(1)).to_have_text("officials disputed the figure.")

    page.get_by_role("button", name="Join claims 1 and 2").click()
    expect(page.get_by_text("Merged claims 1 and 2.")).to_be_visible()
    expect(segments).to_have_count(2)

    page.get_by_role("link", name="Arrest figures disputed").click()
    page.locator(".article-body .claim").first.click()
    history = page.locator(".history")
    expect(history.get_by_text("claim:split")).to_be_visible()
    expect(history.get_by_text("claim:merge")).to_be_visible()
    expect(history.get_by_text("Ana Annotator").first).to_be_visible()
