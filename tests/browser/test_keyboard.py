"""The whole newsroom round trip without a mouse: keys only, focus always visible.

An annotator logs in, imports an article, opens it, picks a claim, annotates it with a
source and submits; a reviewer logs in, approves it from the review queue and exports
the publication CSV. Every step moves with Tab, Enter and the workspace's shortcuts
(``j``, the verdict's number, Ctrl+Enter); nothing is clicked and no element is
focused by the script. At every Tab stop the focused element must show a visible focus
indicator, and Tab must always move on (it is never trapped).
"""

from __future__ import annotations

import csv
import io
import re

import pytest

from tests.browser.conftest import log_in  # noqa: F401  (the shared browser helpers)
from tests.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.browser

BODY = (
    "The harbour authority said cargo volumes rose by 14% in 2024.\n\n"
    "Ferry tickets will cost £4.20 from June, the operator confirmed."
)
TITLE = "Harbour claims typed by keyboard"

#: Where the focused element is and whether a person can see that it is focused.
_FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  const shadow = style.boxShadow && style.boxShadow !== 'none';
  return {
    tag: el.tagName.toLowerCase(),
    id: el.id || '',
    name: (el.getAttribute('aria-label') || el.innerText || el.value || el.name || '')
      .trim().slice(0, 80),
    visible: outline || shadow,
    within: el.closest('.queue-item') ? el.closest('.queue-item').innerText : '',
  };
}"""


def tab_to(page, wanted, *, limit: int = 250) -> dict:
    """Press Tab until the focused element is ``wanted`` (a predicate on the focus
    description); every stop on the way must show its focus."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focus = page.evaluate(_FOCUS)
        if focus is None:
            continue  # between the page's last control and its first: the browser's own UI
        seen.append(focus)
        assert focus["visible"], f"no visible focus on {focus} at {page.url}"
        if wanted(focus):
            return focus
    raise AssertionError(f"Tab never reached the wanted element on {page.url}: {seen[-10:]}")


def follow(page, key: str = "Enter") -> None:
    """Press a key that opens a link or sends a form, and wait for the new page."""
    with page.expect_navigation():
        page.keyboard.press(key)


def named(text: str, tag: str | None = None):
    return lambda focus: text in focus["name"] and (tag is None or focus["tag"] == tag)


def with_id(element_id: str):
    return lambda focus: focus["id"] == element_id


def keyboard_log_in(page, email: str, password: str) -> None:
    page.goto("/login")
    # The email field has the focus when the page opens (autofocus).
    if (page.evaluate(_FOCUS) or {}).get("id") != "email":
        tab_to(page, with_id("email"))
    page.keyboard.type(email)
    tab_to(page, with_id("password"))
    page.keyboard.type(password)
    follow(page)


def test_annotate_review_and_export_with_the_keyboard_alone(new_page, tmp_path) -> None:
    from playwright.sync_api import expect

    ana = new_page()
    keyboard_log_in(ana, "annotator@example.org", DEMO_PASSWORD)
    tab_to(ana, named("Add article", "a"))
    follow(ana)
    tab_to(ana, with_id("title"))
    ana.keyboard.type(TITLE)
    tab_to(ana, with_id("body"))
    ana.keyboard.type(BODY)
    tab_to(ana, named("Import article", "button"))
    follow(ana)
    expect(ana.get_by_text(f"Imported “{TITLE}”")).to_be_visible()

    # The workspace's own keys: j moves to the first claim, Enter opens it.
    ana.keyboard.press("j")
    follow(ana)
    expect(ana.locator(".panel .claim-text")).to_contain_text("harbour authority")
    options = ana.locator("#verdict option").all_text_contents()
    number = next(i for i, label in enumerate(options) if label.split(". ", 1)[-1] == "False")
    ana.keyboard.press(str(number))
    tab_to(ana, with_id("claimant"))
    ana.keyboard.type("Harbour authority")
    tab_to(ana, with_id("rationale"))
    ana.keyboard.type("The authority's own annual report gives 9%.")
    tab_to(ana, lambda f: f["tag"] == "input" and "url" in f["id"])
    ana.keyboard.type("https://harbour.example/annual-report")
    tab_to(ana, lambda f: f["tag"] == "input" and "title" in f["id"])
    ana.keyboard.type("Annual report 2024")
    ana.keyboard.press("Control+Enter")
    expect(ana.get_by_text("Submitted for review.")).to_be_visible()
    tab_to(ana, named("Log out", "button"))
    follow(ana)
    expect(ana.get_by_role("heading", name="Log in")).to_be_visible()

    rui = new_page(accept_downloads=True)
    keyboard_log_in(rui, "reviewer@example.org", DEMO_PASSWORD)
    tab_to(rui, named("Review", "a"))
    follow(rui)
    tab_to(rui, lambda f: f["name"] == "Approve" and "harbour authority" in f["within"])
    follow(rui)
    expect(rui.get_by_text("Approved: this is now")).to_be_visible()

    tab_to(rui, named("Export", "a"))
    follow(rui)
    tab_to(rui, with_id("article"))
    rui.keyboard.type(TITLE[:12])  # a select picks the option whose label is typed
    tab_to(rui, named("Publication CSV", "button"))
    with rui.expect_download() as download_info:
        rui.keyboard.press("Enter")
    path = tmp_path / "verdicts.csv"
    download_info.value.save_as(path)
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert [row["article_title"] for row in rows] == [TITLE]
    assert "harbour authority" in rows[0]["claim_text"]


def test_tab_is_never_trapped_on_the_workspace(new_page) -> None:
    """From the first control, Tab reaches every control and comes back round."""
    page = new_page()
    keyboard_log_in(page, "reviewer@example.org", DEMO_PASSWORD)
    page.goto("/articles")
    article_link = re.compile(r"^/articles/\d+$")
    tab_to(
        page,
        lambda f: (
            f["tag"] == "a"
            and bool(
                article_link.match(
                    page.evaluate("() => document.activeElement.getAttribute('href') || ''")
                )
            )
        ),
    )
    follow(page)
    page.keyboard.press("j")
    follow(page)
    first = tab_to(page, lambda f: True)
    names = []
    for _ in range(1000):
        page.keyboard.press("Tab")
        focus = page.evaluate(_FOCUS)
        if focus == first:
            break
        if focus is not None:
            names.append(focus["name"])
    else:
        raise AssertionError("Tab did not come back round to the first control")
    assert len(names) > 10 and "Log out" in names
