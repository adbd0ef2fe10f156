"""Fixed-window rate limits counted where every worker and host sees one count: in
Redis when one is configured (``FACTCHECK_REDIS_URL``), else in the database.

Every API request counts one hit. In the database that is an upsert and a commit of
its own (about 1 ms of the request's CPU and a write to the log); in Redis, one round
trip. Should Redis fail, the count goes to the database instead: a limit is never
lifted because a server is down (while it is, the two stores count apart).
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass

from sqlalchemy import String, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from factcheck.db import Base
from factcheck.extensions import redis_client


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


log = logging.getLogger(__name__)


def _redis_key(key: str, window: int) -> str:
    return f"factcheck:rate:{window}:{key[:200]}"


def _redis_failed(error: Exception) -> None:
    log.warning("rate limit counted in the database: Redis failed (%s)", error)


def hit(session: Session, key: str, *, limit: int, window_seconds: int = 60) -> RateCheck:
    """Count one request for ``key``; say whether it is within ``limit`` per window.

    In the database: flushes but does not commit; the caller commits at once, so the
    count stands even when the request itself fails afterwards. (Redis keeps it at once.)
    """
    now = time.time()
    window = _window_start(window_seconds, now)
    client = redis_client()
    if client is not None:
        from redis.exceptions import RedisError

        name = _redis_key(key, window)
        try:
            # Counted and given its lifetime together (MULTI/EXEC): a key never lingers.
            with client.pipeline(transaction=True) as pipe:
                count = int(pipe.incr(name).expire(name, 2 * window_seconds).execute()[0])
            return RateCheck(count <= limit, count, seconds_left(window_seconds, now))
        except RedisError as error:
            _redis_failed(error)
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
    client = redis_client()
    if client is not None:
        from redis.exceptions import RedisError

        try:
            return int(client.get(_redis_key(key, window)) or 0)
        except RedisError as error:
            _redis_failed(error)
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
