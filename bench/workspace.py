"""Render the annotation workspace of a 1,000-claim article; print median time and queries.

Builds a throwaway SQLite database (or uses FACTCHECK_BENCH_DATABASE_URL) with one article
of 1,000 sentences, three annotators, annotations on 60% of the claims (two sources
each, some reviewed), then requests the workspace page of claims spread across the
article through the real app (test client: no network) and counts SQL queries, on the
claim pages and the article overview alike (BEGIN, SAVEPOINT, PRAGMA and the like left out).

Run: .venv/bin/python bench/workspace.py [--requests 30]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from _common import WORDS, bench_app, met  # noqa: E402
from sqlalchemy import event, select  # noqa: E402

from factcheck.annotations.models import Annotation, Source, Stance  # noqa: E402
from factcheck.articles.operations import import_article  # noqa: E402
from factcheck.db import utcnow  # noqa: E402
from factcheck.extensions import db  # noqa: E402
from factcheck.review.models import Decision, Review  # noqa: E402
from factcheck.review.workflow import AnnotationState  # noqa: E402
from factcheck.users.operations import create_user  # noqa: E402
from factcheck.verdicts.models import Verdict  # noqa: E402

#: Statements that are transaction or connection housekeeping, not queries.
HOUSEKEEPING = ("BEGIN", "SAVEPOINT", "RELEASE", "PRAGMA", "COMMIT", "ROLLBACK")


def sentence(rng: random.Random, number: int) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(12, 30))]
    words[0] = words[0].capitalize()
    return f"{' '.join(words)} {number}."


def build(url: str, claims: int, seed: int = 7) -> tuple[object, int]:
    app = bench_app(url, WTF_CSRF_ENABLED=True)
    rng = random.Random(seed)
    with app.app_context():
        session = db.session
        people = [
            create_user(
                session,
                None,
                email=f"a{i}@bench.org",
                name=f"Annotator {i}",
                password="bench password 1",
            )
            for i in range(3)
        ]
        from factcheck.users.models import Role

        reviewer = create_user(
            session,
            None,
            email="r@bench.org",
            name="Reviewer",
            password="bench password 1",
            role=Role.REVIEWER,
        )
        paragraphs = []
        for p in range(claims // 4):
            paragraphs.append(" ".join(sentence(rng, p * 4 + i) for i in range(4)))
        article = import_article(
            session,
            people[0],
            title="Bench article",
            body="\n\n".join(paragraphs),
            max_chars=5_000_000,
        )
        verdicts = session.scalars(select(Verdict)).all()
        states = [
            AnnotationState.DRAFT,
            AnnotationState.SUBMITTED,
            AnnotationState.APPROVED,
            AnnotationState.CHANGES_REQUESTED,
        ]
        for claim in article.claims:
            if rng.random() > 0.6:
                continue
            approved = False
            for person in rng.sample(people, rng.randint(1, 2)):
                state = rng.choice(states)
                if state is AnnotationState.APPROVED and approved:
                    state = AnnotationState.SUBMITTED  # one published verdict per claim
                approved = approved or state is AnnotationState.APPROVED
                annotation = Annotation(
                    claim_id=claim.id,
                    annotator_id=person.id,
                    verdict_id=rng.choice(verdicts).id,
                    claimant="A spokesman",
                    rationale=" ".join(rng.choice(WORDS) for _ in range(60)),
                    state=state,
                    submitted_at=None if state is AnnotationState.DRAFT else utcnow(),
                    sources=[
                        Source(
                            position=i,
                            url=f"https://example.org/{claim.id}/{i}",
                            title="Report",
                            publisher="Agency",
                            quote="A quote",
                            stance=Stance.CONTEXT,
                        )
                        for i in range(2)
                    ],
                )
                session.add(annotation)
                session.flush()
                if state in (AnnotationState.APPROVED, AnnotationState.CHANGES_REQUESTED):
                    session.add(
                        Review(
                            annotation_id=annotation.id,
                            reviewer_id=reviewer.id,
                            annotator_id=person.id,
                            decision=Decision.APPROVE
                            if state is AnnotationState.APPROVED
                            else Decision.REQUEST_CHANGES,
                            comment="Please add a source.",
                            annotation_version=1,
                        )
                    )
        session.commit()
        article_id = article.id
        db.session.remove()
    return app, article_id


def queries(statements: list[str]) -> int:
    """How many of the statements a page ran are queries (housekeeping left out)."""
    return sum(1 for statement in statements if not statement.lstrip().startswith(HOUSEKEEPING))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("FACTCHECK_BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite"
        app, article_id = build(url, args.claims)
        engine = app.extensions["factcheck.engine"]
        statements: list[str] = []
        event.listen(
            engine,
            "before_cursor_execute",
            lambda conn, cursor, statement, *rest: statements.append(statement),
        )
        client = app.test_client()
        login_page = client.get("/login").get_data(as_text=True)
        token = login_page.split('name="csrf-token" content="')[1].split('"')[0]
        response = client.post(
            "/login",
            data={"email": "a1@bench.org", "password": "bench password 1", "csrf_token": token},
        )
        assert response.status_code == 302, response.status_code
        with app.app_context():
            from factcheck.articles.models import Claim

            claim_ids = db.session.scalars(
                select(Claim.id).where(Claim.article_id == article_id).order_by(Claim.position)
            ).all()
            db.session.remove()
        print(f"article: {len(claim_ids)} claims")
        targets = [claim_ids[i * len(claim_ids) // args.requests] for i in range(args.requests)]
        client.get(f"/claims/{targets[0]}")  # warm caches and templates
        timings, counts = [], []
        for claim_id in targets:
            statements.clear()
            started = time.perf_counter()
            response = client.get(f"/claims/{claim_id}")
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
            counts.append(queries(statements))
        if os.environ.get("BENCH_SHOW_SQL"):
            statements.clear()
            client.get(f"/claims/{targets[1]}")
            for statement in statements:
                print("SQL:", " ".join(statement.split())[:160])
        statements.clear()
        started = time.perf_counter()
        overview = client.get(f"/articles/{article_id}")
        overview_ms = (time.perf_counter() - started) * 1000
        overview_queries = queries(statements)
        size_kb = len(response.data) / 1024
        print(
            f"claim page: median {statistics.median(timings):.1f} ms, "
            f"p95 {sorted(timings)[int(len(timings) * 0.95) - 1]:.1f} ms, "
            f"{max(counts)} SQL queries (max), {size_kb:.0f} kB HTML"
        )
        print(
            f"article overview: {overview_ms:.1f} ms, {overview_queries} SQL queries, "
            f"status {overview.status_code}"
        )
        median = statistics.median(timings)
        print(
            f"targets: <= 10 SQL queries per page: {met(max(counts) <= 10)}; "
            f"median < 250 ms: {met(median < 250)}"
        )
        print(
            f"workspace ({len(claim_ids)} claims): median {median:.0f} ms "
            f"per page, {max(counts)} SQL queries per page"
        )


if __name__ == "__main__":
    main()
