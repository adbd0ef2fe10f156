"""Cross-cutting web behaviour: headers on every response, friendly errors."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from factcheck.users.models import Role
from tests.test_authorization import world as world  # the fixture, shared


@pytest.mark.parametrize("path", ["/login", "/static/css/app.css", "/no-such-page", "/healthz"])
def test_security_headers_on_every_response(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # development/test: no TLS


def test_not_found_page_is_friendly(client: FlaskClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Not found" in response.get_data(as_text=True)


def test_json_clients_get_json_errors(client: FlaskClient) -> None:
    response = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_wrong_method_is_405_with_allow(client: FlaskClient, login) -> None:
    login(Role.ANNOTATOR)
    response = client.delete("/articles")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


def test_health_check_answers(client: FlaskClient) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_home_sends_people_where_they_belong(client: FlaskClient, login) -> None:
    assert client.get("/").headers["Location"].endswith("/login")
    login()
    assert client.get("/").headers["Location"].endswith("/articles")


def test_every_page_carries_the_security_headers_and_logged_in_pages_are_not_cached(
    client: FlaskClient, db, world
) -> None:
    from tests.conftest import log_in
    from tests.test_authorization import MATRIX, _request

    log_in(client, world.users["admin"].email)
    for endpoint, method in sorted(MATRIX):
        if method != "GET":
            continue
        url, _ = _request(world, endpoint, method, db)
        response = client.get(url)
        headers = response.headers
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], url
        assert headers["X-Content-Type-Options"] == "nosniff", url
        assert headers["Referrer-Policy"] == "same-origin", url
        if not url.startswith("/static/"):
            assert headers["Cache-Control"] == "no-store", url


# --- error pages never create or replace the session cookie ---------------------------------


def session_cookies(app, response) -> list[str]:
    """The response's Set-Cookie headers for the session cookie."""
    name = app.config["SESSION_COOKIE_NAME"]
    return [c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{name}=")]


@pytest.mark.parametrize("path", ["/logout", "/account/tokens", "/articles"])
def test_a_refused_cross_site_post_sets_no_session_cookie(app, client: FlaskClient, path) -> None:
    """SameSite keeps the cookie away from a cross-site POST; the 400 must not set a new one."""
    response = client.post(path, data={"name": "forged"})
    assert response.status_code == 400
    assert session_cookies(app, response) == []
    assert client.get_cookie(app.config["SESSION_COOKIE_NAME"]) is None


def test_error_pages_have_no_csrf_token(client: FlaskClient) -> None:
    for response in (client.post("/logout"), client.get("/no-such-page")):
        assert response.status_code in {400, 404}
        assert 'name="csrf-token"' not in response.get_data(as_text=True)


def test_a_refused_cross_site_post_does_not_log_the_victim_out(
    app, client: FlaskClient, login
) -> None:
    """The victim's browser withholds the cookie (SameSite) but obeys any Set-Cookie."""
    login()
    assert client.get("/account").status_code == 200
    attacker_page = app.test_client()  # the same browser, minus the SameSite=Lax cookie
    for path in ("/logout", "/account/tokens"):
        response = attacker_page.post(path)
        assert response.status_code == 400
        for header in session_cookies(app, response):  # what the browser would store
            name, _, rest = header.partition("=")
            client.set_cookie(name, rest.split(";", 1)[0])
        assert client.get("/account").status_code == 200, path


def test_error_responses_keep_a_logged_in_session(app, client: FlaskClient, login) -> None:
    login()
    for method, path, kwargs in [
        ("GET", "/no-such-page", {}),
        ("POST", "/logout", {}),  # no CSRF token: refused
        ("POST", "/account/tokens", {"data": {"csrf_token": "stale"}}),
        ("GET", "/no-such-page", {"headers": {"Accept": "application/json"}}),
    ]:
        response = client.open(path, method=method, **kwargs)
        assert response.status_code in {400, 404}
        assert session_cookies(app, response) == []
        assert client.get("/account").status_code == 200


def test_form_errors_are_tied_to_their_fields_and_announced(client: FlaskClient, login) -> None:
    """A screen reader hears a field's error with the field (aria-describedby to the
    message, aria-invalid), and the summary above the form is an alert."""
    import re

    from tests.conftest import post_form

    login(Role.ADMIN)
    response = post_form(
        client,
        "/admin/users",
        {"email": "not an address", "name": "", "role": "annotator", "password": "x"},
        token_from="/admin/users",
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert '<p class="form-error" role="alert">' in page
    email = re.search(r'<input[^>]*id="email"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in email
    described = re.search(r'aria-describedby="([^"]+)"', email).group(1).split()
    errors = [i for i in described if i.endswith("-errors")]
    assert errors and f'<ul class="errors" id="{errors[0]}">' in page
    # What a save did is said in a live region on the page that follows.
    done = post_form(
        client,
        "/admin/users",
        {"email": "new@example.org", "name": "New", "role": "annotator", "password": "x" * 12},
        token_from="/admin/users",
        follow_redirects=True,
    )
    assert '<div class="flashes" role="status">' in done.get_data(as_text=True)
