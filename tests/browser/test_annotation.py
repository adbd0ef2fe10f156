"""Annotating in the browser: keyboard, two sources, reload; a conflicting save gets 409."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def open_claim(page, starts_with: str) -> None:
    page.goto("/articles")
    page.get_by_role("link", name=re.compile("remains open")).click()
    page.locator(".article-body .claim", has_text=starts_with).first.click()


def test_annotate_with_the_keyboard_two_sources_save_and_reload(page) -> None:
    from playwright.sync_api import expect

    log_in(page, "annotator@example.org")
    open_claim(page, "UK-EU relations over asylum seekers")
    expect(page.locator(".panel .claim-text")).to_contain_text("UK-EU relations over asylum")
    # The shortcuts come with the page's script: a key pressed before it ran is lost.
    page.wait_for_load_state("load")
    page.locator("body").press("3")  # third verdict on the scale: Mixed
    expect(page.get_by_label("Verdict").locator("option:checked")).to_have_text(
        re.compile(r"Mixed$")
    )
    verdict_value = page.get_by_label("Verdict").input_value()
    page.get_by_label("Claimant").fill("The Telegraph")
    page.get_by_label("Rationale").fill("Six Afghan men died when their boat sank on Saturday.")
    page.get_by_label("Source URL").first.fill("https://example.org/coastguard")
    page.get_by_label("Source title").first.fill("Coastguard statement")
    page.get_by_label("Stance").first.select_option("supports")
    page.get_by_role("button", name="Add another source").click()
    expect(page.get_by_label("Source URL")).to_have_count(2)
    page.get_by_label("Source URL").nth(1).fill("https://example.org/home-office")
    page.get_by_label("Quote", exact=True).nth(1).fill("Six people died")
    page.get_by_label("Rationale").press("Control+s")
    expect(page.get_by_text("Draft saved.")).to_be_visible()

    page.reload()
    expect(page.get_by_label("Verdict")).to_have_value(verdict_value)
    expect(page.get_by_label("Claimant")).to_have_value("The Telegraph")
    urls = page.get_by_label("Source URL")
    expect(urls.nth(0)).to_have_value("https://example.org/coastguard")
    expect(urls.nth(1)).to_have_value("https://example.org/home-office")
    expect(page.get_by_label("Stance").first).to_have_value("supports")
    expect(page.locator(".article-body .claim.selected")).to_have_class(re.compile("state-draft"))


def test_second_window_saving_a_stale_version_gets_the_merge_page(new_page) -> None:
    from playwright.sync_api import expect

    tab_a, tab_b = new_page(), new_page()
    for tab in (tab_a, tab_b):
        log_in(tab, "reviewer@example.org")
    open_claim(tab_a, "Any such agreement would require Britain")
    tab_a.get_by_label("Claimant").fill("The Telegraph")
    tab_a.get_by_role("button", name="Save draft").click()
    expect(tab_a.get_by_text("Draft saved.")).to_be_visible()

    open_claim(tab_b, "Any such agreement would require Britain")
    expect(tab_b.get_by_label("Claimant")).to_have_value("The Telegraph")
    tab_a.get_by_label("Claimant").fill("Saved first, in window A")
    tab_a.get_by_role("button", name="Save draft").click()
    expect(tab_a.get_by_text("Draft saved.")).to_be_visible()

    tab_b.get_by_label("Claimant").fill("Typed in window B")
    tab_b.get_by_role("button", name="Save draft").click()
    expect(tab_b.get_by_role("heading", name="Your save was not applied")).to_be_visible()
    table = tab_b.locator("table.compare")
    expect(table).to_contain_text("Saved first, in window A")
    expect(table).to_contain_text("Typed in window B")
    expect(tab_b.get_by_label("Claimant")).to_have_value("Typed in window B")
    tab_b.get_by_label("Claimant").fill("Merged: A and B")
    tab_b.get_by_role("button", name="Save draft").click()
    expect(tab_b.get_by_text("Draft saved.")).to_be_visible()
    expect(tab_b.get_by_label("Claimant")).to_have_value("Merged: A and B")


def test_j_k_move_between_claim_pages_and_question_mark_shows_shortcuts(page) -> None:
    from playwright.sync_api import expect

    log_in(page, "annotator@example.org")
    open_claim(page, "UK-EU relations over asylum seekers")
    expect(page.get_by_text("Claim 7 of 30")).to_be_visible()
    page.locator("body").press("j")
    expect(page.get_by_text("Claim 8 of 30")).to_be_visible()
    page.locator("body").press("k")
    # Each key loads a page: the next key waits for it, as a person's eyes would.
    expect(page.get_by_text("Claim 7 of 30")).to_be_visible()
    page.locator("body").press("k")
    expect(page.get_by_text("Claim 6 of 30")).to_be_visible()
    # The text shows while the page is parsed; its script listens once it has loaded.
    page.wait_for_load_state()
    shortcuts = page.locator("#shortcuts")
    expect(shortcuts).not_to_have_attribute("open", "")
    page.locator("body").press("?")
    expect(shortcuts).to_have_attribute("open", "")
    expect(shortcuts.get_by_text("submit for review")).to_be_visible()


def test_leaving_with_unsaved_changes_asks_first(page) -> None:
    from playwright.sync_api import expect

    log_in(page, "annotator@example.org")
    open_claim(page, "In May, the Prime Minister pushed fellow leaders")
    page.get_by_label("Claimant").fill("Unsaved words")
    dialogs: list[str] = []

    def on_dialog(dialog) -> None:
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.locator(".panel a[rel=next]").click()
    expect(page.get_by_label("Claimant")).to_have_value("Unsaved words")
    assert dialogs == ["beforeunload"]
