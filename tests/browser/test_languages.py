"""Every page at phone width in Spanish and in Arabic; the annotate-review journey in
both, each step's page checked for overflow and by axe-core (WCAG 2.1 AA), and kept as
a screenshot in test-results/languages/; and the Arabic interface mirrored: right to
left from the top bar down.

The words the test looks for come from the shipped catalogues, so the test reads the
page as a Spanish or Arabic reader would, and fails if a label was left in English.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
from babel.support import Translations

from factcheck import i18n
from factcheck.i18n import RIGHT_TO_LEFT_LANGUAGES
from tests.browser import test_accessibility as accessibility
from tests.browser.test_accessibility import axe_violations, describe
from tests.browser.test_layout import measure

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "languages"

#: An article in each language, pasted by the annotator (its own claims: no other test
#: touches them).
ARTICLES = {
    "es": (
        "Promesas de vivienda en Valdeloma",
        "El Ayuntamiento afirmó el lunes que terminó 2.000 viviendas el año pasado.\n\n"
        "Según la oposición, la cifra real fue de 1.250,5 unidades equivalentes.\n\n"
        "La alcaldesa aseguró que el precio del alquiler bajó un 3,5 % en 2024.",
    ),
    "ar": (
        "وعود الإسكان في المدينة",
        "قال المجلس البلدي يوم الاثنين إنه أنجز 2000 وحدة سكنية في العام الماضي.\n\n"
        "وأكدت المعارضة أن الرقم الحقيقي لا يتجاوز ١٢٥٠ وحدة.\n\n"
        "وأضاف رئيس البلدية أن الإيجارات انخفضت بنسبة 3.5% في عام 2024.",
    ),
}


@cache
def catalogue(language: str) -> Translations:
    i18n.compile_catalogues()
    return Translations.load(str(i18n.TRANSLATIONS), [language])


def tr(language: str, message: str, **values: object) -> str:
    """``message`` as the page shows it in ``language`` (it must be translated)."""
    text = catalogue(language).gettext(message)
    assert text != message, f"{message!r} is not translated to {language}"
    return text % values if values else text


def fits(page, language: str, step: str) -> None:
    """The page as it is now neither scrolls sideways nor spills past main; keep a
    screenshot of it."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{language}-{step}.png"), full_page=True)
    failures = measure(page)
    found = failures["bodyScroll"] + failures["overflows"]
    assert not found, f"{language} {step}: " + "\n".join(found)
    # And the page in this language meets WCAG 2.1 AA as the English one does.
    violations = axe_violations(page)
    assert violations == [], describe(violations, f"{language} {step}")


def log_in(page, language: str, email: str) -> None:
    from tests.conftest import DEMO_PASSWORD

    page.goto("/login")
    page.get_by_label(tr(language, "Email")).fill(email)
    page.get_by_label(tr(language, "Password")).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=tr(language, "Log in")).click()


@pytest.mark.parametrize("language", ["es", "ar"])
def test_annotate_and_review_in_the_language(new_page, language: str) -> None:
    from playwright.sync_api import expect

    direction = "rtl" if language in RIGHT_TO_LEFT_LANGUAGES else "ltr"
    # Both readers' browsers ask for the language (Accept-Language); a phone-sized window
    # is where longer words overflow first.
    options = {"locale": language, "viewport": {"width": 390, "height": 900}}
    annotator, reviewer = new_page(**options), new_page(**options)

    log_in(annotator, language, "annotator@example.org")
    expect(annotator.locator("html")).to_have_attribute("lang", language)
    expect(annotator.locator("html")).to_have_attribute("dir", direction)
    fits(annotator, language, "1-articles")

    title, body = ARTICLES[language]
    annotator.goto("/articles/new")
    annotator.get_by_label(tr(language, "Title")).fill(title)
    annotator.get_by_label(tr(language, "Body")).fill(body)
    fits(annotator, language, "2-add-article")
    annotator.get_by_role("button", name=tr(language, "Import article")).click()
    expect(annotator.locator("h1")).to_contain_text(title)
    expect(annotator.locator(".article-body")).to_have_attribute("dir", direction)
    fits(annotator, language, "3-workspace")

    first_claim = body.split("\n\n")[0]
    annotator.locator(".article-body .claim", has_text=first_claim[:20]).first.click()
    expect(annotator.locator(".panel .claim-text")).to_contain_text(first_claim[:20])
    annotator.get_by_label(tr(language, "Verdict")).select_option(label="1. True")
    annotator.get_by_label(tr(language, "Claimant")).fill(title.split()[0])
    annotator.get_by_label(tr(language, "Rationale")).fill(first_claim)
    annotator.get_by_label(tr(language, "Source URL")).first.fill("https://example.org/datos")
    fits(annotator, language, "4-annotation")
    annotator.get_by_role("button", name=tr(language, "Submit for review")).click()
    expect(annotator.get_by_text(tr(language, "Submitted for review."))).to_be_visible()
    fits(annotator, language, "5-submitted")

    log_in(reviewer, language, "reviewer@example.org")
    reviewer.goto("/review")
    item = reviewer.locator(".queue-item", has=reviewer.locator("mark", has_text=first_claim[:20]))
    expect(item).to_have_count(1)
    fits(reviewer, language, "6-review-queue")
    item.get_by_role("button", name=tr(language, "Approve")).click()
    approved = tr(language, "Approved: this is now the claim's published verdict.")
    expect(reviewer.get_by_text(approved)).to_be_visible()
    fits(reviewer, language, "7-approved")


def test_the_arabic_interface_is_mirrored(new_page) -> None:
    """In Arabic the page runs right to left: the brand at the right of the top bar, the
    navigation to its left, and labels above fields aligned to the right."""
    page = new_page(locale="ar", viewport={"width": 1400, "height": 900})
    log_in(page, "ar", "annotator@example.org")
    brand = page.locator(".topbar .brand").bounding_box()
    bar = page.locator(".topbar").bounding_box()
    nav = page.get_by_role("navigation").bounding_box()
    # The brand ends at the bar's right edge and the navigation starts left of it
    # (whether the navigation shares its line or wraps below it, as a wider font
    # can make it at this width).
    assert brand["x"] + brand["width"] > bar["x"] + 0.9 * bar["width"], (
        "the brand is not at the right"
    )
    assert nav["x"] < brand["x"], "the navigation is not to the brand's left"
    page.goto("/account")
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    # The heading's words start at main's right edge: their box is nearer that edge.
    words, main = page.evaluate(
        """() => {
          const range = document.createRange();
          range.selectNodeContents(document.querySelector('main h1'));
          const r = range.getBoundingClientRect();
          const m = document.querySelector('main').getBoundingClientRect();
          return [[r.left, r.right], [m.left, m.right]];
        }"""
    )
    assert main[1] - words[1] < words[0] - main[0], "the heading is not at the right"


#: The same module-scoped fixture of the demo's ids (re-bound here so pytest finds it).
demo_ids = accessibility.demo_ids


@pytest.fixture(scope="module")
def reader(browser, live_server: str):
    """A phone-sized page per role and language, logged in (in that language) once."""
    contexts: list[Any] = []
    pages: dict[tuple[str, str], Any] = {}

    def page_for(role: str, language: str) -> Any:
        if (role, language) not in pages:
            context = browser.new_context(
                base_url=live_server, locale=language, viewport={"width": 390, "height": 900}
            )
            context.set_default_timeout(10_000)
            contexts.append(context)
            page = context.new_page()
            if role != "anonymous":
                log_in(page, language, accessibility.ROLES[role])
                page.wait_for_url(lambda url: "/login" not in url)
            pages[role, language] = page
        return pages[role, language]

    yield page_for
    for context in contexts:
        context.close()


@pytest.mark.parametrize("language", ["es", "ar"])
@pytest.mark.parametrize(("role", "page_info"), accessibility.VISITS)
def test_every_page_fits_a_phone_in_the_language(
    reader, demo_ids: dict[str, int], language: str, role: str, page_info
) -> None:
    """Spanish runs longer than English and Arabic runs the other way: every page, for
    every role, still fits a 390 px screen without sideways scrolling, overlapping
    controls or anything past the content box."""
    page = reader(role, language)
    path = page_info.path.format(**demo_ids)
    response = page.goto(path)
    assert response is not None and response.status == page_info.status, path
    failures = measure(page)
    found = failures["bodyScroll"] + failures["overlaps"] + failures["overflows"]
    assert not found, f"{page_info.name} ({path}) as {role} in {language}:\n" + "\n".join(found)
