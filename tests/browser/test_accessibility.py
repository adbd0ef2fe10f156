"""Every page, for every role, checked by axe-core against WCAG 2.1 A and AA: no violations.

axe-core's script comes from the installed ``axe-playwright-python`` package (it ships
``axe.min.js``); one browser context per role, logged in once, visits the pages that
role can reach. The colours of verdict badges come from the stored scale, so a badge's
text contrast is checked as the demo's verdicts really look.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from tests.browser.conftest import log_in
from tests.conftest import LIVE_APPS, skip_or_fail

pytestmark = pytest.mark.browser

#: The rules of WCAG 2.0 and 2.1, levels A and AA (EN 301 549's web chapter), and axe's
#: best practices, which hold the structure a screen reader navigates by: heading order,
#: landmarks, content outside them, one main heading.
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
RULE_TAGS = [*WCAG_21_AA, "best-practice"]

ROLES = {
    "annotator": "annotator@example.org",
    "reviewer": "reviewer@example.org",
    "admin": "admin@example.org",
}
RANK = {"anonymous": 0, "annotator": 1, "reviewer": 2, "admin": 3}


@dataclass(frozen=True)
class Page:
    name: str
    #: A path, with ``{article}``, ``{claim}``… filled from the demo data.
    path: str
    #: The least role that may see it; ``anonymous`` pages are checked logged out too.
    least: str = "annotator"
    status: int = 200


PAGES = (
    Page("login", "/login", least="anonymous"),
    Page("not found", "/no-such-page", least="anonymous", status=404),
    Page("public index", "/published/", least="anonymous"),
    Page("public article", "/published/articles/{published_article}", least="anonymous"),
    Page("public fact-check", "/published/claims/{claim}", least="anonymous"),
    Page("articles", "/articles"),
    Page("article workspace", "/articles/{article}"),
    Page("claim", "/claims/{claim}"),
    Page("segmentation", "/articles/{article}/segmentation"),
    Page("revisions", "/articles/{revised_article}/revisions"),
    Page("revision diff", "/articles/{revised_article}/revisions/2"),
    Page("new revision", "/articles/{revised_article}/revisions/new", least="reviewer"),
    Page("add article", "/articles/new"),
    Page("my work", "/my-work"),
    Page("search", "/search?q=migrants"),
    Page("exports", "/exports"),
    Page("imports", "/imports"),
    Page("annotation history", "/annotations/{annotation}"),
    Page("account", "/account"),
    Page("api tokens", "/account/tokens"),
    Page("review queue", "/review", least="reviewer"),
    Page("agreement", "/agreement", least="reviewer"),
    Page("dashboard", "/dashboard", least="reviewer"),
    Page("assignments", "/articles/{article}/assignments", least="reviewer"),
    Page("fact-check library", "/factchecks", least="reviewer"),
    Page("fact-check", "/factchecks/{factcheck}", least="reviewer"),
    Page("rating mappings", "/factchecks/ratings", least="admin"),
    Page("users", "/admin/users", least="admin"),
    Page("edit user", "/admin/users/{user}", least="admin"),
    Page("verdict scale", "/admin/verdicts", least="admin"),
    Page("edit verdict", "/admin/verdicts/{verdict}", least="admin"),
    Page("audit log", "/admin/audit", least="admin"),
    Page("restore", "/admin/restore", least="admin"),
    Page("backups", "/admin/backups", least="admin"),
    Page("publishing", "/admin/publishing", least="admin"),
)

VISITS = [
    pytest.param(role, page, id=f"{role}-{page.name.replace(' ', '_')}")
    for role in ("anonymous", *ROLES)
    for page in PAGES
    # Logged out, only the public pages; logged in, the login page just redirects.
    if (RANK[role] >= RANK[page.least] and not (role != "anonymous" and page.name == "login"))
    and not (role == "anonymous" and page.least != "anonymous")
]


def axe_script() -> str:
    try:
        from axe_playwright_python.base import AXE_SCRIPT
    except ImportError:
        skip_or_fail("axe-playwright-python is not installed (pip install -e '.[test]')")
        raise
    return AXE_SCRIPT


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 A/AA and best-practice violations on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_script())
    results = page.evaluate(
        "options => axe.run(document, options)",
        {"runOnly": {"type": "tag", "values": RULE_TAGS}, "resultTypes": ["violations"]},
    )
    return results["violations"]


def describe(violations: list[dict[str, Any]], where: str) -> str:
    lines = [f"{len(violations)} axe-core violation(s) on {where}:"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:10]:
            lines.append(f"    {node['target']}: {node['failureSummary']}".replace("\n", " "))
    return "\n".join(lines)


@pytest.fixture(scope="module")
def demo_ids(live_server: str) -> dict[str, int]:
    """Ids of the demo's objects for the page paths, read from the live server's database."""
    from factcheck.annotations.models import Annotation
    from factcheck.annotations.states import AnnotationState
    from factcheck.articles.models import Article
    from factcheck.extensions import db
    from factcheck.factchecks.models import FactCheck
    from factcheck.users.models import User
    from factcheck.verdicts.models import Verdict

    with LIVE_APPS[live_server].app_context():
        session = db.session
        # An approved annotation: every role may read it and its history, and its claim's
        # page shows a published verdict's badge.
        annotation = session.scalars(
            select(Annotation)
            .where(Annotation.state == AnnotationState.APPROVED)
            .order_by(Annotation.id)
        ).first()
        assert annotation is not None, "the demo has no approved annotation"
        ids = {
            "annotation": annotation.id,
            "claim": annotation.claim_id,
            "published_article": annotation.claim.article_id,
            "article": session.scalar(select(Article.id).order_by(Article.id)),
            # The demo's reference article, corrected after publication (revision 2).
            "revised_article": session.scalar(select(Article.id).where(Article.revision > 1)),
            "factcheck": session.scalar(select(FactCheck.id).order_by(FactCheck.id)),
            "user": session.scalar(select(User.id).where(User.email == ROLES["annotator"])),
            "verdict": session.scalar(select(Verdict.id).order_by(Verdict.sort_order)),
        }
        db.session.remove()
    return ids


def open_as(browser: Any, live_server: str, role: str, contexts: list[Any], **options: Any) -> Any:
    """A page in a browser context of its own (kept in ``contexts`` to be closed), logged
    in as ``role`` unless anonymous; ``options`` go to the context (viewport, scale)."""
    context = browser.new_context(base_url=live_server, **options)
    context.set_default_timeout(10_000)
    contexts.append(context)
    page = context.new_page()
    if role != "anonymous":
        log_in(page, ROLES[role])
        page.wait_for_url(lambda url: "/login" not in url)
    return page


@pytest.fixture(scope="module")
def visitor(browser: Any, live_server: str) -> Iterator[Callable[[str], Any]]:
    """One page per role in a browser context of its own, logged in on first use."""
    contexts: list[Any] = []
    pages: dict[str, Any] = {}

    def page_for(role: str) -> Any:
        if role not in pages:
            pages[role] = open_as(browser, live_server, role, contexts)
        return pages[role]

    yield page_for
    for context in contexts:
        context.close()


@pytest.mark.parametrize(("role", "page_info"), VISITS)
def test_page_has_no_wcag_violations(
    visitor: Callable[[str], Any], demo_ids: dict[str, int], role: str, page_info: Page
) -> None:
    page = visitor(role)
    path = page_info.path.format(**demo_ids)
    response = page.goto(path)
    assert response is not None and response.status == page_info.status, (
        f"{path} as {role}: HTTP {response.status if response else None}"
    )
    violations = axe_violations(page)
    assert violations == [], describe(violations, f"{page_info.name} ({path}) as {role}")


def test_a_refused_verdict_form_has_no_wcag_violations(
    visitor: Callable[[str], Any], demo_ids: dict[str, int]
) -> None:
    """A form with errors (here a colour too light to read) is checked too: its error
    messages are tied to the fields. Nothing is saved, so the demo data stays as it is."""
    page = visitor("admin")
    page.goto(f"/admin/verdicts/{demo_ids['verdict']}")
    page.get_by_label("Colour").fill("#ffff00")
    page.get_by_role("button", name="Save").click()
    colour = page.get_by_label("Colour")
    assert colour.get_attribute("aria-invalid") == "true"
    violations = axe_violations(page)
    assert violations == [], describe(violations, "the refused verdict form as admin")


@pytest.mark.parametrize("role", ["anonymous", "annotator"])
def test_the_first_tab_reaches_the_skip_link_to_the_main_content(
    visitor: Callable[[str], Any], role: str
) -> None:
    page = visitor(role)
    # (The login page puts the focus in its email field instead.)
    page.goto("/articles" if role != "anonymous" else "/no-such-page")
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => [document.activeElement.textContent.trim(), document.activeElement.hash]"
    )
    assert focused == ["Skip to content", "#main"]
    assert page.locator("main#main").count() == 1
    page.keyboard.press("Enter")
    assert page.evaluate("() => location.hash") == "#main"


def test_the_article_picture_names_each_claim_and_its_state(
    visitor: Callable[[str], Any], demo_ids: dict[str, int]
) -> None:
    """Every claim in the article is a link a screen reader reaches and names by its
    words; a claim's state, which the eye reads from its underline, is in its name too."""
    import re

    page = visitor("annotator")
    page.goto(f"/articles/{demo_ids['published_article']}")
    claims = page.locator(".article-body .claim")
    assert claims.count() > 5
    assert claims.evaluate_all("links => links.every(l => l.tagName === 'A' && l.href)")
    states = re.compile(r"^\((your draft|submitted|sent back to you|approved|rejected)\) ")
    named = page.get_by_role("link", name=states)
    assert named.count() >= 1
    published = page.get_by_role("link", name=re.compile(r"^\((approved|published verdict)\) "))
    assert published.count() >= 1
