"""A year of a newsroom's work: every page's latency at 10,000, 100,000 and 1,000,000 claims.

For each size it builds a newsroom in a throwaway database (SQLite, or a fresh PostgreSQL
database next to the one FACTCHECK_BENCH_DATABASE_URL names): the articles, claims,
annotations, sources and reviews of ``_newsroom.py`` (ten claims an article on average),
an audit history of ten events a claim with a valid hash chain (``--audit-per-claim``),
the search index, and one 1,000-claim article imported through the app. Then it asks
for every page a newsroom uses -- the first page and a deep one where there is paging --
through the test client, logged in as the role the page is for, and prints per page the
p50 and p95 of ``--requests`` requests, the SQL statements a request usually makes (a
count that grows with the data is an N+1) and the size of the page.

Run: .venv/bin/python bench/scale.py [--sizes 10000,100000,1000000] [--requests 20]
[--keep DIR [--reuse]]
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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from _common import bench_app, drop_postgres, fresh_postgres, met  # noqa: E402

#: p95 targets of issue 17, per backend.
TARGET_MS = {"postgresql": 150.0, "sqlite": 250.0}
#: Actions of the generated audit history, with the entity each is about.
AUDIT_ACTIONS = [
    ("annotation:save", "annotation"),
    ("annotation:submit", "annotation"),
    ("review:approve", "annotation"),
    ("review:request_changes", "annotation"),
    ("article:import", "article"),
    ("claim:split", "claim"),
    ("user:login", "user"),
]


@contextmanager
def database(
    named: str | None, tmp: str, name: str, *, keep: bool = False, reuse: bool = False
) -> Iterator[str]:
    """A fresh database for one size; with ``keep``, left behind (its URL is printed);
    with ``reuse``, the one a previous run kept, if it finished building."""
    if named:
        kept_name = f"factcheck_scale_{name}"
        if reuse:
            from sqlalchemy import make_url

            kept = make_url(named).set(database=kept_name).render_as_string(hide_password=False)
            if built_already(kept):
                yield kept
                return
        url = fresh_postgres(named, kept_name + ("" if keep else f"_{os.getpid()}"))
        try:
            yield url
        finally:
            if keep:
                print(f"kept: {url}", flush=True)
            else:
                drop_postgres(url)
    else:
        yield f"sqlite:///{tmp}/{name}.sqlite"


def built_already(url: str) -> bool:
    """Whether a kept database at ``url`` holds a finished build (its last step, the
    1,000-claim article, is there)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import SQLAlchemyError

    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return False
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            found = connection.execute(
                text("SELECT 1 FROM articles WHERE title = 'A very long article'")
            ).first()
        return found is not None
    except SQLAlchemyError:
        return False
    finally:
        engine.dispose()


def fill_audit(connection: Any, count: int, seed: int = 17) -> float:
    """Append ``count`` audit events with a valid hash chain (the app's own hash), by bulk
    SQL; seconds taken."""
    from sqlalchemy import insert, select

    from factcheck.audit.models import AuditEvent
    from factcheck.audit.recorder import event_hash
    from factcheck.db import utcnow
    from factcheck.users.models import User

    started = time.perf_counter()
    rng = random.Random(seed)
    users = list(connection.scalars(select(User.id)))
    now = utcnow()
    first = now - timedelta(days=730)
    step = (now - first) / max(count, 1)
    previous = ""
    batch: list[dict[str, Any]] = []
    postgres = connection.dialect.name == "postgresql"
    columns = ["created_at", "actor_id", "action", "entity_type", "entity_id", "diff"]
    columns += ["prev_hash", "hash"]

    def flush() -> None:
        if not batch:
            return
        if postgres:
            import json

            raw = connection.connection.dbapi_connection
            with raw.cursor() as cursor:
                copy_sql = f"COPY audit_events ({', '.join(columns)}) FROM STDIN"
                with cursor.copy(copy_sql) as copy:
                    for row in batch:
                        values = [row[name] for name in columns]
                        values[5] = json.dumps(values[5])
                        copy.write_row(values)
        else:
            connection.execute(insert(AuditEvent), batch)
        batch.clear()

    for number in range(count):
        action, entity_type = AUDIT_ACTIONS[rng.randrange(len(AUDIT_ACTIONS))]
        event = SimpleNamespace(
            created_at=first + step * number,
            actor_id=rng.choice(users),
            action=action,
            entity_type=entity_type,
            entity_id=rng.randint(1, 300_000),
            diff={"state": ["draft", "submitted"]} if action.startswith("annotation") else {},
            prev_hash=previous,
        )
        event.hash = event_hash(event)  # type: ignore[arg-type]
        previous = event.hash
        batch.append(vars(event))
        if len(batch) >= 10_000:
            flush()
    flush()
    connection.commit()
    return time.perf_counter() - started


def big_article(claims: int) -> tuple[str, str]:
    """A .txt story of ``claims`` sentences that the segmenter splits one by one."""
    rng = random.Random(3)
    words = "council housing budget minister figures rose fell percent said report".split()
    sentences = []
    for number in range(claims):
        body = " ".join(rng.choice(words) for _ in range(rng.randint(8, 16)))
        sentences.append(f"Sentence {number} says the {body} by {number % 90 + 2} per cent.")
    paragraphs = [" ".join(sentences[start : start + 5]) for start in range(0, claims, 5)]
    return "A very long article", "\n\n".join(paragraphs)


def build(url: str, claims: int, audit_per_claim: int) -> dict[str, float]:
    from _newsroom import NewsroomSize, build_newsroom

    from factcheck.extensions import db
    from factcheck.imports.operations import import_file
    from factcheck.revisions.operations import OnMatch
    from factcheck.search.index import rebuild_all

    app = bench_app(url)
    timings: dict[str, float] = {}
    engine = app.extensions["factcheck.engine"]
    with app.app_context():
        started = time.perf_counter()
        with engine.connect() as connection:
            build_newsroom(connection, NewsroomSize(articles=max(claims // 10, 1)))
        timings["newsroom"] = time.perf_counter() - started
        with engine.connect() as connection:
            timings["audit"] = fill_audit(connection, claims * audit_per_claim)
        started = time.perf_counter()
        with engine.begin() as connection:
            rebuild_all(connection, check_drift=False)
        timings["search index"] = time.perf_counter() - started
        title, body = big_article(1_000)
        report = import_file(
            db.session,
            None,
            "long.txt",
            f"{title}\n\n{body}".encode(),
            max_chars=1_000_000,
            on_match=OnMatch.SEPARATE,
        )
        assert report.ok, report.problems
        db.session.commit()
        if engine.dialect.name == "postgresql":
            with engine.connect() as connection:
                connection.exec_driver_sql("ANALYZE")
                connection.commit()
        db.session.remove()
    engine.dispose()
    return timings


@dataclass
class PageFigures:
    name: str
    role: str
    times_ms: list[float]
    statements: int
    size_kb: float
    status: int

    @property
    def p50(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.times_ms)
        return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


def pages(session: Any) -> list[tuple[str, str, str]]:
    """(name, role, path) of every page measured, with ids picked from the data."""
    from sqlalchemy import func, select

    from factcheck.annotations.models import Annotation
    from factcheck.annotations.states import AnnotationState
    from factcheck.articles.models import Article, Claim
    from factcheck.audit.models import AuditEvent
    from factcheck.users.models import Role, User
    from factcheck.verdicts.models import Verdict

    per_article = (
        select(Claim.article_id, func.count().label("claims")).group_by(Claim.article_id).subquery()
    )
    forty = session.scalar(
        select(per_article.c.article_id)
        .where(per_article.c.claims <= 40)
        .order_by(per_article.c.claims.desc(), per_article.c.article_id.desc())
        .limit(1)
    )
    thousand = session.scalar(select(Article.id).where(Article.title == "A very long article"))
    claim = session.scalar(
        select(Annotation.claim_id).order_by(Annotation.id.desc()).limit(1)
    ) or session.scalar(select(func.max(Claim.id)))
    deep_queue = session.scalar(
        select(Annotation.id)
        .where(Annotation.state == AnnotationState.SUBMITTED)
        .order_by(Annotation.submitted_at, Annotation.id)
        .offset(2_000)
        .limit(1)
    )
    middle_event = (session.scalar(select(func.max(AuditEvent.id))) or 2) // 2
    verdict = session.scalar(select(Verdict.id).limit(1))
    annotator = session.scalar(select(User.id).where(User.role == Role.ANNOTATOR).limit(1))
    outlet = session.scalar(select(Article.outlet).limit(1)) or ""
    reviewer, admin, annotator_role = "reviewer", "admin", "annotator"
    return [
        ("article list", annotator_role, "/articles"),
        ("workspace, 40 claims", annotator_role, f"/articles/{forty}"),
        ("workspace, 1,000 claims", annotator_role, f"/articles/{thousand}"),
        ("claim page", annotator_role, f"/claims/{claim}"),
        ("my work", annotator_role, "/my-work"),
        ("review queue", reviewer, "/review"),
        ("review queue, filtered", reviewer, f"/review?verdict={verdict}&annotator={annotator}"),
        ("review queue, deep", reviewer, f"/review?after={deep_queue}"),
        ("dashboard", reviewer, "/dashboard"),
        ("agreement", reviewer, "/agreement"),
        ("audit log", admin, "/admin/audit"),
        ("audit log, filtered", admin, "/admin/audit?action=review:approve"),
        ("audit log, deep", admin, f"/admin/audit?before={middle_event}"),
        ("verdict admin", admin, "/admin/verdicts"),
        ("user admin", admin, "/admin/users"),
        ("export page", reviewer, "/exports"),
        ("search", reviewer, "/search?q=housing"),
        ("search, filtered", reviewer, f"/search?q=minister&outlet={outlet}"),
        ("API articles", reviewer, "/api/v1/articles"),
        ("API review queue", reviewer, "/api/v1/review-queue"),
        ("API search", reviewer, "/api/v1/search?q=housing"),
        ("API verdicts", reviewer, "/api/v1/verdicts"),
    ]


def measure(url: str, requests: int) -> list[PageFigures]:
    from _newsroom import NEWSROOM_PASSWORD
    from sqlalchemy import event, select

    from factcheck.extensions import db
    from factcheck.users.models import Role, User
    from factcheck.users.tokens import create_token

    app = bench_app(url, migrate=False, WTF_CSRF_ENABLED=False)
    engine = app.extensions["factcheck.engine"]
    statements = [0]

    @event.listens_for(engine, "before_cursor_execute")
    def count(*_: Any) -> None:
        statements[0] += 1

    figures: list[PageFigures] = []
    with app.app_context():
        listed = pages(db.session)
        emails = {
            role.value: db.session.scalar(
                select(User.email).where(User.role == role, User.active.is_(True)).limit(1)
            )
            for role in (Role.ANNOTATOR, Role.REVIEWER, Role.ADMIN)
        }
        # The API authenticates by token, as its clients do.
        reviewer = db.session.scalar(select(User).where(User.email == emails["reviewer"]))
        _, token = create_token(db.session, reviewer, "scale bench")
        db.session.commit()
        db.session.remove()
    clients: dict[str, Any] = {}
    for role, email in emails.items():
        client = app.test_client()
        response = client.post("/login", data={"email": email, "password": NEWSROOM_PASSWORD})
        assert response.status_code == 302, (role, response.status_code)
        clients[role] = client
    for name, role, path in listed:
        client = clients[role]
        headers = {"Authorization": f"Bearer {token}"} if path.startswith("/api/") else {}
        response = client.get(path, headers=headers)  # warm: caches, compiled statements
        times, counts = [], []
        for _ in range(requests):
            statements[0] = 0
            started = time.perf_counter()
            response = client.get(path, headers=headers)
            times.append((time.perf_counter() - started) * 1000)
            counts.append(statements[0])
        # The most common count: now and then a request also does housekeeping (the API
        # rate counters drop an old window), which is not the page's own cost.
        usual = statistics.mode(counts)
        figures.append(
            PageFigures(name, role, times, usual, len(response.data) / 1000, response.status_code)
        )
    engine.dispose()
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="claims, comma-separated")
    parser.add_argument("--requests", type=int, default=20, help="requests per page")
    parser.add_argument("--audit-per-claim", type=int, default=10)
    parser.add_argument(
        "--keep",
        type=Path,
        help="Leave the databases behind to look into: SQLite files in this directory, "
        "or the PostgreSQL databases (named factcheck_scale_claims<size>).",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="With --keep: measure the databases a previous run kept instead of building "
        "them again (a size whose build did not finish is built).",
    )
    args = parser.parse_args(argv)
    if args.reuse and not args.keep:
        parser.error("--reuse needs --keep")
    sizes = [int(size) for size in args.sizes.split(",")]
    named = os.environ.get("FACTCHECK_BENCH_DATABASE_URL")
    backend = "postgresql" if named else "sqlite"
    results: dict[int, list[PageFigures]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        tmp = str(args.keep) if args.keep else scratch
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
        for size in sizes:
            kept = args.keep is not None
            with database(named, tmp, f"claims{size}", keep=kept, reuse=args.reuse) as url:
                if args.reuse and built_already(url):
                    print(f"{size:,} claims on {backend}: reusing {url}", flush=True)
                else:
                    timings = build(url, size, args.audit_per_claim)
                    built = ", ".join(f"{name} {sec:.0f} s" for name, sec in timings.items())
                    print(f"{size:,} claims on {backend}: built ({built})", flush=True)
                results[size] = measure(url, args.requests)
            print(f"{'page':<26} {'role':<9} {'p50 ms':>8} {'p95 ms':>8} {'SQL':>5} {'kB':>7}")
            for page in results[size]:
                flag = "" if page.status == 200 else f"  HTTP {page.status}"
                print(
                    f"{page.name:<26} {page.role:<9} {page.p50:8.1f} {page.p95:8.1f} "
                    f"{page.statements:5d} {page.size_kb:7.0f}{flag}"
                )
    largest = results[sizes[-1]]
    target = TARGET_MS[backend]
    slow = [page.name for page in largest if page.p95 >= target]
    if len(sizes) > 1:
        before = {page.name: page for page in results[sizes[-2]]}
        grew = [
            f"{page.name} (x{page.p95 / before[page.name].p95:.1f})"
            for page in largest
            if page.p95 > 2 * before[page.name].p95
        ]
        more_sql = [page.name for page in largest if page.statements > before[page.name].statements]
        print(f"p95 more than doubled from {sizes[-2]:,} to {sizes[-1]:,}: {grew or 'none'}")
        print(f"SQL statements grew with the data: {more_sql or 'none'}")
    print(f"target: every page p95 < {target:.0f} ms on {backend}: {met(not slow)}")
    if slow:
        print(f"  slower: {', '.join(slow)}")
    worst = max(largest, key=lambda page: page.p95)
    print(
        f"scale: {sizes[-1]:,} claims on {backend}, slowest page {worst.name} "
        f"p95 {worst.p95:.0f} ms; {len(slow)} of {len(largest)} pages over {target:.0f} ms"
    )


if __name__ == "__main__":
    main()
