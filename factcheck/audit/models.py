"""The append-only, hash-chained audit history."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from factcheck.db import Base, intpk, utcnow

if TYPE_CHECKING:  # a type only: audit sits below users and never imports it
    from factcheck.users.models import User


class AuditEvent(Base):
    """One recorded change. Rows are never updated or deleted (triggers refuse it)."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_entity", "entity_type", "entity_id"),
        Index("ix_audit_events_created_at", "created_at"),
    )

    id: Mapped[intpk]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: None for changes made by the system itself (migrations, the demo loader).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    #: Namespaced verb: ``annotation:submit``, ``claim:split``, ``user:create``.
    action: Mapped[str] = mapped_column(String(60), index=True)
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None]
    #: ``{field: [old, new]}`` for changes; free-form details for other events.
    diff: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: Hash of the previous event ("" for the first), chaining the log.
    prev_hash: Mapped[str] = mapped_column(String(64))
    #: SHA-256 over this event's content and ``prev_hash``.
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    actor: Mapped[User | None] = relationship("User")

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.action} {self.entity_type}:{self.entity_id}>"


class AuditCheckpoint(Base):
    """A point up to which the audit history was verified, so that a later verify can
    check only what came after it. Checkpoints chain by hash like events, are
    append-only, and each is anchored by an ``audit:checkpoint`` event in the history
    itself: changing one is detected by the next verify either way."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[intpk]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The last event the verify checked, and its hash then.
    event_id: Mapped[int]
    event_hash: Mapped[str] = mapped_column(String(64))
    #: How many events the history held up to and including ``event_id``.
    events: Mapped[int]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
