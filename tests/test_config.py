"""Configuration: production refuses weak secrets; SQLite is set up for concurrency."""

from __future__ import annotations

import multiprocessing
import os
import stat
from concurrent.futures import ProcessPoolExecutor

import pytest
from sqlalchemy import text

from config import (
    KNOWN_WEAK_SECRET_KEYS,
    DevelopmentConfig,
    ProductionConfig,
    TestingConfig,
    config_from_env,
    secret_key_problem,
)
from factcheck import create_app
from factcheck.extensions import build_engine
from tests.conftest import csrf_token


@pytest.mark.parametrize("key", ["", "dev", "factcheck-dev", "short-key"])
def test_production_refuses_to_start_without_a_real_secret_key(key: str, tmp_path) -> None:
    class Config(ProductionConfig):
        SECRET_KEY = key
        DATABASE_URL = f"sqlite:///{tmp_path / 'p.sqlite'}"

    with pytest.raises(RuntimeError, match="FACTCHECK_SECRET_KEY"):
        create_app(Config)


def test_production_cookies_are_secure_httponly_and_samesite(tmp_path) -> None:
    class Config(ProductionConfig):
        SECRET_KEY = "k" * 64
        DATABASE_URL = f"sqlite:///{tmp_path / 'p.sqlite'}"

    app = create_app(Config)
    for prefix in ("SESSION_COOKIE", "REMEMBER_COOKIE"):
        assert app.config[f"{prefix}_SECURE"] is True
        assert app.config[f"{prefix}_HTTPONLY"] is True
        assert app.config[f"{prefix}_SAMESITE"] == "Lax"
    response = app.test_client().get("/login")
    assert "max-age=" in response.headers["Strict-Transport-Security"]


def test_development_defaults_to_sqlite_in_instance(monkeypatch) -> None:
    assert DevelopmentConfig.DATABASE_URL.startswith("sqlite:///")
    assert DevelopmentConfig.DATABASE_URL.endswith("/instance/factcheck.sqlite")
    monkeypatch.setenv("FACTCHECK_CONFIG", "production")
    assert config_from_env() is ProductionConfig
    monkeypatch.setenv("FACTCHECK_CONFIG", "staging")
    with pytest.raises(RuntimeError, match="not one of"):
        config_from_env()


def test_sqlite_connections_use_wal_busy_timeout_and_foreign_keys(tmp_path) -> None:
    engine = build_engine(f"sqlite:///{tmp_path / 'x.sqlite'}", busy_timeout=7)
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 7000
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_production_login_sets_secure_httponly_samesite_cookies(tmp_path) -> None:
    import flask_migrate

    from factcheck.extensions import db
    from factcheck.users.operations import create_user

    class Config(ProductionConfig):
        SECRET_KEY = "k" * 64
        DATABASE_URL = f"sqlite:///{tmp_path / 'prod.sqlite'}"
        PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"

    app = create_app(Config)
    with app.app_context():
        flask_migrate.upgrade()
        create_user(db.session, None, email="p@example.org", name="P", password="prod password 1")
        db.session.commit()
        db.session.remove()
    client = app.test_client()
    token = csrf_token(client, "/login", base_url="https://factcheck.test")
    response = client.post(
        "/login",
        data={
            "email": "p@example.org",
            "password": "prod password 1",
            "remember": "y",
            "csrf_token": token,
        },
        base_url="https://factcheck.test",
        headers={"Referer": "https://factcheck.test/login"},
    )
    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    for name in ("factcheck_session", "factcheck_remember"):
        cookie = next(c for c in cookies if c.startswith(name + "="))
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie, cookie
    assert "max-age=" in response.headers["Strict-Transport-Security"]
    app.extensions["factcheck.engine"].dispose()


def development_app(tmp_path, **settings):
    """The development configuration with its instance folder (and database) in tmp_path."""
    config = type(
        "Dev",
        (DevelopmentConfig,),
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'dev.sqlite'}",
            "INSTANCE_PATH": str(tmp_path / "instance"),
            **settings,
        },
    )
    return create_app(config)


def test_development_has_no_well_known_secret_key_by_default() -> None:
    if "FACTCHECK_SECRET_KEY" not in os.environ:
        assert DevelopmentConfig.SECRET_KEY is None


def test_development_makes_a_random_secret_key_once_and_keeps_it(tmp_path) -> None:
    """`make run` must not sign sessions with a key everyone can read in the repository."""
    first = development_app(tmp_path, SECRET_KEY=None)
    second = development_app(tmp_path, SECRET_KEY=None)
    key_file = tmp_path / "instance" / "secret_key"
    key = first.config["SECRET_KEY"]
    assert key == second.config["SECRET_KEY"] == key_file.read_text().strip()
    assert key not in KNOWN_WEAK_SECRET_KEYS and secret_key_problem(key) is None
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert list((tmp_path / "instance").iterdir()) == [key_file]  # no temporary files left
    elsewhere = development_app(tmp_path / "other", SECRET_KEY=None)
    assert elsewhere.config["SECRET_KEY"] != key


def test_workers_starting_together_agree_on_the_generated_key(tmp_path) -> None:
    from factcheck import instance_secret_key

    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=4, mp_context=context) as pool:
        keys = set(pool.map(instance_secret_key, [tmp_path] * 8))
    assert len(keys) == 1
    assert keys == {(tmp_path / "secret_key").read_text().strip()}


def test_a_configured_secret_key_is_used_and_nothing_is_written(tmp_path) -> None:
    app = development_app(tmp_path, SECRET_KEY="configured-" + "k" * 40)
    assert app.config["SECRET_KEY"] == "configured-" + "k" * 40
    assert not (tmp_path / "instance" / "secret_key").exists()


def test_testing_keeps_its_fixed_key(tmp_path) -> None:
    class Config(TestingConfig):
        INSTANCE_PATH = str(tmp_path / "instance")

    assert create_app(Config).config["SECRET_KEY"] == TestingConfig.SECRET_KEY
    assert not (tmp_path / "instance" / "secret_key").exists()
