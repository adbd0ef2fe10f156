"""What RQ calls: the background worker's side of :mod:`factcheck.jobs`.

``flask jobs worker`` runs an RQ worker on the ``factcheck`` queue; each job names a
:class:`~factcheck.jobs.BackgroundJob` row, which :func:`factcheck.jobs.perform` runs
inside the app built once per worker process (the worker runs its jobs in that
process, one after another: nothing is built again per job).
"""

from __future__ import annotations

import importlib

from flask import Flask

from factcheck import jobs

_APP: Flask | None = None


def _app() -> Flask:
    global _APP
    if _APP is None:
        # The package's own factory, by name (it is this module's package).
        _APP = importlib.import_module("factcheck").create_app()
    return _APP


def use_app(app: Flask | None) -> None:
    """Run jobs in ``app``: the worker command's own, built once for every job (None:
    build one when a job first comes)."""
    global _APP
    _APP = app


def perform(job_id: int, app: Flask | None = None) -> None:
    """Run the job of row ``job_id``."""
    jobs.perform(job_id, app or _app())
