"""Publication CSV export at newsroom scale: rows/s and peak memory, beside a baseline.

Builds a project of 100,000 approved claims (synthetic news sentences of realistic
length, two sources each) in a throwaway SQLite database (or the database named by
FACTCHECK_BENCH_DATABASE_URL), then runs, each in a fresh process so peak memory is
its own:

- ``factcheck``: the real publication CSV export (streamed query, sources merged in,
  every cell neutralised, encoded in chunks), written to a file;
- ``baseline``: the same rows read with one SQL query and written with csv.writer,
  the practical limit.

Each is run --runs times (default 3), alternating, and the medians are reported.

Run: .venv/bin/python bench/export.py [--claims 100000] [--runs 3] [--no-build]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORDS = (
    "government minister said figures rose fell percent million council report week "
    "officials budget housing police migrants election court claim data spokesman according "
    "increase year analysis record agreement deal talks vote policy health schools"
).split()
CLAIMS_PER_ARTICLE = 40


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(14, 32))]
    return " ".join(words).capitalize() + "."


def build(url: str, claims: int) -> None:
    import flask_migrate
    from sqlalchemy import insert, select

    from config import TestingConfig
    from factcheck import create_app
    from factcheck.annotations.models import Annotation, Source, Verdict
    from factcheck.articles.models import Article, Claim
    from factcheck.extensions import db
    from factcheck.review.models import Review
    from factcheck.users.models import User

    class BenchConfig(TestingConfig):
        DATABASE_URL = url

    app = create_app(BenchConfig)
    rng = random.Random(11)
    now = datetime.now(UTC)
    with app.app_context():
        flask_migrate.upgrade()
        session = db.session
        session.execute(
            insert(User),
            [
                {
                    "email": "a@bench.org",
                    "name": "Annotator",
                    "password_hash": "x",
                    "role": "annotator",
                    "active": True,
                    "created_at": now,
                    "password_changed_at": now,
                },
                {
                    "email": "r@bench.org",
                    "name": "Reviewer",
                    "password_hash": "x",
                    "role": "reviewer",
                    "active": True,
                    "created_at": now,
                    "password_changed_at": now,
                },
            ],
        )
        annotator, reviewer = session.scalars(select(User.id).order_by(User.id)).all()
        verdicts = session.scalars(select(Verdict.id)).all()
        articles = claims // CLAIMS_PER_ARTICLE
        claim_id = annotation_id = 0
        for number in range(articles):
            sentences = [sentence(rng) for _ in range(CLAIMS_PER_ARTICLE)]
            body = " ".join(sentences)
            article_id = session.execute(
                insert(Article).returning(Article.id),
                {
                    "title": f"Bench article {number}",
                    "outlet": "The Bench",
                    "url": f"https://bench.example/{number}",
                    "language": "en",
                    "body": body,
                    "body_sha256": f"{number:064d}",
                    "imported_at": now,
                },
            ).scalar_one()
            claim_rows, annotation_rows, source_rows, review_rows = [], [], [], []
            cursor = 0
            for position, text in enumerate(sentences):
                claim_id += 1
                annotation_id += 1
                claim_rows.append(
                    {
                        "id": claim_id,
                        "article_id": article_id,
                        "position": position,
                        "start": cursor,
                        "end": cursor + len(text),
                        "kind": "sentence",
                        "has_number": False,
                        "has_quote": False,
                        "has_attribution": True,
                        "has_comparison": False,
                        "has_date": False,
                    }
                )
                cursor += len(text) + 1
                annotation_rows.append(
                    {
                        "id": annotation_id,
                        "claim_id": claim_id,
                        "annotator_id": annotator,
                        "verdict_id": rng.choice(verdicts),
                        "claimant": "A government spokesman",
                        "claim_summary": text[:80],
                        "rationale": " ".join(sentence(rng) for _ in range(3)),
                        "state": "approved",
                        "version": 3,
                        "created_at": now,
                        "updated_at": now,
                        "submitted_at": now,
                    }
                )
                for index in range(2):
                    source_rows.append(
                        {
                            "annotation_id": annotation_id,
                            "position": index,
                            "url": f"https://source.example/{claim_id}/{index}",
                            "title": "Official statistics release",
                            "publisher": "Statistics Office",
                            "quote": sentence(rng),
                            "stance": "refutes" if index else "context",
                        }
                    )
                review_rows.append(
                    {
                        "annotation_id": annotation_id,
                        "reviewer_id": reviewer,
                        "annotator_id": annotator,
                        "decision": "approve",
                        "comment": "",
                        "annotation_version": 2,
                        "created_at": now,
                    }
                )
            session.execute(insert(Claim), claim_rows)
            session.execute(insert(Annotation), annotation_rows)
            session.execute(insert(Source), source_rows)
            session.execute(insert(Review), review_rows)
        session.commit()
        db.session.remove()
    engine = app.extensions["factcheck.engine"]
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        # What autovacuum (PostgreSQL) or a maintenance job would have done by now.
        connection.exec_driver_sql("ANALYZE")
    engine.dispose()


def baseline_query():
    """All the publication columns in one straightforward query (joins, SQL substr for
    the claim text, sorted by the database), as a reporting tool would write it."""
    from sqlalchemy import String, func, select, type_coerce
    from sqlalchemy.orm import aliased

    from factcheck.annotations.models import Annotation, Verdict
    from factcheck.articles.models import Article, Claim
    from factcheck.review.models import Decision, Review
    from factcheck.users.models import User

    annotator = aliased(User, name="annotator")
    reviewer = aliased(User, name="reviewer")
    approval = (
        select(Review.annotation_id, func.max(Review.id).label("review_id"))
        .where(Review.decision == Decision.APPROVE)
        .group_by(Review.annotation_id)
        .subquery("approval")
    )
    return (
        select(
            Article.title,
            Article.url,
            Article.outlet,
            type_coerce(Article.published_on, String),
            Claim.id,
            Claim.position,
            func.substr(Article.body, Claim.start + 1, Claim.end - Claim.start),
            Claim.start,
            Claim.end,
            Annotation.claimant,
            Annotation.claim_summary,
            Verdict.label,
            Verdict.rating,
            Annotation.rationale,
            annotator.name,
            reviewer.name,
            type_coerce(Review.created_at, String),
            type_coerce(Annotation.state, String),
        )
        .join(Claim, Claim.id == Annotation.claim_id)
        .join(Article, Article.id == Claim.article_id)
        .outerjoin(Verdict, Verdict.id == Annotation.verdict_id)
        .join(annotator, annotator.id == Annotation.annotator_id)
        .outerjoin(approval, approval.c.annotation_id == Annotation.id)
        .outerjoin(Review, Review.id == approval.c.review_id)
        .outerjoin(reviewer, reviewer.id == Review.reviewer_id)
        .where(Annotation.state == "approved")
        .order_by(Claim.article_id, Claim.position, Annotation.id)
    )


def run_export(url: str, mode: str, out: str) -> dict:
    """Run in a child process: one export, timed, with this process's peak memory."""
    from config import TestingConfig
    from factcheck import create_app
    from factcheck.exports.filters import ExportFilters
    from factcheck.exports.views import export_chunks

    class BenchConfig(TestingConfig):
        DATABASE_URL = url

    app = create_app(BenchConfig)
    engine = app.extensions["factcheck.engine"]
    filters = ExportFilters()
    started = time.perf_counter()
    rows = 0
    with app.app_context(), open(out, "wb") as handle:
        if mode == "factcheck":
            for chunk in export_chunks(engine, "csv", filters, bom=False, base_url=""):
                handle.write(chunk)
                rows += chunk.count(b"\r\n")
            rows -= 1  # header
        else:
            from factcheck.exports.operations import read_connection

            with (
                read_connection(engine) as connection,
                open(out, "w", newline="", encoding="utf-8") as text,
            ):
                writer = csv.writer(text)
                result = connection.execute(
                    baseline_query().execution_options(stream_results=True, yield_per=2000)
                )
                for row in result:
                    writer.writerow(row)
                    rows += 1
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"rows": rows, "seconds": seconds, "peak_mb": peak_mb}


def child(url: str, mode: str, out: str) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--child", mode, "--url", url, "--out", out],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def met(ok: bool) -> str:
    return "met" if ok else "NOT MET"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument(
        "--runs", type=int, default=3, help="runs of each, alternating; the median is reported"
    )
    parser.add_argument(
        "--no-build",
        action="store_true",
        help="export the database in FACTCHECK_BENCH_DATABASE_URL as it is",
    )
    parser.add_argument("--child")
    parser.add_argument("--url")
    parser.add_argument("--out")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_export(args.url, args.child, args.out)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("FACTCHECK_BENCH_DATABASE_URL") or f"sqlite:///{tmp}/export.sqlite"
        if not args.no_build:
            started = time.perf_counter()
            build(url, args.claims)
            print(f"built {args.claims:,} approved claims in {time.perf_counter() - started:.1f} s")
        runs: dict[str, list[dict]] = {"baseline": [], "factcheck": []}
        # Alternating runs, so that a slow spell of a shared machine hits both alike.
        for _ in range(args.runs):
            for mode, results in runs.items():
                results.append(child(url, mode, f"{tmp}/{mode}.csv"))
        if Path(f"{tmp}/baseline.csv").stat().st_size < 1000:
            raise SystemExit("the baseline wrote nothing: is the database empty?")
        size_mb = Path(f"{tmp}/factcheck.csv").stat().st_size / 1e6
        summary = {}
        for mode, results in runs.items():
            seconds = sorted(result["seconds"] for result in results)
            rows = results[0]["rows"]
            summary[mode] = {
                "rows": rows,
                "seconds": statistics.median(seconds),
                "peak_mb": max(result["peak_mb"] for result in results),
            }
            name = "baseline (1 query + csv.writer)" if mode == "baseline" else "factcheck"
            print(
                f"{name}: {rows:,} rows; runs {', '.join(f'{s:.2f}' for s in seconds)} s; "
                f"median {rows / summary[mode]['seconds']:,.0f} rows/s, "
                f"peak {summary[mode]['peak_mb']:.0f} MB"
            )
        ours, baseline = summary["factcheck"], summary["baseline"]
        ratio = ours["seconds"] / baseline["seconds"]
        rate = ours["rows"] / ours["seconds"]
        print(
            f"targets: >= 50,000 rows/s: {met(rate >= 50_000)}; "
            f"<= 2x the baseline's time: {met(ratio <= 2)}; "
            f"peak < 150 MB: {met(ours['peak_mb'] < 150)}"
        )
        print(
            f"publication CSV: {ours['rows'] / ours['seconds']:,.0f} rows/s "
            f"({size_mb:.0f} MB), {ratio:.2f}x the baseline's time, "
            f"peak memory {ours['peak_mb']:.0f} MB"
        )


if __name__ == "__main__":
    main()
