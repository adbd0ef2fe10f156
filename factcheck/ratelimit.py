"""Fixed-window rate limits counted in the database, so every worker sees one count."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from sqlalchemy import String, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from factcheck.db import Base


class RateCounter(Base):
    """Requests counted per key (API token, login account or address) per time window.

    Kept in the database so that every worker process and host sees the same count.
    """

    __tablename__ = "rate_counters"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    #: Start of the window, in whole seconds since the epoch.
    window: Mapped[int] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


@dataclass(frozen=True)
class RateCheck:
    allowed: bool
    count: int
    retry_after: int


def _window_start(window_seconds: int, now: float) -> int:
    return int(now) // window_seconds * window_seconds


def hit(session: Session, key: str, *, limit: int, window_seconds: int = 60) -> RateCheck:
    """Count one request for ``key``; say whether it is within ``limit`` per window.

    Flushes but does not commit: the caller commits at once, so the count stands even
    when the request itself fails afterwards.
    """
    now = time.time()
    window = _window_start(window_seconds, now)
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(RateCounter).values(key=key[:200], window=window, count=1)
    statement = statement.on_conflict_do_update(
        index_elements=[RateCounter.key, RateCounter.window],
        set_={"count": RateCounter.count + 1},
    ).returning(RateCounter.count)
    # One round trip: the upsert answers with the count it left (SQLite 3.35+, PostgreSQL).
    count = session.execute(statement).scalar_one()
    if random.random() < 0.01:  # noqa: S311 - housekeeping, not security
        session.execute(delete(RateCounter).where(RateCounter.window < window - 3600))
    return RateCheck(count <= limit, count, seconds_left(window_seconds, now))


def peek(session: Session, key: str, *, window_seconds: int = 60) -> int:
    """How many hits ``key`` has in the current window, without counting one."""
    window = _window_start(window_seconds, time.time())
    return int(
        session.scalar(
            select(RateCounter.count).where(
                RateCounter.key == key[:200], RateCounter.window == window
            )
        )
        or 0
    )


def seconds_left(window_seconds: int = 60, now: float | None = None) -> int:
    """Seconds until the current window ends (at least 1)."""
    now = time.time() if now is None else now
    return max(1, _window_start(window_seconds, now) + window_seconds - int(now))
