"""Publication CSV export at newsroom scale: rows/s and peak memory, beside a baseline.

Builds a project of 100,000 approved claims (synthetic news sentences of realistic
length, two sources each) in a throwaway SQLite database (or the database named by
FACTCHECK_BENCH_DATABASE_URL), then runs, each in a fresh process so peak memory is
its own:

- ``factcheck``: the real publication CSV export (streamed query, sources merged in,
  every cell neutralised, encoded in chunks), written to a file;
- ``baseline``: the practical limit -- the same rows and columns (sources summary and
  count included, header first) read with one SQL query, on the export's claims-first
  join so that both get the same plan, and written with csv.writer (no neutralisation).

Each is run --runs times (default 3), alternating, and the medians are reported, with
the peak memory of the process and how much of it the export itself added (peak minus
the RSS just before the export started). The resident set counts the database file's
pages that SQLite maps in (up to 1 GB a connection: ``SQLITE_MMAP_BYTES``), which are the
OS's file cache, not the export's; so the anonymous memory (RssAnon, sampled every
10 ms) is printed too, and that is what must not grow with the rows.

Run: .venv/bin/python bench/export.py [--claims 100000] [--runs 3] [--no-build]
(--no-build exports FACTCHECK_BENCH_DATABASE_URL as it is, and needs it set.)
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
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from _common import WORDS, bench_app, met  # noqa: E402

CLAIMS_PER_ARTICLE = 40


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(14, 32))]
    return " ".join(words).capitalize() + "."


def build(url: str, claims: int) -> None:
    from sqlalchemy import insert, select

    from factcheck.annotations.models import Annotation, Source
    from factcheck.articles.models import Article, Claim
    from factcheck.extensions import db
    from factcheck.review.models import Review
    from factcheck.users.models import User
    from factcheck.verdicts.models import Verdict

    app = bench_app(url)
    rng = random.Random(11)
    now = datetime.now(UTC)
    with app.app_context():
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


def baseline_query(dialect: str):
    """The publication CSV's columns in one query, as a reporting tool would write it.

    Joins instead of the export's look-ups, SQL ``substr`` for the claim text, the
    sources summarised by the export's own subquery, and the export's claims-first join
    (``_ClaimsFirst``), so that SQLite plans both alike: the practical limit.
    """
    from sqlalchemy import String, func, select, type_coerce
    from sqlalchemy.orm import aliased

    from factcheck.annotations.models import Annotation
    from factcheck.articles.models import Article, Claim
    from factcheck.exports.csv_export import _ClaimsFirst, _sources_summary, approving_review
    from factcheck.exports.filters import ExportFilters
    from factcheck.review.models import Review
    from factcheck.users.models import User
    from factcheck.verdicts.models import Verdict

    annotator = aliased(User, name="annotator")
    reviewer = aliased(User, name="reviewer")
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
            # "count:label; label; ..." in source order, NULL without sources.
            _sources_summary(dialect),
            annotator.name,
            reviewer.name,
            type_coerce(Review.created_at, String),
            type_coerce(Annotation.state, String),
        )
        .select_from(_ClaimsFirst())
        .join(Article, Article.id == Claim.article_id)
        .outerjoin(Verdict, Verdict.id == Annotation.verdict_id)
        .join(annotator, annotator.id == Annotation.annotator_id)
        .outerjoin(Review, Review.id == approving_review())
        .outerjoin(reviewer, reviewer.id == Review.reviewer_id)
        .where(*ExportFilters().conditions())
        .order_by(Claim.article_id, Claim.position, Annotation.id)
    )


def _status_kb(field: str) -> int | None:
    """A ``kB`` figure of /proc/self/status (VmRSS, VmHWM); None where there is none."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


class AnonPeak:
    """The peak of this process's anonymous memory (RssAnon: what it allocated, not the
    file pages SQLite maps in), sampled every 10 ms by a thread."""

    def __init__(self) -> None:
        self.peak_kb = _status_kb("RssAnon") or 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.01):
            self.peak_kb = max(self.peak_kb, _status_kb("RssAnon") or 0)

    def close(self) -> int:
        self._stop.set()
        self._thread.join()
        return max(self.peak_kb, _status_kb("RssAnon") or 0)


def _reset_peak() -> bool:
    """Set this process's peak RSS (VmHWM) to its current RSS; False if Linux refuses."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return True


def run_export(url: str, mode: str, out: str) -> dict:
    """Run in a child process: one export, timed, with this process's peak memory and the
    memory the export itself added (its peak minus the RSS just before it started).

    Memory comes from /proc/self/status, not ``ru_maxrss``: a child started by
    subprocess inherits in ``ru_maxrss`` the peak of the parent that spawned it (here:
    the one that built the database).
    """
    from factcheck.exports.csv_export import PUBLICATION_COLUMNS
    from factcheck.exports.filters import ExportFilters
    from factcheck.exports.formats import FORMATS, WriteOptions
    from factcheck.exports.operations import export_chunks, read_connection

    app = bench_app(url, migrate=False)
    engine = app.extensions["factcheck.engine"]
    filters = ExportFilters()
    fallback_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak_before_kb = _status_kb("VmHWM") or fallback_kb
    rss_before_kb = _status_kb("VmRSS") or fallback_kb
    anon_before_kb = _status_kb("RssAnon") or 0
    # Without the reset, the export's peak below is the whole process's so far.
    _reset_peak()
    anon = AnonPeak()
    started = time.perf_counter()
    rows = 0
    with app.app_context():
        if mode == "factcheck":
            with open(out, "wb") as handle:
                for chunk in export_chunks(engine, FORMATS["csv"], filters, WriteOptions()):
                    handle.write(chunk)
                    rows += chunk.count(b"\r\n")
            rows -= 1  # header
        else:
            with (
                read_connection(engine) as connection,
                open(out, "w", newline="", encoding="utf-8") as text,
            ):
                writer = csv.writer(text)
                writer.writerow(PUBLICATION_COLUMNS)
                result = connection.execute(
                    baseline_query(connection.dialect.name).execution_options(
                        stream_results=True, yield_per=2000
                    )
                )
                for row in result:
                    count, _, labels = (row[14] or "0:").partition(":")
                    writer.writerow((*row[:14], labels, count, *row[15:]))
                    rows += 1
    seconds = time.perf_counter() - started
    anon_peak_kb = anon.close()
    export_peak_kb = _status_kb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "anon_peak_mb": anon_peak_kb / 1024,
        "anon_added_mb": max(0, anon_peak_kb - anon_before_kb) / 1024,
        "rows": rows,
        "seconds": seconds,
        "bytes": os.path.getsize(out),
        "peak_mb": max(peak_before_kb, export_peak_kb) / 1024,
        "added_mb": max(0, export_peak_kb - rss_before_kb) / 1024,
    }


def child(url: str, mode: str, out: str) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--child", mode, "--url", url, "--out", out],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


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
    named = os.environ.get("FACTCHECK_BENCH_DATABASE_URL")
    if args.no_build and not named:
        parser.error(
            "--no-build exports the database in FACTCHECK_BENCH_DATABASE_URL, which is not "
            "set (without it there is only an empty throwaway database)"
        )
    with tempfile.TemporaryDirectory() as tmp:
        url = named or f"sqlite:///{tmp}/export.sqlite"
        if not args.no_build:
            started = time.perf_counter()
            build(url, args.claims)
            print(f"built {args.claims:,} approved claims in {time.perf_counter() - started:.1f} s")
        runs: dict[str, list[dict]] = {"baseline": [], "factcheck": []}
        # Alternating runs, so that a slow spell of a shared machine hits both alike.
        for _ in range(args.runs):
            for mode, results in runs.items():
                results.append(child(url, mode, f"{tmp}/{mode}.csv"))
        if not runs["baseline"][0]["rows"]:
            raise SystemExit("the baseline read no rows: is the database empty?")
        summary = {}
        for mode, results in runs.items():
            seconds = sorted(result["seconds"] for result in results)
            rows = results[0]["rows"]
            summary[mode] = {
                "rows": rows,
                "seconds": statistics.median(seconds),
                "size_mb": results[0]["bytes"] / 1e6,
                "peak_mb": max(result["peak_mb"] for result in results),
                "added_mb": max(result["added_mb"] for result in results),
                "anon_peak_mb": max(result["anon_peak_mb"] for result in results),
                "anon_added_mb": max(result["anon_added_mb"] for result in results),
            }
            name = "baseline (1 query + csv.writer)" if mode == "baseline" else "factcheck"
            print(
                f"{name}: {rows:,} rows ({summary[mode]['size_mb']:.1f} MB); "
                f"runs {', '.join(f'{s:.2f}' for s in seconds)} s; "
                f"median {rows / summary[mode]['seconds']:,.0f} rows/s, "
                f"peak {summary[mode]['peak_mb']:.0f} MB "
                f"(+{summary[mode]['added_mb']:.0f} MB for the export), of which "
                f"anonymous {summary[mode]['anon_peak_mb']:.0f} MB "
                f"(+{summary[mode]['anon_added_mb']:.0f} MB)"
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
            f"publication CSV: {rate:,.0f} rows/s "
            f"({ours['size_mb']:.0f} MB), {ratio:.2f}x the baseline's time, "
            f"peak memory {ours['peak_mb']:.0f} MB (+{ours['added_mb']:.0f} MB for the export; "
            f"anonymous {ours['anon_peak_mb']:.0f} MB, +{ours['anon_added_mb']:.0f} MB)"
        )


if __name__ == "__main__":
    main()
