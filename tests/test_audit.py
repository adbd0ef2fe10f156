"""The audit chain: written with the change, hash-linked, and verifiable."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factcheck.audit.models import AuditEvent
from factcheck.audit.recorder import (
    diff_fields,
    event_hash,
    head_hash,
    record,
    verify,
    verify_chain,
)
from factcheck.users.models import Role


def test_each_event_chains_onto_the_previous_one(db: Session, make_user) -> None:
    actor = make_user(Role.ADMIN)
    first = record(db, actor, "test:one", "thing", 1, {"a": [None, 1]})
    second = record(db, actor, "test:two", "thing", 1, {"a": [1, 2]})
    assert second.prev_hash == first.hash
    assert second.hash == event_hash(second)
    assert head_hash(db) == second.hash
    assert verify(db) is None


def test_diff_fields_keeps_only_changes_as_json() -> None:
    old = {"role": Role.ANNOTATOR, "name": "Ana", "active": True}
    new = {"role": Role.REVIEWER, "name": "Ana", "active": True}
    assert diff_fields(old, new) == {"role": ["annotator", "reviewer"]}


def _detached_chain(db: Session, make_user) -> list[AuditEvent]:
    actor = make_user(Role.ADMIN)
    for number in range(3):
        record(db, actor, f"test:{number}", "thing", number, {"n": [None, number]})
    events = db.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    return [
        AuditEvent(**{c.key: getattr(e, c.key) for c in AuditEvent.__table__.columns})
        for e in events
    ]


def test_verify_names_an_edited_event(db: Session, make_user) -> None:
    events = _detached_chain(db, make_user)
    events[-2].diff = {"n": [None, 99]}
    broken = verify_chain(events)
    assert broken is not None and broken.event_id == events[-2].id
    assert "edited" in broken.reason


def test_verify_names_the_event_after_a_removed_one(db: Session, make_user) -> None:
    events = _detached_chain(db, make_user)
    removed = events.pop(-2)
    broken = verify_chain(events)
    assert broken is not None and broken.event_id == events[-1].id
    assert removed.id != broken.event_id
    assert "removed or reordered" in broken.reason


def test_verify_notices_reordering(db: Session, make_user) -> None:
    events = _detached_chain(db, make_user)
    events[-1], events[-2] = events[-2], events[-1]
    assert verify_chain(events) is not None


def test_an_event_of_a_rolled_back_change_is_not_kept(db: Session, make_user) -> None:
    before = db.scalar(select(func.count()).select_from(AuditEvent))
    with pytest.raises(RuntimeError), db.begin_nested():
        record(db, None, "test:doomed", "thing", 1, {})
        raise RuntimeError("the change failed")
    assert db.scalar(select(func.count()).select_from(AuditEvent)) == before
