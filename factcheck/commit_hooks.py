"""Work that must happen in the same transaction as the writes that call for it.

A hook notes, after each flush, what the flush touched (by id, in ``session.info``) and
acts on it once, just before the outermost transaction commits; the search index and
the fact-check library follow every write this way, whatever way in made it. A
savepoint's release is a commit too: the marks wait for the real one. A rolled-back
transaction's marks name rows that are gone, and are forgotten with it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, SessionTransaction, UOWTransaction

M = TypeVar("M")


class CommitHook(Generic[M]):
    """``note(session, marks)`` after each flush; ``act(session, marks)`` before the
    outermost commit when anything was noted."""

    def __init__(
        self,
        key: str,
        marks: Callable[[], M],
        note: Callable[[Session, M], None],
        act: Callable[[Session, M], None],
    ) -> None:
        def after_flush(session: Session, _context: UOWTransaction) -> None:
            note(session, session.info.setdefault(key, marks()))

        def before_commit(session: Session) -> None:
            if session.in_nested_transaction():
                return
            session.flush()
            noted = session.info.pop(key, None)
            if noted:
                act(session, noted)

        def after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
            if transaction.parent is None:
                session.info.pop(key, None)

        #: The session events and their listeners (a bench takes them off again).
        self.listeners: tuple[tuple[str, Callable[..., None]], ...] = (
            ("after_flush", after_flush),
            ("before_commit", before_commit),
            ("after_transaction_end", after_transaction_end),
        )

    def install(self, session_class: type[Session] | Any = Session) -> None:
        """Listen to every session (idempotent): called once by the app factory."""
        for name, listener in self.listeners:
            if not event.contains(session_class, name, listener):
                event.listen(session_class, name, listener)


def changed(thing: object, *attributes: str) -> bool:
    """Whether the pending or just flushed change of ``thing`` (a listener's
    ``session.dirty``) sets any of ``attributes`` to a new value."""
    state = inspect(thing)
    return any(state.attrs[name].history.has_changes() for name in attributes)
