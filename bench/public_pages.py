"""The public verdict pages: latency of an article page of 40 and of 1,000 published claims.

Builds a throwaway SQLite database (or a fresh PostgreSQL database next to the one
FACTCHECK_BENCH_DATABASE_URL names) with two articles, of 40 and 1,000 sentences, every
claim annotated with two sources and approved by a second person (so every claim has a
public verdict), switches publishing on, then asks for the public pages as a reader
with no login (test client: no network): each article page, a claim page, the index and
the feed, and the same article page revalidated with its ETag (a 304). Prints p50 and
p95 per page; the last line is the 1,000-claim article page's p95.

Run: .venv/bin/python bench/public_pages.py [--requests 30]
"""

from __future__ import annotations

import argparse
import math
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from _common import WORDS, bench_app, drop_postgres, fresh_postgres, met  # noqa: E402
from sqlalchemy import select  # noqa: E402

#: What a reader should wait for at most (p95), ms: a page a search engine or a reader
#: fetches, cached in front of the app anyway.
TARGET_P95_MS = 250


def sentence(rng: random.Random, number: int) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(12, 30))]
    words[0] = words[0].capitalize()
    return f"{' '.join(words)} {number}."


def build(url: str) -> tuple[object, dict[str, int]]:
    from factcheck.annotations.models import Annotation, Source, Stance
    from factcheck.annotations.states import AnnotationState
    from factcheck.articles.operations import import_article
    from factcheck.db import utcnow
    from factcheck.extensions import db
    from factcheck.publishing.models import SETTINGS_ID, PublishingSettings
    from factcheck.review.models import Decision, Review
    from factcheck.users.models import Role
    from factcheck.users.operations import create_user
    from factcheck.verdicts.models import Verdict

    app = bench_app(url)
    rng = random.Random(7)
    ids: dict[str, int] = {}
    with app.app_context():
        session = db.session
        author = create_user(
            session, None, email="a@bench.org", name="Annotator", password="bench password 1"
        )
        reviewer = create_user(
            session,
            None,
            email="r@bench.org",
            name="Reviewer",
            password="bench password 1",
            role=Role.REVIEWER,
        )
        verdicts = session.scalars(select(Verdict)).all()
        for claims in (40, 1_000):
            paragraphs = [
                " ".join(sentence(rng, p * 4 + i) for i in range(4)) for p in range(claims // 4)
            ]
            article = import_article(
                session,
                author,
                title=f"Bench article of {claims} claims",
                body="\n\n".join(paragraphs),
                max_chars=5_000_000,
            )
            for claim in article.claims:
                annotation = Annotation(
                    claim_id=claim.id,
                    annotator_id=author.id,
                    verdict_id=rng.choice(verdicts).id,
                    claimant="A spokesman",
                    claim_summary=" ".join(rng.choice(WORDS) for _ in range(10)),
                    rationale=" ".join(rng.choice(WORDS) for _ in range(60)),
                    state=AnnotationState.APPROVED,
                    submitted_at=utcnow(),
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
                session.add(
                    Review(
                        annotation_id=annotation.id,
                        reviewer_id=reviewer.id,
                        annotator_id=author.id,
                        decision=Decision.APPROVE,
                        annotation_version=1,
                    )
                )
            ids[f"article {claims}"] = article.id
            ids[f"claim of {claims}"] = article.claims[len(article.claims) // 2].id
        session.add(PublishingSettings(id=SETTINGS_ID, enabled=True))
        session.commit()  # the publication record is written here, as with any approval
        db.session.remove()
    return app, ids


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


def measure(app: object, ids: dict[str, int], requests: int) -> dict[str, list[float]]:
    reader = app.test_client()  # type: ignore[attr-defined]
    paths = {
        "article page, 40 claims": f"/published/articles/{ids['article 40']}",
        "article page, 1,000 claims": f"/published/articles/{ids['article 1000']}",
        "claim page": f"/published/claims/{ids['claim of 1000']}",
        "index": "/published/",
        "feed": "/published/feed.atom",
    }
    times: dict[str, list[float]] = {}
    for name, path in paths.items():
        response = reader.get(path)  # warm
        assert response.status_code == 200, (path, response.status_code)
        times[name] = []
        for _ in range(requests):
            started = time.perf_counter()
            response = reader.get(path)
            times[name].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
    path = paths["article page, 1,000 claims"]
    etag = reader.get(path).headers["ETag"]
    times["1,000 claims, revalidated (304)"] = []
    for _ in range(requests):
        started = time.perf_counter()
        response = reader.get(path, headers={"If-None-Match": etag})
        times["1,000 claims, revalidated (304)"].append((time.perf_counter() - started) * 1000)
        assert response.status_code == 304
    size = len(reader.get(path).data) / 1000
    print(f"1,000-claim article page: {size:,.0f} kB")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    named = os.environ.get("FACTCHECK_BENCH_DATABASE_URL")
    with tempfile.TemporaryDirectory() as tmp:
        if named:
            url = fresh_postgres(named, f"factcheck_public_bench_{os.getpid()}")
        else:
            url = f"sqlite:///{Path(tmp) / 'public.sqlite'}"
        try:
            started = time.perf_counter()
            app, ids = build(url)
            print(f"built 1,040 published claims in {time.perf_counter() - started:.1f} s")
            times = measure(app, ids, args.requests)
            app.extensions["factcheck.engine"].dispose()  # type: ignore[attr-defined]
        finally:
            if named:
                drop_postgres(url)
    print(f"{'page':<34} {'p50 ms':>8} {'p95 ms':>8}")
    for name, values in times.items():
        print(f"{name:<34} {statistics.median(values):8.1f} {percentile(values, 0.95):8.1f}")
    p95 = percentile(times["article page, 1,000 claims"], 0.95)
    backend = "PostgreSQL" if named else "SQLite"
    print(f"target: p95 < {TARGET_P95_MS} ms for the 1,000-claim page: {met(p95 < TARGET_P95_MS)}")
    print(
        f"public article page, 1,000 claims ({backend}): p95 {p95:.0f} ms; "
        f"40 claims: p95 {percentile(times['article page, 40 claims'], 0.95):.0f} ms"
    )


if __name__ == "__main__":
    main()
