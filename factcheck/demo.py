"""Demo data: users, the reference article, and what a newsroom would do with it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from importlib import resources

from sqlalchemy.orm import Session

from factcheck.articles import operations as article_ops
from factcheck.articles.models import Article
from factcheck.users import operations as user_ops
from factcheck.users.models import Role, User

DEMO_USERS = (
    ("annotator@example.org", "Ana Annotator", Role.ANNOTATOR),
    ("reviewer@example.org", "Rui Reviewer", Role.REVIEWER),
    ("admin@example.org", "Ada Admin", Role.ADMIN),
)

REFERENCE_ARTICLE = {
    "file": "telegraph-uk-eu-returns.txt",
    "title": "Rishi Sunak ‘remains open’ to EU migrant returns deal despite Brussels rebuff",
    "outlet": "The Telegraph",
    "url": "https://www.telegraph.co.uk/politics/2023/06/18/rishi-sunak-eu-migrant-returns-deal/",
    "byline": "The Telegraph",
    "published_on": date(2023, 6, 18),
}


@dataclass
class DemoResult:
    users_created: list[str]
    article: Article
    article_created: bool


def reference_article_text() -> str:
    return (
        resources.files("factcheck.demo_data")
        .joinpath(REFERENCE_ARTICLE["file"])  # type: ignore[arg-type]
        .read_text(encoding="utf-8")
    )


def load_demo(session: Session, *, password: str, max_chars: int) -> DemoResult:
    """Create what is missing of the demo; running it twice changes nothing."""
    created: list[str] = []
    users: dict[str, User] = {}
    for email, name, role in DEMO_USERS:
        user = user_ops.find_user_by_email(session, email)
        if user is None:
            user = user_ops.create_user(
                session, None, email=email, name=name, password=password, role=role
            )
            created.append(email)
        users[email] = user

    body = article_ops.normalise_body(reference_article_text())
    article = article_ops.find_by_body(session, body)
    article_created = article is None
    if article is None:
        article = article_ops.import_article(
            session,
            users["annotator@example.org"],
            title=str(REFERENCE_ARTICLE["title"]),
            body=body,
            max_chars=max_chars,
            outlet=str(REFERENCE_ARTICLE["outlet"]),
            url=str(REFERENCE_ARTICLE["url"]),
            published_on=REFERENCE_ARTICLE["published_on"],  # type: ignore[arg-type]
        )
    return DemoResult(created, article, article_created)
