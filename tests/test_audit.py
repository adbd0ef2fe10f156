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


def test_the_streaming_verifier_hashes_exactly_as_the_recorder(db: Session, make_user) -> None:
    """verify() writes each payload out itself, for speed: it must agree with
    event_hash() on everything an event can hold."""
    from datetime import UTC, datetime

    actor = make_user(Role.ADMIN)
    tricky = {
        "quote": ['"', "\\"],
        "accents": [None, "Zoë, Gdańsk, São Paulo, 北京"],
        "control": ["line\nbreak\ttab", "\u2028"],
        "numbers": [1, 2.5],
        "nested": [{"b": 1, "a": [True, None]}, {}],
        "order": ["z", "a"],
    }
    record(db, actor, "test:tricky", "thing", 7, tricky)
    record(db, None, "test:system", "thing", None, {})
    # A moment whose microseconds are all zero: isoformat() leaves them out.
    event = AuditEvent(
        created_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        actor_id=actor.id,
        action="test:round-second",
        entity_type="thing",
        entity_id=1,
        diff={"é": ["ü", None]},
        prev_hash=head_hash(db),
    )
    event.hash = event_hash(event)
    db.add(event)
    db.flush()
    assert verify(db) is None
    seen: list[int] = []
    assert verify(db, progress=seen.append) is None
    assert seen[-1] == db.scalar(select(func.count()).select_from(AuditEvent))
    # From a checkpoint: only what follows is read, chained onto the checkpoint's hash.
    first = db.scalar(select(AuditEvent).order_by(AuditEvent.id).limit(1))
    assert verify(db, after=(first.id, first.hash)) is None
    broken = verify(db, after=(first.id, "0" * 64))
    assert broken is not None and "removed or reordered" in broken.reason
