"""Bulk import speed: 1,000 articles of ~5 kB, with segmentation, hints and audit events.

Two ways in, both through the real operations, each on a fresh throwaway database
(importing the same articles twice would only measure the duplicate refusal):

- one CSV file of 1,000 rows (one transaction, all or nothing);
- 1,000 .txt files one after the other (a commit per file), as the CLI does.

The databases are SQLite files in a temporary directory or, when
FACTCHECK_BENCH_DATABASE_URL names a PostgreSQL database, databases created (and
dropped at the end) on that server, next to the named one, which is left alone.

Run: .venv/bin/python bench/import.py [--articles 1000]
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from _common import WORDS as COMMON_WORDS  # noqa: E402
from _common import bench_app, met  # noqa: E402

from factcheck.extensions import db  # noqa: E402
from factcheck.imports.operations import import_file  # noqa: E402

#: News words, and a name for the attribution hints to find.
WORDS = [*COMMON_WORDS, "Mr", "Smith"]


def article(rng: random.Random, number: int, size: int = 5_000) -> tuple[str, str]:
    paragraphs, length = [], 0
    while length < size:
        sentences = []
        for _ in range(rng.randint(2, 4)):
            words = [rng.choice(WORDS) for _ in range(rng.randint(12, 30))]
            if rng.random() < 0.3:
                words.insert(3, f"{rng.randint(2, 90)},{rng.randint(100, 999)}")
            sentences.append(" ".join(words).capitalize() + rng.choice([".", ".", ".", "?"]))
        paragraph = " ".join(sentences)
        paragraphs.append(paragraph)
        length += len(paragraph) + 2
    return f"Bench story {number}: {rng.choice(WORDS)} {rng.choice(WORDS)}", "\n\n".join(paragraphs)


@contextmanager
def fresh_database(named: str | None, tmp: str, name: str) -> Iterator[str]:
    """The URL of an empty database for one measurement, removed afterwards.

    A SQLite file in ``tmp``, or with ``named`` (a PostgreSQL URL) a new database on
    that server.
    """
    if not named:
        yield f"sqlite:///{tmp}/{name}.sqlite"
        return
    from sqlalchemy import create_engine, make_url, text

    server = make_url(named)
    database = f"factcheck_import_bench_{name}_{os.getpid()}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{database}"'))
        try:
            yield server.set(database=database).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    finally:
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    args = parser.parse_args()
    rng = random.Random(5)
    stories = [article(rng, n) for n in range(args.articles)]
    size_kb = sum(len(body) for _, body in stories) / len(stories) / 1000
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["title", "url", "outlet", "published_on", "body"])
    for number, (title, body) in enumerate(stories):
        writer.writerow([title, f"https://bench.example/{number}", "The Bench", "2024-03-01", body])
    data = buffer.getvalue().encode("utf-8")

    named = os.environ.get("FACTCHECK_BENCH_DATABASE_URL")
    if named and not named.startswith("postgresql"):
        parser.error(
            "FACTCHECK_BENCH_DATABASE_URL must name a PostgreSQL database: the bench creates "
            "a fresh database per measurement on its server (without the variable, it uses "
            "throwaway SQLite files)"
        )

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        with fresh_database(named, tmp, "csv") as url:
            app = bench_app(url)
            with app.app_context():
                started = time.perf_counter()
                report = import_file(db.session, None, "bench.csv", data, max_chars=1_000_000)
                db.session.commit()
                seconds = time.perf_counter() - started
                assert report.ok, report.problems[:3]
                results["one CSV file"] = (len(report.imported), seconds)
                db.session.remove()
            app.extensions["factcheck.engine"].dispose()

        with fresh_database(named, tmp, "txt") as url:
            app = bench_app(url)
            with app.app_context():
                started = time.perf_counter()
                for number, (title, body) in enumerate(stories):
                    report = import_file(
                        db.session,
                        None,
                        f"story{number}.txt",
                        f"{title}\n\n{body}".encode(),
                        max_chars=1_000_000,
                    )
                    assert report.ok, report.problems
                    db.session.commit()
                results["one .txt file each"] = (args.articles, time.perf_counter() - started)
                db.session.remove()
            app.extensions["factcheck.engine"].dispose()

    for name, (count, seconds) in results.items():
        print(
            f"{name}: {count} articles of ~{size_kb:.1f} kB in {seconds:.2f} s "
            f"= {count / seconds:,.0f} articles/s"
        )
    count, seconds = results["one CSV file"]
    print(f"target: >= 100 articles/s: {met(count / seconds >= 100)}")
    print(
        f"import: {count / seconds:,.0f} articles/s ({count} articles of ~{size_kb:.1f} kB, "
        "segmentation, hints and audit included)"
    )


if __name__ == "__main__":
    main()
