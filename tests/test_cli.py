"""The command line runs the same operations as the web."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from factcheck.annotations.models import Annotation, Stance
from factcheck.articles.models import Article, Claim
from factcheck.audit.models import AuditEvent
from factcheck.review.models import Decision, Review
from factcheck.review.workflow import AnnotationState
from factcheck.users.models import Role, User
from factcheck.verdicts.models import Verdict


def count(db: Session, model) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


def run(app: Flask, *args: str, input: str | None = None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def test_users_create_reads_password_from_stdin(app: Flask, db: Session) -> None:
    result = run(
        app,
        "users",
        "create",
        "Desk@Example.org",
        "--role",
        "reviewer",
        "--name",
        "Desk Editor",
        "--password-stdin",
        input="a long password\n",
    )
    assert result.exit_code == 0, result.output
    user = db.scalar(select(User).where(User.email == "desk@example.org"))
    assert user.role is Role.REVIEWER and user.name == "Desk Editor"
    from werkzeug.security import check_password_hash

    assert check_password_hash(user.password_hash, "a long password")


def test_users_create_prompts_for_the_password(app: Flask, db: Session) -> None:
    result = run(
        app,
        "users",
        "create",
        "p@example.org",
        "--name",
        "P",
        input="prompted password\nprompted password\n",
    )
    assert result.exit_code == 0, result.output
    assert count(db, User) == 1


def test_users_create_refuses_duplicates_and_short_passwords(app: Flask, db: Session) -> None:
    ok = run(
        app,
        "users",
        "create",
        "d@example.org",
        "--name",
        "D",
        "--password-stdin",
        input="long enough pw\n",
    )
    assert ok.exit_code == 0
    again = run(
        app,
        "users",
        "create",
        "D@example.org",
        "--name",
        "D",
        "--password-stdin",
        input="long enough pw\n",
    )
    assert again.exit_code == 1
    assert "already exists" in again.output
    short = run(
        app, "users", "create", "s@example.org", "--name", "S", "--password-stdin", input="short\n"
    )
    assert short.exit_code == 1
    assert "at least 10 characters" in short.output
    assert count(db, User) == 1


def test_articles_import_uses_first_line_as_title(app: Flask, db: Session, tmp_path: Path) -> None:
    story = tmp_path / "story.txt"
    story.write_text("Big headline\n\nFirst sentence here. Second sentence there.\n", "utf-8")
    result = run(app, "articles", "import", str(story), "--outlet", "Gazette")
    assert result.exit_code == 0, result.output
    article = db.scalar(select(Article))
    assert article.title == "Big headline" and article.outlet == "Gazette"
    assert [c.text for c in article.claims] == ["First sentence here.", "Second sentence there."]


def test_articles_import_with_title_keeps_the_whole_file(app, db: Session, tmp_path: Path) -> None:
    story = tmp_path / "story.txt"
    story.write_text("Caption line - Photo/Agency\n\nA sentence.", "utf-8")
    result = run(app, "articles", "import", str(story), "--title", "Given title")
    assert result.exit_code == 0, result.output
    article = db.scalar(select(Article))
    assert article.title == "Given title"
    assert [c.kind.value for c in article.claims] == ["caption", "sentence"]


def test_articles_import_refuses_bad_files_one_by_one(app, db: Session, tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("Title\n\nA fine sentence.", "utf-8")
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\x00\x01\x02\xff")
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Titre\n\nCafé crème.".encode("latin-1"))
    empty = tmp_path / "empty.txt"
    empty.write_text("Only a title\n", "utf-8")
    result = run(app, "articles", "import", str(binary), str(good), str(latin), str(empty))
    assert result.exit_code == 1
    assert "binary.txt looks like a binary file" in result.output
    assert "latin.txt is not UTF-8" in result.output
    assert "The article body is empty." in result.output
    assert count(db, Article) == 1
    assert count(db, Claim) == 1


def test_demo_is_idempotent_and_prints_logins(app: Flask, db: Session) -> None:
    first = run(app, "demo")
    assert first.exit_code == 0, first.output
    for email in ("annotator@example.org", "reviewer@example.org", "admin@example.org"):
        assert email in first.output
    assert "factcheck-demo" in first.output
    counts = (count(db, User), count(db, Article), count(db, Claim), count(db, AuditEvent))
    # The reference article (29 claims, and the correction its second revision adds), the
    # Spanish one (24) and the Arabic one (23).
    assert counts[:3] == (3, 3, 29 + 1 + 24 + 23)
    assert "2 more articles loaded, in Spanish and Arabic" in first.output
    assert "a correction added as revision 2" in first.output
    second = run(app, "demo")
    assert second.exit_code == 0, second.output
    assert (count(db, User), count(db, Article), count(db, Claim), count(db, AuditEvent)) == counts
    roles = dict(db.execute(select(User.email, User.role)).all())
    assert roles["admin@example.org"] is Role.ADMIN


def test_demo_shows_the_workflow_in_every_state(app: Flask, db: Session) -> None:
    run(app, "demo")
    states = set(db.scalars(select(Annotation.state)))
    assert states == set(AnnotationState)
    disputed = db.scalar(
        select(Annotation)
        .join(Claim, Claim.id == Annotation.claim_id)
        .join(Verdict, Verdict.id == Annotation.verdict_id)
        .where(Verdict.key == "disputed")
    )
    assert disputed.claim.text.startswith("EU officials told The Telegraph")
    assert disputed.state is AnnotationState.APPROVED
    assert disputed.annotator.email == "annotator@example.org"
    [source] = disputed.sources
    assert source.stance is Stance.DISPUTES
    assert "did not recall rejecting the proposal" in source.quote
    reviews = db.scalars(select(Review.decision)).all()
    assert set(reviews) == {Decision.APPROVE, Decision.REQUEST_CHANGES, Decision.REJECT}
    assert run(app, "audit", "verify").exit_code == 0


def test_demo_password_comes_from_the_environment(app, db: Session, monkeypatch) -> None:
    monkeypatch.setenv("FACTCHECK_DEMO_PASSWORD", "another demo password")
    result = run(app, "demo")
    assert "another demo password" in result.output
    from factcheck.users.operations import authenticate

    assert authenticate(db, "reviewer@example.org", "another demo password") is not None
    # A later run with another password changes no account, so it does not print it.
    monkeypatch.setenv("FACTCHECK_DEMO_PASSWORD", "a third password")
    again = run(app, "demo")
    assert "a third password" not in again.output
    assert "created earlier, with the demo password of that day" in again.output
    assert authenticate(db, "reviewer@example.org", "another demo password") is not None


def test_audit_verify_passes_then_names_the_edited_event(app: Flask, db: Session) -> None:
    run(app, "demo")
    events = count(db, AuditEvent)
    ok = run(app, "audit", "verify")
    assert ok.exit_code == 0, ok.output
    assert f"OK: {events} events" in ok.output
    # Sequences are not rolled back between tests on PostgreSQL: any number will do.
    assert re.search(r"checkpoint \d+ written", ok.output)
    target = db.scalar(select(AuditEvent.id).order_by(AuditEvent.id).offset(1).limit(1))
    # A hand-made edit: drop the guard the way an attacker with database access would.
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change"))
    else:
        db.execute(text("DROP TRIGGER audit_events_no_update"))
    db.execute(
        text("UPDATE audit_events SET diff = :diff WHERE id = :id"),
        {"diff": '{"email": [null, "mallory@example.org"]}', "id": target},
    )
    db.expire_all()
    broken = run(app, "audit", "verify")
    assert broken.exit_code == 1
    assert f"BROKEN at event {target}" in broken.output


def test_audit_verify_since_checkpoint_reads_only_what_follows_and_trusts_no_forged_checkpoint(
    app: Flask, db: Session
) -> None:
    from factcheck.audit.models import AuditCheckpoint
    from factcheck.audit.recorder import record

    run(app, "demo")
    first = run(app, "audit", "verify", "--since-checkpoint")  # no checkpoint yet: all
    assert first.exit_code == 0, first.output
    record(db, None, "test:later", "thing", 1, {"n": [None, 1]})
    db.commit()
    second = run(app, "audit", "verify", "--since-checkpoint")
    assert second.exit_code == 0, second.output
    # The checkpoint's own event and the one recorded since: two read.
    assert "(2 read after checkpoint " in second.output
    assert count(db, AuditCheckpoint) == 2
    latest = db.scalar(select(AuditCheckpoint.id).order_by(AuditCheckpoint.id.desc()).limit(1))
    # Checkpoints are append-only, and a forged one is noticed.
    with pytest.raises(Exception, match="append-only"):
        db.execute(text("UPDATE audit_checkpoints SET events = 1"))
        db.flush()
    db.rollback()
    if db.get_bind().dialect.name == "postgresql":
        db.execute(
            text("ALTER TABLE audit_checkpoints DISABLE TRIGGER audit_checkpoints_no_change")
        )
    else:
        db.execute(text("DROP TRIGGER audit_checkpoints_no_update"))
    db.execute(
        text("UPDATE audit_checkpoints SET events = events + 5 WHERE id = :id"), {"id": latest}
    )
    db.commit()
    forged = run(app, "audit", "verify", "--since-checkpoint")
    assert forged.exit_code == 1
    assert f"audit checkpoint {latest} was changed or removed" in forged.output


def test_a_spanish_demo_names_the_verdict_scale_in_spanish(
    app: Flask, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    from factcheck.verdicts.models import Verdict

    monkeypatch.setenv("FACTCHECK_DEMO_LANGUAGE", "es")
    first = run(app, "demo")
    assert first.exit_code == 0, first.output
    assert "9 verdicts named in Spanish" in first.output
    db.expire_all()
    labels = dict(db.execute(select(Verdict.key, Verdict.label)).all())
    assert labels["true"] == "Verdadero" and labels["mostly_false"] == "Mayormente falso"
    renames = db.scalars(select(AuditEvent).where(AuditEvent.action == "verdict:update")).all()
    assert len(renames) == 9 and {e.actor.email for e in renames} == {"admin@example.org"}
    # The demo's verdicts are the Spanish ones now (keys do not change).
    from factcheck.annotations.models import Annotation

    used = set(db.scalars(select(Verdict.label).join(Annotation)).all())
    assert "Disputed" not in used and "En disputa" in used

    events = count(db, AuditEvent)
    again = run(app, "demo")
    assert again.exit_code == 0 and "named in Spanish" not in again.output
    assert count(db, AuditEvent) == events


def test_an_unknown_demo_language_is_refused_before_anything_is_made(
    app: Flask, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FACTCHECK_DEMO_LANGUAGE", "klingon")
    result = run(app, "demo")
    assert result.exit_code == 1
    assert "FACTCHECK_DEMO_LANGUAGE must be one of: en, es." in result.output
    assert count(db, User) == 0 and count(db, Article) == 0
