"""Searching in the browser: the top bar's box, "/" to focus it, snippets, a filter."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def test_slash_focuses_search_then_a_filter_narrows_and_a_result_opens(page) -> None:
    from playwright.sync_api import expect

    log_in(page, "reviewer@example.org")
    page.goto("/my-work")
    page.locator("body").press("/")
    box = page.get_by_role("searchbox", name="Search")
    expect(box).to_be_focused()
    box.fill("migrants")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=migrants"))
    count = page.get_by_role("status").filter(has_text="results for")
    expect(count).to_contain_text(re.compile(r"\d+ results for"))
    expect(page.locator(".results mark").first).to_have_text(re.compile("migrant", re.I))
    total = int(re.match(r"(\d+)", count.inner_text()).group(1))

    # A filter count is a link; following it narrows the results to that many.
    approved = page.get_by_role("list", name="State counts").get_by_role("link", name="Approved")
    expected = int(approved.locator("xpath=..").locator(".count").inner_text().replace(",", ""))
    approved.click()
    expect(page.get_by_role("status")).to_contain_text(f"{expected} result")
    assert expected < total

    page.locator(".results .result-title a").first.click()
    expect(page).to_have_url(re.compile(r"/claims/\d+"))


def test_a_search_only_of_exclusions_is_explained(page) -> None:
    from playwright.sync_api import expect

    log_in(page, "annotator@example.org")
    page.goto("/search")
    page.get_by_label(re.compile("Words")).fill("-migrants")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_text(re.compile("Add a word to search for"))).to_be_visible()
