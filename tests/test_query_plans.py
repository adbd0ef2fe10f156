"""Every page a newsroom uses reads the big tables through an index (issue 17).

On PostgreSQL, each page of a small generated newsroom is requested as its role, every
SELECT it sends is captured, and each is explained with ``enable_seqscan`` off: the
planner then scans a table whole only when no index can serve the query, which is
what a year of data (a million claims, ten million audit events) cannot afford. The
plan is what matters here, not the data's size, so a small newsroom is enough.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import String, event, func, select, text
from sqlalchemy.orm import Session

from bench._newsroom import NewsroomSize, build_newsroom
from factcheck.annotations.models import Annotation
from factcheck.annotations.states import AnnotationState
from factcheck.articles.models import Article, Claim
from factcheck.audit.models import AuditEvent
from factcheck.audit.recorder import record
from factcheck.search.index import rebuild_all
from factcheck.users.models import Role, User
from factcheck.verdicts.models import Verdict
from tests.conftest import log_in

#: The tables that grow with a newsroom's years: a whole read of any of them is a defect.
BIG_TABLES = {
    "articles",
    "claims",
    "annotations",
    "audit_events",
    "sources",
    "reviews",
    "search_entries",
    "factchecks",
}
SIZE = NewsroomSize(
    articles=30, claims_per_article=8, annotated_share=0.6, double_annotated_share=0.3, users=8
)


def scans(plan: dict[str, Any], limited: bool = False) -> Iterator[tuple[dict[str, Any], bool]]:
    """Every node of a plan, each with whether a Limit above it stops the reading early."""
    yield plan, limited
    limited = limited or plan["Node Type"] == "Limit"
    for child in plan.get("Plans", []):
        yield from scans(child, limited)


def reads_whole(node: dict[str, Any], limited: bool) -> bool:
    """A sequential scan that no LIMIT stops early.

    (An index read without a condition reads every row too, but on a small newsroom
    the planner picks those where a big one's statistics would not -- a hashed
    subplan, a nested loop filtering a whole index -- so they are not asserted on.)"""
    return node["Node Type"] == "Seq Scan" and not limited


def page_paths(db: Session) -> list[tuple[Role, str]]:
    """(role, path) of every page of issue 17's list, with ids from the generated data."""
    article = db.scalar(select(Claim.article_id).group_by(Claim.article_id).limit(1))
    claim = db.scalar(select(func.max(Annotation.claim_id)))
    queued = db.scalar(
        select(Annotation.id)
        .where(Annotation.state == AnnotationState.SUBMITTED)
        .order_by(Annotation.submitted_at, Annotation.id)
        .limit(1)
    )
    middle_event = (db.scalar(select(func.max(AuditEvent.id))) or 2) // 2
    verdict = db.scalar(select(Verdict.id).limit(1))
    annotator = db.scalar(select(User.id).where(User.role == Role.ANNOTATOR).limit(1))
    outlet = db.scalar(select(Article.outlet).where(Article.outlet != "").limit(1)) or "x"
    older = db.scalar(select(Article.id).order_by(Article.imported_at, Article.id).limit(1))
    return [
        (Role.ANNOTATOR, "/articles"),
        (Role.ANNOTATOR, f"/articles?after={older}"),
        (Role.ANNOTATOR, f"/articles/{article}"),
        (Role.ANNOTATOR, f"/claims/{claim}"),
        (Role.ANNOTATOR, "/my-work"),
        (Role.REVIEWER, "/review"),
        (Role.REVIEWER, f"/review?verdict={verdict}&annotator={annotator}"),
        (Role.REVIEWER, f"/review?article={article}"),
        (Role.REVIEWER, f"/review?after={queued}"),
        (Role.REVIEWER, "/dashboard"),
        (Role.REVIEWER, "/agreement"),
        (Role.REVIEWER, "/exports"),
        (Role.REVIEWER, "/factchecks"),
        (Role.REVIEWER, "/search?q=housing"),
        (Role.REVIEWER, f"/search?q=minister&outlet={outlet}"),
        (Role.ADMIN, "/admin/audit"),
        (Role.ADMIN, "/admin/audit?action=review:approve"),
        (Role.ADMIN, f"/admin/audit?before={middle_event}"),
        (Role.ADMIN, "/admin/verdicts"),
        (Role.ADMIN, "/admin/users"),
        (None, "/api/v1/articles"),
        (None, "/api/v1/review-queue"),
        (None, f"/api/v1/review-queue?verdict=false&annotator={annotator}"),
        (None, "/api/v1/search?q=housing"),
        (None, "/api/v1/verdicts"),
        (None, "/api/v1/factchecks"),
    ]


def _selected(statement: str) -> str:
    """The SELECT of an INSERT ... SELECT."""
    return statement[statement.index("SELECT") :]


def test_no_page_reads_a_big_table_whole(
    app: Flask,
    db: Session,
    make_user: Callable[..., User],
    make_token: Callable[..., tuple[str, User]],
) -> None:
    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("query plans are checked on PostgreSQL, the production database")
    connection = db.connection()
    build_newsroom(connection, SIZE, analyze=False)
    some_user = db.scalar(select(User).limit(1))
    for number in range(40):
        action = ("review:approve", "annotation:save")[number % 2]
        record(db, some_user, action, "annotation", number + 1, {})
    db.flush()
    rebuild_all(connection, check_drift=False)
    db.commit()
    secret, _ = make_token(Role.REVIEWER)

    engine = app.extensions["factcheck.engine"]
    captured: list[tuple[str, str, Any]] = []
    current = [""]

    def capture(_conn, _cursor, statement: str, parameters: Any, _context, executemany) -> None:
        if not executemany and statement.lstrip().upper().startswith(("SELECT", "WITH")):
            captured.append((current[0], statement, parameters))
        elif statement.startswith("INSERT INTO search_hits"):
            # Search's main read fills a scratch table (gone when the request ends).
            captured.append((current[0], _selected(statement), parameters))

    clients: dict[Role, FlaskClient] = {}
    for role in (Role.ANNOTATOR, Role.REVIEWER, Role.ADMIN):
        clients[role] = app.test_client()
        assert log_in(clients[role], make_user(role).email).status_code == 302
    api_client = app.test_client()
    event.listen(engine, "before_cursor_execute", capture)
    try:
        for role, path in page_paths(db):
            current[0] = path
            if role is None:
                response = api_client.get(path, headers={"Authorization": f"Bearer {secret}"})
            else:
                response = clients[role].get(path)
            assert response.status_code == 200, (path, response.status_code)
            current[0] = ""
    finally:
        event.remove(engine, "before_cursor_execute", capture)

    # No whole scans, and no hash or merge joins: on a small newsroom the planner would
    # rather hash a whole table than look rows up, which says nothing about a big one.
    for setting in ("enable_seqscan", "enable_hashjoin", "enable_mergejoin"):
        connection.exec_driver_sql(f"SET LOCAL {setting} = off")
    whole_reads = []
    explained = 0
    for path, statement, parameters in captured:
        if not path:
            continue
        plan = connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters)
        root = plan.scalar()[0]["Plan"]
        explained += 1
        for node, limited in scans(root):
            if reads_whole(node, limited) and node.get("Relation Name") in BIG_TABLES:
                whole_reads.append((path, node["Relation Name"], " ".join(statement.split())))
    assert explained > 100
    # The check can fail: a condition no index serves is a whole read even so.
    unindexed = connection.exec_driver_sql(
        'EXPLAIN (FORMAT JSON) SELECT id FROM claims WHERE "end" - start > 400'
    ).scalar()[0]["Plan"]
    assert any(reads_whole(*node) for node in scans(unindexed))
    assert not whole_reads, "\n".join(f"{p}: {t}: {s[:400]}" for p, t, s in whole_reads)


def test_search_reads_the_words_index_block_by_block(db: Session, make_user) -> None:
    """The blocks search asks for are the ones the index holds (the migration wrote
    the number into the index's expression), and a search of a common word reads the
    index with the block and the words together, as the viewer (an annotator: with who
    may see each annotation) -- never the entries themselves."""
    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL's indexes")
    from factcheck.search import operations

    definitions = dict(
        db.execute(
            select(func.cast(text("indexname"), String), func.cast(text("indexdef"), String))
            .select_from(text("pg_indexes"))
            .where(text("tablename = 'search_entries'"))
        ).all()
    )
    block = f"(id / {operations.ID_BLOCK})"
    assert block in definitions["ix_search_entries_document_blocks"]
    assert f"({block}), viewers, document" in definitions["ix_search_entries_document_annotations"]

    connection = db.connection()
    build_newsroom(connection, SIZE, analyze=False)
    rebuild_all(connection, check_drift=False)
    db.commit()
    captured: list[tuple[str, Any]] = []

    def capture(_conn, _cursor, statement: str, parameters: Any, _context, executemany) -> None:
        if "JOIN LATERAL" in statement:
            captured.append((_selected(statement), parameters))

    engine = db.get_bind()
    event.listen(engine, "before_cursor_execute", capture)
    try:
        for role in (Role.ANNOTATOR, Role.REVIEWER):
            operations.search(db, make_user(role), "minister")
            db.rollback()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert len(captured) >= 2
    connection = db.connection()
    for setting in ("enable_seqscan", "enable_indexscan"):
        connection.exec_driver_sql(f"SET LOCAL {setting} = off")
    for statement, parameters in captured:
        plan = connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters)
        nodes = [node for node, _ in scans(plan.scalar()[0]["Plan"])]
        used = {
            node["Index Name"]: node.get("Index Cond", "")
            for node in nodes
            if node["Node Type"] == "Bitmap Index Scan"
        }
        assert set(used) == {
            "ix_search_entries_document_blocks",
            "ix_search_entries_document_annotations",
        }, used
        assert all(block in condition and "document @@" in condition for condition in used.values())
    # The annotator's: only the annotations they may see, inside the index.
    annotator = " ".join(
        node.get("Index Cond", "")
        for node, _ in scans(
            connection.exec_driver_sql(
                f"EXPLAIN (FORMAT JSON) {captured[0][0]}", captured[0][1]
            ).scalar()[0]["Plan"]
        )
    )
    assert "viewers @>" in annotator
