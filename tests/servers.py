"""The app run out of process, as in production: throwaway databases, ``flask`` commands
and gunicorn on a free loopback port.

Shared by the suite (``conftest.py``, ``test_concurrency.py``) and ``bench/load.py``,
which all need the same set-up and would otherwise each carry a copy.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

ROOT = Path(__file__).resolve().parents[1]
LISTENING = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+)")


# --- throwaway PostgreSQL databases --------------------------------------------------------


def _admin(base_url: str):
    return create_engine(
        base_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5}
    )


def create_postgres_database(base_url: str, name: str) -> str:
    """An empty database ``name`` on the server of ``base_url`` (replacing any of that
    name); return its URL."""
    admin = _admin(base_url)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return make_url(base_url).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(base_url: str, name: str) -> None:
    admin = _admin(base_url)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


# --- the app's commands ----------------------------------------------------------------------


def app_env(url: str, *, secret_key: str, demo_password: str) -> dict[str, str]:
    """The environment of an out-of-process app on ``url``: no rate limit in the way."""
    env = dict(os.environ)
    env.update(
        FACTCHECK_CONFIG="development",
        FACTCHECK_DATABASE_URL=url,
        FACTCHECK_SECRET_KEY=secret_key,
        FACTCHECK_DEMO_PASSWORD=demo_password,
        FACTCHECK_API_RATE_LIMIT="1000000",
        PYTHONUNBUFFERED="1",
    )
    return env


def flask_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "wsgi", *args]


def run_flask(
    env: dict[str, str], *args: str, input: str | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        flask_command(*args),
        cwd=ROOT,
        env=env,
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


# --- gunicorn ----------------------------------------------------------------------------------


def gunicorn_options() -> list[str]:
    """Options that depend on the gunicorn version.

    Gunicorn 25+ opens a control socket at one fixed path under ~/.gunicorn; parallel
    servers (pytest -n, a benchmark alongside) would fight over it, and nothing here
    needs it.
    """
    from gunicorn.config import KNOWN_SETTINGS

    names = {setting.name for setting in KNOWN_SETTINGS}
    return ["--no-control-socket"] if "control_socket_disable" in names else []


class GunicornFailed(RuntimeError):
    """gunicorn exited or did not answer /healthz in time; the message ends with its log."""


def start_gunicorn(
    env: dict[str, str],
    log: Path,
    *,
    workers: int = 4,
    timeout: int | None = None,
    threads: int | None = None,
) -> tuple[subprocess.Popen[bytes], int]:
    """Serve ``wsgi:app`` on a free loopback port; return the process and the port once
    /healthz answers 200. The output goes to ``log``. ``threads``: gthread workers with
    that many threads each (as ``make run`` serves)."""
    worker_timeout = ["--timeout", str(timeout)] if timeout else []
    if threads:
        worker_timeout += ["--threads", str(threads), "--worker-class", "gthread"]
    with log.open("wb") as handle:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                str(workers),
                "--bind",
                "127.0.0.1:0",
                *worker_timeout,
                "--graceful-timeout",
                "5",
                *gunicorn_options(),
                "wsgi:app",
            ],
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 30
    port = None
    while time.monotonic() < deadline and process.poll() is None:
        if port is None:
            match = LISTENING.search(log.read_text(errors="replace"))
            port = int(match.group(1)) if match else None
        if port is not None:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/healthz", timeout=2
                ) as answer:
                    if answer.status == 200:
                        return process, port
            except OSError:
                pass
        time.sleep(0.2)
    stop(process)
    raise GunicornFailed(f"gunicorn did not start (exit {process.poll()}):\n{tail(log)}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def tail(path: Path, lines: int = 80) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
