"""Real concurrency: gunicorn with four worker processes, many clients, a killed import.

Everything runs out of process, as in production: ``flask db upgrade``/``demo`` build a
fresh database, gunicorn serves it on a free loopback port, and client threads hammer
it. Each backend gets its own database (SQLite file in tmp_path; PostgreSQL when
FACTCHECK_TEST_POSTGRES_URL is set, in a throwaway database dropped afterwards).
"""

from __future__ import annotations

import csv
import importlib.util
import itertools
import os
import random
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import Engine

from tests import servers
from tests.conftest import POSTGRES_URL, skip_or_fail
from tests.servers import (
    ROOT,
    GunicornFailed,
    create_postgres_database,
    drop_postgres_database,
    flask_command,
    run_flask,
    start_gunicorn,
    tail,
)

DEMO_PASSWORD = "concurrency demo password"
ANNOTATOR = "annotator@example.org"
THREADS, SAVES_PER_THREAD = 20, 25
#: Wall-clock budget of the client threads, so a hung server cannot hang the suite.
RUN_BUDGET_SECONDS = 150  # a guard against a hung server, not a speed target
_names = itertools.count(1)


# --- databases ------------------------------------------------------------------------------


@dataclass
class Backend:
    name: str
    url: str

    def engine(self) -> Engine:
        return create_engine(self.url)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """An empty database of each backend, dropped (PostgreSQL) after the test."""
    if request.param == "sqlite":
        yield Backend("sqlite", f"sqlite:///{tmp_path / 'factcheck.sqlite'}")
        return
    if not POSTGRES_URL:
        skip_or_fail("FACTCHECK_TEST_POSTGRES_URL is not set")
    assert POSTGRES_URL
    name = f"factcheck_conc_{os.getpid()}_{next(_names)}"
    try:
        url = create_postgres_database(POSTGRES_URL, name)
    except Exception as error:
        skip_or_fail(f"PostgreSQL is not reachable: {error}")
        raise
    try:
        yield Backend("postgresql", url)
    finally:
        drop_postgres_database(POSTGRES_URL, name)


def scalar(backend: Backend, sql: str, **params: Any) -> Any:
    engine = backend.engine()
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()
    finally:
        engine.dispose()


# --- subprocesses ---------------------------------------------------------------------------


def app_env(url: str) -> dict[str, str]:
    return servers.app_env(
        url,
        secret_key="concurrency-test-secret-key-0123456789abcdef",
        demo_password=DEMO_PASSWORD,
    )


def flask(url: str, *args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return run_flask(app_env(url), *args, **kwargs)


def flask_ok(url: str, *args: str, **kwargs: Any) -> str:
    result = flask(url, *args, **kwargs)
    assert result.returncode == 0, (
        f"flask {' '.join(args)} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
    )
    return result.stdout


def fresh_demo(url: str) -> None:
    flask_ok(url, "db", "upgrade")
    flask_ok(url, "demo")


@dataclass
class Server:
    base: str
    log: Path


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Any]:
    """Start gunicorn (4 workers) on a free loopback port; stop it at the end."""
    started: list[subprocess.Popen[bytes]] = []

    def start(url: str) -> Server:
        if importlib.util.find_spec("gunicorn") is None:
            skip_or_fail("gunicorn is not installed")
        log = tmp_path / f"gunicorn-{len(started)}.log"
        try:
            process, port = start_gunicorn(app_env(url), log, workers=4, timeout=60)
        except GunicornFailed as error:
            # gunicorn is installed (checked above): an app that does not boot is a failure.
            pytest.fail(str(error))
        started.append(process)
        return Server(f"http://127.0.0.1:{port}", log)

    try:
        yield start
    finally:
        for process in started:
            servers.stop(process)


# --- a. twenty windows of one person saving one annotation ---------------------------------


@dataclass
class Call:
    method: str
    status: int | None  # None: connection error
    body: str


class Window:
    """One browser window of the annotator: reads the claim, saves with the version read."""

    def __init__(self, base: str, token: str, claim_id: int, number: int) -> None:
        self.base, self.claim_id, self.number = base, claim_id, number
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"
        self.calls: list[Call] = []
        self.saved_versions: list[int] = []

    def _call(self, method: str, path: str, **kwargs: Any) -> requests.Response | None:
        try:
            response = self.http.request(method, self.base + path, timeout=30, **kwargs)
        except requests.RequestException as error:
            self.calls.append(Call(method, None, repr(error)))
            return None
        self.calls.append(Call(method, response.status_code, response.text))
        return response

    def read_version(self) -> int | None:
        response = self._call("GET", f"/api/v1/claims/{self.claim_id}")
        if response is None or response.status_code != 200:
            return None
        own = [a for a in response.json()["annotations"] if a["annotator"] == ANNOTATOR]
        return own[0]["version"] if own else None

    def run(self, start: threading.Barrier, deadline: float) -> None:
        try:
            start.wait(timeout=30)
            version = self.read_version()
            for save in range(SAVES_PER_THREAD):
                if time.monotonic() > deadline:
                    break
                response = self._call(
                    "PUT",
                    f"/api/v1/claims/{self.claim_id}/annotation",
                    json={
                        "verdict": "false",
                        "claimant": f"Window {self.number}",
                        "rationale": f"Window {self.number}, save {save}.",
                        "sources": [
                            {
                                "url": f"https://example.org/{self.number}/{save}",
                                "stance": "refutes",
                            }
                        ],
                        "version": version,
                    },
                )
                if response is not None and response.status_code == 200:
                    version = response.json()["version"]
                    self.saved_versions.append(version)
                else:
                    version = self.read_version()
        finally:
            self.http.close()


def free_claim(backend: Backend) -> int:
    """A claim of the reference article that the demo annotator has not annotated."""
    claim_id = scalar(
        backend,
        "SELECT min(c.id) FROM claims c WHERE NOT EXISTS (SELECT 1 FROM annotations a "
        "JOIN users u ON u.id = a.annotator_id WHERE a.claim_id = c.id AND u.email = :email)",
        email=ANNOTATOR,
    )
    assert claim_id is not None, "every demo claim is annotated by the annotator already"
    return int(claim_id)


def count_updates(backend: Backend, annotation_id: int) -> int:
    return int(
        scalar(
            backend,
            "SELECT count(*) FROM audit_events WHERE action = 'annotation:update' "
            "AND entity_type = 'annotation' AND entity_id = :id",
            id=annotation_id,
        )
    )


def test_twenty_windows_saving_one_annotation(backend: Backend, serve: Any) -> None:
    began = time.monotonic()
    fresh_demo(backend.url)
    token = flask_ok(backend.url, "users", "token", ANNOTATOR, "--name", "windows").strip()
    server: Server = serve(backend.url)
    claim_id = free_claim(backend)

    created = requests.put(
        f"{server.base}/api/v1/claims/{claim_id}/annotation",
        headers={"Authorization": f"Bearer {token}"},
        json={"verdict": "false", "claimant": "First", "rationale": "Created.", "version": None},
        timeout=30,
    )
    assert created.status_code == 200, created.text
    annotation_id, initial_version = created.json()["id"], created.json()["version"]
    updates_before = count_updates(backend, annotation_id)

    windows = [Window(server.base, token, claim_id, n) for n in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    deadline = time.monotonic() + RUN_BUDGET_SECONDS
    with ThreadPoolExecutor(THREADS) as pool:
        for future in [pool.submit(w.run, barrier, deadline) for w in windows]:
            future.result()
    elapsed = time.monotonic() - began

    calls = [call for w in windows for call in w.calls]
    puts = [call for call in calls if call.method == "PUT"]
    saved = sorted(v for w in windows for v in w.saved_versions)
    final_version = scalar(
        backend, "SELECT version FROM annotations WHERE id = :id", id=annotation_id
    )
    updates = count_updates(backend, annotation_id) - updates_before
    tally = Counter(f"{c.method} {c.status or 'connection error'}" for c in calls)
    summary = (
        f"{backend.name}: {len(calls)} requests in {elapsed:.1f} s, {dict(sorted(tally.items()))}; "
        f"{len(saved)} saves answered 200, version {initial_version} → {final_version}, "
        f"{updates} annotation:update events"
    )
    print(summary)
    failures = [
        f"{c.method} {c.status}: {c.body[:300]}"
        for c in calls
        if c.status is None or c.status >= 500 or "database is locked" in c.body
    ]
    assert not failures, (
        f"{len(failures)} of {len(calls)} requests failed. {summary}\nFirst ones:\n"
        + "\n".join(failures[:3])
        + f"\n--- gunicorn log (tail) ---\n{tail(server.log)}"
    )
    unexpected = [
        f"{c.method} {c.status}: {c.body[:300]}"
        for c in calls
        if c.status != 200
        and not (c.method == "PUT" and c.status == 409 and '"stale_version"' in c.body)
    ]
    assert not unexpected, f"{summary}\n" + "\n".join(unexpected[:5])
    assert len(puts) == THREADS * SAVES_PER_THREAD, (
        f"only {len(puts)} saves within {RUN_BUDGET_SECONDS} s. {summary}"
    )
    assert saved, f"not a single save succeeded. {summary}"
    assert len(saved) == final_version - initial_version == updates, summary
    # No two saves were given the same version, and none was lost.
    assert saved == list(range(initial_version + 1, final_version + 1)), summary

    verify = flask(backend.url, "audit", "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr


# --- b. an import killed halfway ------------------------------------------------------------

WORDS = [
    "government",
    "minister",
    "said",
    "figures",
    "rose",
    "fell",
    "percent",
    "million",
    "council",
    "report",
    "week",
    "officials",
    "budget",
    "housing",
    "police",
    "election",
    "court",
    "claim",
    "data",
    "spokesman",
    "according",
    "increase",
    "year",
    "analysis",
    "record",
    "agreement",
    "deal",
    "talks",
    "vote",
    "policy",
    "health",
    "schools",
]


def story(rng: random.Random, number: int, size: int = 3_000) -> str:
    paragraphs, length = [], 0
    while length < size:
        sentences = [
            " ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 25))).capitalize() + "."
            for _ in range(rng.randint(2, 4))
        ]
        paragraph = " ".join(sentences)
        paragraphs.append(paragraph)
        length += len(paragraph) + 2
    paragraphs.append(f"Story number {number} ends here.")
    return "\n\n".join(paragraphs)


def write_csv(path: Path, count: int, *, seed: int, prefix: str) -> None:
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["title", "url", "outlet", "published_on", "body"])
        for number in range(count):
            writer.writerow(
                [
                    f"{prefix} story {number}",
                    f"https://{prefix}.example/{number}",
                    "The Gazette",
                    "2024-03-01",
                    story(rng, number),
                ]
            )


def counts(backend: Backend) -> dict[str, int]:
    engine = backend.engine()
    try:
        with engine.connect() as conn:
            return {
                table: int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() or 0)  # noqa: S608
                for table in ("articles", "claims", "audit_events")
            }
    finally:
        engine.dispose()


def wait_until_importing(backend: Backend, process: subprocess.Popen[bytes], db_file: Path) -> str:
    """Wait until the import is clearly writing its transaction; say what was seen.

    SQLite: the -wal file has grown by more than 1 MB (pages of the uncommitted
    transaction spilling out of the cache). PostgreSQL: a connection to the database
    has had a transaction open for more than a second. Then one more second.
    """
    began = time.monotonic()
    deadline = began + 30
    wal = db_file.with_name(db_file.name + "-wal")
    wal_before = wal.stat().st_size if wal.exists() else 0
    engine = None if backend.name == "sqlite" else backend.engine()
    busy_since = None
    seen = "nothing"
    try:
        while time.monotonic() < deadline and process.poll() is None:
            if backend.name == "sqlite":
                grown = (wal.stat().st_size if wal.exists() else 0) - wal_before
                busy = grown > 1_000_000
                seen = f"the -wal file grew by {grown / 1e6:.1f} MB"
            else:
                assert engine is not None
                with engine.connect() as conn:
                    open_for = conn.execute(
                        text(
                            "SELECT max(extract(epoch FROM now() - xact_start)) "
                            "FROM pg_stat_activity WHERE datname = current_database() "
                            "AND pid <> pg_backend_pid()"
                        )
                    ).scalar()
                busy = open_for is not None and open_for > 1
                seen = f"a transaction open for {float(open_for or 0):.1f} s"
            if busy and busy_since is None:
                busy_since = time.monotonic()
            if busy_since is not None and time.monotonic() - busy_since > 1:
                break
            time.sleep(0.1)
    finally:
        if engine is not None:
            engine.dispose()
    assert busy_since is not None, f"the import never got going ({seen}, exit {process.poll()})"
    return f"killed after {time.monotonic() - began:.1f} s: {seen}"


def test_import_killed_halfway_leaves_nothing(backend: Backend, tmp_path: Path) -> None:
    fresh_demo(backend.url)
    big = tmp_path / "big.csv"
    write_csv(big, 3_000, seed=7, prefix="big")
    before = counts(backend)
    db_file = Path(make_url(backend.url).database or "")

    process = subprocess.Popen(
        flask_command("articles", "import", str(big)),
        cwd=ROOT,
        env=app_env(backend.url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        print(f"{backend.name}: " + wait_until_importing(backend, process, db_file))
        assert process.poll() is None, (
            f"the import ended (exit {process.returncode}) before it could be killed"
        )
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL

    after = counts(backend)
    assert after == before, f"the killed import left rows behind: {before} → {after}"
    orphans = scalar(
        backend,
        "SELECT count(*) FROM claims c LEFT JOIN articles a ON a.id = c.article_id "
        "WHERE a.id IS NULL",
    )
    assert orphans == 0
    if backend.name == "sqlite":
        engine = backend.engine()
        try:
            with engine.connect() as conn:
                assert conn.execute(text("PRAGMA integrity_check")).scalars().all() == ["ok"]
                assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
        finally:
            engine.dispose()
    verify = flask(backend.url, "audit", "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr

    small = tmp_path / "small.csv"
    write_csv(small, 3, seed=8, prefix="small")
    flask_ok(backend.url, "articles", "import", str(small))
    assert counts(backend)["articles"] == before["articles"] + 3
    verify = flask(backend.url, "audit", "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_two_annotators_finishing_one_claim_at_once_are_counted_as_three_verdicts(
    backend: Backend,
) -> None:
    """Two transactions each add a finished verdict to a claim that has one. The second
    waits for the first's lock on the claim's tally, then reads the claim's verdicts
    afresh: the agreement tallies hold one claim of three verdicts, as a recount does,
    not two claims' worth of pairs."""
    import flask_migrate
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from factcheck.annotations.models import Annotation
    from factcheck.annotations.states import AnnotationState
    from factcheck.annotations.tallies import AgreementTally, recount
    from factcheck.articles.operations import import_article
    from factcheck.db import utcnow
    from factcheck.extensions import db as database
    from factcheck.users import operations as user_ops
    from factcheck.users.models import Role
    from factcheck.verdicts.models import Verdict
    from tests.conftest import make_app

    app = make_app(backend.url)
    engine = app.extensions["factcheck.engine"]
    with app.app_context():
        flask_migrate.upgrade()
        session = database.session
        users = [
            user_ops.create_user(
                session,
                None,
                email=f"u{n}@example.org",
                name=f"U{n}",
                role=Role.ANNOTATOR,
                password="correct horse battery",
            )
            for n in range(3)
        ]
        article = import_article(
            session,
            None,
            title="Race",
            body="One claim is here. Another one too.",
            max_chars=10_000,
        )
        claim_id = article.claims[0].id
        verdicts = session.scalars(select(Verdict.id).order_by(Verdict.sort_order)).all()
        user_ids = [user.id for user in users]
        session.add(
            Annotation(
                claim_id=claim_id,
                annotator_id=user_ids[0],
                verdict_id=verdicts[0],
                state=AnnotationState.SUBMITTED,
                submitted_at=utcnow(),
            )
        )
        session.commit()
        database.session.remove()

    def finished(annotator_id: int, verdict_id: int) -> Annotation:
        return Annotation(
            claim_id=claim_id,
            annotator_id=annotator_id,
            verdict_id=verdict_id,
            state=AnnotationState.SUBMITTED,
            submitted_at=utcnow(),
        )

    first = Session(engine)
    first.add(finished(user_ids[1], verdicts[1]))
    first.flush()  # holds the claim's tally (PostgreSQL) or the write lock (SQLite)
    second_done = threading.Event()

    def second_writer() -> None:
        with Session(engine) as second:
            second.add(finished(user_ids[2], verdicts[0]))
            second.commit()
        second_done.set()

    thread = threading.Thread(target=second_writer)
    thread.start()
    assert not second_done.wait(0.5), "the second writer did not wait for the first"
    first.commit()
    first.close()
    thread.join(30)
    assert second_done.is_set()
    tallies = select(AgreementTally.__table__).where(AgreementTally.pairs != 0)
    with engine.connect() as connection:
        kept = sorted(connection.execute(tallies).all())
        recount(connection)
        counted = sorted(connection.execute(tallies).all())
        connection.rollback()
    assert kept == counted
    assert {row.unit_size for row in kept} == {3}
    engine.dispose()
