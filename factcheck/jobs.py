"""Work that follows a change but may take longer than a request: background jobs.

A change asks for work with :func:`schedule` inside its transaction. The work becomes a
:class:`BackgroundJob` row, committed with the change, and then runs

- on Redis, through RQ, when ``FACTCHECK_REDIS_URL`` is set: a worker (``flask jobs
  worker``) picks it up -- production;
- otherwise in a thread of the process that made the change, once it has committed --
  development and a small newsroom, with nothing more to run;
- or at once, in the change's own transaction, for a command (its process may end
  as soon as it commits) and where ``BACKGROUND_WORK`` is ``"inline"`` (the tests,
  so that what a test commits is complete).

The row is what users see: what the job does, how far it got, whether it failed; it
lives in the database so that every page can show it without asking Redis.

A job's work reads the state it is about when it runs (an article's claims, the
library), so the newest job of a kind and subject does all that the older ones would:
a change does not queue a second job beside one still queued (it locks that one until
it commits, so the job cannot start without seeing the change), and a job that finds a
newer one queued steps aside. In one process, the jobs of a subject run one at a time.
Fifty approvals in a minute are then a few library refreshes, not fifty at once.
"""

from __future__ import annotations

import contextlib
import enum
import importlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import flask
from sqlalchemy import JSON, Enum, Index, Integer, String, Text, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from factcheck.db import Base, enum_values, intpk, utcnow
from factcheck.extensions import redis_client

log = logging.getLogger(__name__)
_PENDING = "factcheck.jobs.pending"
_QUEUED = "factcheck.jobs.queued"
QUEUE_NAME = "factcheck"
#: Progress is written (and committed) at most this often, in units of work.
PROGRESS_EVERY = 50

#: What a job runs: ``function(session, payload, progress)``, where ``progress(done,
#: total)`` may be called as it goes.
Progress = Callable[[int, int], None]
Work = Callable[[Session, dict[str, Any], Progress], None]


class JobState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class BackgroundJob(Base):
    __tablename__ = "background_jobs"
    __table_args__ = (Index("ix_background_jobs_subject_state", "subject", "state"),)

    id: Mapped[intpk]
    #: ``module:function`` of the work (see :data:`Work`).
    function: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: What users read: "Looking for earlier fact-checks of 31 claims".
    label: Mapped[str] = mapped_column(String(200))
    #: What the job is about, for the page that shows it: "article:12", "library".
    subject: Mapped[str] = mapped_column(String(100))
    state: Mapped[JobState] = mapped_column(
        Enum(
            JobState,
            name="background_job_state",
            values_callable=enum_values,
            native_enum=False,
            length=20,
            create_constraint=True,
        ),
        default=JobState.QUEUED,
    )
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0


@dataclass
class _Request:
    function: str
    payload: dict[str, Any]
    label: str
    subject: str
    done: bool = field(default=False)


def schedule(
    session: Session, function: str, payload: dict[str, Any], *, label: str, subject: str
) -> None:
    """Ask for ``function`` to run once this transaction commits (the same request asked
    twice runs once)."""
    pending: list[_Request] = session.info.setdefault(_PENDING, [])
    if any(r.function == function and r.payload == payload for r in pending):
        return
    pending.append(_Request(function, payload, label, subject))


def _resolve(function: str) -> Work:
    module, _, name = function.partition(":")
    return getattr(importlib.import_module(module), name)


def _redis_url() -> str | None:
    if not flask.has_app_context():
        return None
    return flask.current_app.config.get("REDIS_URL") or None


def _inline() -> bool:
    # A command (no request) waits for its work: its process may end right after.
    return (
        not flask.has_request_context()
        or flask.current_app.config.get("BACKGROUND_WORK") == "inline"
    )


def _before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return
    # Work may ask for more work (a library change re-matches claims): until none is left.
    while session.info.get(_PENDING):
        pending: list[_Request] = session.info.pop(_PENDING)
        if _inline():
            for request in pending:
                _resolve(request.function)(session, request.payload, lambda done, total: None)
            session.flush()
            continue
        jobs = [
            BackgroundJob(
                function=request.function,
                payload=request.payload,
                label=request.label,
                subject=request.subject,
                state=JobState.QUEUED,
            )
            for request in pending
            if not _queued(session, request.function, request.subject, lock=True)
        ]
        session.add_all(jobs)
        session.flush()
        session.info.setdefault(_QUEUED, []).extend(job.id for job in jobs)


def _queued(
    session: Session, function: str, subject: str, *, newer_than: int = 0, lock: bool = False
) -> bool:
    """Whether a job of this kind and subject (newer than job ``newer_than``) is queued
    and not started: it will do the work of the request or the job asking."""
    query = select(BackgroundJob.id).where(
        BackgroundJob.function == function,
        BackgroundJob.subject == subject,
        BackgroundJob.state == JobState.QUEUED,
        BackgroundJob.id > newer_than,
    )
    if lock:
        # Locked until this transaction ends, so the job cannot start (its first step
        # marks it running) before this change is committed.
        query = query.order_by(BackgroundJob.id.desc()).with_for_update()
    return session.scalar(query.limit(1)) is not None


_SUBJECT_LOCKS: dict[tuple[str, str], threading.Lock] = {}
_SUBJECT_LOCKS_LOCK = threading.Lock()


def _subject_lock(function: str, subject: str) -> threading.Lock:
    with _SUBJECT_LOCKS_LOCK:
        return _SUBJECT_LOCKS.setdefault((function, subject), threading.Lock())


def _after_commit(session: Session) -> None:
    queued = session.info.pop(_QUEUED, None)
    if not queued or not flask.has_app_context():
        return
    url = _redis_url()
    if url is None:
        app = flask.current_app._get_current_object()  # type: ignore[attr-defined]
        threading.Thread(
            target=_perform_all, args=(app, queued), name="factcheck-jobs", daemon=True
        ).start()
        return
    from rq import Queue

    queue = Queue(QUEUE_NAME, connection=redis_client())
    for job_id in queued:
        queue.enqueue("factcheck.worker.perform", job_id, job_timeout=3600)


def _perform_all(app: flask.Flask, job_ids: list[int]) -> None:
    for job_id in job_ids:
        # A failure is written on the job's row and logged by perform; the next job runs.
        with contextlib.suppress(Exception):
            perform(job_id, app)


def perform(job_id: int, app: flask.Flask) -> None:
    """Run the job of row ``job_id`` in ``app`` (a job already done, or gone, is left
    alone); a failure is written on the row, logged, and raised again."""
    from factcheck.extensions import db

    with app.app_context():
        session = db.session
        try:
            job = session.get(BackgroundJob, job_id)
            if job is None or job.state in (JobState.DONE, JobState.FAILED):
                return
            with _subject_lock(job.function, job.subject):
                session.refresh(job)
                if job.state in (JobState.DONE, JobState.FAILED):
                    return
                if _queued(session, job.function, job.subject, newer_than=job.id):
                    job.state = JobState.DONE
                    job.error = "Done by a later job about the same thing."
                    job.finished_at = utcnow()
                    session.commit()
                    return
                run(session, job, session.commit)
        except Exception as error:
            log.exception("background job %s failed", job_id)
            session.rollback()
            failed = session.get(BackgroundJob, job_id)
            if failed is not None:
                failed.state = JobState.FAILED
                failed.error = f"{type(error).__name__}: {error}"[:2000]
                failed.finished_at = utcnow()
                session.commit()
            raise
        finally:
            db.session.remove()


def _after_rollback(session: Session) -> None:
    if not session.in_transaction():
        session.info.pop(_PENDING, None)
        session.info.pop(_QUEUED, None)


LISTENERS = (
    ("before_commit", _before_commit),
    ("after_commit", _after_commit),
    ("after_soft_rollback", lambda session, _previous: _after_rollback(session)),
)


def keep_jobs(session_class: type[Session] | Any = Session) -> None:
    """Listen to every session (idempotent): called once by the app factory, after the
    hooks whose work may schedule jobs."""
    for name, listener in LISTENERS:
        if not event.contains(session_class, name, listener):
            event.listen(session_class, name, listener)


def run(session: Session, job: BackgroundJob, commit: Callable[[], None]) -> None:
    """Do ``job``'s work, committing its progress now and then and its end."""
    job.state = JobState.RUNNING
    commit()
    last = 0

    def progress(done: int, total: int) -> None:
        nonlocal last
        job.done, job.total = done, total
        if done - last >= PROGRESS_EVERY or done >= total:
            last = done
            commit()

    _resolve(job.function)(session, dict(job.payload or {}), progress)
    job.state = JobState.DONE
    job.finished_at = utcnow()
    commit()


def active_jobs(session: Session, subject: str) -> list[BackgroundJob]:
    """The jobs about ``subject`` still queued or running, oldest first."""
    return list(
        session.scalars(
            select(BackgroundJob)
            .where(
                BackgroundJob.subject == subject,
                BackgroundJob.state.in_([JobState.QUEUED, JobState.RUNNING]),
            )
            .order_by(BackgroundJob.id)
        )
    )
