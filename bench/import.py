"""Bulk import speed: 1,000 articles of ~5 kB, with segmentation, hints and audit events.

Two ways in, both through the real operations on a throwaway SQLite database (or
FACTCHECK_BENCH_DATABASE_URL):

- one CSV file of 1,000 rows (one transaction, all or nothing);
- 1,000 .txt files one after the other (a commit per file), as the CLI does.

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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import flask_migrate  # noqa: E402

from config import TestingConfig  # noqa: E402
from factcheck import create_app  # noqa: E402
from factcheck.articles.imports import import_file  # noqa: E402
from factcheck.extensions import db  # noqa: E402

WORDS = (
    "government minister said figures rose fell percent million council report week "
    "officials budget housing police migrants election court claim data spokesman according "
    "increase year analysis record agreement deal talks vote policy health schools Mr Smith"
).split()


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


def fresh_app(url: str):
    class BenchConfig(TestingConfig):
        DATABASE_URL = url

    app = create_app(BenchConfig)
    with app.app_context():
        flask_migrate.upgrade()
        db.session.remove()
    return app


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

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        base = os.environ.get("FACTCHECK_BENCH_DATABASE_URL")
        app = fresh_app(base or f"sqlite:///{tmp}/csv.sqlite")
        with app.app_context():
            started = time.perf_counter()
            report = import_file(db.session, None, "bench.csv", data, max_chars=1_000_000)
            db.session.commit()
            seconds = time.perf_counter() - started
            assert report.ok, report.problems[:3]
            results["one CSV file"] = (len(report.imported), seconds)
            db.session.remove()
        app.extensions["factcheck.engine"].dispose()

        if not base:
            app = fresh_app(f"sqlite:///{tmp}/txt.sqlite")
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
    print(f"target: >= 100 articles/s: {'met' if count / seconds >= 100 else 'NOT MET'}")
    print(
        f"import: {count / seconds:,.0f} articles/s ({count} articles of ~{size_kb:.1f} kB, "
        "segmentation, hints and audit included)"
    )


if __name__ == "__main__":
    main()
