"""Configuration: production refuses weak secrets; SQLite is set up for concurrency."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from config import DevelopmentConfig, ProductionConfig, config_from_env
from factcheck import create_app
from factcheck.extensions import build_engine


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
