"""Search at newsroom scale: latency per kind of query, index size and cost, relevance.

Builds the newsroom of ``_newsroom.py`` (100,000 articles, a million claims, ~320,000
annotations with sources and reviews) in a throwaway SQLite file, or in a fresh
PostgreSQL database next to the one FACTCHECK_BENCH_DATABASE_URL names, builds the
search index over it (``rebuild_all``, as ``flask search reindex`` does), then runs a
mix of searches through the real search function -- the first page of 20 results with
snippets, the total and every filter count -- as a reviewer and as an annotator (whose
blind-annotation rule the database applies):

- one, two and three words taken from claims, a phrase, a prefix, a rare word, a
  very common word, each alone and with two filters;
- the same mix again in a new process (cold: nothing cached by the app; on SQLite the
  operating system's page cache may still hold the file).

It prints p50 and p95 per kind, the index's share of the database, and relevance:
nDCG@10 over the judged queries in ``search_judgements.json`` (the demo article, and a
small generated newsroom).

Run: .venv/bin/python bench/search.py [--articles 100000] [--keep PATH] [--reuse PATH|URL]
[--relevance]
(--keep leaves the SQLite database at PATH; --reuse measures an existing database.)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from _common import bench_app, drop_postgres, fresh_postgres, met  # noqa: E402

JUDGEMENTS = Path(__file__).with_name("search_judgements.json")
PAGE = 20
TARGET_P95_MS = 100.0


def build(url: str, articles: int) -> dict[str, float]:
    """Migrate, fill and index the database at ``url``; the seconds each step took."""
    import flask_migrate
    from _newsroom import NewsroomSize, build_newsroom

    from factcheck.extensions import db
    from factcheck.search.index import rebuild_all

    app = bench_app(url)
    timings: dict[str, float] = {}
    with app.app_context():
        flask_migrate.upgrade()
        engine = app.extensions["factcheck.engine"]
        started = time.perf_counter()
        with engine.connect() as connection:
            build_newsroom(connection, NewsroomSize(articles=articles))
        timings["corpus"] = time.perf_counter() - started
        started = time.perf_counter()
        with engine.begin() as connection:
            report = rebuild_all(connection, check_drift=False)
        timings["index"] = time.perf_counter() - started
        timings["entries"] = report.entries
        if engine.dialect.name == "postgresql":
            # As autovacuum would soon after a load this size: plans need statistics.
            with engine.connect() as connection:
                connection.exec_driver_sql("ANALYZE")
                connection.commit()
        db.session.remove()
        sqlite_file = engine.url.database if engine.dialect.name == "sqlite" else None
        engine.dispose()
    if sqlite_file:
        # Outside the app's connections, which always open a transaction first.
        import sqlite3

        raw = sqlite3.connect(sqlite_file, isolation_level=None)
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        raw.execute("ANALYZE")
        raw.close()
    return timings


def index_share(url: str) -> tuple[float, float]:
    """(index MB, share of the database) -- the entries table, its indexes and the
    full-text structures, against everything."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                rows = connection.execute(
                    text("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name")
                ).all()
                total = sum(size for _, size in rows)
                index = sum(
                    size
                    for name, size in rows
                    if name.startswith(("search_", "ix_search_", "sqlite_autoindex_search"))
                )
            else:
                total = connection.scalar(text("SELECT pg_database_size(current_database())"))
                index = connection.scalar(text("SELECT pg_total_relation_size('search_entries')"))
    finally:
        engine.dispose()
    return index / 1e6, index / total


# -- the query mix ---------------------------------------------------------------------


def query_mix(url: str, per_kind: int, seed: int = 7) -> list[dict[str, Any]]:
    """Queries drawn from the corpus itself, so that each kind finds something."""
    import re

    from sqlalchemy import create_engine, func, select

    from factcheck.annotations.states import AnnotationState
    from factcheck.articles.models import Article, Claim
    from factcheck.verdicts.models import Verdict

    rng = random.Random(seed)
    engine = create_engine(url)
    word = re.compile(r"[A-Za-z]{4,}")
    with engine.connect() as connection:
        top = connection.scalar(select(func.max(Claim.id))) or 1
        sample: list[list[str]] = []
        texts: list[str] = []
        while len(sample) < per_kind:
            claim_id = rng.randint(1, top)
            row = connection.execute(
                select(func.substr(Article.body, Claim.start + 1, Claim.end - Claim.start))
                .select_from(Claim)
                .join(Article, Article.id == Claim.article_id)
                .where(Claim.id == claim_id)
            ).first()
            if row and len(word.findall(row[0])) >= 6:
                sample.append(word.findall(row[0]))
                texts.append(row[0])
        outlets = [o for (o,) in connection.execute(select(Article.outlet).distinct().limit(20))]
        verdicts = [v for (v,) in connection.execute(select(Verdict.id))]
    engine.dispose()
    vocabulary = [
        w.strip()
        for w in (Path(__file__).with_name("newsroom_words.txt")).read_text().split()
        if w.strip().isalpha()
    ]
    common = ["government", "said", "year", "people", "minister", "percent"]
    rare = [w for words in sample for w in words if w[0].isupper() and len(w) > 6][:20]
    queries: list[dict[str, Any]] = []
    for index, words in enumerate(sample):
        queries.append({"kind": "1 word", "q": rng.choice(words)})
        queries.append({"kind": "2 words", "q": " ".join(rng.sample(words, 2))})
        queries.append({"kind": "3 words", "q": " ".join(rng.sample(words, 3))})
        # Two words that stand together in the claim, as people quote a phrase (two
        # long words of it with others between are not a phrase of it).
        together = [
            (first, second)
            for first, second in zip(texts[index].split(), texts[index].split()[1:], strict=False)
            if word.fullmatch(first) and word.fullmatch(second)
        ]
        if together:
            first, second = rng.choice(together)
        else:
            start = rng.randrange(len(words) - 1)
            first, second = words[start], words[start + 1]
        queries.append({"kind": "phrase", "q": f'"{first} {second}"'})
        stem = rng.choice([w for w in words if len(w) >= 6] or words)
        queries.append({"kind": "prefix", "q": stem[:5] + "*"})
        queries.append({"kind": "rare word", "q": rare[index % len(rare)] if rare else words[0]})
        queries.append({"kind": "common word", "q": common[index % len(common)]})
    del vocabulary
    filtered = []
    for number, query in enumerate(queries):
        if number % 2:
            filters = {"state": AnnotationState.APPROVED.value, "hint": "number"}
        else:
            filters = {"verdict": str(rng.choice(verdicts)), "outlet": rng.choice(outlets)}
        filtered.append({**query, "kind": query["kind"] + " + 2 filters", "filters": filters})
    return queries + filtered


def run_mix(url: str, queries: list[dict[str, Any]]) -> dict[str, list[float]]:
    """Milliseconds per query, by kind (and viewer)."""
    from sqlalchemy import select

    from factcheck.extensions import db
    from factcheck.search.operations import parse_filters, search
    from factcheck.users.models import Role, User

    app = bench_app(url)
    times: dict[str, list[float]] = defaultdict(list)
    with app.app_context():
        viewers = {
            role: db.session.scalar(
                select(User).where(User.role == role, User.active.is_(True)).limit(1)
            )
            for role in (Role.REVIEWER, Role.ANNOTATOR)
        }
        for query in queries:
            for role, viewer in viewers.items():
                filters = parse_filters(query.get("filters", {}))
                started = time.perf_counter()
                results = search(db.session, viewer, query["q"], filters, limit=PAGE)
                elapsed = (time.perf_counter() - started) * 1000
                times[query["kind"]].append(elapsed)
                times[f"all as {role.value}"].append(elapsed)
                del results
                db.session.rollback()
        db.session.remove()
    app.extensions["factcheck.engine"].dispose()
    return times


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


# -- relevance -------------------------------------------------------------------------


def _judge(session: Any, viewer: Any, items: list[dict[str, Any]]) -> list[tuple[str, float]]:
    """nDCG@10 of each judged search (binary gains: a claim is relevant when its text
    starts with one of the listed beginnings)."""
    from factcheck.search.operations import search

    scores = []
    for item in items:
        results = search(session, viewer, item["q"], limit=10, with_facets=False)
        ranked = [
            hit.article.body[hit.claim.start : hit.claim.end] if hit.claim else ""
            for hit in results.hits
        ]
        gains = [
            1.0 if any(text.startswith(prefix) for prefix in item["relevant"]) else 0.0
            for text in ranked
        ]
        dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
        ideal = sum(1 / math.log2(i + 2) for i in range(min(10, len(item["relevant"]))))
        scores.append((item["q"], dcg / ideal if ideal else 1.0))
    return scores


def relevance(tmp: str) -> dict[str, list[tuple[str, float]]]:
    """nDCG@10 of the judged searches, per set: over the demo article, and over a small
    generated newsroom (``_newsroom.py`` at the size the judgements were made for); on
    PostgreSQL when FACTCHECK_BENCH_DATABASE_URL names a server, else on SQLite."""
    from sqlalchemy import select

    from factcheck.demo import load_demo
    from factcheck.extensions import db
    from factcheck.unit_of_work import unit_of_work
    from factcheck.users.models import Role, User

    judged = json.loads(JUDGEMENTS.read_text())
    named = os.environ.get("FACTCHECK_BENCH_DATABASE_URL")

    def database(name: str) -> str:
        if named:
            return fresh_postgres(named, f"factcheck_judged_{name}_{os.getpid()}")
        return f"sqlite:///{tmp}/judged_{name}.sqlite"

    scores: dict[str, list[tuple[str, float]]] = {}
    urls = [database("demo"), database("newsroom")]
    try:
        app = bench_app(urls[0])
        with app.app_context():
            with unit_of_work():
                load_demo(db.session, password="bench password 1", max_chars=1_000_000)
            reviewer = db.session.scalar(select(User).where(User.role == Role.REVIEWER))
            scores["demo"] = _judge(db.session, reviewer, judged["demo"])
            db.session.remove()
        app.extensions["factcheck.engine"].dispose()

        generated = judged["generated"]
        build(urls[1], generated["articles"])
        app = bench_app(urls[1], migrate=False)
        with app.app_context():
            reviewer = db.session.scalar(
                select(User).where(User.role == Role.REVIEWER, User.active.is_(True)).limit(1)
            )
            scores["generated"] = _judge(db.session, reviewer, generated["queries"])
            db.session.remove()
        app.extensions["factcheck.engine"].dispose()
    finally:
        if named:
            for url in urls:
                drop_postgres(url)
    return scores


def report_relevance(tmp: str) -> float:
    """Print nDCG@10 per judged set and the searches below 1; the mean over all."""
    scores = relevance(tmp)
    everything = [score for judged in scores.values() for _, score in judged]
    for name, judged in scores.items():
        mean = statistics.mean(score for _, score in judged)
        print(f"relevance, {name}: nDCG@10 {mean:.3f} over {len(judged)} judged searches")
        for query, score in judged:
            if score < 1:
                print(f"  below 1: {query}: {score:.2f}")
    score = statistics.mean(everything)
    print(f"relevance: nDCG@10 {score:.3f} over {len(everything)} judged searches")
    return score


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="Build the SQLite database here and keep it.")
    parser.add_argument(
        "--reuse", help="Measure this database as it is: a SQLite file or a database URL."
    )
    parser.add_argument("--per-kind", type=int, default=8, help="Queries of each kind.")
    parser.add_argument(
        "--relevance", action="store_true", help="Only score the judged searches (a minute)."
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.relevance:
        with tempfile.TemporaryDirectory() as tmp:
            score = report_relevance(tmp)
        print(f"target: nDCG@10 >= 0.9: {met(score >= 0.9)}")
        print(f"search relevance: nDCG@10 {score:.3f}")
        return
    if args.child:
        spec = json.loads(args.child)
        print(json.dumps(run_mix(spec["url"], spec["queries"])))
        return

    named = os.environ.get("FACTCHECK_BENCH_DATABASE_URL")
    with tempfile.TemporaryDirectory() as tmp:
        if args.reuse:
            url = args.reuse if "://" in args.reuse else f"sqlite:///{args.reuse}"
        elif named:
            url = fresh_postgres(named, f"factcheck_search_bench_{os.getpid()}")
        else:
            path = args.keep or Path(tmp) / "newsroom.sqlite"
            url = f"sqlite:///{path}"
        try:
            if not args.reuse:
                timings = build(url, args.articles)
                print(
                    f"built: corpus {timings['corpus']:.0f} s; index of "
                    f"{timings['entries']:,.0f} entries {timings['index']:.0f} s"
                )
            megabytes, share = index_share(url)
            print(f"index size: {megabytes:,.0f} MB, {share:.0%} of the database")
            queries = query_mix(url, args.per_kind)
            warm = run_mix(url, queries)  # the first pass warms caches; measure the second
            warm = run_mix(url, queries)
            child = subprocess.run(
                [sys.executable, __file__, "--child", json.dumps({"url": url, "queries": queries})],
                capture_output=True,
                text=True,
                check=True,
            )
            cold = json.loads(child.stdout.strip().splitlines()[-1])
            print(f"{'kind':<26} {'p50 ms':>8} {'p95 ms':>8} {'cold p95':>9}")
            for kind in sorted(warm):
                print(
                    f"{kind:<26} {statistics.median(warm[kind]):8.1f} "
                    f"{_percentile(warm[kind], 0.95):8.1f} {_percentile(cold[kind], 0.95):9.1f}"
                )
            everything = [t for kind, ts in warm.items() if kind.startswith("all as") for t in ts]
            after_restart = [
                t for kind, ts in cold.items() if kind.startswith("all as") for t in ts
            ]
            p95 = _percentile(everything, 0.95)
            cold_p95 = _percentile(after_restart, 0.95)
            score = report_relevance(tmp)
            cold_p50 = statistics.median(after_restart)
            print(f"after a restart: p95 {cold_p95:.0f} ms, p50 {cold_p50:.0f} ms")
            worst = max(p95, cold_p95)
            verdict = met(worst < TARGET_P95_MS)
            print(f"target: p95 < {TARGET_P95_MS:.0f} ms, before and after a restart: {verdict}")
            print(f"target: nDCG@10 >= 0.9: {met(score >= 0.9)}")
            print(
                f"search: p95 {p95:.0f} ms (after a restart {cold_p95:.0f} ms), p50 "
                f"{statistics.median(everything):.0f} ms over {len(everything)} searches of a "
                f"{args.articles * 10:,}-claim newsroom (first page, snippets, total, filter "
                f"counts); nDCG@10 {score:.3f}"
            )
        finally:
            if named and not args.reuse:
                drop_postgres(url)


if __name__ == "__main__":
    main()
