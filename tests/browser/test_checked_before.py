"""Checked before, in the browser: a reviewer imports another newsroom's fact-check, and
the claim panel offers it; "Use this fact-check" fills the draft."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

CLAIM = "EU officials told The Telegraph that the European Commission"


def test_an_imported_fact_check_is_offered_and_fills_the_draft(page, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    feed = tmp_path / "other-newsroom.json"
    feed.write_text(
        json.dumps(
            {
                "@context": "https://schema.org",
                "@type": "ClaimReview",
                "url": "https://other-newsroom.example/eu-returns",
                "claimReviewed": "EU officials told The Telegraph the European Commission "
                "was not envisaging an asylum returns agreement with the UK right now.",
                "headline": "Is the EU refusing a returns deal?",
                "author": {"@type": "Organization", "name": "Other Newsroom"},
                "reviewRating": {"@type": "Rating", "alternateName": "Mostly true"},
                "datePublished": "2023-03-20",
            }
        ),
        encoding="utf-8",
    )
    log_in(page, "admin@example.org")
    page.goto("/factchecks")
    page.get_by_label(re.compile("^Files")).set_input_files(str(feed))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_text(re.compile("other-newsroom.json: 1 fact-check added"))).to_be_visible()
    expect(
        page.get_by_role("link", name=re.compile("Commission was not envisaging"))
    ).to_be_visible()

    page.goto("/articles")
    page.get_by_role("link", name=re.compile("remains open")).click()
    page.locator(".article-body .claim", has_text=CLAIM).first.click()
    section = page.get_by_role("region", name="Checked before")
    expect(section).to_contain_text("Very likely the same claim")
    expect(section).to_contain_text("Other Newsroom")
    section.get_by_role("button", name="Use this fact-check").first.click()
    expect(page.get_by_text(re.compile("The earlier fact-check is in your draft"))).to_be_visible()
    expect(page.get_by_label("Rationale")).to_have_value(
        re.compile("Checked before: Other Newsroom")
    )
    expect(page.get_by_label("Source URL").first).to_have_value(
        "https://other-newsroom.example/eu-returns"
    )
