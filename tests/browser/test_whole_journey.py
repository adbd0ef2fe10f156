"""The whole newsroom journey in one browser run (issue 8, item 8).

Admin creates two users; the annotator imports an article, fixes a split, annotates
three claims with sources using the keyboard and submits; the reviewer requests
changes on one and approves two; the annotator fixes and resubmits; the reviewer
approves; the exported CSV has three rows with the right verdicts; the audit chain
verifies.
"""

from __future__ import annotations

import csv
import io
import re

import pytest

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

BODY = (
    "Council says 2,000 new homes were finished last year; critics dispute the count.\n\n"
    "The mayor said crime fell by 12% in 2023.\n\n"
    "Bus fares will rise to £2.50 in May, the transport authority confirmed."
)
PASSWORD = "journey password 1"


def create_user(page, email: str, name: str, role: str) -> None:
    page.goto("/admin/users")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Name").fill(name)
    page.get_by_label("Role").select_option(role)
    page.get_by_label("Initial password").fill(PASSWORD)
    page.get_by_role("button", name="Create user").click()


def annotate(page, claim_text: str, verdict_key: str, source_url: str) -> None:
    from playwright.sync_api import expect

    page.locator(".article-body .claim", has_text=claim_text).first.click()
    expect(page.locator(".panel .claim-text")).to_contain_text(claim_text)
    options = page.get_by_label("Verdict").locator("option").all_text_contents()
    number = next(i for i, label in enumerate(options) if label.split(". ", 1)[-1] == verdict_key)
    # The keys are the page's script's: on a busy machine a click on a claim may have
    # loaded the page anew, and a key pressed before its script runs does nothing.
    page.wait_for_load_state("load")
    page.locator("body").press(str(number))  # the number key picks the verdict
    expect(page.get_by_label("Verdict")).not_to_have_value("")
    page.get_by_label("Claimant").fill("Council press office")
    page.get_by_label("Rationale").fill(f"Checked against {source_url}.")
    page.get_by_label("Source URL").first.fill(source_url)
    page.get_by_label("Source title").first.fill("Official record")
    page.get_by_label("Rationale").press("Control+Enter")  # submit for review
    expect(page.get_by_text("Submitted for review.")).to_be_visible()


def test_whole_journey(new_page, tmp_path) -> None:
    from playwright.sync_api import expect

    admin, ines, otto = (new_page(accept_downloads=True) for _ in range(3))
    log_in(admin, "admin@example.org")
    create_user(admin, "ines@paper.example", "Ines Checker", "annotator")
    expect(admin.get_by_text("Created ines@paper.example (annotator).")).to_be_visible()
    create_user(admin, "otto@paper.example", "Otto Editor", "reviewer")
    expect(admin.get_by_text("Created otto@paper.example (reviewer).")).to_be_visible()

    log_in(ines, "ines@paper.example", PASSWORD)
    ines.get_by_role("navigation", name="Main").get_by_role("link", name="Add article").click()
    ines.get_by_label("Title").fill("Council claims")
    ines.get_by_label("Body").fill(BODY)
    ines.get_by_role("button", name="Import article").click()
    expect(ines.get_by_text("Imported “Council claims”: 3 claims.")).to_be_visible()

    # Fix a split: the first sentence holds two claims.
    ines.get_by_role("link", name="Correct segmentation").click()
    ines.get_by_role("link", name="Split claim 1…").click()
    ines.get_by_role("button", name="Split before “critics”").click()
    expect(ines.get_by_text("Split claim 1 in two")).to_be_visible()
    ines.get_by_role("link", name="Council claims").click()
    expect(ines.locator(".article-body .claim")).to_have_count(4)

    annotate(ines, "Council says 2,000 new homes", "Mostly true", "https://council.example/homes")
    annotate(ines, "The mayor said crime fell", "False", "https://police.example/stats")
    annotate(ines, "Bus fares will rise", "True", "https://transport.example/fares")

    log_in(otto, "otto@paper.example", PASSWORD)
    otto.goto("/review")
    for text in ("Council says 2,000", "The mayor said crime", "Bus fares will rise"):
        expect(otto.locator(".queue-item", has=otto.locator("mark", has_text=text))).to_have_count(
            1
        )

    def decide(claim_text: str, button: str, comment: str = "") -> None:
        otto.goto("/review")
        item = otto.locator(".queue-item", has=otto.locator("mark", has_text=claim_text))
        if comment:
            item.get_by_label("Comment").fill(comment)
        item.get_by_role("button", name=button).click()

    decide("The mayor said crime fell", "Request changes", "Link the police data table.")
    expect(otto.get_by_text("Sent back to the annotator")).to_be_visible()
    decide("Council says 2,000 new homes", "Approve")
    decide("Bus fares will rise", "Approve")
    expect(otto.get_by_text("Approved: this is now")).to_be_visible()

    ines.goto("/my-work")
    returned = ines.locator(".returned-queue")
    expect(returned).to_contain_text("Link the police data table.")
    returned.get_by_role("link", name=re.compile("The mayor said crime fell")).click()
    ines.get_by_label("Source URL").first.fill("https://police.example/stats/table-3")
    ines.get_by_role("button", name="Submit for review").click()
    expect(ines.get_by_text("Submitted for review.")).to_be_visible()

    decide("The mayor said crime fell", "Approve")
    expect(otto.get_by_text("Approved: this is now")).to_be_visible()

    otto.goto("/exports")
    otto.get_by_label("Article").select_option(label="Council claims")
    with otto.expect_download() as download_info:
        otto.get_by_role("button", name="Publication CSV").click()
    path = tmp_path / "verdicts.csv"
    download_info.value.save_as(path)
    rows = list(csv.DictReader(io.StringIO(path.read_text("utf-8"))))
    assert sorted((r["claim_text"][:20], r["verdict"]) for r in rows) == [
        ("Bus fares will rise ", "True"),
        ("Council says 2,000 n", "Mostly true"),
        ("The mayor said crime", "False"),
    ]
    assert all(r["reviewer"] == "Otto Editor" and r["annotator"] == "Ines Checker" for r in rows)

    admin.goto("/admin/audit")
    admin.get_by_role("button", name="Verify the whole chain now").click()
    expect(admin.get_by_text("The audit history is intact.")).to_be_visible()
