"""A real server on loopback with the demo loaded, and headless Chromium driving it."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DEMO_PASSWORD, skip_or_fail

CHROMIUM = os.environ.get("FACTCHECK_TEST_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        skip_or_fail(f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("the playwright package is not installed")
        raise
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    )
    yield browser
    browser.close()
    playwright.stop()


def _watch(page, errors: list[str]) -> None:
    """Collect what a user would never see but a developer must: script errors and 404s."""
    page.on("pageerror", lambda error: errors.append(str(error)))

    def on_console(message) -> None:
        # Expected 4xx answers (a refused login) are logged as resource errors; JS is not.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(message.text)

    page.on("console", on_console)
    page.on(
        "response",
        lambda response: errors.append(f"404 {response.url}") if response.status == 404 else None,
    )


@pytest.fixture
def new_page(browser, live_server: str) -> Iterator[Callable[..., Any]]:
    """Make pages, each in a browser context of its own (one person each), all watched."""
    contexts: list[Any] = []
    errors: list[str] = []

    def make(**context_options: Any) -> Any:
        context = browser.new_context(base_url=live_server, **context_options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        _watch(page, errors)
        return page

    yield make
    for context in contexts:
        context.close()
    assert errors == [], f"the browser reported errors: {errors}"


@pytest.fixture
def page(new_page: Callable[..., Any]) -> Any:
    return new_page()


def log_in(page, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
