"""Two people, one claim: annotate, submit, request changes, fix, resubmit, approve."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

CLAIM = "Labour has also said it will seek to negotiate"


def test_annotate_submit_request_changes_fix_resubmit_approve(new_page) -> None:
    from playwright.sync_api import expect

    ana, rui = new_page(), new_page()
    log_in(ana, "annotator@example.org")
    log_in(rui, "reviewer@example.org")

    ana.goto("/articles")
    ana.get_by_role("link", name=re.compile("remains open")).click()
    ana.locator(".article-body .claim", has_text=CLAIM).click()
    ana.get_by_label("Verdict").select_option(label="1. True")
    ana.get_by_label("Claimant").fill("Labour")
    ana.get_by_label("Rationale").fill("Labour's policy paper says so.")
    ana.get_by_label("Source URL").first.fill("https://example.org/labour-policy")
    ana.get_by_role("button", name="Submit for review").click()
    expect(ana.get_by_text("Submitted for review.")).to_be_visible()

    rui.goto("/review")
    item = rui.locator(".queue-item", has=rui.locator("mark", has_text=CLAIM))
    expect(item).to_have_count(1)
    item.get_by_label("Comment").fill("Quote the paper itself, not a summary.")
    item.get_by_role("button", name="Request changes").click()
    expect(rui.get_by_text("Sent back to the annotator with your comment.")).to_be_visible()

    ana.goto("/my-work")
    returned = ana.locator(".returned-queue")
    expect(returned).to_contain_text("Quote the paper itself, not a summary.")
    returned.get_by_role("link", name=re.compile(CLAIM)).click()
    expect(ana.locator(".returned")).to_contain_text("Quote the paper itself")
    ana.get_by_label("Quote").first.fill("We will negotiate a returns agreement with the EU")
    ana.get_by_role("button", name="Submit for review").click()
    expect(ana.get_by_text("Submitted for review.")).to_be_visible()

    rui.goto("/review")
    item = rui.locator(".queue-item", has=rui.locator("mark", has_text=CLAIM))
    expect(item).to_contain_text("Request changes")  # the earlier round is shown
    item.get_by_role("button", name="Approve").click()
    expect(rui.get_by_text("Approved: this is now the claim's published verdict.")).to_be_visible()

    ana.reload()
    ana.goto("/articles")
    ana.get_by_role("link", name=re.compile("remains open")).click()
    ana.locator(".article-body .claim", has_text=CLAIM).click()
    expect(ana.locator(".own .state-badge").first).to_have_text("Approved")
    expect(ana.locator(".article-body .claim.selected")).to_have_class(re.compile("published"))
    history = ana.locator(".history")
    for action in ("annotation:submit", "annotation:request_changes", "annotation:approve"):
        expect(history.get_by_text(action).first).to_be_visible()
