"""The audit chain: written with the change, hash-linked, and verifiable."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from factcheck.audit.models import AuditEvent
from factcheck.audit.recorder import (
    diff_fields,
    event_hash,
    head_hash,
    record,
    verify,
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


def _unguarded_chain(db: Session, make_user) -> list[int]:
    """Three stored events, with the append-only guard dropped the way an attacker with
    database access would (inside the test's transaction); their ids."""
    actor = make_user(Role.ADMIN)
    events = [
        record(db, actor, f"test:{number}", "thing", number, {"n": [None, number]})
        for number in range(3)
    ]
    db.flush()
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change"))
    else:
        db.execute(text("DROP TRIGGER audit_events_no_update"))
        db.execute(text("DROP TRIGGER audit_events_no_delete"))
    return [event.id for event in events]


def test_verify_names_an_edited_event(db: Session, make_user) -> None:
    ids = _unguarded_chain(db, make_user)
    db.execute(
        text("UPDATE audit_events SET diff = :diff WHERE id = :id"),
        {"diff": '{"n": [null, 99]}', "id": ids[-2]},
    )
    broken = verify(db)
    assert broken is not None and broken.event_id == ids[-2]
    assert "edited" in broken.reason


def test_verify_names_the_event_after_a_removed_one(db: Session, make_user) -> None:
    ids = _unguarded_chain(db, make_user)
    db.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": ids[-2]})
    broken = verify(db)
    assert broken is not None and broken.event_id == ids[-1]
    assert "removed or reordered" in broken.reason


def test_verify_notices_reordering(db: Session, make_user) -> None:
    ids = _unguarded_chain(db, make_user)
    # The last two events trade places (their ids, through a spare one).
    for old, new in ((ids[-1], -1), (ids[-2], ids[-1]), (-1, ids[-2])):
        db.execute(
            text("UPDATE audit_events SET id = :new WHERE id = :old"), {"new": new, "old": old}
        )
    broken = verify(db)
    assert broken is not None and broken.event_id == ids[-2]


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


def test_verify_reads_batch_after_batch_and_stops_at_a_break_in_the_middle(
    db: Session, make_user, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole history is read in batches (on PostgreSQL the next one by a thread
    while this one is checked): every event is checked once, in order, and a break in
    an early batch ends the walk there."""
    from factcheck.audit import recorder

    monkeypatch.setattr(recorder, "_VERIFY_BATCH", 2)
    ids = _unguarded_chain(db, make_user)
    actor = make_user(Role.ADMIN)
    ids += [record(db, actor, "test:more", "thing", n, {}).id for n in range(6)]
    db.flush()
    seen: list[int] = []
    assert verify(db, progress=seen.append) is None
    total = db.scalar(select(func.count()).select_from(AuditEvent))
    assert seen[-1] == total and seen == sorted(seen) and len(seen) >= total // 2
    db.execute(
        text("UPDATE audit_events SET diff = :diff WHERE id = :id"),
        {"diff": '{"n": [null, 99]}', "id": ids[1]},
    )
    broken = verify(db)
    assert broken is not None and broken.event_id == ids[1] and "edited" in broken.reason
    # The verify left nothing open: the session goes on.
    assert db.scalar(select(func.count()).select_from(AuditEvent)) == total
