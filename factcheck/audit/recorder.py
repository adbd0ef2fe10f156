"""Write audit events in the caller's transaction, chain them by hash, verify the chain."""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from factcheck.audit.models import AuditEvent
from factcheck.db import utcnow

if TYPE_CHECKING:  # a type only: audit sits below users and never imports it
    from factcheck.users.models import User

#: Arbitrary constant naming the PostgreSQL advisory lock that serialises the chain.
_CHAIN_LOCK_KEY = 7_461_020_231


def _json_default(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot record {type(value).__name__} in an audit diff")


def _canonical(value: Any) -> str:
    return json.dumps(
        value, default=_json_default, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )


def normalise(value: Any) -> Any:
    """Turn enums and dates into the JSON the event will be read back as."""
    return json.loads(_canonical(value))


def diff_fields(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Return ``{field: [old, new]}`` for the fields whose value changed."""
    old_n, new_n = normalise(dict(old)), normalise(dict(new))
    return {
        key: [old_n.get(key), new_n.get(key)] for key in new_n if old_n.get(key) != new_n.get(key)
    }


def event_hash(event: AuditEvent) -> str:
    """SHA-256 over everything the event says and the hash it follows."""
    payload = _canonical(
        {
            "prev": event.prev_hash,
            "at": event.created_at.isoformat(),
            "actor": event.actor_id,
            "action": event.action,
            "entity": [event.entity_type, event.entity_id],
            "diff": event.diff,
        }
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def head_hash(session: Session) -> str:
    """The newest event's hash, or "" for an empty history."""
    return session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)) or ""


def record(
    session: Session,
    actor: User | None,
    action: str,
    entity_type: str,
    entity_id: int | None,
    diff: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the current transaction and return it.

    :param actor: who made the change; None for the system (demo loader).
    :param action: namespaced verb such as ``annotation:submit``.
    :param diff: ``{field: [old, new]}`` or details; must be JSON-serialisable.
    """
    if session.get_bind().dialect.name == "postgresql":
        # Two transactions must not both chain onto the same head; the lock is held
        # until commit. SQLite needs none: writers hold the database lock (BEGIN IMMEDIATE).
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK_KEY})
    session.flush()
    event = AuditEvent(
        created_at=utcnow(),
        actor_id=actor.id if actor is not None else None,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        diff=normalise(dict(diff or {})),
        prev_hash=head_hash(session),
    )
    event.hash = event_hash(event)
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    reason: str


def verify_chain(events: Iterable[AuditEvent]) -> ChainBreak | None:
    """Walk events in id order; return the first that was edited, removed or reordered."""
    previous = ""
    for event in events:
        if event.prev_hash != previous:
            return ChainBreak(
                event.id, "does not follow the previous event (one was removed or reordered)"
            )
        if event_hash(event) != event.hash:
            return ChainBreak(event.id, "content does not match its hash (the row was edited)")
        previous = event.hash
    return None


def verify(session: Session) -> ChainBreak | None:
    """Verify the whole stored history, streaming it in id order."""
    events = session.scalars(
        select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=1000)
    )
    try:
        return verify_chain(events)
    finally:
        # verify_chain may stop at the first break; close the server-side cursor anyway.
        events.close()


def events_for(session: Session, entity_type: str, entity_id: int) -> list[AuditEvent]:
    """The history of one entity, oldest first, with actors loaded."""
    from sqlalchemy.orm import joinedload

    return list(
        session.scalars(
            select(AuditEvent)
            .options(joinedload(AuditEvent.actor))
            .where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id)
            .order_by(AuditEvent.id)
        )
    )
