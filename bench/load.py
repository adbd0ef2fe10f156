"""API load: N simulated fact-checkers against gunicorn (4 workers) for a bounded time.

Builds a throwaway PostgreSQL database on 127.0.0.1:5432 (or FACTCHECK_BENCH_POSTGRES_URL,
any database on the server to connect to for CREATE/DROP DATABASE); falls back to a
throwaway SQLite file, with a note, when PostgreSQL is unreachable (or with --sqlite).
Migrates, loads the demo, creates one annotator and one API token per simulated user
through the CLI, and serves the app with gunicorn on a free loopback port.

Each simulated user loops: read the reference article, read a claim, save its own
annotation of that claim with the version it read, and now and then submit it and
withdraw it again (so that it can keep saving). Each user edits only its own annotation,
one request at a time, so no request should be refused: every 4xx counts as an error,
and an annotation left submitted when a run stops is withdrawn (untimed) before the
next run. Between two requests a fact-checker reads, thinks or types: a pause of half to
one and a half times --think seconds (mean 1 s, far busier than a person at work, who
sends a request every ten seconds or more). Every request's latency and status is
recorded.

With ``--search-every K`` a fact-checker also searches (a word of the news) and pages
through the article list every K loops. With ``--reviewers N``, N reviewers loop too:
read their part of the review queue (each reviewer takes the work of other authors than
the rest, so two never decide on the same annotation), read the claim, and approve the
annotation or send it back (back when the claim has an approved annotation already).

Two runs: the fact-checkers as above (the target: p95 under 100 ms at 20 users), then
the same users with no pause at all, which measures the server's capacity -- there,
latency is queueing: users / throughput. gunicorn and the database are removed at the
end, also on Ctrl-C. The server's peak memory (gunicorn and its workers, resident,
summed) is printed.

``--database URL`` runs against an existing database instead (issue 17: the
1,000,000-claim newsroom that ``bench/scale.py --keep`` leaves): it is migrated, its
newest article is the one the fact-checkers annotate, the accounts are added to it, and
it is not dropped. The target there is issue 17's: 0 errors, p95 under 200 ms.

With ``--redis URL`` the background work (matching claims against the fact-check
library, which every approval adds to) is queued there and done by a worker beside
gunicorn, at a lower priority, as the README recommends for production.

Run: .venv/bin/python bench/load.py [--users 20] [--reviewers 0] [--search-every 0]
[--seconds 20] [--think 1] [--no-saturate] [--database URL] [--redis URL] [--embedded]

``--embedded`` measures the one-command set-up a small newsroom may keep: SQLite and
gunicorn as ``make run`` starts them (2 workers of 8 threads); run it with --users 10
(issue 21's case: 10 people saving and submitting at once; target p95 under 150 ms).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from _common import met  # noqa: E402

from tests import servers  # noqa: E402
from tests.servers import (  # noqa: E402
    create_postgres_database,
    drop_postgres_database,
    run_flask,
    start_gunicorn,
)

POSTGRES_URL = os.environ.get(
    "FACTCHECK_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
PASSWORD = "load bench password"
#: Words a fact-checker searches for.
SEARCH_WORDS = ["housing", "minister", "budget", "police", "election", "health", "figures"]
#: One in this many loops submits the annotation and withdraws it again.
SUBMIT_EVERY = 5


# --- setting up -----------------------------------------------------------------------------


def app_env(url: str, redis: str | None = None) -> dict[str, str]:
    env = servers.app_env(
        url, secret_key="load-bench-secret-key-0123456789abcdef0123", demo_password=PASSWORD
    )
    if redis:
        env["FACTCHECK_REDIS_URL"] = redis
    return env


def flask(url: str, *args: str, input: str | None = None) -> str:
    result = run_flask(app_env(url), *args, input=input)
    if result.returncode != 0:
        raise RuntimeError(
            f"flask {' '.join(args)} exited {result.returncode}: {result.stderr.strip()}"
        )
    return result.stdout


class Database:
    """A throwaway database: PostgreSQL if reachable, else a SQLite file."""

    def __init__(self, tmp: Path, *, force_sqlite: bool, existing: str | None = None) -> None:
        self.pg_name: str | None = None
        self.backend = "sqlite"
        self.url = f"sqlite:///{tmp / 'load.sqlite'}"
        self.existing = existing is not None
        if existing is not None:
            self.url = existing
            self.backend = "postgresql" if existing.startswith("postgresql") else "sqlite"
            return
        if force_sqlite:
            print("note: --sqlite given; running on SQLite.")
            return
        name = f"factcheck_load_{os.getpid()}"
        try:
            self.url = create_postgres_database(POSTGRES_URL, name)
        except Exception as error:
            first = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
            print(f"note: PostgreSQL is unreachable ({first}); falling back to SQLite.")
            return
        self.pg_name, self.backend = name, "postgresql"

    def drop(self) -> None:
        if self.pg_name is not None:
            drop_postgres_database(POSTGRES_URL, self.pg_name)
            self.pg_name = None


class Server:
    """gunicorn, and with ``redis`` a background worker beside it, as in production: at
    a lower priority (nice 10), so that requests come first on shared cores."""

    def __init__(
        self,
        url: str,
        workers: int,
        log: Path,
        redis: str | None = None,
        threads: int | None = None,
    ) -> None:
        self.log = log
        env = app_env(url, redis)
        self.process, self.port = start_gunicorn(env, log, workers=workers, threads=threads)
        self.worker: subprocess.Popen[bytes] | None = None
        if redis:
            with (log.parent / "worker.log").open("wb") as handle:
                self.worker = subprocess.Popen(
                    ["nice", "-n", "10", *servers.flask_command("jobs", "worker")],
                    cwd=ROOT,
                    env=env,
                    stdout=handle,
                    stderr=subprocess.STDOUT,
                )

    def log_size(self) -> int:
        """Where the log ends now: what a phase logs starts there."""
        return self.log.stat().st_size

    def log_since(self, offset: int) -> str:
        with self.log.open("rb") as handle:
            handle.seek(offset)
            return handle.read().decode(errors="replace")

    def stop(self) -> None:
        servers.stop(self.process)
        if self.worker is not None:
            servers.stop(self.worker)


def create_accounts(url: str, emails: list[str], role: str) -> list[str]:
    """An account of ``role`` and a personal access token for each e-mail address, made
    in one process through the app's own operations (the CLI takes 3 s a call)."""
    from _common import bench_app

    from factcheck.extensions import db
    from factcheck.users.models import Role
    from factcheck.users.operations import create_user
    from factcheck.users.tokens import create_token

    app = bench_app(url, migrate=False)
    secrets = []
    with app.app_context():
        for number, email in enumerate(emails, start=1):
            user = create_user(
                db.session,
                None,
                email=email,
                name=f"Load {role} {number}",
                password=PASSWORD,
                role=Role(role),
            )
            secrets.append(create_token(db.session, user, "load bench")[1])
        db.session.commit()
        db.session.remove()
    app.extensions["factcheck.engine"].dispose()
    return secrets


def review_authors(url: str, exclude: str) -> list[int]:
    """The ids of the accounts whose work waits for review, but the bench's own."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT DISTINCT a.annotator_id FROM annotation_tallies a "
                    "JOIN users u ON u.id = a.annotator_id "
                    "WHERE a.state = 'submitted' AND a.annotations > 0 AND u.email NOT LIKE :x "
                    "ORDER BY a.annotator_id"
                ),
                {"x": f"{exclude}%"},
            )
            return [row[0] for row in rows]
    finally:
        engine.dispose()


def catch_up_matching(url: str) -> int:
    """Match the recent claims that were never matched, as a newsroom's are when they are
    imported (the generator writes claims past the app): otherwise the first library
    change during the run sets a worker matching thousands of them. How many."""
    from _common import bench_app
    from sqlalchemy import select

    from factcheck.articles.models import Article, Claim
    from factcheck.extensions import db
    from factcheck.factchecks.models import ClaimVector
    from factcheck.factchecks.work import MAX_REMATCHED, RECENT, match_claims

    app = bench_app(url, migrate=False)
    with app.app_context():
        from factcheck.db import utcnow

        # The claims a library change matches again: the newest recent ones.
        newest = (
            select(Claim.id)
            .join(Article, Article.id == Claim.article_id)
            .where(Article.imported_at >= utcnow() - RECENT)
            .order_by(Claim.id.desc())
            .limit(MAX_REMATCHED)
            .subquery()
        )
        waiting = list(
            db.session.scalars(
                select(newest.c.id)
                .outerjoin(ClaimVector, ClaimVector.claim_id == newest.c.id)
                .where(ClaimVector.claim_id.is_(None))
            )
        )
        if waiting:
            match_claims(db.session, waiting, lambda done, total: None)
            db.session.commit()
        db.session.remove()
    app.extensions["factcheck.engine"].dispose()
    return len(waiting)


class MemoryWatch:
    """Samples the resident memory of gunicorn and its workers, summed, every 0.2 s."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_kb = 0
        self.peak_worker_kb = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    @staticmethod
    def _rss_kb(pid: int) -> int:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        except OSError:
            pass
        return 0

    def _children(self) -> list[int]:
        children = []
        for task in Path(f"/proc/{self.pid}/task").glob("*/children"):
            try:
                children += [int(pid) for pid in task.read_text().split()]
            except OSError:
                continue
        return children

    def _run(self) -> None:
        while not self.stop.wait(0.2):
            workers = [self._rss_kb(pid) for pid in self._children()]
            self.peak_worker_kb = max(self.peak_worker_kb, *workers, 0)
            self.peak_kb = max(self.peak_kb, self._rss_kb(self.pid) + sum(workers))

    def close(self) -> str:
        self.stop.set()
        self.thread.join(1)
        return (
            f"server peak memory {self.peak_kb / 1024:,.0f} MB resident "
            f"(gunicorn and its workers, summed; one worker at most "
            f"{self.peak_worker_kb / 1024:,.0f} MB)"
        )


# --- the simulated users ----------------------------------------------------------------------


def request(
    port: int, method: str, path: str, token: str | None = None, body: Any = None
) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@dataclass
class Sample:
    kind: str
    status: int | None  # None: connection error or timeout
    seconds: float


@dataclass
class FactChecker:
    port: int
    token: str
    email: str
    article_id: int
    claim_id: int
    stop: threading.Event
    #: Mean pause between two requests, in seconds (0: back to back).
    think: float = 0.0
    #: Search and page through the article list every this many loops (0: never).
    search_every: int = 0
    samples: list[Sample] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def pause(self, rng: random.Random) -> None:
        """Reading, thinking, typing: half to one and a half times the mean think time."""
        if self.think > 0:
            self.stop.wait(rng.uniform(0.5, 1.5) * self.think)

    def call(self, kind: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        started = time.perf_counter()
        try:
            status, raw = request(self.port, method, path, self.token, body)
        except OSError as error:
            self.samples.append(Sample(kind, None, time.perf_counter() - started))
            if len(self.errors) < 5:
                self.errors.append(f"{kind}: {error!r}")
            self.stop.wait(0.1)  # the server is gone or refusing: do not spin
            return 0, None
        self.samples.append(Sample(kind, status, time.perf_counter() - started))
        if status >= 400 and len(self.errors) < 5:
            self.errors.append(f"{kind} {status}: {raw[:200].decode(errors='replace')}")
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, None

    def own(self, detail: Any) -> dict[str, Any] | None:
        own = [a for a in (detail or {}).get("annotations", []) if a["annotator"] == self.email]
        return own[0] if own else None

    def own_version(self, detail: Any) -> int | None:
        own = self.own(detail)
        return own["version"] if own else None

    def settle(self) -> bool:
        """After a run, untimed: withdraw the annotation if the run stopped while it was
        submitted, so that the next run can save it again. True if it did.

        :raises RuntimeError: the claim or the withdrawal was refused.
        """
        path = f"/api/v1/claims/{self.claim_id}"
        status, raw = request(self.port, "GET", path, self.token)
        if status != 200:
            raise RuntimeError(f"GET {path} after the run: {status} {raw[:200]!r}")
        own = self.own(json.loads(raw))
        if own is None or own["state"] != "submitted":
            return False
        path = f"/api/v1/annotations/{own['id']}/withdraw"
        status, raw = request(self.port, "POST", path, self.token, {"version": own["version"]})
        if status != 200:
            raise RuntimeError(f"POST {path} after the run: {status} {raw[:200]!r}")
        return True

    def run(self, seed: int) -> None:
        rng = random.Random(seed)
        # People do not all start at the same instant.
        self.stop.wait(rng.uniform(0, self.think))
        loop = 0
        cursor = None
        while not self.stop.is_set():
            loop += 1
            if self.search_every and loop % self.search_every == 0:
                word = rng.choice(SEARCH_WORDS)
                self.call("search", "GET", f"/api/v1/search?q={word}")
                self.pause(rng)
                following = f"?cursor={cursor}" if cursor else ""
                _, page = self.call("article list", "GET", f"/api/v1/articles{following}")
                cursor = (page or {}).get("next_cursor")
                self.pause(rng)
            self.call("read article", "GET", f"/api/v1/articles/{self.article_id}")
            self.pause(rng)
            status, detail = self.call("read claim", "GET", f"/api/v1/claims/{self.claim_id}")
            self.pause(rng)
            if status != 200 or self.stop.is_set():
                continue
            version = self.own_version(detail)
            status, saved = self.call(
                "save annotation",
                "PUT",
                f"/api/v1/claims/{self.claim_id}/annotation",
                {
                    "verdict": rng.choice(["false", "true", "mostly_false", "misleading"]),
                    "claimant": "The minister",
                    "rationale": f"Loop {loop}: official figures say otherwise.",
                    "sources": [
                        {
                            "url": f"https://example.org/figures/{loop}",
                            "title": "Official figures",
                            "stance": "refutes",
                        }
                    ],
                    "version": version,
                },
            )
            self.pause(rng)
            if status == 200 and loop % SUBMIT_EVERY == 0 and not self.stop.is_set():
                annotation = saved["id"]
                status, submitted = self.call(
                    "submit",
                    "POST",
                    f"/api/v1/annotations/{annotation}/submit",
                    {"version": saved["version"]},
                )
                self.pause(rng)
                if status == 200 and not self.stop.is_set():
                    self.call(
                        "withdraw",
                        "POST",
                        f"/api/v1/annotations/{annotation}/withdraw",
                        {"version": submitted["version"]},
                    )
                    self.pause(rng)


@dataclass
class Reviewer(FactChecker):
    """Decides on the submitted work of ``authors`` (no other reviewer's)."""

    authors: list[int] = field(default_factory=list)

    def run(self, seed: int) -> None:
        rng = random.Random(seed)
        self.stop.wait(rng.uniform(0, self.think))
        while not self.stop.is_set():
            author = rng.choice(self.authors)
            status, queue = self.call(
                "review queue", "GET", f"/api/v1/review-queue?annotator={author}&limit=10"
            )
            self.pause(rng)
            items = (queue or {}).get("items") or []
            if status != 200 or not items or self.stop.is_set():
                continue
            item = rng.choice(items)
            status, detail = self.call("read claim", "GET", f"/api/v1/claims/{item['claim_id']}")
            self.pause(rng)
            if status != 200 or self.stop.is_set():
                continue
            approved = any(
                a["state"] == "approved" and a["id"] != item["id"]
                for a in detail.get("annotations", [])
            )
            action = "request-changes" if approved or rng.random() < 0.3 else "approve"
            comment = "Please cite the primary source." if action == "request-changes" else ""
            self.call(
                "review",
                "POST",
                f"/api/v1/annotations/{item['id']}/{action}",
                {"version": item["version"], "comment": comment},
            )
            self.pause(rng)

    def settle(self) -> bool:
        return False


# --- reporting ------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def report(
    samples: list[Sample],
    seconds: float,
    planned: float,
    users: int,
    backend: str,
    target_ms: float = 100,
) -> tuple[str, bool]:
    """Print a table per request kind and the totals; return the one-line summary and
    whether the target (no errors, p95 under ``target_ms``) is met.

    Errors are connection failures, 5xx and 4xx alike: each user edits only its own
    annotation, with the version it has just read, so no request should be refused
    (not even with 409; a stale version or a save while submitted is a bench bug).
    """
    by_kind: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        by_kind[sample.kind].append(sample)
    print(f"{'request':<16} {'count':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}  statuses")
    for kind, group in by_kind.items():
        times = [s.seconds * 1000 for s in group]
        statuses = Counter(str(s.status or "conn-error") for s in group)
        print(
            f"{kind:<16} {len(group):>7} {percentile(times, 0.5):>7.1f} "
            f"{percentile(times, 0.95):>7.1f} {percentile(times, 0.99):>7.1f}  "
            + ", ".join(f"{k}×{v}" for k, v in sorted(statuses.items()))
        )
    times = [s.seconds * 1000 for s in samples]
    connection = sum(1 for s in samples if s.status is None)
    server = sum(1 for s in samples if s.status is not None and s.status >= 500)
    conflicts = sum(1 for s in samples if s.status == 409)
    refused = sum(1 for s in samples if s.status is not None and 400 <= s.status < 500)
    errors = connection + server + refused
    rate = len(samples) / seconds if seconds else 0.0
    mean = statistics.fmean(times) if times else 0.0
    print(
        f"total: {len(samples)} requests in {seconds:.1f} s = {rate:,.0f} req/s; "
        f"mean {mean:.1f} ms; errors {errors}: 5xx {server}, connection {connection}, "
        f"4xx {refused} (409 {conflicts}, other {refused - conflicts})"
    )
    target_met = errors == 0 and percentile(times, 0.95) < target_ms
    return (
        f"{users} users, {planned:g} s, {rate:,.0f} req/s, "
        f"p50 {percentile(times, 0.5):.0f} ms, p95 {percentile(times, 0.95):.0f} ms, "
        f"p99 {percentile(times, 0.99):.0f} ms, {errors} errors (5xx, 4xx or connection) "
        f"({backend})"
    ), target_met


def first_server_error(log: str) -> None:
    """Print how many requests failed with a traceback, and the first one, shortened."""
    if "Traceback" not in log:
        return
    chained = log.count("The above exception was") + log.count("During handling of the above")
    count = log.count("Traceback (most recent call last)") - chained
    start = log.rfind("\n", 0, log.index("Traceback")) + 1
    heading = log[log.rfind("\n", 0, max(start - 1, 0)) + 1 : max(start - 1, 0)].strip()
    lines = log[start:].splitlines()
    kept: list[str] = []
    app_frame = False
    for line in lines[1:]:
        if line.startswith("[20") or line.startswith("(Background"):
            break
        if line.startswith("  File "):
            app_frame = str(ROOT / "factcheck") in line
            if app_frame:
                kept.append(line)
        elif line.startswith("    "):
            if app_frame and line.strip().strip("^"):
                kept.append(line)
        elif line.strip() and not line.startswith("Traceback"):
            kept.append(line)
    print(f"gunicorn logged {count} tracebacks; the first: {heading[:160]}")
    print("  " + "\n  ".join(kept[:30]))


# --- main -----------------------------------------------------------------------------------


@dataclass
class Crew:
    """The simulated people: fact-checkers (e-mail, token) and reviewers (token)."""

    checkers: list[tuple[str, str]]
    reviewers: list[str]
    #: Authors whose work the reviewers decide on, shared out between them.
    authors: list[int]


def run_phase(
    server: Server,
    database: Database,
    crew: Crew,
    article_id: int,
    claims: list[int],
    think: float,
    args: argparse.Namespace,
) -> tuple[str, bool]:
    """Run the simulated people for args.seconds; print the table; return the summary
    and whether the target is met. Leaves no fact-checker's annotation submitted."""
    log_start = server.log_size()
    stop = threading.Event()
    users: list[FactChecker] = [
        FactChecker(
            server.port,
            token,
            email,
            article_id,
            claims[(number - 1) % len(claims)],
            stop,
            think,
            args.search_every,
        )
        for number, (email, token) in enumerate(crew.checkers, start=1)
    ]
    for number, token in enumerate(crew.reviewers):
        # Every reviewer its own authors: two never decide on the same annotation.
        authors = crew.authors[number :: len(crew.reviewers)]
        users.append(Reviewer(server.port, token, "", 0, 0, stop, think, authors=authors))
    threads = [
        threading.Thread(target=user.run, args=(number,), daemon=True)
        for number, user in enumerate(users)
    ]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    try:
        stop.wait(args.seconds)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=35)
    elapsed = time.perf_counter() - began
    withdrawn = sum(user.settle() for user in users)
    if withdrawn:
        print(f"after the run: withdrew {withdrawn} annotations left submitted (untimed)")
    problems = [problem for user in users for problem in user.errors]
    for problem in problems[:5]:
        print(f"error: {problem}")
    first_server_error(server.log_since(log_start))
    return report(
        [s for user in users for s in user.samples],
        elapsed,
        args.seconds,
        len(users),
        database.backend,
        200 if database.existing else 100,
    )


#: What `make run` serves with (the Makefile's WORKERS and THREADS).
EMBEDDED_WORKERS, EMBEDDED_THREADS = 2, 8


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20, help="simulated fact-checkers")
    parser.add_argument("--reviewers", type=int, default=0, help="simulated reviewers")
    parser.add_argument(
        "--search-every",
        type=int,
        default=0,
        help="a fact-checker searches and pages the article list every K loops (0: never)",
    )
    parser.add_argument(
        "--redis",
        help="queue background work on this Redis and run a worker beside gunicorn "
        "(production's set-up); without it the work runs in threads of the web workers",
    )
    parser.add_argument(
        "--database",
        help="run against this existing database (migrated, not dropped) instead of a "
        "throwaway demo",
    )
    parser.add_argument("--seconds", type=float, default=20, help="how long to run the load")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--sqlite", action="store_true", help="use SQLite, not PostgreSQL")
    parser.add_argument(
        "--embedded",
        action="store_true",
        help="the embedded default, as `make run` serves it: SQLite, gunicorn with "
        f"{EMBEDDED_WORKERS} workers of {EMBEDDED_THREADS} threads; target p95 < 150 ms",
    )
    parser.add_argument(
        "--think",
        type=float,
        default=1.0,
        help="mean seconds a fact-checker pauses between requests (0: back to back)",
    )
    parser.add_argument(
        "--no-saturate",
        dest="saturate",
        action="store_false",
        help="skip the second run with no think time (the server's capacity)",
    )
    args = parser.parse_args()
    threads = None
    if args.embedded:
        args.sqlite, args.workers, threads = True, EMBEDDED_WORKERS, EMBEDDED_THREADS
    # Ctrl-C and kill both end in the finally below; SIGINT may arrive ignored from a
    # non-interactive shell, so install Python's handler explicitly.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)

    server: Server | None = None
    database: Database | None = None
    with tempfile.TemporaryDirectory(prefix="factcheck-load-") as tmp:
        try:
            database = Database(Path(tmp), force_sqlite=args.sqlite, existing=args.database)
            started = time.monotonic()
            flask(database.url, "db", "upgrade")
            if not database.existing:
                flask(database.url, "demo")
            # Accounts of their own in an existing database, run after run.
            prefix = f"load{os.getpid()}-" if database.existing else "load"
            emails = [f"{prefix}{n}@example.org" for n in range(1, args.users + 1)]
            tokens = create_accounts(database.url, emails, "annotator")
            reviewer_emails = [f"{prefix}r{n}@example.org" for n in range(1, args.reviewers + 1)]
            crew = Crew(
                list(zip(emails, tokens, strict=True)),
                create_accounts(database.url, reviewer_emails, "reviewer"),
                review_authors(database.url, exclude="load") if args.reviewers else [],
            )
            if args.reviewers and len(crew.authors) < args.reviewers:
                raise SystemExit(
                    f"{args.reviewers} reviewers need as many authors with work waiting for "
                    f"review; the database has {len(crew.authors)}"
                )
            print(
                f"setup: {database.backend} database, "
                f"{'existing' if database.existing else 'demo'}, {args.users} fact-checkers "
                f"and {args.reviewers} reviewers with tokens in "
                f"{time.monotonic() - started:.1f} s"
            )
            if database.existing:
                started = time.monotonic()
                matched = catch_up_matching(database.url)
                print(
                    f"setup: matched {matched:,} recent claims never matched "
                    f"in {time.monotonic() - started:.1f} s"
                )
            server = Server(
                database.url, args.workers, Path(tmp) / "gunicorn.log", args.redis, threads
            )
            memory = MemoryWatch(server.process.pid)
            status, page = request(server.port, "GET", "/api/v1/articles", tokens[0])
            assert status == 200, page
            article_id = json.loads(page)["items"][0]["id"]
            status, raw = request(server.port, "GET", f"/api/v1/articles/{article_id}", tokens[0])
            assert status == 200, raw
            claims = [claim["id"] for claim in json.loads(raw)["claim_list"]]

            phases = [("fact-checkers", args.think)]
            if args.saturate:
                phases.append(("saturation", 0.0))
            summaries: list[str] = []
            target = ""
            for name, think in phases:
                about = f"mean think time {think:g} s" if think else "no think time"
                print(f"\n{name}: {args.users} users, {about}, {args.seconds:g} s")
                summary, ok = run_phase(server, database, crew, article_id, claims, think, args)
                summaries.append(f"load ({name}, {about}): {summary}")
                if name == "fact-checkers":
                    limit = 200 if database.existing else 150 if args.embedded else 100
                    target = f"target (fact-checkers): 0 errors, p95 < {limit} ms: {met(ok)}"
            print()
            print(memory.close())
            print(target)
            # The target figure (fact-checkers) last.
            for line in reversed(summaries):
                print(line)
        except KeyboardInterrupt:
            print("interrupted; cleaning up", file=sys.stderr)
            sys.exit(130)
        finally:
            if server is not None:
                server.stop()
            if database is not None:
                database.drop()


if __name__ == "__main__":
    main()
